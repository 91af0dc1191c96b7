/*
 * Unit tests for src/range.c.
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "range.h"
#include "tap.h"

#define MAXR	8

static const char *
res_name(enum range_result r)
{
	switch (r) {
	case RANGE_IGNORE:
		return "IGNORE";
	case RANGE_OK:
		return "OK";
	case RANGE_UNSATISFIABLE:
		return "416";
	}
	return "?";
}

/*
 * Parse hdr against size and compare with want: "IGNORE", "416", or the
 * ranges as "a-b,c-d".
 */
static void
is_range(const char *hdr, uint64_t size, size_t max, const char *want)
{
	struct byte_range	 r[64];
	enum range_result	 res;
	char			 got[512];
	size_t			 n = 99, i, off = 0;

	memset(r, 0xa5, sizeof(r));
	res = range_parse(hdr, strlen(hdr), size, r, max, &n);
	if (res != RANGE_OK)
		snprintf(got, sizeof(got), "%s", res_name(res));
	else {
		got[0] = '\0';
		for (i = 0; i < n && off < sizeof(got); i++)
			off += snprintf(got + off, sizeof(got) - off,
			    "%s%" PRIu64 "-%" PRIu64, i ? "," : "",
			    r[i].first, r[i].last);
	}
	if (res != RANGE_OK && n != 0)
		snprintf(got, sizeof(got), "%s but n=%zu", res_name(res), n);
	tap_is_str(got, want, "\"%s\" size %" PRIu64 " max %zu", hdr, size,
	    max);
}

static void
test_forms(void)
{
	/* The examples of RFC 9110 section 14.1.2, size 10000. */
	is_range("bytes=0-499", 10000, MAXR, "0-499");
	is_range("bytes=500-999", 10000, MAXR, "500-999");
	is_range("bytes=-500", 10000, MAXR, "9500-9999");
	is_range("bytes=9500-", 10000, MAXR, "9500-9999");
	is_range("bytes=0-0,-1", 10000, MAXR, "0-0,9999-9999");
	is_range("bytes=500-600,601-999", 10000, MAXR, "500-999");
	is_range("bytes=500-700,601-999", 10000, MAXR, "500-999");
	is_range("bytes=0-", 10000, MAXR, "0-9999");
	is_range("bytes=0-0", 1, MAXR, "0-0");
	is_range("bytes=-1", 1, MAXR, "0-0");
}

static void
test_unit_and_syntax(void)
{
	is_range("BYTES=0-1", 10, MAXR, "0-1");
	is_range("Bytes=0-1", 10, MAXR, "0-1");
	is_range("items=0-1", 10, MAXR, "IGNORE");
	is_range("bytesx=0-1", 10, MAXR, "IGNORE");
	is_range("byte=0-1", 10, MAXR, "IGNORE");
	is_range("bytes 0-1", 10, MAXR, "IGNORE");
	is_range("bytes =0-1", 10, MAXR, "IGNORE");
	is_range("=0-1", 10, MAXR, "IGNORE");
	is_range("", 10, MAXR, "IGNORE");
	is_range("bytes=", 10, MAXR, "IGNORE");
	is_range("bytes=,", 10, MAXR, "IGNORE");
	is_range("bytes= , ,", 10, MAXR, "IGNORE");
	is_range("bytes=-", 10, MAXR, "IGNORE");
	is_range("bytes=1", 10, MAXR, "IGNORE");
	is_range("bytes=a-b", 10, MAXR, "IGNORE");
	is_range("bytes=0x1-2", 10, MAXR, "IGNORE");
	is_range("bytes=+1-2", 10, MAXR, "IGNORE");
	is_range("bytes=1--2", 10, MAXR, "IGNORE");
	is_range("bytes=1-2-3", 10, MAXR, "IGNORE");
	is_range("bytes=0 -1", 10, MAXR, "IGNORE");
	is_range("bytes=0- 1", 10, MAXR, "IGNORE");
	is_range("bytes=0-1;x", 10, MAXR, "IGNORE");
	is_range("bytes=0-1 2-3", 10, MAXR, "IGNORE");
	is_range("bytes=0-1,x", 10, MAXR, "IGNORE");
	/* last-pos < first-pos makes the whole field invalid. */
	is_range("bytes=5-4", 10, MAXR, "IGNORE");
	is_range("bytes=0-1,5-4", 10, MAXR, "IGNORE");
	/* Even when the bad spec is past the end of the representation. */
	is_range("bytes=50-40", 10, MAXR, "IGNORE");
}

static void
test_lists(void)
{
	/* OWS and empty elements (RFC 9110 section 5.6.1). */
	is_range("bytes=0-1, 4-5", 1000, MAXR, "0-1,4-5");
	is_range("bytes=0-1 ,\t4-5", 1000, MAXR, "0-1,4-5");
	is_range("bytes=,0-1,,4-5,", 1000, MAXR, "0-1,4-5");
	is_range("bytes= 0-1 ", 10, MAXR, "0-1");
	is_range("bytes=, , 3-3", 10, MAXR, "3-3");
}

static void
test_clamp_and_satisfiable(void)
{
	is_range("bytes=0-99999", 100, MAXR, "0-99");
	is_range("bytes=99-100", 100, MAXR, "99-99");
	is_range("bytes=-100", 100, MAXR, "0-99");
	is_range("bytes=-1000", 100, MAXR, "0-99");
	is_range("bytes=100-", 100, MAXR, "416");
	is_range("bytes=100-200", 100, MAXR, "416");
	is_range("bytes=-0", 100, MAXR, "416");
	is_range("bytes=100-,-0,200-300", 100, MAXR, "416");
	/* Unsatisfiable specs are dropped if another is satisfiable. */
	is_range("bytes=200-300,10-19", 100, MAXR, "10-19");
	is_range("bytes=-0,10-19", 100, MAXR, "10-19");
	/* Size 0: nothing is satisfiable, not even a suffix. */
	is_range("bytes=0-", 0, MAXR, "416");
	is_range("bytes=0-0", 0, MAXR, "416");
	is_range("bytes=-1", 0, MAXR, "416");
	is_range("bytes=x", 0, MAXR, "IGNORE");
	/* Numbers past 2^64 saturate instead of wrapping. */
	is_range("bytes=0-99999999999999999999999", 100, MAXR, "0-99");
	is_range("bytes=-99999999999999999999999", 100, MAXR, "0-99");
	is_range("bytes=99999999999999999999999-", 100, MAXR, "416");
	is_range("bytes=18446744073709551616-", 100, MAXR, "416");
	is_range("bytes=18446744073709551614-18446744073709551614",
	    UINT64_MAX, MAXR, "18446744073709551614-18446744073709551614");
	is_range("bytes=-1", UINT64_MAX, MAXR,
	    "18446744073709551614-18446744073709551614");
}

static void
test_amplification(void)
{
	char	buf[600];
	int	i, off;

	/* More than max specs, even unsatisfiable ones, is ignored. */
	is_range("bytes=0-0,2-2,4-4", 100000, 3, "0-0,2-2,4-4");
	is_range("bytes=0-0,2-2,4-4,6-6", 100000, 3, "IGNORE");
	is_range("bytes=0-0,2-2,4-4,500000-", 100000, 3, "IGNORE");
	is_range("bytes=0-0", 100000, 0, "IGNORE");
	/* Empty elements do not count. */
	is_range("bytes=0-0,,,,,2-2", 100000, 2, "0-0,2-2");

	/* The same bytes twice: sum over size (nginx's rule). */
	is_range("bytes=0-,0-", 1000, MAXR, "IGNORE");
	is_range("bytes=0-999,-1", 1000, MAXR, "IGNORE");
	is_range("bytes=0-599,400-999", 1000, MAXR, "IGNORE");
	/* Overlap within the size is coalesced instead. */
	is_range("bytes=0-599,400-799", 10000, MAXR, "0-799");

	/* CVE-2011-3192 shape: the whole, then many overlapping ranges. */
	off = snprintf(buf, sizeof(buf), "bytes=0-");
	for (i = 1; i < 60; i++)
		off += snprintf(buf + off, sizeof(buf) - off, ",1-%d", i);
	is_range(buf, 1000, 64, "IGNORE");
	/* The same byte sixty times costs nothing once coalesced. */
	off = snprintf(buf, sizeof(buf), "bytes=");
	for (i = 0; i < 60; i++)
		off += snprintf(buf + off, sizeof(buf) - off, "%s0-0",
		    i ? "," : "");
	is_range(buf, 1000, 64, "0-0");

	/* Multipart no smaller than the whole: send 200. */
	is_range("bytes=0-0,2-2", 100, MAXR, "IGNORE");
	is_range("bytes=0-0,-1", 161, MAXR, "IGNORE");
	is_range("bytes=0-0,-1", 162, MAXR, "IGNORE");
	is_range("bytes=0-0,-1", 163, MAXR, "0-0,162-162");
	/* A single range never triggers it, however small. */
	is_range("bytes=5-5", 10, MAXR, "5-5");
	/* Coalesced down to one part: no multipart overhead to worry about. */
	is_range("bytes=0-3,4-7", 10, MAXR, "0-7");
}

static void
test_coalesce(void)
{
	/* Adjacent and overlapping merge; a one-byte gap does not. */
	is_range("bytes=0-9,10-19", 10000, MAXR, "0-19");
	is_range("bytes=0-9,11-19", 10000, MAXR, "0-9,11-19");
	is_range("bytes=10-19,0-9", 10000, MAXR, "0-19");
	is_range("bytes=0-99,10-19", 10000, MAXR, "0-99");
	is_range("bytes=10-19,0-99", 10000, MAXR, "0-99");
	/* Parts keep the request order (RFC 9110 section 15.3.7.2). */
	is_range("bytes=5000-5999,0-999", 10000, MAXR, "5000-5999,0-999");
	is_range("bytes=-100,0-99", 10000, MAXR, "9900-9999,0-99");
	/* A merged part sits where its earliest spec was. */
	is_range("bytes=3000-3999,0-999,3500-4999", 10000, MAXR,
	    "3000-4999,0-999");
	is_range("bytes=0-999,5000-5999,1000-1999", 10000, MAXR,
	    "0-1999,5000-5999");
	/* A bridge joins two parts that were apart, in a second pass. */
	is_range("bytes=0-999,2000-2999,4000-4999,1000-1999", 10000, MAXR,
	    "0-2999,4000-4999");
	is_range("bytes=4000-4999,0-999,2000-2999,1000-1999,3000-3999",
	    10000, MAXR, "0-4999");
	/* Exactly the size, asked for in pieces: one part, not too much. */
	is_range("bytes=4000-4999,0-999,2000-2999,1000-1999,3000-3999",
	    5000, MAXR, "0-4999");
}

static void
test_content_range(void)
{
	struct byte_range	r = { 0, 499 };
	char			buf[64];

	tap_is_int(range_content_range(buf, sizeof(buf), &r, 1234), 16,
	    "content_range length");
	tap_is_str(buf, "bytes 0-499/1234", "content_range value");
	tap_is_int(range_content_range(buf, sizeof(buf), NULL, 1234), 12,
	    "content_range 416 length");
	tap_is_str(buf, "bytes */1234", "content_range 416 value");
	tap_is_int(range_content_range(buf, 16, &r, 1234), -1,
	    "content_range too small");
	tap_is_int(range_content_range(buf, 17, &r, 1234), 16,
	    "content_range exact fit");
}

static void
test_multipart(void)
{
	struct byte_range	 r[2] = { { 500, 999 }, { 7000, 7999 } };
	char			 b[RANGE_BOUNDARY_LEN + 1], buf[256];
	char			 body[4096];
	const char		*want;
	uint64_t		 total;
	size_t			 off = 0, i;
	int			 len;

	range_boundary(b, 0x0123456789abcdefULL);
	tap_is_str(b, "hearth0123456789abcdef", "boundary");
	tap_is_int(strlen(b), RANGE_BOUNDARY_LEN, "boundary length");

	want = "\r\n--B\r\nContent-Type: application/pdf\r\n"
	    "Content-Range: bytes 500-999/8000\r\n\r\n";
	len = range_multipart_part(buf, sizeof(buf), "B", "application/pdf",
	    &r[0], 8000);
	tap_is_int(len, strlen(want), "part header length");
	tap_is_str(buf, want, "part header");
	tap_is_int(range_multipart_part(NULL, 0, "B", "application/pdf",
	    &r[0], 8000), strlen(want), "part header length, measured");
	tap_is_int(range_multipart_part(buf, strlen(want), "B",
	    "application/pdf", &r[0], 8000), -1, "part header too small");
	want = "\r\n--B\r\nContent-Range: bytes 7000-7999/8000\r\n\r\n";
	range_multipart_part(buf, sizeof(buf), "B", NULL, &r[1], 8000);
	tap_is_str(buf, want, "part header without Content-Type");
	len = range_multipart_end(buf, sizeof(buf), "B");
	tap_is_str(buf, "\r\n--B--\r\n", "close delimiter");
	tap_is_int(len, 9, "close delimiter length");
	tap_is_int(range_multipart_end(buf, 9, "B"), -1, "close too small");

	/* Build the body as the server would and compare the lengths. */
	for (i = 0; i < 2; i++) {
		off += range_multipart_part(body + off, sizeof(body) - off,
		    b, "text/plain", &r[i], 8000);
		memset(body + off, 'x', r[i].last - r[i].first + 1);
		off += r[i].last - r[i].first + 1;
	}
	off += range_multipart_end(body + off, sizeof(body) - off, b);
	total = range_multipart_length(r, 2, 8000, b, "text/plain");
	tap_is_int(total, off, "multipart length matches the body built");
	tap_is_int(range_multipart_length(r, 2, 8000, "B", NULL),
	    strlen("\r\n--B\r\nContent-Range: bytes 500-999/8000\r\n\r\n") +
	    500 + strlen("\r\n--B\r\nContent-Range: bytes 7000-7999/8000"
	    "\r\n\r\n") + 1000 + strlen("\r\n--B--\r\n"),
	    "multipart length by hand");
}

/*
 * Random headers from a small alphabet: whatever comes back must be
 * ranges inside the representation, disjoint and not touching, no more
 * than max, and never an out-of-bounds write (ASan watches out[]).
 */
static void
test_random(void)
{
	static const char	 alpha[] = "0123456789-, \t=bB";
	struct byte_range	 r[4];
	char			 hdr[40];
	unsigned		 seed = 12345;
	size_t			 n, i, j, len;
	uint64_t		 size;
	int			 bad = 0, ok = 0, iter;

	for (iter = 0; iter < 200000; iter++) {
		seed = seed * 1103515245 + 12345;
		len = 6 + (seed >> 16) % 20;
		memcpy(hdr, "bytes=", 6);
		for (i = 6; i < len; i++) {
			seed = seed * 1103515245 + 12345;
			hdr[i] = alpha[(seed >> 16) % (sizeof(alpha) - 1)];
		}
		size = (seed >> 8) % 2000;
		if (range_parse(hdr, len, size, r, 4, &n) != RANGE_OK)
			continue;
		ok++;
		if (n == 0 || n > 4)
			bad++;
		for (i = 0; i < n; i++) {
			if (r[i].first > r[i].last || r[i].last >= size)
				bad++;
			for (j = i + 1; j < n; j++)
				if (r[i].first <= r[j].last + 1 &&
				    r[j].first <= r[i].last + 1)
					bad++;
		}
	}
	tap_ok(bad == 0 && ok > 1000, "random headers: %d OK results sane",
	    ok);
}

int
main(void)
{
	test_forms();
	test_unit_and_syntax();
	test_lists();
	test_clamp_and_satisfiable();
	test_amplification();
	test_coalesce();
	test_content_range();
	test_multipart();
	test_random();
	return tap_done();
}
