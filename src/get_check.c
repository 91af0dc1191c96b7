/*
 * hearth-get --check: a conformance smoke test against any HTTP/1.1
 * server.  Each check is one small function over a fresh or reused
 * connection; the runner prints PASS, FAIL or SKIP lines.
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "get.h"

#define CHK_TIMEOUT	10.0	/* default per-request deadline */
#define CHK_HEAD_GRACE	200	/* ms to watch for a body after HEAD */

enum chk_verdict {
	CHK_PASS = 0,
	CHK_FAIL,
	CHK_SKIP
};

/* One response, held in memory. */
struct chk_result {
	struct get_resp	 gr;
	char		*body;
	size_t		 len;
	size_t		 cap;
};

struct chk {
	const char	*host;
	const char	*port;
	double		 timeout;
	char		 path[1024];	/* the path under test */
	char		 missing[64];	/* a path that should not exist */
	struct get_conn	 conn;
	struct chk_result res[2];
	/* what the first GET of path returned */
	char		*body;
	size_t		 body_len;
	char		 etag[256];
	char		 last_modified[128];
	char		 content_type[256];
	int64_t		 content_length;
};

typedef enum chk_verdict chk_fn(struct chk *, char *, size_t);

/* Heads stay in get_resp; nothing to copy. */
static int
chk_sink_head(void *arg, const struct get_resp *gr, int interim,
    struct get_err *err)
{
	(void)arg;
	(void)gr;
	(void)interim;
	(void)err;
	return 0;
}

static int
chk_sink_body(void *arg, const char *p, size_t n, struct get_err *err)
{
	struct chk_result	*res = arg;
	char			*np;
	size_t			 ncap;

	if (res->len + n > GET_CHECK_MAX_BODY) {
		get_err_set(err, GET_E_WRITE, "body over %d bytes",
		    GET_CHECK_MAX_BODY);
		return -1;
	}
	if (res->len + n > res->cap) {
		ncap = (res->len + n) * 2;
		if ((np = realloc(res->body, ncap)) == NULL) {
			get_err_set(err, GET_E_WRITE, "out of memory");
			return -1;
		}
		res->body = np;
		res->cap = ncap;
	}
	memcpy(res->body + res->len, p, n);
	res->len += n;
	return 0;
}

/* Build a request for path with extra header lines (NULL-terminated). */
static char *
chk_request(struct chk *ck, const char *method, const char *path,
    char *const *hdrs, size_t *lenp)
{
	struct get_request	rq;

	memset(&rq, 0, sizeof(rq));
	rq.method = method;
	rq.path = path;
	rq.host = ck->host;
	rq.port = ck->port;
	rq.headers = hdrs;
	while (hdrs != NULL && hdrs[rq.nheaders] != NULL)
		rq.nheaders++;
	return get_request_build(&rq, lenp);
}

/* Read response i off the check connection. */
static int
chk_read(struct chk *ck, int i, int head, struct get_err *err)
{
	struct chk_result	*res = &ck->res[i];
	struct get_sink		 sink = { chk_sink_head, chk_sink_body, res };

	res->len = 0;
	if (get_read_response(&ck->conn, head, &res->gr, &sink,
	    get_deadline(ck->timeout), NULL, err) == -1) {
		get_conn_close(&ck->conn);
		return -1;
	}
	if (!res->gr.r.keep_alive || res->gr.kind == RESP_BODY_CLOSE)
		get_conn_close(&ck->conn);
	return 0;
}

/*
 * One request and its response into res[0], on the open connection or
 * a new one.  Fills why on failure.
 */
static int
chk_fetch(struct chk *ck, const char *method, const char *path,
    char *const *hdrs, char *why, size_t whylen)
{
	struct get_err	 err;
	char		*req;
	size_t		 len;
	int		 rv = -1;

	if ((req = chk_request(ck, method, path, hdrs, &len)) == NULL) {
		snprintf(why, whylen, "out of memory");
		return -1;
	}
	if ((ck->conn.fd == -1 && get_conn_open(&ck->conn, ck->host, ck->port,
	    get_deadline(ck->timeout), NULL, &err) == -1) ||
	    get_conn_send(&ck->conn, req, len, get_deadline(ck->timeout),
	    &err) == -1 ||
	    chk_read(ck, 0, strcmp(method, "HEAD") == 0, &err) == -1)
		snprintf(why, whylen, "%s %s: %s", method, path, err.msg);
	else
		rv = 0;
	free(req);
	return rv;
}

static void
chk_span_copy(char *dst, size_t size, struct span s)
{
	size_t	n = s.p == NULL ? 0 : s.len < size - 1 ? s.len : size - 1;

	if (n > 0)
		memcpy(dst, s.p, n);
	dst[n] = '\0';
}

/* Span equals a saved C string (both absent counts as equal). */
static int
chk_same(struct span s, const char *saved)
{
	if (s.p == NULL)
		return saved[0] == '\0';
	return s.len == strlen(saved) && memcmp(s.p, saved, s.len) == 0;
}

static void
chk_remember(struct chk *ck)
{
	const struct http_response *r = &ck->res[0].gr.r;

	free(ck->body);
	ck->body = ck->res[0].body;
	ck->body_len = ck->res[0].len;
	ck->res[0].body = NULL;
	ck->res[0].cap = ck->res[0].len = 0;
	chk_span_copy(ck->etag, sizeof(ck->etag), r->etag);
	chk_span_copy(ck->last_modified, sizeof(ck->last_modified),
	    r->last_modified);
	chk_span_copy(ck->content_type, sizeof(ck->content_type),
	    r->content_type);
	ck->content_length = r->content_length;
}

/*
 * A static file with validators exercises more checks than a generated
 * index.  Take the first same-server link in the page's HTML.
 */
static int
chk_discover(struct chk *ck, char *out, size_t size)
{
	const char	*p = ck->body, *end = ck->body + ck->body_len, *q;
	size_t		 n;

	while (p != NULL && p < end &&
	    (p = memchr(p, '=', end - p)) != NULL) {
		p++;
		if (p >= end || (*p != '"' && *p != '\''))
			continue;
		q = memchr(p + 1, *p, end - p - 1);
		if (q == NULL)
			break;
		n = q - p - 1;
		if (n > 1 && n < size && p[1] == '/' && p[2] != '/' &&
		    memchr(p + 1, ':', n) == NULL &&
		    strcspn(p + 1, " \t\r\n<>\"'") >= n) {
			memcpy(out, p + 1, n);
			out[n] = '\0';
			return 0;
		}
		p = q + 1;
	}
	return -1;
}

static enum chk_verdict
chk_get(struct chk *ck, char *why, size_t whylen)
{
	char	cand[1024];

	if (chk_fetch(ck, "GET", ck->path, NULL, why, whylen) == -1)
		return CHK_FAIL;
	if (ck->res[0].gr.r.status != 200) {
		snprintf(why, whylen, "GET %s: status %d, want 200", ck->path,
		    ck->res[0].gr.r.status);
		return CHK_FAIL;
	}
	chk_remember(ck);
	if (ck->etag[0] != '\0' || ck->last_modified[0] != '\0' ||
	    strcmp(ck->path, "/") != 0 || chk_discover(ck, cand,
	    sizeof(cand)) == -1)
		return CHK_PASS;
	if (chk_fetch(ck, "GET", cand, NULL, why, whylen) == 0 &&
	    ck->res[0].gr.r.status == 200) {
		strlcpy(ck->path, cand, sizeof(ck->path));
		chk_remember(ck);
		printf("# discovered path %s\n", ck->path);
	}
	return CHK_PASS;
}

/* After a HEAD response, no byte may follow (RFC 9110 section 9.3.2). */
static int
chk_quiet_after_head(struct chk *ck)
{
	struct pollfd	pfd;

	if (ck->conn.len > 0)
		return 0;
	if (ck->conn.fd == -1)
		return 1;
	pfd.fd = ck->conn.fd;
	pfd.events = POLLIN;
	if (poll(&pfd, 1, CHK_HEAD_GRACE) != 1)
		return 1;
	/* readable: either body bytes (bad) or EOF (fine) */
	return recv(ck->conn.fd, &pfd, 1, MSG_PEEK) == 0;
}

static enum chk_verdict
chk_head(struct chk *ck, char *why, size_t whylen)
{
	const struct http_response *r = &ck->res[0].gr.r;

	if (chk_fetch(ck, "HEAD", ck->path, NULL, why, whylen) == -1)
		return CHK_FAIL;
	if (r->status != 200)
		snprintf(why, whylen, "status %d, want 200", r->status);
	else if (!chk_quiet_after_head(ck))
		snprintf(why, whylen, "HEAD response carried a body");
	else if (ck->content_length != -1 &&
	    r->content_length != ck->content_length)
		snprintf(why, whylen, "Content-Length %lld, GET said %lld",
		    (long long)r->content_length,
		    (long long)ck->content_length);
	else if (!chk_same(r->content_type, ck->content_type))
		snprintf(why, whylen, "Content-Type differs from GET");
	else if (!chk_same(r->etag, ck->etag))
		snprintf(why, whylen, "ETag differs from GET");
	else if (!chk_same(r->last_modified, ck->last_modified))
		snprintf(why, whylen, "Last-Modified differs from GET");
	else
		return CHK_PASS;
	get_conn_close(&ck->conn);
	return CHK_FAIL;
}

static enum chk_verdict
chk_not_found(struct chk *ck, char *why, size_t whylen)
{
	if (chk_fetch(ck, "GET", ck->missing, NULL, why, whylen) == -1)
		return CHK_FAIL;
	if (ck->res[0].gr.r.status == 404)
		return CHK_PASS;
	snprintf(why, whylen, "GET %s: status %d, want 404", ck->missing,
	    ck->res[0].gr.r.status);
	return CHK_FAIL;
}

/* Conditional GET with one header; want 304 and no body. */
static enum chk_verdict
chk_conditional(struct chk *ck, const char *name, const char *value,
    char *why, size_t whylen)
{
	char	 line[512];
	char	*hdrs[2] = { line, NULL };

	if (value[0] == '\0') {
		snprintf(why, whylen, "no validator on %s", ck->path);
		return CHK_SKIP;
	}
	snprintf(line, sizeof(line), "%s: %s", name, value);
	if (chk_fetch(ck, "GET", ck->path, hdrs, why, whylen) == -1)
		return CHK_FAIL;
	if (ck->res[0].gr.r.status != 304) {
		snprintf(why, whylen, "%s: status %d, want 304", name,
		    ck->res[0].gr.r.status);
		return CHK_FAIL;
	}
	if (ck->res[0].len != 0) {
		snprintf(why, whylen, "304 carried a body");
		return CHK_FAIL;
	}
	return CHK_PASS;
}

static enum chk_verdict
chk_etag(struct chk *ck, char *why, size_t whylen)
{
	return chk_conditional(ck, "If-None-Match", ck->etag, why, whylen);
}

static enum chk_verdict
chk_last_modified(struct chk *ck, char *why, size_t whylen)
{
	return chk_conditional(ck, "If-Modified-Since", ck->last_modified,
	    why, whylen);
}

/* "bytes F-L/T" (RFC 9110 section 14.4).  T may be "*". */
static int
chk_content_range(const char *p, size_t len, uint64_t *first,
    uint64_t *last, uint64_t *total)
{
	char		 buf[128];
	char		 t[32];

	while (len > 0 && (*p == ' ' || *p == '\t')) {
		p++;
		len--;
	}
	if (len >= sizeof(buf))
		return -1;
	memcpy(buf, p, len);
	buf[len] = '\0';
	if (sscanf(buf, "bytes %llu-%llu/%31s", (unsigned long long *)first,
	    (unsigned long long *)last, t) != 3 || *last < *first)
		return -1;
	*total = strcmp(t, "*") == 0 ? 0 : strtoull(t, NULL, 10);
	return 0;
}

/* Does data hold exactly the body bytes of Content-Range value cr? */
static int
chk_range_ok(struct chk *ck, const char *cr, size_t crlen, const char *data,
    size_t len)
{
	uint64_t	f, l, t;

	if (chk_content_range(cr, crlen, &f, &l, &t) == -1 ||
	    t != ck->body_len || l >= ck->body_len || l - f + 1 != len)
		return 0;
	return memcmp(ck->body + f, data, len) == 0;
}

static enum chk_verdict
chk_range(struct chk *ck, char *why, size_t whylen)
{
	const struct http_response *r = &ck->res[0].gr.r;
	char	 line[128];
	char	*hdrs[2] = { line, NULL };

	if (ck->body_len < 2) {
		snprintf(why, whylen, "body of %s too short", ck->path);
		return CHK_SKIP;
	}
	snprintf(line, sizeof(line), "Range: bytes=1-%zu", ck->body_len / 2);
	if (chk_fetch(ck, "GET", ck->path, hdrs, why, whylen) == -1)
		return CHK_FAIL;
	if (r->status != 206)
		snprintf(why, whylen, "status %d, want 206", r->status);
	else if (r->content_range.p == NULL)
		snprintf(why, whylen, "206 without Content-Range");
	else if (!chk_range_ok(ck, r->content_range.p, r->content_range.len,
	    ck->res[0].body, ck->res[0].len))
		snprintf(why, whylen, "Content-Range or body bytes wrong");
	else
		return CHK_PASS;
	return CHK_FAIL;
}

/* memmem(3), case-insensitive when icase: bodies may hold NULs. */
static const char *
chk_find(const char *p, const char *end, const char *needle, int icase)
{
	size_t	n = strlen(needle);

	for (; p + n <= end; p++)
		if (icase ? strncasecmp(p, needle, n) == 0 :
		    memcmp(p, needle, n) == 0)
			return p;
	return NULL;
}

/* The boundary parameter of a multipart/byteranges Content-Type. */
static int
chk_boundary(struct span ct, char *out, size_t size)
{
	char		 buf[512];
	const char	*b;
	size_t		 n;

	if (ct.p == NULL || ct.len >= sizeof(buf))
		return -1;
	memcpy(buf, ct.p, ct.len);
	buf[ct.len] = '\0';
	if (strncasecmp(buf, "multipart/byteranges", 20) != 0 ||
	    (b = chk_find(buf, buf + ct.len, "boundary=", 1)) == NULL)
		return -1;
	b += 9;
	if (*b == '"')
		n = strcspn(++b, "\"");
	else
		n = strcspn(b, " \t;");
	if (n == 0 || n >= size)
		return -1;
	memcpy(out, b, n);
	out[n] = '\0';
	return 0;
}

/*
 * Walk a multipart/byteranges body (RFC 9110 section 14.6): each part
 * has a Content-Range and exactly that many bytes.  Returns the number
 * of good parts, or -1.
 */
static int
chk_multipart(struct chk *ck, const char *body, size_t len, const char *bnd)
{
	const char	*p = body, *end = body + len, *hend, *cr;
	char		 delim[136];
	uint64_t	 f, l, t;
	int		 parts = 0;

	snprintf(delim, sizeof(delim), "--%s", bnd);
	for (;;) {
		if ((p = chk_find(p, end, delim, 0)) == NULL)
			return -1;
		p += strlen(delim);
		if (end - p >= 2 && p[0] == '-' && p[1] == '-')
			return parts;
		if ((hend = chk_find(p, end, "\r\n\r\n", 0)) == NULL ||
		    (cr = chk_find(p, hend, "\nContent-Range:", 1)) == NULL)
			return -1;
		cr += 15;
		if (chk_content_range(cr, strcspn(cr, "\r\n"), &f, &l, &t) ==
		    -1 || l >= ck->body_len || (size_t)(end - hend - 4) <
		    l - f + 1 || memcmp(hend + 4, ck->body + f, l - f + 1) != 0)
			return -1;
		parts++;
		p = hend + 4 + (l - f + 1);
	}
}

static enum chk_verdict
chk_multi_range(struct chk *ck, char *why, size_t whylen)
{
	struct chk_result *res = &ck->res[0];
	char	 line[128], bnd[128];
	char	*hdrs[2] = { line, NULL };

	if (ck->body_len < 3) {
		snprintf(why, whylen, "body of %s too short", ck->path);
		return CHK_SKIP;
	}
	snprintf(line, sizeof(line), "Range: bytes=0-0,%zu-%zu",
	    ck->body_len - 1, ck->body_len - 1);
	if (chk_fetch(ck, "GET", ck->path, hdrs, why, whylen) == -1)
		return CHK_FAIL;
	if (res->gr.r.status != 206)
		snprintf(why, whylen, "status %d, want 206", res->gr.r.status);
	else if (chk_boundary(res->gr.r.content_type, bnd, sizeof(bnd)) == 0) {
		if (chk_multipart(ck, res->body, res->len, bnd) == 2)
			return CHK_PASS;
		snprintf(why, whylen, "multipart/byteranges body is wrong");
	} else if (res->gr.r.content_range.p != NULL && chk_range_ok(ck,
	    res->gr.r.content_range.p, res->gr.r.content_range.len, res->body,
	    res->len)) {
		/* RFC 9110 section 14.2 lets a server coalesce ranges. */
		snprintf(why, whylen, "ranges coalesced into one part");
		return ck->body_len < 256 ? CHK_PASS : CHK_FAIL;
	} else
		snprintf(why, whylen, "206 is not multipart/byteranges");
	return CHK_FAIL;
}

static enum chk_verdict
chk_keep_alive(struct chk *ck, char *why, size_t whylen)
{
	int	fd;

	get_conn_close(&ck->conn);
	if (chk_fetch(ck, "GET", ck->path, NULL, why, whylen) == -1)
		return CHK_FAIL;
	if ((fd = ck->conn.fd) == -1) {
		snprintf(why, whylen, "server closed after first response");
		return CHK_FAIL;
	}
	if (chk_fetch(ck, "GET", ck->path, NULL, why, whylen) == -1)
		return CHK_FAIL;
	if (ck->res[0].gr.r.status != 200 || ck->res[0].len != ck->body_len) {
		snprintf(why, whylen, "second response: status %d, %zu bytes",
		    ck->res[0].gr.r.status, ck->res[0].len);
		return CHK_FAIL;
	}
	return CHK_PASS;
}

/* Two requests in one write (RFC 9112 section 9.3.2), answered in order. */
static enum chk_verdict
chk_pipelining(struct chk *ck, char *why, size_t whylen)
{
	struct get_err	 err;
	char		*a, *b, *both = NULL;
	size_t		 alen, blen;
	int		 rv = CHK_FAIL;

	get_conn_close(&ck->conn);
	a = chk_request(ck, "GET", ck->path, NULL, &alen);
	b = chk_request(ck, "GET", ck->missing, NULL, &blen);
	if (a == NULL || b == NULL || (both = malloc(alen + blen)) == NULL) {
		snprintf(why, whylen, "out of memory");
		goto done;
	}
	memcpy(both, a, alen);
	memcpy(both + alen, b, blen);
	if (get_conn_open(&ck->conn, ck->host, ck->port,
	    get_deadline(ck->timeout), NULL, &err) == -1 ||
	    get_conn_send(&ck->conn, both, alen + blen,
	    get_deadline(ck->timeout), &err) == -1 ||
	    chk_read(ck, 0, 0, &err) == -1)
		snprintf(why, whylen, "%s", err.msg);
	else if (ck->conn.fd == -1)
		snprintf(why, whylen, "server closed after first response");
	else if (chk_read(ck, 1, 0, &err) == -1)
		snprintf(why, whylen, "second response: %s", err.msg);
	else if (ck->res[0].gr.r.status != 200 ||
	    ck->res[0].len != ck->body_len ||
	    memcmp(ck->res[0].body, ck->body, ck->body_len) != 0)
		snprintf(why, whylen, "first response is not %s", ck->path);
	else if (ck->res[1].gr.r.status != 404)
		snprintf(why, whylen, "second response: status %d, want 404",
		    ck->res[1].gr.r.status);
	else
		rv = CHK_PASS;
done:
	free(a);
	free(b);
	free(both);
	return rv;
}

static void
chk_missing_path(struct chk *ck)
{
	struct timespec	ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	snprintf(ck->missing, sizeof(ck->missing), "/hearth-check-%lx%08lx",
	    (unsigned long)ts.tv_nsec ^ (unsigned long)getpid(),
	    (unsigned long)ts.tv_sec & 0xffffffffUL);
}

int
get_check_run(const char *host, const char *port, const char *path,
    double timeout)
{
	static const struct {
		const char	*name;
		chk_fn		*fn;
	} checks[] = {
		{ "get", chk_get },
		{ "head", chk_head },
		{ "not-found", chk_not_found },
		{ "etag", chk_etag },
		{ "last-modified", chk_last_modified },
		{ "range", chk_range },
		{ "multi-range", chk_multi_range },
		{ "keep-alive", chk_keep_alive },
		{ "pipelining", chk_pipelining },
	};
	struct chk	*ck;
	struct get_err	 err;
	char		 why[GET_ERRLEN + 256];
	size_t		 i;
	int		 failed = 0;
	enum chk_verdict v;

	if ((ck = calloc(1, sizeof(*ck))) == NULL ||
	    get_conn_init(&ck->conn, &err) == -1) {
		fprintf(stderr, "hearth-get: out of memory\n");
		free(ck);
		return GET_E_WRITE;
	}
	ck->host = host;
	ck->port = port;
	ck->timeout = timeout > 0 ? timeout : CHK_TIMEOUT;
	strlcpy(ck->path, path ? path : "/", sizeof(ck->path));
	chk_missing_path(ck);
	for (i = 0; i < sizeof(checks) / sizeof(checks[0]); i++) {
		why[0] = '\0';
		v = checks[i].fn(ck, why, sizeof(why));
		if (v == CHK_PASS)
			printf("PASS %s%s%s\n", checks[i].name,
			    why[0] ? ": " : "", why);
		else
			printf("%s %s: %s\n", v == CHK_FAIL ? "FAIL" : "SKIP",
			    checks[i].name, why);
		fflush(stdout);
		failed |= v == CHK_FAIL;
		/* Without a good first GET the rest has nothing to compare. */
		if (i == 0 && v == CHK_FAIL)
			break;
	}
	get_conn_free(&ck->conn);
	free(ck->body);
	free(ck->res[0].body);
	free(ck->res[1].body);
	free(ck);
	return failed ? GET_E_CHECK : GET_OK;
}
