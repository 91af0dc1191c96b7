/*
 * htpasswd files and HTTP Basic credentials.  I/O: reads the file.
 */
#include <sys/types.h>

#include <crypt.h>
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "htpasswd.h"

/*
 * Setting for the dummy crypt_r() of an unknown user when the file has
 * no entries to borrow one from: bcrypt at htpasswd -B's default cost.
 */
#define HTPASSWD_DUMMY \
	"$2y$05$7JE2SbMZBIX.fbDyEXyujezXKzXJY./Ekn2fYmeDSDRhvaVSYW6YW"

#define BCRYPT_LEN	60	/* "$2y$NN$" + 22 salt + 31 hash */
#define SHA512_OUT_LEN	86	/* the hash after the last '$' */

/* errbuf, filled one "path:N: reason" line at a time. */
struct htpasswd_errs {
	char	*buf;
	size_t	 len;
	size_t	 used;
	int	 full;
};

static void
htpasswd_err(struct htpasswd_errs *e, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void
htpasswd_err(struct htpasswd_errs *e, const char *fmt, ...)
{
	va_list	ap;
	size_t	sep = e->used ? 1 : 0;
	int	n;

	if (e->full || e->len == 0)
		return;
	va_start(ap, fmt);
	n = vsnprintf(e->buf + e->used + sep, e->len - e->used - sep, fmt,
	    ap);
	va_end(ap);
	if (n >= 0 && e->used + sep + (size_t)n < e->len) {
		if (sep)
			e->buf[e->used] = '\n';
		e->used += sep + (size_t)n;
		return;
	}
	/* Does not fit: end what we have with "..." instead. */
	e->full = 1;
	e->buf[e->used] = '\0';
	if (e->used + sep + 3 < e->len)
		memcpy(e->buf + e->used, "\n..." + 1 - sep, sep + 4);
}

static int
htpasswd_bcrypt_ok(const char *h)
{
	return strlen(h) == BCRYPT_LEN && h[4] >= '0' && h[4] <= '3' &&
	    h[5] >= '0' && h[5] <= '9' && h[6] == '$';
}

static int
htpasswd_sha512_ok(const char *h)
{
	const char	*last = strrchr(h, '$');

	return last > h + 3 && strlen(last + 1) == SHA512_OUT_LEN;
}

const char *
htpasswd_hash_refused(const char *h)
{
	if (strncmp(h, "$2y$", 4) == 0 || strncmp(h, "$2b$", 4) == 0)
		return htpasswd_bcrypt_ok(h) ? NULL :
		    "malformed bcrypt hash (truncated?)";
	if (strncmp(h, "$6$", 3) == 0)
		return htpasswd_sha512_ok(h) ? NULL :
		    "malformed SHA-512 crypt hash (truncated?)";
	if (strncmp(h, "$apr1$", 6) == 0)
		return "Apache MD5 ($apr1$) is too fast to resist guessing; "
		    "re-create it with htpasswd -B";
	if (strncmp(h, "$1$", 3) == 0)
		return "MD5 crypt ($1$) is too fast to resist guessing; "
		    "re-create it with htpasswd -B";
	if (strncmp(h, "$2a$", 4) == 0)
		return "bcrypt $2a$ is ambiguous about 8-bit passwords; "
		    "re-create it with htpasswd -B";
	if (strncmp(h, "{SHA}", 5) == 0)
		return "unsalted SHA-1 ({SHA}) is refused; "
		    "re-create it with htpasswd -B";
	if (h[0] == '$')
		return "unsupported hash kind (only $2y$, $2b$ and $6$); "
		    "re-create it with htpasswd -B";
	return "DES crypt or plain-text password refused; "
	    "re-create it with htpasswd -B";
}

static struct htpasswd_entry *
htpasswd_find(const struct htpasswd *hp, const char *user)
{
	size_t	i;

	for (i = 0; i < hp->n; i++)
		if (strcmp(hp->e[i].user, user) == 0)
			return &hp->e[i];
	return NULL;
}

/* Room for one more entry; -1 when out of memory or over the limit. */
static int
htpasswd_grow(struct htpasswd *hp)
{
	struct htpasswd_entry	*e;
	size_t			 cap;

	if (hp->n < hp->cap)
		return 0;
	if (hp->cap >= HTPASSWD_ENTRIES_MAX)
		return -1;
	cap = hp->cap ? hp->cap * 2 : 16;
	if (cap > HTPASSWD_ENTRIES_MAX)
		cap = HTPASSWD_ENTRIES_MAX;
	if ((e = reallocarray(hp->e, cap, sizeof(*e))) == NULL)
		return -1;
	hp->e = e;
	hp->cap = cap;
	return 0;
}

/* Why "user:hash" (NUL-terminated, CR removed) is bad, or NULL. */
static const char *
htpasswd_check(const struct htpasswd *hp, const char *line, size_t len,
    const char *colon)
{
	size_t	ulen;

	if (strlen(line) != len)
		return "NUL byte in line";
	if (colon == NULL)
		return "missing ':' between user and hash";
	if ((ulen = (size_t)(colon - line)) == 0)
		return "empty user name";
	if (ulen > HTPASSWD_USER_MAX)
		return "user name too long";
	if (colon[1] == '\0')
		return "empty hash";
	if (strlen(colon + 1) > HTPASSWD_HASH_MAX)
		return "hash too long";
	return htpasswd_hash_refused(colon + 1);
}

/* One non-comment line.  0 stored, 1 bad (*why set), -1 no memory. */
static int
htpasswd_line(struct htpasswd *hp, char *line, size_t len,
    const char **why)
{
	struct htpasswd_entry	*e;
	char			*colon = memchr(line, ':', len);

	if ((*why = htpasswd_check(hp, line, len, colon)) != NULL)
		return 1;
	*colon = '\0';
	if (htpasswd_find(hp, line) != NULL) {
		*why = "user listed twice";
		return 1;
	}
	if (htpasswd_grow(hp) == -1)
		return -1;
	e = &hp->e[hp->n++];
	memcpy(e->user, line, (size_t)(colon - line) + 1);
	memcpy(e->hash, colon + 1, strlen(colon + 1) + 1);
	return 0;
}

/* Strip the line ending; say whether the line is blank or a comment. */
static int
htpasswd_skip(char *line, size_t *len)
{
	size_t	i;

	if (*len > 0 && line[*len - 1] == '\n')
		line[--*len] = '\0';
	if (*len > 0 && line[*len - 1] == '\r')
		line[--*len] = '\0';
	for (i = 0; i < *len && (line[i] == ' ' || line[i] == '\t'); i++)
		;
	return i == *len || line[i] == '#';
}

static int
htpasswd_read(FILE *fp, const char *path, struct htpasswd *hp,
    struct htpasswd_errs *errs)
{
	char		*line = NULL;
	const char	*why;
	size_t		 sz = 0, lineno = 0, len;
	ssize_t		 n;
	int		 bad = 0, r;

	while ((n = getline(&line, &sz, fp)) != -1) {
		lineno++;
		len = (size_t)n;
		if (htpasswd_skip(line, &len))
			continue;
		if (len > HTPASSWD_LINE_MAX) {
			why = "line too long";
			r = 1;
		} else if ((r = htpasswd_line(hp, line, len, &why)) == -1) {
			htpasswd_err(errs, "%s:%zu: out of memory or more "
			    "than %d users", path, lineno,
			    HTPASSWD_ENTRIES_MAX);
			bad = -1;
			break;
		}
		if (r == 1) {
			htpasswd_err(errs, "%s:%zu: %s", path, lineno, why);
			bad++;
		}
	}
	free(line);
	return bad;
}

int
htpasswd_load(const char *path, struct htpasswd *hp, char *errbuf,
    size_t errlen)
{
	struct htpasswd_errs	 errs = { errbuf, errlen, 0, 0 };
	FILE			*fp;
	int			 bad;

	memset(hp, 0, sizeof(*hp));
	if (errlen > 0)
		errbuf[0] = '\0';
	if ((fp = fopen(path, "re")) == NULL) {
		htpasswd_err(&errs, "%s: %s", path, strerror(errno));
		return -1;
	}
	bad = htpasswd_read(fp, path, hp, &errs);
	if (bad != -1 && ferror(fp)) {
		htpasswd_err(&errs, "%s: read error", path);
		bad = -1;
	}
	fclose(fp);
	return bad;
}

void
htpasswd_free(struct htpasswd *hp)
{
	if (hp->e != NULL)
		explicit_bzero(hp->e, hp->cap * sizeof(*hp->e));
	free(hp->e);
	memset(hp, 0, sizeof(*hp));
}

/*
 * Equal strings?  Runs over all of a (the hash we computed, whose
 * length the algorithm fixes) whatever b holds, so the time says
 * nothing about where they first differ.
 */
static int
htpasswd_ct_equal(const char *a, const char *b)
{
	size_t			 la = strlen(a), lb = strlen(b), i;
	volatile unsigned char	 d = la != lb;

	for (i = 0; i < la; i++)
		d |= (unsigned char)a[i] ^ (unsigned char)(i < lb ? b[i] : 0);
	return d == 0;
}

/* crypt_r(); 1 if the result equals hash, 0 if not, -1 if it failed. */
static int
htpasswd_crypt_eq(const char *password, const char *hash)
{
	struct crypt_data	 cd;
	const char		*out;
	int			 r;

	memset(&cd, 0, sizeof(cd));
	out = crypt_r(password, hash, &cd);
	/* libxcrypt fails with NULL or with a "*0"-style token. */
	if (out == NULL || out[0] == '*')
		r = -1;
	else
		r = htpasswd_ct_equal(out, hash);
	explicit_bzero(&cd, sizeof(cd));
	return r;
}

enum htpasswd_result
htpasswd_verify(const struct htpasswd *hp, const char *user,
    const char *password)
{
	const struct htpasswd_entry	*e = htpasswd_find(hp, user);
	int				 r;

	if (e == NULL) {
		/* The same work a known user costs; the answer is unused. */
		(void)htpasswd_crypt_eq(password,
		    hp->n > 0 ? hp->e[0].hash : HTPASSWD_DUMMY);
		return HTPASSWD_NO_USER;
	}
	if (htpasswd_hash_refused(e->hash) != NULL)
		return HTPASSWD_UNSUPPORTED;
	if ((r = htpasswd_crypt_eq(password, e->hash)) == -1)
		return HTPASSWD_ERROR;
	return r ? HTPASSWD_OK : HTPASSWD_BAD_PASSWORD;
}

const char *
htpasswd_result_str(enum htpasswd_result r)
{
	switch (r) {
	case HTPASSWD_OK:
		return "ok";
	case HTPASSWD_BAD_PASSWORD:
		return "bad password";
	case HTPASSWD_NO_USER:
		return "unknown user";
	case HTPASSWD_UNSUPPORTED:
		return "unsupported hash";
	case HTPASSWD_ERROR:
		return "hash error";
	}
	return "?";
}

/* Value of a base64 digit (RFC 4648 section 4), or -1. */
static int
b64_digit(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/*
 * Decode len base64 bytes (a multiple of 4, '=' padding only at the
 * end) into out; returns the decoded length, or -1.
 */
static long
b64_decode(const char *in, size_t len, unsigned char *out)
{
	size_t		i, k, o = 0, pad = 0;
	uint32_t	v;
	int		d;

	if (len == 0 || len % 4 != 0)
		return -1;
	if (in[len - 1] == '=')
		pad = in[len - 2] == '=' ? 2 : 1;
	for (i = 0; i < len; i += 4) {
		for (v = 0, k = 0; k < 4; k++) {
			if (i + k >= len - pad)
				d = 0;
			else if ((d = b64_digit((unsigned char)in[i + k])) ==
			    -1)
				return -1;
			v = v << 6 | (uint32_t)d;
		}
		out[o++] = (unsigned char)(v >> 16);
		out[o++] = (unsigned char)(v >> 8);
		out[o++] = (unsigned char)v;
	}
	return (long)(o - pad);
}

/* The token68 after "Basic" and its spaces; NULL for another scheme. */
static const char *
basic_token(const char *v, size_t len, size_t *tlen)
{
	const char	*end = v + len;

	while (v < end && (*v == ' ' || *v == '\t'))
		v++;
	while (end > v && (end[-1] == ' ' || end[-1] == '\t'))
		end--;
	if (end - v < 5 || strncasecmp(v, "Basic", 5) != 0 ||
	    (end - v > 5 && v[5] != ' '))
		return NULL;
	for (v += 5; v < end && *v == ' '; v++)
		;
	*tlen = (size_t)(end - v);
	return v;
}

static const char *
basic_split(char *buf, size_t n, const char **user, const char **password)
{
	char	*colon;
	size_t	 i;

	for (i = 0; i < n; i++)
		if ((unsigned char)buf[i] < 0x20 || buf[i] == 0x7f)
			return "control character in credentials";
	buf[n] = '\0';
	if ((colon = strchr(buf, ':')) == NULL)
		return "no ':' between user and password";
	*colon = '\0';
	*user = buf;
	*password = colon + 1;
	return NULL;
}

int
basic_auth_parse(const char *value, size_t len, char *buf, size_t bufsz,
    const char **user, const char **password, char *errbuf, size_t errlen)
{
	const char	*tok, *why;
	size_t		 tlen;
	long		 n;

	if ((tok = basic_token(value, len, &tlen)) == NULL) {
		snprintf(errbuf, errlen, "not Basic credentials");
		return -1;
	}
	if (tlen / 4 * 3 + 1 > bufsz) {
		snprintf(errbuf, errlen, "credentials too long");
		return -1;
	}
	if ((n = b64_decode(tok, tlen, (unsigned char *)buf)) == -1) {
		snprintf(errbuf, errlen, "bad base64 in credentials");
		return -1;
	}
	if ((why = basic_split(buf, (size_t)n, user, password)) != NULL) {
		snprintf(errbuf, errlen, "%s", why);
		return -1;
	}
	return 0;
}
