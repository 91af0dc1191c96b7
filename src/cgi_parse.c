/*
 * CGI meta-variables and script response headers (RFC 3875).  Pure.
 */
#include "config.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "cgi_parse.h"

/* ---------------------------------------------------------- environment */

static int
env_grow(struct cgi_env *e, size_t need)
{
	size_t	 cap;
	char	*p;

	if (e->oom)
		return -1;
	if (e->len + need <= e->cap)
		return 0;
	for (cap = e->cap ? e->cap : 4096; cap < e->len + need; cap *= 2)
		;
	if ((p = realloc(e->buf, cap)) == NULL) {
		e->oom = 1;
		return -1;
	}
	e->buf = p;
	e->cap = cap;
	return 0;
}

/* Append value bytes; the variable is still open (no NUL yet). */
static void
env_put(struct cgi_env *e, const char *v, size_t n)
{
	size_t	i;

	if (env_grow(e, n + 1) == -1)
		return;
	for (i = 0; i < n; i++) {
		/* one variable must stay one string, on one line */
		if (v[i] == '\0' || v[i] == '\r' || v[i] == '\n')
			e->buf[e->len++] = ' ';
		else
			e->buf[e->len++] = v[i];
	}
}

static void
env_end(struct cgi_env *e)
{
	if (env_grow(e, 1) == -1)
		return;
	e->buf[e->len++] = '\0';
	e->n++;
}

void
cgi_env_add(struct cgi_env *e, const char *name, const char *value,
    size_t vlen)
{
	env_put(e, name, strlen(name));
	env_put(e, "=", 1);
	env_put(e, value, vlen);
	env_end(e);
}

void
cgi_env_adds(struct cgi_env *e, const char *name, const char *value)
{
	cgi_env_add(e, name, value, strlen(value));
}

static int
header_skipped(struct span name)
{
	static const char *const skip[] = {
		"Content-Length", "Content-Type", "Authorization",
		"Proxy-Authorization", "Proxy", NULL
	};
	size_t	i;

	for (i = 0; skip[i] != NULL; i++)
		if (span_eq(name, skip[i]))
			return 1;
	for (i = 0; i < name.len; i++)
		if (!isalnum((unsigned char)name.p[i]) && name.p[i] != '-')
			return 1;
	return name.len == 0;
}

/* "User-Agent" -> "HTTP_USER_AGENT=" */
static void
env_header_name(struct cgi_env *e, struct span name)
{
	size_t	i;
	char	ch;

	env_put(e, "HTTP_", 5);
	for (i = 0; i < name.len; i++) {
		ch = name.p[i] == '-' ? '_' :
		    (char)toupper((unsigned char)name.p[i]);
		env_put(e, &ch, 1);
	}
	env_put(e, "=", 1);
}

void
cgi_env_headers(struct cgi_env *e, const struct http_header *h, size_t n)
{
	size_t	i, j;
	int	seen;

	for (i = 0; i < n; i++) {
		if (header_skipped(h[i].name))
			continue;
		for (seen = 0, j = 0; j < i && !seen; j++)
			seen = h[j].name.len == h[i].name.len &&
			    strncasecmp(h[j].name.p, h[i].name.p,
			    h[i].name.len) == 0;
		if (seen)
			continue;	/* joined in with the first one */
		env_header_name(e, h[i].name);
		env_put(e, h[i].value.p, h[i].value.len);
		for (j = i + 1; j < n; j++)
			if (h[j].name.len == h[i].name.len &&
			    strncasecmp(h[j].name.p, h[i].name.p,
			    h[i].name.len) == 0) {
				env_put(e, ", ", 2);
				env_put(e, h[j].value.p, h[j].value.len);
			}
		env_end(e);
	}
}

char **
cgi_env_vector(const struct cgi_env *e)
{
	char	**v, *p;
	size_t	  i;

	if (e->oom || (v = calloc(e->n + 1, sizeof(*v))) == NULL)
		return NULL;
	for (i = 0, p = e->buf; i < e->n; i++, p += strlen(p) + 1)
		v[i] = p;
	return v;
}

void
cgi_env_free(struct cgi_env *e)
{
	free(e->buf);
	memset(e, 0, sizeof(*e));
}

/* ---------------------------------------------------------- response */

/* RFC 9110 section 5.6.2 tchar */
static int
is_tchar(unsigned char ch)
{
	return isalnum(ch) || (ch != '\0' && strchr("!#$%&'*+-.^_`|~", ch)
	    != NULL);
}

/* Where the header section ends: just past the empty line, or 0. */
static size_t
head_end(const char *buf, size_t len)
{
	size_t	i;

	for (i = 0; i < len; i++) {
		if (buf[i] != '\n')
			continue;
		if (i == 0 || (i == 1 && buf[0] == '\r'))
			return i + 1;	/* no fields at all: caught later */
		if (i + 1 < len && buf[i + 1] == '\n')
			return i + 2;
		if (i + 2 < len && buf[i + 1] == '\r' && buf[i + 2] == '\n')
			return i + 3;
	}
	return 0;
}

static int
set_once(struct cgi_head *h, struct span *f, struct span v)
{
	if (f->p != NULL) {
		h->error = "a field given twice";
		return -1;
	}
	*f = v;
	return 0;
}

/* "Status: 404 Not Found" (RFC 3875 section 6.3.3) */
static int
parse_status(struct cgi_head *h, struct span v)
{
	size_t	i;

	if (h->status != 0) {
		h->error = "Status given twice";
		return -1;
	}
	if (v.len < 3 || !isdigit((unsigned char)v.p[0]) ||
	    !isdigit((unsigned char)v.p[1]) ||
	    !isdigit((unsigned char)v.p[2]) ||
	    (v.len > 3 && v.p[3] != ' ' && v.p[3] != '\t')) {
		h->error = "bad Status";
		return -1;
	}
	h->status = (v.p[0] - '0') * 100 + (v.p[1] - '0') * 10 +
	    (v.p[2] - '0');
	/* a final answer: 1xx has no place in a script's response */
	if (h->status < 200 || h->status > 599) {
		h->error = "Status out of range";
		return -1;
	}
	for (i = 3; i < v.len && (v.p[i] == ' ' || v.p[i] == '\t'); i++)
		;
	if (i < v.len) {
		h->reason.p = v.p + i;
		h->reason.len = v.len - i;
	}
	return 0;
}

static int64_t
parse_length(struct span v)
{
	int64_t	n = 0;
	size_t	i;

	if (v.len == 0 || v.len > 18)
		return -1;
	for (i = 0; i < v.len; i++) {
		if (!isdigit((unsigned char)v.p[i]))
			return -1;
		n = n * 10 + (v.p[i] - '0');
	}
	return n;
}

static int
field_dropped(struct span name)
{
	static const char *const drop[] = {
		"Connection", "Keep-Alive", "Transfer-Encoding", "TE",
		"Trailer", "Upgrade", "Proxy-Connection", "Date", "Server",
		NULL
	};
	size_t	i;

	for (i = 0; drop[i] != NULL; i++)
		if (span_eq(name, drop[i]))
			return 1;
	return 0;
}

static int
take_field(struct cgi_head *h, struct span name, struct span v)
{
	if (span_eq(name, "Status"))
		return parse_status(h, v);
	if (span_eq(name, "Location"))
		return set_once(h, &h->location, v);
	if (span_eq(name, "Content-Type"))
		return set_once(h, &h->content_type, v);
	if (span_eq(name, "Content-Length")) {
		if (h->content_length != -1) {
			h->error = "Content-Length given twice";
			return -1;
		}
		h->content_length = parse_length(v);
		return 0;
	}
	if (field_dropped(name))
		return 0;
	if (h->nfields == CGI_FIELDS_MAX) {
		h->error = "too many header fields";
		return -1;
	}
	h->fields[h->nfields].name = name;
	h->fields[h->nfields++].value = v;
	return 0;
}

/* One field line, without its line end. */
static int
parse_line(struct cgi_head *h, const char *p, size_t n)
{
	struct span	name, v;
	size_t		i;

	for (i = 0; i < n && is_tchar((unsigned char)p[i]); i++)
		;
	if (i == 0 || i == n || p[i] != ':') {
		/* also obs-fold (a line starting with white space) */
		h->error = "a header line that is not name: value";
		return -1;
	}
	name.p = p;
	name.len = i;
	for (i++; i < n && (p[i] == ' ' || p[i] == '\t'); i++)
		;
	while (n > i && (p[n - 1] == ' ' || p[n - 1] == '\t'))
		n--;
	v.p = p + i;
	v.len = n - i;
	for (; i < n; i++)
		if (((unsigned char)p[i] < 0x20 && p[i] != '\t') ||
		    p[i] == 0x7f) {
			h->error = "a control character in a header value";
			return -1;
		}
	return take_field(h, name, v);
}

/* RFC 3875 section 6.2: which response is it, and its status. */
static int
classify(struct cgi_head *h)
{
	const char	*loc = h->location.p;

	if (loc == NULL) {
		if (h->content_type.p == NULL && h->status == 0) {
			h->error = "no Content-Type, Status or Location";
			return -1;
		}
		h->kind = CGI_DOCUMENT;
		if (h->status == 0)
			h->status = 200;
		return 0;
	}
	if (h->location.len == 0) {
		h->error = "empty Location";
		return -1;
	}
	if (loc[0] == '/' && (h->location.len < 2 || loc[1] != '/') &&
	    h->status == 0) {
		h->kind = CGI_LOCAL_REDIRECT;
		return 0;
	}
	/* 6.2.3: a client redirect is 302 unless the script said more */
	h->kind = CGI_CLIENT_REDIRECT;
	if (h->status == 0)
		h->status = 302;
	return 0;
}

enum cgi_head_result
cgi_parse_head(const char *buf, size_t len, size_t max, struct cgi_head *h)
{
	size_t		 end, n;
	const char	*p, *eol, *stop;

	memset(h, 0, sizeof(*h));
	h->content_length = -1;
	if ((end = head_end(buf, len > max ? max : len)) == 0) {
		if (len < max)
			return CGI_HEAD_AGAIN;
		h->error = "header section too large";
		return CGI_HEAD_ERROR;
	}
	h->head_len = end;
	stop = buf + end;
	for (p = buf; p < stop; p = eol + 1) {
		eol = memchr(p, '\n', (size_t)(stop - p));
		n = (size_t)(eol - p);
		if (n > 0 && p[n - 1] == '\r')
			n--;
		if (n == 0)
			break;		/* the empty line */
		if (memchr(p, '\r', n) != NULL) {
			h->error = "a bare CR in the header section";
			return CGI_HEAD_ERROR;
		}
		if (parse_line(h, p, n) == -1)
			return CGI_HEAD_ERROR;
	}
	return classify(h) == -1 ? CGI_HEAD_ERROR : CGI_HEAD_DONE;
}

/* ---------------------------------------------------------- mapping */

size_t
cgi_url_match(const char *prefix, const char *path)
{
	size_t	n = strlen(prefix);

	return strncmp(prefix, path, n) == 0 ? n : 0;
}

int
cgi_ext_ok(const char *name, char *const *ext, int n)
{
	size_t	nl = strlen(name), el;
	int	i;

	if (n == 0)
		return 1;
	for (i = 0; i < n; i++) {
		el = strlen(ext[i]);
		if (nl > el && strcmp(name + nl - el, ext[i]) == 0)
			return 1;
	}
	return 0;
}
