/*
 * Unit tests for http_resp.c: the response head parser and the chunked
 * decoder.  Input sits right before a PROT_NONE page, so reading one
 * byte past the end crashes instead of passing by luck.
 */
#include <sys/mman.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "http_resp.h"
#include "tap.h"

#define GUARD_MAX	(256 * 1024)

static char	*guard_base;
static size_t	 guard_size;

static void
guard_init(void)
{
	long	pg = sysconf(_SC_PAGESIZE);

	guard_size = (GUARD_MAX + pg - 1) / pg * pg;
	guard_base = mmap(NULL, guard_size + pg, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (guard_base == MAP_FAILED ||
	    mprotect(guard_base + guard_size, pg, PROT_NONE) == -1) {
		perror("guard");
		exit(1);
	}
}

/* Copy len bytes so they end at the guard page. */
static char *
guarded(const char *p, size_t len)
{
	char	*dst = guard_base + guard_size - len;

	memcpy(dst, p, len);
	return dst;
}

static struct http_response	resp;

static enum resp_result
parse(const char *s)
{
	return resp_parse(guarded(s, strlen(s)), strlen(s), 0, &resp);
}

static int
span_is(struct span s, const char *want)
{
	return s.p != NULL && s.len == strlen(want) &&
	    memcmp(s.p, want, s.len) == 0;
}

static void
test_status_lines(void)
{
	tap_is_int(parse("HTTP/1.1 200 OK\r\n\r\n"), RESP_DONE, "plain 200");
	tap_ok(resp.status == 200 && resp.version == 11 &&
	    span_is(resp.reason, "OK") && resp.header_len == 19,
	    "200 fields");
	tap_ok(resp.keep_alive && resp.content_length == -1,
	    "1.1 keeps alive, no length");
	tap_is_int(parse("HTTP/1.0 200 OK\r\n\r\n"), RESP_DONE, "HTTP/1.0");
	tap_ok(resp.version == 10 && !resp.keep_alive, "1.0 closes");
	parse("HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\n\r\n");
	tap_ok(resp.keep_alive, "1.0 with keep-alive");
	parse("HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n");
	tap_ok(!resp.keep_alive, "1.1 with close");
	tap_is_int(parse("HTTP/1.1 204\r\n\r\n"), RESP_DONE,
	    "no reason, no SP");
	tap_ok(resp.status == 204 && resp.reason.len == 0, "204 fields");
	tap_is_int(parse("HTTP/1.1 404 \r\n\r\n"), RESP_DONE, "empty reason");
	tap_is_int(parse("HTTP/1.1 200 OK\nA: b\n\n"), RESP_DONE, "bare LF");
	tap_ok(resp.nheaders == 1 && span_is(resp.headers[0].value, "b"),
	    "bare LF field");
	parse("HTTP/1.1 500 Internal Server Error\r\n\r\n");
	tap_ok(span_is(resp.reason, "Internal Server Error"), "long reason");
	tap_is_int(parse("HTTP/1.2 200 OK\r\n\r\n"), RESP_DONE, "HTTP/1.2");
	tap_is_int(resp.version, 11, "1.2 treated as 1.1");
	tap_is_int(parse("HTTP/1.1 100 Continue\r\n\r\n"), RESP_DONE, "100");
}

static void
test_malformed(void)
{
	static const char *const bad[] = {
		"HTTP/2 200 OK\r\n\r\n",
		"HTTP/2.0 200 OK\r\n\r\n",
		"HTTP/1.1 20 OK\r\n\r\n",
		"HTTP/1.1 2000 OK\r\n\r\n",
		"HTTP/1.1 099 Low\r\n\r\n",
		"HTTP/1.1 600 High\r\n\r\n",
		"HTTP/1.1 2x0 OK\r\n\r\n",
		"ICY 200 OK\r\n\r\n",
		"http/1.1 200 OK\r\n\r\n",
		"HTTP/1.1  200 OK\r\n\r\n",
		"\r\n\r\n",
		"HTTP/1.1 200 OK\r\nNoColon\r\n\r\n",
		"HTTP/1.1 200 OK\r\nName : v\r\n\r\n",
		"HTTP/1.1 200 OK\r\n: v\r\n\r\n",
		"HTTP/1.1 200 OK\r\n Lead: v\r\n\r\n",
		"HTTP/1.1 200 OK\r\nA: x\ry\r\n\r\n",
		"HTTP/1.1 200 OK\r\nBad(Name): v\r\n\r\n",
		"HTTP/1.1 200 OK\r\nContent-Length: 4\r\n"
		    "Content-Length: 5\r\n\r\n",
		"HTTP/1.1 200 OK\r\nContent-Length: 4, 5\r\n\r\n",
		"HTTP/1.1 200 OK\r\nContent-Length: abc\r\n\r\n",
		"HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",
		"HTTP/1.1 200 OK\r\nContent-Length: +1\r\n\r\n",
		"HTTP/1.1 200 OK\r\nContent-Length: \r\n\r\n",
		"HTTP/1.1 200 OK\r\n"
		    "Content-Length: 1234567890123456789\r\n\r\n",
	};
	size_t	i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (!tap_ok(parse(bad[i]) == RESP_ERROR && resp.error != NULL,
		    "malformed %zu rejected", i))
			tap_diag("  input: %s", bad[i]);
	{
		char	nul[] = "HTTP/1.1 200 OK\r\nA: x\0y\r\n\r\n";

		tap_is_int(resp_parse(guarded(nul, sizeof(nul) - 1),
		    sizeof(nul) - 1, 0, &resp), RESP_ERROR, "NUL in value");
	}
}

static void
test_limits(void)
{
	char	*big = malloc(GUARD_MAX);
	size_t	 i, n;

	/* endless fields: an error as soon as the head passes the limit */
	n = strlen(strcpy(big, "HTTP/1.1 200 OK\r\n"));
	while (n < RESP_MAX_HEAD + 100)
		n += sprintf(big + n, "X-%zu: yyyyyyyy\r\n", n);
	tap_is_int(resp_parse(guarded(big, n), n, 0, &resp), RESP_ERROR,
	    "endless head rejected before its end");
	/* one line too long, although the head is still small enough */
	n = strlen(strcpy(big, "HTTP/1.1 200 OK\r\nX: "));
	memset(big + n, 'a', RESP_MAX_LINE + 10);
	n += RESP_MAX_LINE + 10;
	tap_is_int(resp_parse(guarded(big, n), n, 0, &resp), RESP_ERROR,
	    "overlong line rejected before its end");
	n = strlen(strcpy(big, "HTTP/1.1 200 OK\r\n"));
	for (i = 0; i <= RESP_MAX_HEADERS; i++)
		n += sprintf(big + n, "H%zu: v\r\n", i);
	n += sprintf(big + n, "\r\n");
	tap_is_int(resp_parse(guarded(big, n), n, 0, &resp), RESP_ERROR,
	    "too many fields");
	free(big);
}

static void
test_incremental(void)
{
	const char	*s = "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n"
	    "X-Long: abcdefghijklmnop\r\n\r\nabc";
	size_t		 len = strlen(s), head = len - 3, i, prev = 0;
	int		 ok = 1;
	enum resp_result rv;

	for (i = 0; i < head; i++)
		if (resp_parse(guarded(s, i), i, 0, &resp) != RESP_AGAIN)
			ok = 0;
	tap_ok(ok, "every proper prefix of the head is AGAIN");
	tap_ok(resp_parse(guarded(s, len), len, 0, &resp) == RESP_DONE &&
	    resp.header_len == head, "head length excludes the body");
	ok = 1;
	for (i = 1; i <= head; i++) {
		/* the bytes move to the guard each time: prev_len only */
		rv = resp_parse(guarded(s, i), i, prev, &resp);
		if (rv != (i == head ? RESP_DONE : RESP_AGAIN))
			ok = 0;
		prev = i;
	}
	tap_ok(ok && resp.content_length == 3, "byte at a time with prev_len");
}

static void
test_fields(void)
{
	struct span	v;

	parse("HTTP/1.1 200 OK\r\nContent-Length: 42\r\n\r\n");
	tap_is_int(resp.content_length, 42, "Content-Length");
	parse("HTTP/1.1 200 OK\r\nContent-Length: 42, 42\r\n\r\n");
	tap_is_int(resp.content_length, 42, "Content-Length list of same");
	parse("HTTP/1.1 200 OK\r\ncontent-length: 7\r\n"
	    "Content-Length: 7\r\n\r\n");
	tap_is_int(resp.content_length, 7, "repeated equal Content-Length");
	parse("HTTP/1.1 200 OK\r\nX:   v  w \t\r\n\r\n");
	tap_ok(span_is(resp.headers[0].value, "v  w"), "OWS trimmed");
	parse("HTTP/1.1 200 OK\r\nEmpty:\r\n\r\n");
	tap_ok(resp.headers[0].value.len == 0, "empty value");
	parse("HTTP/1.1 301 Moved\r\nlocation: /x\r\nETAG: \"a\"\r\n"
	    "Last-Modified: Mon, 01 Jan 2024 00:00:00 GMT\r\n\r\n");
	tap_ok(span_is(resp.location, "/x") && span_is(resp.etag, "\"a\"") &&
	    resp.last_modified.p != NULL, "known fields, any case");
	v = resp_header_get(&resp, "LOCATION");
	tap_ok(span_is(v, "/x"), "resp_header_get is case-insensitive");
	v = resp_header_get(&resp, "missing");
	tap_ok(v.p == NULL, "resp_header_get absent");
	parse("HTTP/1.1 200 OK\r\nConnection: keep-alive,\r\n close\r\n\r\n");
	tap_ok(!resp.keep_alive, "obs-fold continues the value");
	tap_ok(resp_list_has(resp.connection, "keep-alive") &&
	    !resp_list_has(resp.connection, "clos"), "list tokens exact");
}

static void
test_framing(void)
{
	parse("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n"
	    "Content-Length: 5\r\n\r\n");
	tap_is_int(resp_body_kind(&resp, 0), RESP_BODY_CHUNKED,
	    "chunked wins over Content-Length");
	parse("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, Chunked\r\n\r\n");
	tap_is_int(resp_body_kind(&resp, 0), RESP_BODY_CHUNKED,
	    "chunked last in a list");
	parse("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, gzip\r\n\r\n");
	tap_is_int(resp_body_kind(&resp, 0), RESP_BODY_CLOSE,
	    "chunked not last: until close");
	parse("HTTP/1.0 200 OK\r\nConnection: keep-alive\r\n"
	    "Transfer-Encoding: chunked\r\n\r\n");
	tap_ok(!resp.keep_alive, "TE in 1.0 forces close");
	parse("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n");
	tap_is_int(resp_body_kind(&resp, 0), RESP_BODY_LENGTH, "length");
	tap_is_int(resp_body_kind(&resp, 1), RESP_BODY_NONE, "HEAD: none");
	parse("HTTP/1.1 304 Not Modified\r\nContent-Length: 5\r\n\r\n");
	tap_is_int(resp_body_kind(&resp, 0), RESP_BODY_NONE, "304: none");
	parse("HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\n");
	tap_is_int(resp_body_kind(&resp, 0), RESP_BODY_NONE, "204: none");
	parse("HTTP/1.1 100 Continue\r\n\r\n");
	tap_is_int(resp_body_kind(&resp, 0), RESP_BODY_NONE, "1xx: none");
	parse("HTTP/1.1 200 OK\r\n\r\n");
	tap_is_int(resp_body_kind(&resp, 0), RESP_BODY_CLOSE, "no length");
}

/* Decode in one call; returns the result and the data in out. */
static enum resp_chunk_result
chunk_all(const char *s, size_t len, char *out, size_t *outlen,
    size_t *used)
{
	struct resp_chunked	st;
	char			*buf = guarded(s, len);
	enum resp_chunk_result	rv;

	memset(&st, 0, sizeof(st));
	rv = resp_chunked_decode(&st, buf, len, outlen, used);
	memcpy(out, buf, *outlen);
	out[*outlen] = '\0';
	return rv;
}

/* Decode in two calls split at pos, as the client does between reads. */
static enum resp_chunk_result
chunk_split(const char *s, size_t len, size_t pos, char *out, size_t *outlen)
{
	struct resp_chunked	st;
	char			 tmp[4096];
	size_t			 o, u, total = 0;
	enum resp_chunk_result	 rv;

	memset(&st, 0, sizeof(st));
	memcpy(tmp, s, pos);
	rv = resp_chunked_decode(&st, tmp, pos, &o, &u);
	memcpy(out, tmp, o);
	total = o;
	if (rv == RESP_CHUNK_AGAIN && u == pos) {
		char	*buf = guarded(s + pos, len - pos);

		rv = resp_chunked_decode(&st, buf, len - pos, &o, &u);
		memcpy(out + total, buf, o);
		total += o;
	}
	*outlen = total;
	out[total] = '\0';
	return rv;
}

static void
test_chunked(void)
{
	static const struct {
		const char	*in;
		const char	*data;
		size_t		 rest;	/* bytes after the chunked body */
	} good[] = {
		{ "5\r\nhello\r\n0\r\n\r\n", "hello", 0 },
		{ "5;a=b;c=\"d\"\r\nhello\r\n0\r\n\r\n", "hello", 0 },
		{ "5 ; ext\r\nhello\r\n0\r\n\r\n", "hello", 0 },
		{ "3\r\nabc\r\n2\r\nde\r\n0\r\nX: y\r\nZ: w\r\n\r\n", "abcde",
		    0 },
		{ "A\r\n0123456789\r\n0\r\n\r\nHTTP/1.1", "0123456789", 8 },
		{ "a\n0123456789\n0\n\n", "0123456789", 0 },
		{ "0005\r\nhello\r\n000\r\n\r\n", "hello", 0 },
		{ "0\r\n\r\n", "", 0 },
	};
	static const char *const bad[] = {
		"g\r\n",
		"\r\n",
		";ext\r\n",
		"5\r\nhelloX\r\n",
		"5\r\nhello\rX",
		"11111111111111111\r\n",
		"5\rX",
		"0\r\nX: y\r\n\rX",
	};
	char	out[4096], big[8192];
	size_t	i, pos, olen, used, len;
	int	ok;
	enum resp_chunk_result rv;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		len = strlen(good[i].in);
		rv = chunk_all(good[i].in, len, out, &olen, &used);
		tap_ok(rv == RESP_CHUNK_DONE &&
		    strcmp(out, good[i].data) == 0 &&
		    used == len - good[i].rest, "chunked good %zu", i);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		tap_is_int(chunk_all(bad[i], strlen(bad[i]), out, &olen, &used),
		    RESP_CHUNK_ERROR, "chunked bad %zu", i);
	rv = chunk_all("ffffffffffffffff\r\nab", 20, out, &olen, &used);
	tap_ok(rv == RESP_CHUNK_AGAIN && olen == 2, "16 digits accepted");
	rv = chunk_all("5\r\nhel", 6, out, &olen, &used);
	tap_ok(rv == RESP_CHUNK_AGAIN && used == 6 && olen == 3,
	    "partial chunk: AGAIN, all used");

	/* every split position of a body with extensions and trailers */
	{
		const char *s = "4;x=1\r\nWiki\r\n5\r\npedia\r\nE\r\n in\r\n"
		    "\r\nchunks.\r\n0;end\r\nExpires: never\r\n\r\n";

		len = strlen(s);
		for (ok = 1, pos = 0; pos <= len; pos++) {
			rv = chunk_split(s, len, pos, out, &olen);
			if (rv != RESP_CHUNK_DONE ||
			    strcmp(out, "Wikipedia in\r\n\r\nchunks.") != 0) {
				tap_diag("  split at %zu", pos);
				ok = 0;
			}
		}
		tap_ok(ok, "chunked split at every one of %zu positions", len);
	}

	/* hostile: extension and trailers without end are cut off */
	len = (size_t)sprintf(big, "1;");
	memset(big + len, 'e', RESP_MAX_CHUNK_EXT + 10);
	len += RESP_MAX_CHUNK_EXT + 10;
	tap_is_int(chunk_all(big, len, out, &olen, &used), RESP_CHUNK_ERROR,
	    "endless chunk extension");
	{
		struct resp_chunked	st;
		char			line[] = "X-Trailer: 0123456789\r\n";

		memset(&st, 0, sizeof(st));
		rv = resp_chunked_decode(&st, strcpy(big, "0\r\n"), 3, &olen,
		    &used);
		for (i = 0; rv == RESP_CHUNK_AGAIN && i < 100000; i++)
			rv = resp_chunked_decode(&st, strcpy(big, line),
			    sizeof(line) - 1, &olen, &used);
		tap_ok(rv == RESP_CHUNK_ERROR && i * (sizeof(line) - 1) <=
		    RESP_MAX_TRAILERS + sizeof(line), "endless trailers");
	}
}

int
main(void)
{
	guard_init();
	test_status_lines();
	test_malformed();
	test_limits();
	test_incremental();
	test_fields();
	test_framing();
	test_chunked();
	return tap_done();
}
