/*
 * hearth-get exchange: build a request, read one response off a
 * connection and hand its head and body to a sink.  Framing follows
 * RFC 9112 section 6.3; parsing is http_resp.c's.
 */
#include <sys/types.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "get.h"

struct get_strbuf {
	char	*p;
	size_t	 len;
	size_t	 cap;
	int	 failed;
};

static void
get_sb_add(struct get_strbuf *sb, const char *p, size_t n)
{
	char	*np;
	size_t	 ncap;

	if (sb->failed)
		return;
	if (sb->len + n + 1 > sb->cap) {
		ncap = (sb->len + n + 1) * 2;
		if ((np = realloc(sb->p, ncap)) == NULL) {
			sb->failed = 1;
			return;
		}
		sb->p = np;
		sb->cap = ncap;
	}
	memcpy(sb->p + sb->len, p, n);
	sb->len += n;
	sb->p[sb->len] = '\0';
}

static void
get_sb_str(struct get_strbuf *sb, const char *s)
{
	get_sb_add(sb, s, strlen(s));
}

/*
 * A -H argument must be "Name: value" with a token name and no CR, LF
 * or NUL, else it could smuggle a second header or request.
 * "Name:" alone is allowed: it removes a default header, as in curl.
 */
int
get_header_valid(const char *h)
{
	const char	*colon = strchr(h, ':');
	size_t		 i;

	if (colon == NULL || colon == h || strpbrk(h, "\r\n") != NULL)
		return 0;
	for (i = 0; h + i < colon; i++)
		if ((unsigned char)h[i] <= ' ' || h[i] == 0x7f ||
		    strchr("\"(),/:;<=>?@[\\]{}", h[i]) != NULL)
			return 0;
	return 1;
}

/* Does -H set (or remove) a header called name? */
static int
get_user_has(const struct get_request *rq, const char *name)
{
	size_t	i, n = strlen(name);

	for (i = 0; i < rq->nheaders; i++)
		if (strncasecmp(rq->headers[i], name, n) == 0 &&
		    rq->headers[i][n] == ':')
			return 1;
	return 0;
}

static void
get_default(struct get_strbuf *sb, const struct get_request *rq,
    const char *name, const char *value)
{
	if (get_user_has(rq, name))
		return;
	get_sb_str(sb, name);
	get_sb_str(sb, ": ");
	get_sb_str(sb, value);
	get_sb_str(sb, "\r\n");
}

/* Host field (RFC 9110 section 7.2): brackets for IPv6, no :80. */
static void
get_host_value(char *dst, size_t size, const char *host, const char *port)
{
	int	v6 = strchr(host, ':') != NULL;

	snprintf(dst, size, "%s%s%s%s%s", v6 ? "[" : "", host, v6 ? "]" : "",
	    strcmp(port, "80") == 0 ? "" : ":",
	    strcmp(port, "80") == 0 ? "" : port);
}

/* The request head and body as one malloc'd buffer, or NULL. */
char *
get_request_build(const struct get_request *rq, size_t *lenp)
{
	struct get_strbuf	 sb = { NULL, 0, 0, 0 };
	char			 tmp[512];
	size_t			 i;
	const char		*v;

	get_sb_str(&sb, rq->method);
	get_sb_str(&sb, " ");
	get_sb_str(&sb, rq->path);
	get_sb_str(&sb, " HTTP/1.1\r\n");
	get_host_value(tmp, sizeof(tmp), rq->host, rq->port);
	get_default(&sb, rq, "Host", tmp);
	get_default(&sb, rq, "User-Agent", "hearth-get/" PACKAGE_VERSION);
	get_default(&sb, rq, "Accept", "*/*");
	if (rq->body != NULL) {
		snprintf(tmp, sizeof(tmp), "%zu", rq->body_len);
		get_default(&sb, rq, "Content-Length", tmp);
		get_default(&sb, rq, "Content-Type",
		    "application/x-www-form-urlencoded");
	}
	for (i = 0; i < rq->nheaders; i++) {
		v = strchr(rq->headers[i], ':') + 1;
		if (v[strspn(v, " \t")] == '\0')
			continue;	/* "Name:" only removes a default */
		get_sb_str(&sb, rq->headers[i]);
		get_sb_str(&sb, "\r\n");
	}
	get_sb_str(&sb, "\r\n");
	if (rq->body != NULL)
		get_sb_add(&sb, rq->body, rq->body_len);
	if (sb.failed) {
		free(sb.p);
		return NULL;
	}
	*lenp = sb.len;
	return sb.p;
}

/* Read and parse one head (interim or final) into resp. */
static int
get_read_head(struct get_conn *c, struct get_resp *resp, int64_t deadline,
    struct get_timing *t, struct get_err *err)
{
	size_t	prev = 0;
	long	n;

	for (;;) {
		if (c->len > 0) {
			switch (resp_parse(c->buf + c->off, c->len, prev,
			    &resp->r)) {
			case RESP_DONE:
				goto done;
			case RESP_ERROR:
				get_err_set(err, GET_E_MALFORMED,
				    "malformed response: %s", resp->r.error);
				return -1;
			case RESP_AGAIN:
				break;
			}
			prev = c->len;
		}
		if ((n = get_conn_fill(c, deadline, err)) == -1)
			return -1;
		if (n > 0 && !resp->started && t != NULL)
			t->ttfb = get_now() - t->start;
		if (n > 0)
			resp->started = 1;
		if (n == 0) {
			if (resp->started)
				get_err_set(err, GET_E_MALFORMED,
				    "connection closed inside response head");
			else
				get_err_set(err, GET_E_EMPTY,
				    "empty reply from server");
			return -1;
		}
	}
done:
	/* Keep a copy: the body will overwrite the read buffer. */
	resp->head_len = resp->r.header_len;
	memcpy(resp->head, c->buf + c->off, resp->head_len);
	c->off += resp->head_len;
	c->len -= resp->head_len;
	if (resp_parse(resp->head, resp->head_len, 0, &resp->r) != RESP_DONE) {
		get_err_set(err, GET_E_MALFORMED, "response head changed");
		return -1;
	}
	return 0;
}

/* Hand n buffered bytes to the sink and consume them. */
static int
get_deliver(struct get_conn *c, struct get_resp *resp, size_t n,
    const struct get_sink *sink, struct get_err *err)
{
	if (n > 0 && sink->body(sink->arg, c->buf + c->off, n, err) == -1)
		return -1;
	c->off += n;
	c->len -= n;
	resp->body_len += n;
	return 0;
}

static int
get_body_length(struct get_conn *c, struct get_resp *resp,
    const struct get_sink *sink, int64_t deadline, struct get_err *err)
{
	uint64_t	left = (uint64_t)resp->r.content_length;
	size_t		n;
	long		got;

	for (;;) {
		n = c->len < left ? c->len : (size_t)left;
		if (get_deliver(c, resp, n, sink, err) == -1)
			return -1;
		if ((left -= n) == 0)
			return 0;
		if ((got = get_conn_fill(c, deadline, err)) == -1)
			return -1;
		if (got == 0) {
			get_err_set(err, GET_E_PARTIAL, "transfer closed with "
			    "%llu bytes remaining to read",
			    (unsigned long long)left);
			return -1;
		}
	}
}

static int
get_body_chunked(struct get_conn *c, struct get_resp *resp,
    const struct get_sink *sink, int64_t deadline, struct get_err *err)
{
	struct resp_chunked	 st;
	enum resp_chunk_result	 rv;
	size_t			 out, used;
	long			 got;

	memset(&st, 0, sizeof(st));
	for (;;) {
		rv = resp_chunked_decode(&st, c->buf + c->off, c->len, &out,
		    &used);
		if (rv == RESP_CHUNK_ERROR) {
			get_err_set(err, GET_E_MALFORMED,
			    "malformed chunked encoding");
			return -1;
		}
		/* The decoded data sits at the front of the used bytes. */
		if (out > 0 && sink->body(sink->arg, c->buf + c->off, out,
		    err) == -1)
			return -1;
		resp->body_len += out;
		c->off += used;
		c->len -= used;
		if (rv == RESP_CHUNK_DONE)
			return 0;
		if ((got = get_conn_fill(c, deadline, err)) == -1)
			return -1;
		if (got == 0) {
			get_err_set(err, GET_E_PARTIAL,
			    "transfer closed inside chunked body");
			return -1;
		}
	}
}

static int
get_body_close(struct get_conn *c, struct get_resp *resp,
    const struct get_sink *sink, int64_t deadline, struct get_err *err)
{
	long	got;

	for (;;) {
		if (get_deliver(c, resp, c->len, sink, err) == -1)
			return -1;
		if ((got = get_conn_fill(c, deadline, err)) == -1)
			return -1;
		if (got == 0)
			return 0;
	}
}

/*
 * Read the response to one request: interim 1xx heads are passed to the
 * sink and skipped (RFC 9110 section 15.2), except 101, which we never
 * ask for and so cannot follow.  Then the final head and its body.
 */
int
get_read_response(struct get_conn *c, int head_req, struct get_resp *resp,
    const struct get_sink *sink, int64_t deadline, struct get_timing *t,
    struct get_err *err)
{
	int	interim;

	resp->started = 0;
	resp->body_len = 0;
	for (interim = 0; ; interim++) {
		if (get_read_head(c, resp, deadline, t, err) == -1)
			return -1;
		if (resp->r.status >= 200)
			break;
		if (resp->r.status == 101) {
			get_err_set(err, GET_E_MALFORMED,
			    "unexpected 101 Switching Protocols");
			return -1;
		}
		if (interim == GET_MAX_INTERIM) {
			get_err_set(err, GET_E_MALFORMED,
			    "too many 1xx responses");
			return -1;
		}
		if (sink->head(sink->arg, resp, 1, err) == -1)
			return -1;
	}
	if (sink->head(sink->arg, resp, 0, err) == -1)
		return -1;
	c->nreq++;
	switch ((resp->kind = resp_body_kind(&resp->r, head_req))) {
	case RESP_BODY_NONE:
		return 0;
	case RESP_BODY_LENGTH:
		return get_body_length(c, resp, sink, deadline, err);
	case RESP_BODY_CHUNKED:
		return get_body_chunked(c, resp, sink, deadline, err);
	case RESP_BODY_CLOSE:
		break;
	}
	return get_body_close(c, resp, sink, deadline, err);
}
