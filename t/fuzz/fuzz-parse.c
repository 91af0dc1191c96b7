/*
 * libFuzzer harness for src/http_parse.c.
 *
 * The first byte picks the limits and a split point; the rest is the
 * input.  Besides crashes and sanitizer reports, it checks the property
 * the server relies on: a request gives the same answer however the
 * bytes are split (an error may come sooner, with the same status), and
 * a DONE request only points into the bytes it consumed.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http_parse.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static const struct http_limits lims[2] = {
	{ 64, 48, 256, 8 },
	{ 8192, 8192, 65536, 100 },
};

#define CHECK(c)	do { if (!(c)) abort(); } while (0)

static void
check_span(struct span s, const char *buf, size_t hlen)
{
	CHECK(s.p == NULL ? s.len == 0 :
	    s.p >= buf && s.p + s.len <= buf + hlen);
}

static void
check_done(const struct http_request *q, const char *buf, size_t len)
{
	size_t	i;

	CHECK(q->header_len <= len && q->nheaders <= HTTP_MAX_HEADERS);
	CHECK(q->version == 10 || q->version == 11);
	CHECK(q->path.p != NULL && q->path.len > 0 && q->status == 0);
	check_span(q->method, buf, q->header_len);
	check_span(q->target, buf, q->header_len);
	check_span(q->path, buf, q->header_len);
	check_span(q->query, buf, q->header_len);
	check_span(q->host, buf, q->header_len);
	check_span(q->if_none_match, buf, q->header_len);
	for (i = 0; i < q->nheaders; i++) {
		check_span(q->headers[i].name, buf, q->header_len);
		check_span(q->headers[i].value, buf, q->header_len);
	}
	CHECK(!q->chunked || q->content_length == -1);
}

/* r2/q2 came from other splits of the same bytes as r/q. */
static void
check_same(enum http_parse_result r, const struct http_request *q,
    enum http_parse_result r2, const struct http_request *q2)
{
	CHECK(r == r2);
	if (r == HTTP_PARSE_ERROR)
		CHECK(q->status == q2->status);
	if (r == HTTP_PARSE_DONE)
		CHECK(q->header_len == q2->header_len &&
		    q->method_id == q2->method_id &&
		    q->nheaders == q2->nheaders &&
		    q->content_length == q2->content_length &&
		    q->keep_alive == q2->keep_alive &&
		    q->chunked == q2->chunked);
}

/* A prefix may answer AGAIN, or what the whole answered. */
static int
prefix_agrees(enum http_parse_result r, const struct http_request *q,
    enum http_parse_result p, const struct http_request *pq)
{
	if (p == HTTP_PARSE_AGAIN)
		return 1;
	check_same(r, q, p, pq);
	return 0;
}

static void
fuzz_request(const char *buf, size_t len, size_t split,
    const struct http_limits *lim)
{
	static struct http_request q, q2;
	enum http_parse_result	 r, r2;
	size_t			 k;

	r = http_parse_request(buf, len, 0, lim, &q);
	if (r == HTTP_PARSE_DONE)
		check_done(&q, buf, len);
	/* the prefix is parsed where it lies: ASan bounds it to len */
	r2 = http_parse_request(buf, split, 0, lim, &q2);
	if (prefix_agrees(r, &q, r2, &q2)) {
		r2 = http_parse_request(buf, len, split, lim, &q2);
		check_same(r, &q, r2, &q2);
	}
	if (len > 256)
		return;
	for (k = 1, r2 = HTTP_PARSE_AGAIN; k <= len; k++) {
		r2 = http_parse_request(buf, k, k - 1, lim, &q2);
		if (!prefix_agrees(r, &q, r2, &q2))
			break;
	}
	if (r2 == HTTP_PARSE_AGAIN)
		CHECK(r == HTTP_PARSE_AGAIN);
}

static void
fuzz_chunked(const char *data, size_t len, size_t split)
{
	struct http_chunked	 st;
	enum http_chunk_result	 r, r2;
	char			*a, *b;
	size_t			 out, used, out2, used2, o, u;

	a = malloc(len + 1);
	b = malloc(len + 1);
	memcpy(a, data, len);
	memcpy(b, data, len);
	memset(&st, 0, sizeof(st));
	r = http_chunked_decode(&st, a, len, &out, &used);
	CHECK(out <= used && used <= len);
	CHECK(r != HTTP_CHUNK_AGAIN || used == len);

	memset(&st, 0, sizeof(st));
	r2 = http_chunked_decode(&st, b, split, &out2, &used2);
	if (r2 == HTTP_CHUNK_AGAIN) {
		CHECK(used2 == split);
		r2 = http_chunked_decode(&st, b + split, len - split, &o, &u);
		memmove(b + out2, b + split, o);
		out2 += o;
		used2 += u;
	}
	CHECK(r == r2);
	if (r != HTTP_CHUNK_ERROR)
		CHECK(out == out2 && used == used2 &&
		    memcmp(a, b, out) == 0);
	free(a);
	free(b);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	*buf;
	size_t	 split;

	if (size < 1)
		return 0;
	split = size > 1 ? (data[0] >> 1) % size : 0;
	buf = malloc(size - 1);
	memcpy(buf, data + 1, size - 1);
	fuzz_request(buf, size - 1, split, &lims[data[0] & 1]);
	fuzz_chunked((const char *)data + 1, size - 1, split);
	free(buf);
	return 0;
}
