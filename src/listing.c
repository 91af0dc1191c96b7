/*
 * Directory listings.  Pure: libc only.
 *
 * A file name is any bytes but NUL and '/', and it is chosen by whoever
 * can write to the directory, so every output escapes for its context:
 * HTML text, a URL in an attribute, a JSON string, a text line.  Each
 * escaper reserves its worst case first and then writes straight into
 * the buffer: 10,000 entries sort and render in a few milliseconds,
 * mostly snprintf(3) for the sizes and dates.
 */
#include <inttypes.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "date.h"
#include "listing.h"
#include "tmpl.h"

/* The most bytes one input byte turns into, per escaper. */
#define GROW_HTML	6	/* '"' -> "&quot;" */
#define GROW_PCT	3	/* ' ' -> "%20" */
#define GROW_JSON	6	/* 0x01 -> "\u0001" */
#define GROW_TEXT	4	/* 0x01 -> "\x01" */

static const char	 hex[] = "0123456789ABCDEF";
static const char	 fffd[] = "\xef\xbf\xbd";	/* U+FFFD in UTF-8 */

int
listing_hidden(const char *name)
{
	return name[0] == '.';
}

/* ------------------------------------------------------------ sorting */

static int
listing_cmp_name(const struct listing_entry *a, const struct listing_entry *b)
{
	size_t	n = a->name_len < b->name_len ? a->name_len : b->name_len;
	int	r;

	if ((r = memcmp(a->name, b->name, n)) != 0)
		return r;
	return (a->name_len > b->name_len) - (a->name_len < b->name_len);
}

static int
listing_dirs_first(const struct listing_entry *a,
    const struct listing_entry *b)
{
	return (b->is_dir != 0) - (a->is_dir != 0);
}

/* qsort(3) has no context argument, hence one comparator per key. */
static int
listing_by_name(const void *va, const void *vb)
{
	const struct listing_entry	*a = va, *b = vb;
	int				 r;

	if ((r = listing_dirs_first(a, b)) != 0)
		return r;
	return listing_cmp_name(a, b);
}

static int
listing_by_size(const void *va, const void *vb)
{
	const struct listing_entry	*a = va, *b = vb;
	int				 r;

	if ((r = listing_dirs_first(a, b)) != 0)
		return r;
	if (a->size != b->size)
		return a->size < b->size ? -1 : 1;
	return listing_cmp_name(a, b);
}

static int
listing_by_mtime(const void *va, const void *vb)
{
	const struct listing_entry	*a = va, *b = vb;
	int				 r;

	if ((r = listing_dirs_first(a, b)) != 0)
		return r;
	if (a->mtime != b->mtime)
		return a->mtime < b->mtime ? -1 : 1;
	return listing_cmp_name(a, b);
}

static void
listing_reverse(struct listing_entry *e, size_t n)
{
	struct listing_entry	tmp;
	size_t			i;

	for (i = 0; i < n / 2; i++) {
		tmp = e[i];
		e[i] = e[n - 1 - i];
		e[n - 1 - i] = tmp;
	}
}

void
listing_sort(struct listing_entry *e, size_t n, enum listing_key key,
    int desc)
{
	size_t	ndirs;

	if (n < 2)
		return;
	if (key == LISTING_SIZE)
		qsort(e, n, sizeof(*e), listing_by_size);
	else if (key == LISTING_MTIME)
		qsort(e, n, sizeof(*e), listing_by_mtime);
	else
		qsort(e, n, sizeof(*e), listing_by_name);
	if (!desc)
		return;
	/* Names are unique, so descending is exactly ascending reversed. */
	for (ndirs = 0; ndirs < n && e[ndirs].is_dir; ndirs++)
		;
	listing_reverse(e, ndirs);
	listing_reverse(e + ndirs, n - ndirs);
}

/* ------------------------------------------------------------- query */

static int
listing_is(const char *p, size_t len, const char *s)
{
	return strlen(s) == len && memcmp(p, s, len) == 0;
}

/* One "name=value" pair of the query. */
static void
listing_param(const char *p, size_t len, enum listing_key *key, int *desc)
{
	const char	*eq, *v;
	size_t		 klen, vlen;

	if ((eq = memchr(p, '=', len)) == NULL)
		return;
	klen = eq - p;
	v = eq + 1;
	vlen = len - klen - 1;
	if (listing_is(p, klen, "sort")) {
		if (listing_is(v, vlen, "name"))
			*key = LISTING_NAME;
		else if (listing_is(v, vlen, "size"))
			*key = LISTING_SIZE;
		else if (listing_is(v, vlen, "mtime"))
			*key = LISTING_MTIME;
	} else if (listing_is(p, klen, "order")) {
		if (listing_is(v, vlen, "asc"))
			*desc = 0;
		else if (listing_is(v, vlen, "desc"))
			*desc = 1;
	}
}

void
listing_parse_query(const char *q, size_t len, enum listing_key *key,
    int *desc)
{
	const char	*end, *amp;

	*key = LISTING_NAME;
	*desc = 0;
	if (q == NULL)
		return;
	end = q + len;
	while (q < end) {
		if ((amp = memchr(q, '&', end - q)) == NULL)
			amp = end;
		listing_param(q, amp - q, key, desc);
		q = amp + 1;
	}
}

/* ----------------------------------------------------- negotiation */

/* tchar (RFC 9110 section 5.6.2) */
static int
listing_tchar(unsigned char c)
{
	if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
	    (c >= 'A' && c <= 'Z'))
		return 1;
	return c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

static const char *
listing_ows(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	return p;
}

static const char *
listing_token(const char *p, const char *end)
{
	while (p < end && listing_tchar(*p))
		p++;
	return p;
}

/* Past a quoted-string (RFC 9110 section 5.6.4) at p, or NULL. */
static const char *
listing_quoted(const char *p, const char *end)
{
	for (p++; p < end; p++) {
		if (*p == '"')
			return p + 1;
		if (*p == '\\' && ++p == end)
			break;
	}
	return NULL;
}

/*
 * weight (RFC 9110 section 12.4.2) in thousandths: "0", "0.5", "1",
 * "1.000"; -1 if it is not one.
 */
static int
listing_weight(const char *p, const char *end)
{
	int	q, i;

	if (p == end || (*p != '0' && *p != '1'))
		return -1;
	q = (*p++ - '0') * 1000;
	if (p < end && *p == '.')
		for (p++, i = 100; p < end && *p >= '0' && *p <= '9' && i > 0;
		    p++, i /= 10)
			q += (*p - '0') * i;
	return p == end && q <= 1000 ? q : -1;
}

/* The media range being read: type, subtype and q. */
struct listing_range {
	const char	*type, *sub;
	size_t		 tlen, slen;
	int		 q;
};

/*
 * The parameters after a media range, up to the ',' or end: sets r->q.
 * Returns the end of the element, or NULL when it is malformed.
 */
static const char *
listing_params(const char *p, const char *end, struct listing_range *r)
{
	const char	*name, *v;
	size_t		 nlen;

	for (;;) {
		p = listing_ows(p, end);
		if (p == end || *p == ',')
			return p;
		if (*p++ != ';')
			return NULL;
		p = listing_ows(p, end);
		name = p;
		p = listing_token(p, end);
		nlen = p - name;
		if (nlen == 0 || p == end || *p++ != '=')
			return NULL;
		v = p;
		p = p < end && *p == '"' ? listing_quoted(p, end) :
		    listing_token(p, end);
		if (p == NULL || p == v)
			return NULL;
		if (nlen == 1 && (*name == 'q' || *name == 'Q') &&
		    (r->q = listing_weight(v, p)) == -1)
			return NULL;
	}
}

/* One media range at p; returns its end, or NULL when malformed. */
static const char *
listing_range(const char *p, const char *end, struct listing_range *r)
{
	r->type = p;
	p = listing_token(p, end);
	r->tlen = p - r->type;
	if (r->tlen == 0 || p == end || *p++ != '/')
		return NULL;
	r->sub = p;
	p = listing_token(p, end);
	r->slen = p - r->sub;
	if (r->slen == 0)
		return NULL;
	r->q = 1000;
	return listing_params(p, end, r);
}

/* Skip a malformed element: to the next ',' outside a quoted-string. */
static const char *
listing_skip(const char *p, const char *end)
{
	while (p < end && *p != ',') {
		if (*p != '"')
			p++;
		else if ((p = listing_quoted(p, end)) == NULL)
			return end;
	}
	return p;
}

static int
listing_ieq(const char *p, size_t len, const char *s)
{
	return strlen(s) == len && strncasecmp(p, s, len) == 0;
}

/* How specifically r names type/sub: 2 exactly, 1 type/x, 0 x/x, -1 not. */
static int
listing_match(const struct listing_range *r, const char *type,
    const char *sub)
{
	if (listing_ieq(r->type, r->tlen, "*"))
		return listing_ieq(r->sub, r->slen, "*") ? 0 : -1;
	if (!listing_ieq(r->type, r->tlen, type))
		return -1;
	if (listing_ieq(r->sub, r->slen, "*"))
		return 1;
	return listing_ieq(r->sub, r->slen, sub) ? 2 : -1;
}

/* Media types by enum listing_format. */
static const char	*listing_mt[3][2] = {
	{ "text", "html" }, { "application", "json" }, { "text", "plain" }
};

/* Give r's q to each format it names more specifically than before. */
static void
listing_apply(const struct listing_range *r, int *q, int *spec)
{
	int	f, s;

	for (f = 0; f < 3; f++) {
		s = listing_match(r, listing_mt[f][0], listing_mt[f][1]);
		if (s > spec[f]) {
			spec[f] = s;
			q[f] = r->q;
		}
	}
}

enum listing_format
listing_negotiate(const char *p, size_t len)
{
	struct listing_range	 r;
	const char		*end, *e;
	int			 q[3] = { 0, 0, 0 };
	int			 spec[3] = { -1, -1, -1 };
	int			 f, best = LISTING_HTML;

	if (p == NULL || len == 0)
		return LISTING_HTML;
	end = p + len;
	while (p < end) {
		p = listing_ows(p, end);
		if (p < end && *p == ',')
			p++;
		else if ((e = listing_range(p, end, &r)) == NULL)
			p = listing_skip(p, end);
		else {
			listing_apply(&r, q, spec);
			p = e;
		}
	}
	/* Strictly greater: ties go to the earlier format, HTML first. */
	for (f = 1; f < 3; f++)
		if (q[f] > q[best])
			best = f;
	return (enum listing_format)best;
}

const char *
listing_content_type(enum listing_format f)
{
	switch (f) {
	case LISTING_JSON:
		return "application/json";
	case LISTING_TEXT:
		return "text/plain; charset=utf-8";
	default:
		return "text/html; charset=utf-8";
	}
}

/* ---------------------------------------------------- size and time */

void
listing_human_size(uint64_t size, char *buf)
{
	static const char	*unit[] = {
		"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"
	};
	uint64_t		 u, tenths;
	int			 i;

	if (size < 1024) {
		snprintf(buf, LISTING_SIZE_LEN + 1, "%u B", (unsigned)size);
		return;
	}
	for (i = 0; i < 6; i++) {
		u = (uint64_t)1 << (10 * (i + 1));
		/* (size % u) * 10 < 10 * 2^60 < 2^64: no overflow. */
		tenths = size / u * 10 + (size % u * 10 + u / 2) / u;
		/* 1023.96 KiB is "1.0 MiB", not "1024.0 KiB". */
		if (tenths < 10240 || i == 5)
			break;
	}
	snprintf(buf, LISTING_SIZE_LEN + 1, "%u.%u %s",
	    (unsigned)(tenths / 10), (unsigned)(tenths % 10), unit[i]);
}

void
listing_time(time_t t, char *buf)
{
	int64_t	days, secs, y;
	int	m, d;

	days = (int64_t)t / 86400;
	secs = (int64_t)t % 86400;
	if (secs < 0) {
		secs += 86400;
		days--;
	}
	date_civil_from_days(days, &y, &m, &d);
	if (y < 0) {
		memcpy(buf, "0000-01-01 00:00", LISTING_TIME_LEN + 1);
		return;
	}
	if (y > 9999) {
		memcpy(buf, "9999-12-31 23:59", LISTING_TIME_LEN + 1);
		return;
	}
	snprintf(buf, LISTING_TIME_LEN + 1, "%04d-%02d-%02d %02d:%02d",
	    (int)y, m, d, (int)(secs / 3600), (int)(secs / 60 % 60));
}

/* --------------------------------------------------------- escapers */

/*
 * Length of the valid UTF-8 sequence at p (RFC 3629 section 4: no
 * overlong forms, no surrogates, nothing past U+10FFFF), or 0.
 */
static size_t
listing_utf8(const unsigned char *p, const unsigned char *end)
{
	size_t		n, i;
	unsigned char	lo = 0x80, hi = 0xbf;

	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		n = 2;
	else if (p[0] >= 0xe0 && p[0] <= 0xef) {
		n = 3;
		if (p[0] == 0xe0)
			lo = 0xa0;	/* overlong */
		else if (p[0] == 0xed)
			hi = 0x9f;	/* surrogates */
	} else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
		n = 4;
		if (p[0] == 0xf0)
			lo = 0x90;	/* overlong */
		else if (p[0] == 0xf4)
			hi = 0x8f;	/* past U+10FFFF */
	} else
		return 0;
	if ((size_t)(end - p) < n || p[1] < lo || p[1] > hi)
		return 0;
	for (i = 2; i < n; i++)
		if (p[i] < 0x80 || p[i] > 0xbf)
			return 0;
	return n;
}

/* A C0 or C1 control, or DEL, as a UTF-8 sequence of length n at p. */
static int
listing_control(const unsigned char *p, size_t n)
{
	if (n == 1)
		return p[0] < 0x20 || p[0] == 0x7f;
	return n == 2 && p[0] == 0xc2 && p[1] < 0xa0;
}

/* Room for len bytes grown by factor, then a pointer to write at. */
static char *
listing_room(struct tmpl_out *out, size_t len, size_t factor)
{
	if (len > (SIZE_MAX - 64) / factor ||
	    tmpl_out_reserve(out, len * factor) == -1)
		return NULL;
	return out->p + out->len;
}

/* Percent-encode all but unreserved (RFC 3986 section 2.3). */
static int
listing_pct(struct tmpl_out *out, const char *s, size_t len)
{
	const unsigned char	*p = (const unsigned char *)s;
	char			*w;
	size_t			 i;

	if ((w = listing_room(out, len, GROW_PCT)) == NULL)
		return -1;
	for (i = 0; i < len; i++) {
		if ((p[i] >= 'A' && p[i] <= 'Z') || (p[i] >= 'a' &&
		    p[i] <= 'z') || (p[i] >= '0' && p[i] <= '9') ||
		    p[i] == '-' || p[i] == '.' || p[i] == '_' || p[i] == '~') {
			*w++ = p[i];
			continue;
		}
		*w++ = '%';
		*w++ = hex[p[i] >> 4];
		*w++ = hex[p[i] & 15];
	}
	out->len = w - out->p;
	return 0;
}

/*
 * HTML text: escaped by tmpl_html_escape() in runs, with invalid UTF-8
 * and controls as U+FFFD, so the page is valid UTF-8 and a newline in a
 * name cannot break the layout.
 */
static int
listing_html_text(struct tmpl_out *out, const char *s, size_t len)
{
	const unsigned char	*p = (const unsigned char *)s;
	const unsigned char	*end = p + len, *run = p;
	size_t			 n;

	if (listing_room(out, len, GROW_HTML) == NULL)
		return -1;
	while (p < end) {
		n = listing_utf8(p, end);
		if (n != 0 && !listing_control(p, n)) {
			p += n;
			continue;
		}
		out->len += tmpl_html_escape(out->p + out->len,
		    out->cap - out->len, (const char *)run, p - run);
		memcpy(out->p + out->len, fffd, 3);
		out->len += 3;
		p += n ? n : 1;
		run = p;
	}
	out->len += tmpl_html_escape(out->p + out->len, out->cap - out->len,
	    (const char *)run, p - run);
	return 0;
}

/* The inside of a JSON string (RFC 8259 section 7). */
static int
listing_json_str(struct tmpl_out *out, const char *s, size_t len)
{
	const unsigned char	*p = (const unsigned char *)s;
	const unsigned char	*end = p + len;
	char			*w;
	size_t			 n;

	if ((w = listing_room(out, len, GROW_JSON)) == NULL)
		return -1;
	while (p < end) {
		if ((n = listing_utf8(p, end)) == 0) {
			memcpy(w, "\\ufffd", 6);
			w += 6;
			p++;
		} else if (n == 1 && (*p < 0x20 || *p == 0x7f)) {
			memcpy(w, "\\u00", 4);
			w[4] = hex[*p >> 4];
			w[5] = hex[*p++ & 15];
			w += 6;
		} else if (*p == '"' || *p == '\\') {
			*w++ = '\\';
			*w++ = *p++;
		} else {
			memcpy(w, p, n);
			w += n;
			p += n;
		}
	}
	out->len = w - out->p;
	return 0;
}

/* A text line: C-style escapes, so the name is recoverable exactly. */
static int
listing_text_line(struct tmpl_out *out, const char *s, size_t len)
{
	const unsigned char	*p = (const unsigned char *)s;
	const unsigned char	*end = p + len;
	char			*w;
	size_t			 n;

	if ((w = listing_room(out, len, GROW_TEXT)) == NULL)
		return -1;
	while (p < end) {
		n = listing_utf8(p, end);
		if (n > 1 || (n == 1 && *p >= 0x20 && *p != 0x7f &&
		    *p != '\\')) {
			memcpy(w, p, n);
			w += n;
			p += n;
			continue;
		}
		*w++ = '\\';
		if (*p == '\\' || *p == '\n' || *p == '\r' || *p == '\t')
			*w++ = *p == '\\' ? '\\' : *p == '\n' ? 'n' :
			    *p == '\r' ? 'r' : 't';
		else {
			*w++ = 'x';
			*w++ = hex[*p >> 4];
			*w++ = hex[*p & 15];
		}
		p++;
	}
	out->len = w - out->p;
	return 0;
}

/* ------------------------------------------------------------ HTML */

static const char	*key_name[] = { "name", "size", "mtime" };

/* One sortable column header: ascending, unless it already is. */
static int
listing_html_th(struct tmpl_out *out, enum listing_key col,
    const char *label, enum listing_key key, int desc)
{
	const char	*aria = "";
	char		 buf[160];
	int		 next_desc = col == key && !desc;

	if (col == key)
		aria = desc ? " aria-sort=\"descending\"" :
		    " aria-sort=\"ascending\"";
	snprintf(buf, sizeof(buf), "<th%s><a href=\"?sort=%s&amp;order=%s\">"
	    "%s</a></th>", aria, key_name[col], next_desc ? "desc" : "asc",
	    label);
	return tmpl_out_str(out, buf);
}

static int
listing_html_head(struct tmpl_out *out, const char *dir, size_t dir_len,
    enum listing_key key, int desc)
{
	if (tmpl_out_str(out, "<!DOCTYPE html>\n<html>\n<head>\n"
	    "<meta charset=\"utf-8\">\n<title>Index of ") == -1 ||
	    listing_html_text(out, dir, dir_len) == -1 ||
	    tmpl_out_str(out, "</title>\n</head>\n<body>\n<h1>Index of ") ==
	    -1 || listing_html_text(out, dir, dir_len) == -1 ||
	    tmpl_out_str(out, "</h1>\n<table>\n<thead><tr>") == -1 ||
	    listing_html_th(out, LISTING_NAME, "Name", key, desc) == -1 ||
	    listing_html_th(out, LISTING_SIZE, "Size", key, desc) == -1 ||
	    listing_html_th(out, LISTING_MTIME, "Last modified (UTC)", key,
	    desc) == -1 ||
	    tmpl_out_str(out, "</tr></thead>\n<tbody>\n") == -1)
		return -1;
	/* "/" has no parent; anything else is a directory under it. */
	if (dir_len == 1 && dir[0] == '/')
		return 0;
	return tmpl_out_str(out, "<tr><td><a href=\"../\">../</a></td>"
	    "<td>-</td><td></td></tr>\n");
}

static int
listing_html_row(struct tmpl_out *out, const struct listing_entry *e)
{
	char	size[LISTING_SIZE_LEN + 1], when[LISTING_TIME_LEN + 1];
	char	tail[128];
	int	n;

	if (e->is_dir)
		memcpy(size, "-", 2);
	else
		listing_human_size(e->size, size);
	listing_time(e->mtime, when);
	n = snprintf(tail, sizeof(tail), "%s</a></td><td>%s</td><td>%s</td>"
	    "</tr>\n", e->is_dir ? "/" : "", size, when);
	if (tmpl_out_str(out, "<tr><td><a href=\"") == -1 ||
	    listing_pct(out, e->name, e->name_len) == -1 ||
	    tmpl_out_str(out, e->is_dir ? "/\">" : "\">") == -1 ||
	    listing_html_text(out, e->name, e->name_len) == -1 ||
	    tmpl_out_add(out, tail, (size_t)n) == -1)
		return -1;
	return 0;
}

static int
listing_html(struct tmpl_out *out, const char *dir, size_t dir_len,
    const struct listing_entry *e, size_t n, enum listing_key key, int desc)
{
	size_t	i;

	if (listing_html_head(out, dir, dir_len, key, desc) == -1)
		return -1;
	for (i = 0; i < n; i++)
		if (listing_html_row(out, &e[i]) == -1)
			return -1;
	return tmpl_out_str(out, "</tbody>\n</table>\n</body>\n</html>\n");
}

/* ------------------------------------------------------- JSON, text */

static int
listing_json_obj(struct tmpl_out *out, const struct listing_entry *e,
    int last)
{
	char	tail[128];
	int	n;

	n = snprintf(tail, sizeof(tail), "\",\"type\":\"%s\",\"size\":%"
	    PRIu64 ",\"mtime\":%lld}%s\n", e->is_dir ? "dir" : "file",
	    e->size, (long long)e->mtime, last ? "" : ",");
	if (tmpl_out_str(out, "{\"name\":\"") == -1 ||
	    listing_json_str(out, e->name, e->name_len) == -1 ||
	    tmpl_out_str(out, "\",\"href\":\"") == -1 ||
	    listing_pct(out, e->name, e->name_len) == -1 ||
	    (e->is_dir && tmpl_out_str(out, "/") == -1) ||
	    tmpl_out_add(out, tail, (size_t)n) == -1)
		return -1;
	return 0;
}

static int
listing_json(struct tmpl_out *out, const struct listing_entry *e, size_t n)
{
	size_t	i;

	if (tmpl_out_str(out, "[\n") == -1)
		return -1;
	for (i = 0; i < n; i++)
		if (listing_json_obj(out, &e[i], i + 1 == n) == -1)
			return -1;
	return tmpl_out_str(out, "]\n");
}

static int
listing_text(struct tmpl_out *out, const struct listing_entry *e, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (listing_text_line(out, e[i].name, e[i].name_len) == -1 ||
		    tmpl_out_str(out, e[i].is_dir ? "/\n" : "\n") == -1)
			return -1;
	return 0;
}

int
listing_render(struct tmpl_out *out, enum listing_format fmt,
    const char *dir, size_t dir_len, const struct listing_entry *e,
    size_t n, enum listing_key key, int desc)
{
	switch (fmt) {
	case LISTING_JSON:
		return listing_json(out, e, n);
	case LISTING_TEXT:
		return listing_text(out, e, n);
	default:
		return listing_html(out, dir, dir_len, e, n, key, desc);
	}
}
