/*
 * Unit tests for src/resp.c, the response head builder: exact status
 * lines and numeric headers, and sticky overflow that never writes past
 * the buffer.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "resp.h"
#include "tap.h"

#define DATE	"Sun, 06 Nov 1994 08:49:37 GMT"

static char	buf[256];

static const char *
str(const struct resp_buf *b)
{
	static char	out[sizeof(buf) + 1];

	memcpy(out, b->p, b->len);
	out[b->len] = '\0';
	return out;
}

int
main(void)
{
	struct resp_buf	b;
	size_t		i, n;

	resp_init(&b, buf, sizeof(buf));
	resp_status(&b, 200, DATE, "hearth/1");
	tap_is_str(str(&b), "HTTP/1.1 200 OK\r\nDate: " DATE "\r\n"
	    "Server: hearth/1\r\n", "status line, Date and Server");
	resp_init(&b, buf, sizeof(buf));
	resp_status(&b, 431, DATE, "s");
	tap_is_str(str(&b), "HTTP/1.1 431 Request Header Fields Too Large\r\n"
	    "Date: " DATE "\r\nServer: s\r\n", "a long reason");
	resp_init(&b, buf, sizeof(buf));
	resp_status(&b, 299, DATE, "s");
	tap_is_str(str(&b), "HTTP/1.1 299 Unknown\r\nDate: " DATE "\r\n"
	    "Server: s\r\n", "a code we never send");

	resp_init(&b, buf, sizeof(buf));
	resp_header_num(&b, "Content-Length", 0);
	resp_header_num(&b, "Content-Length", 13);
	resp_header_num(&b, "Content-Length", 10485760);
	resp_header_num(&b, "X", UINT64_MAX);
	tap_is_str(str(&b), "Content-Length: 0\r\nContent-Length: 13\r\n"
	    "Content-Length: 10485760\r\nX: 18446744073709551615\r\n",
	    "numeric headers: 0, small, large, the largest");

	for (i = 0; i < 40; i++) {
		memset(buf, 'Z', sizeof(buf));
		resp_init(&b, buf, i);
		resp_header_num(&b, "Content-Length", 123456789);
		if (!tap_ok(b.overflow == (i < 27) && b.len <= i &&
		    (i == sizeof(buf) || buf[i] == 'Z'), "%zu-byte buffer: "
		    "%s, nothing written past it", i, i < 27 ? "overflow" :
		    "fits"))
			tap_diag("  len %zu overflow %d", b.len, b.overflow);
	}
	n = resp_error_body(404, buf, sizeof(buf));
	tap_is_str(buf, "<!DOCTYPE html>\n<html><head><title>404 Not Found"
	    "</title></head>\n<body><h1>Not Found</h1>\n<p>The requested URL "
	    "was not found on this server.</p>\n</body></html>\n",
	    "error body: 404");
	tap_is_int(n, strlen(buf), "error body: its length");
	resp_error_body(299, buf, sizeof(buf));
	tap_is_str(buf, "<!DOCTYPE html>\n<html><head><title>299 Error"
	    "</title></head>\n<body><h1>Error</h1>\n<p></p>\n</body></html>\n",
	    "error body: a code we have no text for");
	memset(buf, 'Z', sizeof(buf));
	n = resp_error_body(404, buf, 40);
	tap_ok(n < 40 && buf[n] == '\0' && buf[40] == 'Z',
	    "error body: cut short within cap, NUL-terminated");
	tap_is_int(resp_error_body(404, buf, 0), 0, "error body: cap 0");

	resp_init(&b, buf, 10);
	resp_num(&b, 12345678901ULL);
	resp_add(&b, "x", 1);
	tap_ok(b.overflow && b.len == 0, "overflow is sticky");
	return tap_done();
}
