/*
 * Unit tests for src/http_parse.c.
 *
 * Every request case runs three ways: whole, a byte at a time (growing
 * prefixes, prev_len the previous length) and split in two at every
 * position.  A split may only move an error earlier, never change its
 * status.  Every call reads a copy that ends where a PROT_NONE page
 * begins, so reading one byte past the input crashes (as picohttpparser
 * test.c does).
 */
#include <sys/mman.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "http_parse.h"
#include "tap.h"

#define D	HTTP_PARSE_DONE
#define A	HTTP_PARSE_AGAIN
#define E	HTTP_PARSE_ERROR

#define M_UNK	HTTP_M_UNKNOWN
#define M_GET	HTTP_M_GET
#define M_HEAD	HTTP_M_HEAD
#define M_POST	HTTP_M_POST
#define M_PUT	HTTP_M_PUT
#define M_DEL	HTTP_M_DELETE
#define M_OPT	HTTP_M_OPTIONS
#define M_TRACE	HTTP_M_TRACE
#define M_CONN	HTTP_M_CONNECT
#define M_PATCH	HTTP_M_PATCH

struct pcase {
	const char	*in;
	size_t		 len;
	int		 res;
	int		 status;
	int		 method;
	const char	*path;
	const char	*query;
	int		 version;
	const char	*host;
	long long	 cl;
	int		 chunked;
	int		 ka;
	int		 nh;
	long		 hlen;		/* -1: the whole input */
	int		 expect;	/* expect_continue */
};

#define R(s)	s, sizeof(s) - 1
#define OK(s, m, pa, q, v, h, cl, ch, ka, nh)				\
	{ R(s), D, 0, m, pa, q, v, h, cl, ch, ka, nh, -1, 0 }
/* head, then bytes that are not part of it (body, next request) */
#define OKB(s, b, m, pa, q, v, h, cl, ch, ka, nh)			\
	{ R(s b), D, 0, m, pa, q, v, h, cl, ch, ka, nh, sizeof(s) - 1, 0 }
#define OKE(s, v, ec)							\
	{ R(s), D, 0, M_GET, "/", NULL, v, "h", -1, 0, v == 11, 2, -1, ec }
/* A plain "GET / HTTP/1.1" with Host: h and nh fields */
#define G11(s, nh)	OK(s, M_GET, "/", NULL, 11, "h", -1, 0, 1, nh)
#define ERR(s, st)							\
	{ R(s), E, st, 0, NULL, NULL, 0, NULL, 0, 0, 0, 0, 0, 0 }
#define AGN(s)		{ R(s), A, 0, 0, NULL, NULL, 0, NULL, 0, 0, 0, 0, 0, 0 }

#define RL	"GET / HTTP/1.1\r\n"
#define H	"Host: h\r\n"
#define H10	"GET / HTTP/1.0\r\n"
#define POST	"POST / HTTP/1.1\r\n" H
#define X8	"xxxxxxxx"
#define X32	X8 X8 X8 X8

/* request_line 64, header_field 48, headers_total 256, header_count 8 */
static const struct http_limits lim = { 64, 48, 256, 8 };

static const struct pcase cases[] = {
	/* methods (RFC 9110 section 9) */
	G11(RL H "\r\n", 1),
	OK("HEAD / HTTP/1.1\r\n" H "\r\n",
	    M_HEAD, "/", NULL, 11, "h", -1, 0, 1, 1),
	OK(POST "Content-Length: 0\r\n\r\n",
	    M_POST, "/", NULL, 11, "h", 0, 0, 1, 2),
	OK("PUT /f HTTP/1.1\r\n" H "Content-Length: 3\r\n\r\n",
	    M_PUT, "/f", NULL, 11, "h", 3, 0, 1, 2),
	OK("DELETE /f HTTP/1.1\r\n" H "\r\n",
	    M_DEL, "/f", NULL, 11, "h", -1, 0, 1, 1),
	OK("OPTIONS /f HTTP/1.1\r\n" H "\r\n",
	    M_OPT, "/f", NULL, 11, "h", -1, 0, 1, 1),
	OK("TRACE / HTTP/1.1\r\n" H "\r\n",
	    M_TRACE, "/", NULL, 11, "h", -1, 0, 1, 1),
	OK("PATCH / HTTP/1.1\r\n" H "\r\n",
	    M_PATCH, "/", NULL, 11, "h", -1, 0, 1, 1),
	OK("BREW /pot HTTP/1.1\r\n" H "\r\n",
	    M_UNK, "/pot", NULL, 11, "h", -1, 0, 1, 1),
	OK("get / HTTP/1.1\r\n" H "\r\n",
	    M_UNK, "/", NULL, 11, "h", -1, 0, 1, 1),
	OK("GETS / HTTP/1.1\r\n" H "\r\n",
	    M_UNK, "/", NULL, 11, "h", -1, 0, 1, 1),
	OK("M-SEARCH / HTTP/1.1\r\n" H "\r\n",
	    M_UNK, "/", NULL, 11, "h", -1, 0, 1, 1),
	OK("!#$%&'*+-.^_`|~ / HTTP/1.1\r\n" H "\r\n",
	    M_UNK, "/", NULL, 11, "h", -1, 0, 1, 1),
	ERR("G@T / HTTP/1.1\r\n" H "\r\n", 400),
	ERR("GE(T / HTTP/1.1\r\n" H "\r\n", 400),
	ERR("GET\t/ HTTP/1.1\r\n" H "\r\n", 400),
	ERR(" GET / HTTP/1.1\r\n" H "\r\n", 400),
	ERR("GET\r\n" H "\r\n", 400),
	ERR("G\x80T / HTTP/1.1\r\n" H "\r\n", 400),

	/* separators: exactly one SP (RFC 9112 section 3) */
	ERR("GET  / HTTP/1.1\r\n" H "\r\n", 400),
	ERR("GET /  HTTP/1.1\r\n" H "\r\n", 400),
	ERR("GET / HTTP/1.1 \r\n" H "\r\n", 400),
	ERR("GET /\tHTTP/1.1\r\n" H "\r\n", 400),
	ERR("GET /\r\n" H "\r\n", 400),
	ERR("GET / x HTTP/1.1\r\n" H "\r\n", 400),

	/* versions (RFC 9112 section 2.3) */
	OK(H10 "\r\n", M_GET, "/", NULL, 10, NULL, -1, 0, 0, 0),
	ERR("GET / HTTP/2.0\r\n" H "\r\n", 505),
	ERR("GET / HTTP/0.9\r\n" H "\r\n", 505),
	ERR("GET / HTTP/1.2\r\n" H "\r\n", 505),
	ERR("GET / HTTP/3.0\r\n" H "\r\n", 505),
	ERR("GET / HTTP/9.9\r\n" H "\r\n", 505),
	ERR("GET / HTTP/1\r\n" H "\r\n", 400),
	ERR("GET / HTTP/1.1.1\r\n" H "\r\n", 400),
	ERR("GET / http/1.1\r\n" H "\r\n", 400),
	ERR("GET / HTTP/11\r\n" H "\r\n", 400),
	ERR("GET / HTTPS/1.1\r\n" H "\r\n", 400),
	ERR("GET / HTTP/a.b\r\n" H "\r\n", 400),
	ERR("GET / HTTP/10.0\r\n" H "\r\n", 400),
	ERR("GET / HTTP/1,1\r\n" H "\r\n", 400),
	ERR("GET /\r\n\r\n", 400),

	/* HTTP/2 connection preface (RFC 9113 section 3.4) */
	ERR("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", 505),
	ERR("PRI * HTTP/2.0\r\n", 505),
	ERR("PRI * HTTP/2.0\n", 505),
	ERR("PRI / HTTP/2.0\r\n\r\n", 505),

	/* origin-form targets (RFC 9112 section 3.2.1) */
	OK("GET /a/b.html HTTP/1.1\r\n" H "\r\n",
	    M_GET, "/a/b.html", NULL, 11, "h", -1, 0, 1, 1),
	OK("GET /a?b=c HTTP/1.1\r\n" H "\r\n",
	    M_GET, "/a", "b=c", 11, "h", -1, 0, 1, 1),
	OK("GET /? HTTP/1.1\r\n" H "\r\n",
	    M_GET, "/", "", 11, "h", -1, 0, 1, 1),
	OK("GET /a?b?c HTTP/1.1\r\n" H "\r\n",
	    M_GET, "/a", "b?c", 11, "h", -1, 0, 1, 1),
	OK("GET /a%20b HTTP/1.1\r\n" H "\r\n",
	    M_GET, "/a%20b", NULL, 11, "h", -1, 0, 1, 1),
	OK("GET //x HTTP/1.1\r\n" H "\r\n",
	    M_GET, "//x", NULL, 11, "h", -1, 0, 1, 1),
	OK("GET /../x HTTP/1.1\r\n" H "\r\n",
	    M_GET, "/../x", NULL, 11, "h", -1, 0, 1, 1),
	OK("GET /a\"<>{}|\\^` HTTP/1.1\r\n" H "\r\n",
	    M_GET, "/a\"<>{}|\\^`", NULL, 11, "h", -1, 0, 1, 1),
	ERR("GET /a#f HTTP/1.1\r\n" H "\r\n", 400),
	ERR("GET /a?b#f HTTP/1.1\r\n" H "\r\n", 400),
	ERR("GET /a\x01 HTTP/1.1\r\n" H "\r\n", 400),
	ERR("GET /a\x7f HTTP/1.1\r\n" H "\r\n", 400),
	ERR("GET /a\x80 HTTP/1.1\r\n" H "\r\n", 400),
	ERR("GET /\xc3\xa9 HTTP/1.1\r\n" H "\r\n", 400),
	ERR("GET /a\tb HTTP/1.1\r\n" H "\r\n", 400),
	ERR("GET index.html HTTP/1.1\r\n" H "\r\n", 400),
	ERR("GET ?x HTTP/1.1\r\n" H "\r\n", 400),

	/* absolute-form (RFC 9112 section 3.2.2): its host wins */
	OK("GET http://ex.com/p?q HTTP/1.1\r\nHost: other\r\n\r\n",
	    M_GET, "/p", "q", 11, "ex.com", -1, 0, 1, 1),
	OK("GET http://ex.com HTTP/1.1\r\n" H "\r\n",
	    M_GET, "/", NULL, 11, "ex.com", -1, 0, 1, 1),
	OK("GET http://ex.com?x HTTP/1.1\r\n" H "\r\n",
	    M_GET, "/", "x", 11, "ex.com", -1, 0, 1, 1),
	OK("GET HTTPS://EX.COM:8443/ HTTP/1.1\r\n" H "\r\n",
	    M_GET, "/", NULL, 11, "EX.COM:8443", -1, 0, 1, 1),
	OK("GET http://[::1]:8080/a HTTP/1.1\r\n" H "\r\n",
	    M_GET, "/a", NULL, 11, "[::1]:8080", -1, 0, 1, 1),
	OK("GET http://ex.com/p HTTP/1.0\r\n\r\n",
	    M_GET, "/p", NULL, 10, "ex.com", -1, 0, 0, 0),
	OK("OPTIONS http://ex.com HTTP/1.1\r\n" H "\r\n",
	    M_OPT, "/", NULL, 11, "ex.com", -1, 0, 1, 1),
	ERR("GET http://ex.com/p HTTP/1.1\r\n\r\n", 400),
	ERR("GET ftp://ex.com/ HTTP/1.1\r\n" H "\r\n", 400),
	ERR("GET http:///p HTTP/1.1\r\n" H "\r\n", 400),
	ERR("GET http:// HTTP/1.1\r\n" H "\r\n", 400),
	ERR("GET http://u@ex.com/ HTTP/1.1\r\n" H "\r\n", 400),
	ERR("GET http://ex.com:80x/ HTTP/1.1\r\n" H "\r\n", 400),
	ERR("GET http:/ex.com/ HTTP/1.1\r\n" H "\r\n", 400),
	ERR("GET http://ex.com/#f HTTP/1.1\r\n" H "\r\n", 400),
	ERR("GET http://[::1/ HTTP/1.1\r\n" H "\r\n", 400),

	/* asterisk-form (RFC 9112 section 3.2.4) */
	OK("OPTIONS * HTTP/1.1\r\n" H "\r\n",
	    M_OPT, "*", NULL, 11, "h", -1, 0, 1, 1),
	OK("OPTIONS * HTTP/1.0\r\n\r\n",
	    M_OPT, "*", NULL, 10, NULL, -1, 0, 0, 0),
	ERR("GET * HTTP/1.1\r\n" H "\r\n", 400),
	ERR("BREW * HTTP/1.1\r\n" H "\r\n", 400),
	ERR("OPTIONS *x HTTP/1.1\r\n" H "\r\n", 400),
	ERR("OPTIONS */ HTTP/1.1\r\n" H "\r\n", 400),

	/* authority-form (RFC 9112 section 3.2.3), CONNECT only */
	OK("CONNECT ex.com:443 HTTP/1.1\r\nHost: ex.com:443\r\n\r\n",
	    M_CONN, "ex.com:443", NULL, 11, "ex.com:443", -1, 0, 1, 1),
	OK("CONNECT [::1]:443 HTTP/1.1\r\n" H "\r\n",
	    M_CONN, "[::1]:443", NULL, 11, "h", -1, 0, 1, 1),
	ERR("CONNECT ex.com HTTP/1.1\r\n" H "\r\n", 400),
	ERR("CONNECT ex.com: HTTP/1.1\r\n" H "\r\n", 400),
	ERR("CONNECT / HTTP/1.1\r\n" H "\r\n", 400),
	ERR("CONNECT http://ex.com/ HTTP/1.1\r\n" H "\r\n", 400),
	ERR("CONNECT :443 HTTP/1.1\r\n" H "\r\n", 400),
	ERR("GET ex.com:443 HTTP/1.1\r\n" H "\r\n", 400),

	/* request line limit, 64 here; 414 before the line ends */
	OK("GET /" X32 "xxxxxxxxxxxxxxxxxx" " HTTP/1.1\r\n" H "\r\n",
	    M_GET, "/" X32 "xxxxxxxxxxxxxxxxxx", NULL, 11, "h", -1, 0, 1, 1),
	ERR("GET /" X32 "xxxxxxxxxxxxxxxxxxx" " HTTP/1.1\r\n" H "\r\n", 414),
	ERR("GET /" X32 X32 X32 " HTTP/1.1\r\n" H "\r\n", 414),
	ERR("GET /" X32 X32 X32, 414),
	ERR(X32 X32 X32, 414),
	ERR("GET /" X32 X32 " HTTP/1.1\n" H "\n", 414),
	ERR("GET /" X32 "xxxxxxxxxxxxxxxxxxx" " HTTP/1.1\r", 414),
	AGN("GET /" X32 "xxxxxxxxxxxxxxxxxx" " HTTP/1.1\r"),

	/* leading empty lines (RFC 9112 section 2.2) */
	G11("\r\n" RL H "\r\n", 1),
	G11("\n\n" RL H "\r\n", 1),
	G11("\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n" RL H "\r\n", 1),
	ERR("\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n" RL H "\r\n", 400),
	ERR("\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n", 400),
	ERR("\r\rGET / HTTP/1.1\r\n" H "\r\n", 400),
	ERR("\r GET / HTTP/1.1\r\n" H "\r\n", 400),
	AGN("\r"),
	AGN("\r\n\r\n"),

	/* line endings: bare LF tolerated, bare CR refused */
	G11("GET / HTTP/1.1\nHost: h\n\n", 1),
	G11("GET / HTTP/1.1\r\nHost: h\n\r\n", 1),
	G11("GET / HTTP/1.1\nHost: h\r\n\n", 1),
	ERR("GET / HTTP/1.1\rHost: h\r\n\r\n", 400),
	ERR("GET / HTTP/1.1\r\r\n" H "\r\n", 400),
	ERR(RL "Host: h\rX: y\r\n\r\n", 400),
	ERR(RL H "\r\r\n", 400),
	ERR(RL H "\rX\r\n\r\n", 400),
	ERR(RL "Host: h\r\r\n\r\n", 400),
	ERR(RL "\rHost: h\r\n\r\n", 400),

	/* NUL anywhere */
	ERR("G\0ET / HTTP/1.1\r\n" H "\r\n", 400),
	ERR("GET /\0 HTTP/1.1\r\n" H "\r\n", 400),
	ERR("GET / HTTP/1.1\0\r\n" H "\r\n", 400),
	ERR(RL "X\0: y\r\n" H "\r\n", 400),
	ERR(RL "X: a\0b\r\n" H "\r\n", 400),
	ERR("\0GET / HTTP/1.1\r\n" H "\r\n", 400),
	ERR(RL H "\0\r\n", 400),

	/* field syntax (RFC 9112 section 5) */
	ERR(RL "Host : h\r\n\r\n", 400),
	ERR(RL "Host\t: h\r\n\r\n", 400),
	ERR(RL " X: y\r\n" H "\r\n", 400),
	ERR(RL H "X: a\r\n  b\r\n\r\n", 400),
	ERR(RL H "X: a\r\n\tb\r\n\r\n", 400),
	ERR(RL "X\x01: y\r\n" H "\r\n", 400),
	ERR(RL "(X): y\r\n" H "\r\n", 400),
	ERR(RL "X/Y: y\r\n" H "\r\n", 400),
	ERR(RL "\xc3\xa9: y\r\n" H "\r\n", 400),
	ERR(RL ": y\r\n" H "\r\n", 400),
	ERR(RL "Novalue\r\n" H "\r\n", 400),
	ERR(RL H "X: a\x7f" "b\r\n\r\n", 400),
	ERR(RL H "X: a\x01" "b\r\n\r\n", 400),
	ERR(RL H "X: a\x1b" "[m\r\n\r\n", 400),
	G11(RL H "X: \x80\xff\r\n\r\n", 2),
	G11(RL H "X: a\tb\r\n\r\n", 2),
	G11(RL H "X:\r\n\r\n", 2),
	G11(RL H "X: \t \r\n\r\n", 2),
	G11(RL H "X:y\r\n\r\n", 2),
	G11(RL H "!#$%&'*+-.^_`|~: y\r\n\r\n", 2),
	G11(RL H "X: a: b\r\n\r\n", 2),

	/* field limits: 48 per line, 256 in all, 8 fields */
	G11(RL H "X: " X32 "xxxxxxxxxxxxx\r\n\r\n", 2),
	ERR(RL H "X: " X32 "xxxxxxxxxxxxxx\r\n\r\n", 431),
	ERR(RL H "X: " X32 X32 X32 "\r\n\r\n", 431),
	ERR(RL H "X: " X32 X32 X32, 431),
	ERR(RL H "X: " X32 "xxxxxxxxxxxxxx\r", 431),
	AGN(RL H "X: " X32 "xxxxxxxxxxxxx\r"),
	G11(RL H "A: 1\r\nB: 2\r\nC: 3\r\nD: 4\r\nE: 5\r\nF: 6\r\nG: 7\r\n\r\n",
	    8),
	ERR(RL H "A: 1\r\nB: 2\r\nC: 3\r\nD: 4\r\nE: 5\r\nF: 6\r\nG: 7\r\n"
	    "I: 8\r\n\r\n", 431),
	ERR(RL H "A: 1\r\nB: 2\r\nC: 3\r\nD: 4\r\nE: 5\r\nF: 6\r\nG: 7\r\n"
	    "I: 8\r\nJ: 9\r\n\r\n", 431),
	ERR(RL H "A: 1\r\nB: 2\r\nC: 3\r\nD: 4\r\nE: 5\r\nF: 6\r\nG: 7\r\n"
	    "I: 8\r\n J: 9\r\n\r\n", 400),
	ERR(RL H "A: " X32 "\r\nB: " X32 "\r\nC: " X32 "\r\nD: " X32 "\r\n"
	    "E: " X32 "\r\nF: " X32 "\r\nG: " X32 "\r\n\r\n", 431),
	ERR(RL H "A: " X32 "\r\nB: " X32 "\r\nC: " X32 "\r\nD: " X32 "\r\n"
	    "E: " X32 "\r\nF: " X32 "\r\nG: " X32, 431),
	ERR(RL H "A: " X32 "\r\nB: " X32 "\r\nC: " X32 "\r\nD: " X32 "\r\n"
	    "E: " X32 "\r\nF: " X32 "\r\nG\x01: " X32 "\r\n\r\n", 431),
	ERR(RL H "A: " X32 "\r\nB: " X32 "\r\nC: " X32 "\r\nD: " X32 "\r\n"
	    "E: " X32 "\r\nF: " X32 "\r\nG: " X32 "\r\nH: 1\r\n\r\n", 431),
	G11(RL H "A: " X32 "\r\nB: " X32 "\r\nC: " X32 "\r\nD: " X32 "\r\n"
	    "E: " X32 "\r\nF: " X32 "\r\n\r\n", 7),

	/* Host (RFC 9112 section 3.2) */
	ERR(RL "\r\n", 400),
	ERR(RL "X: y\r\n\r\n", 400),
	ERR(RL H H "\r\n", 400),
	ERR(RL "Host: a\r\nhost: b\r\n\r\n", 400),
	ERR(H10 H H "\r\n", 400),
	OK(RL "Host:\r\n\r\n", M_GET, "/", NULL, 11, "", -1, 0, 1, 1),
	OK(RL "HOST: ex.com:8080\r\n\r\n",
	    M_GET, "/", NULL, 11, "ex.com:8080", -1, 0, 1, 1),
	OK(RL "Host: [::1]\r\n\r\n",
	    M_GET, "/", NULL, 11, "[::1]", -1, 0, 1, 1),
	OK(RL "Host: 192.0.2.1:80\r\n\r\n",
	    M_GET, "/", NULL, 11, "192.0.2.1:80", -1, 0, 1, 1),
	OK(RL "Host: ex%41.com\r\n\r\n",
	    M_GET, "/", NULL, 11, "ex%41.com", -1, 0, 1, 1),
	OK(H10 H "\r\n", M_GET, "/", NULL, 10, "h", -1, 0, 0, 1),
	ERR(RL "Host: a b\r\n\r\n", 400),
	ERR(RL "Host: a@b\r\n\r\n", 400),
	ERR(RL "Host: h:8x\r\n\r\n", 400),
	ERR(RL "Host: h/p\r\n\r\n", 400),
	ERR(RL "Host: [::1\r\n\r\n", 400),
	ERR(RL "Host: h\x80\r\n\r\n", 400),
	ERR(RL "Host: a%zz\r\n\r\n", 400),

	/* Content-Length (RFC 9110 section 8.6, RFC 9112 6.3) */
	OKB(POST "Content-Length: 5\r\n\r\n",
	    "hello", M_POST, "/", NULL, 11, "h", 5, 0, 1, 2),
	OK(POST "Content-Length: 5, 5\r\n\r\n",
	    M_POST, "/", NULL, 11, "h", 5, 0, 1, 2),
	OK(POST "Content-Length: 5\r\nContent-Length: 5\r\n\r\n",
	    M_POST, "/", NULL, 11, "h", 5, 0, 1, 3),
	OK(POST "Content-Length:  7 \r\n\r\n",
	    M_POST, "/", NULL, 11, "h", 7, 0, 1, 2),
	OK(POST "Content-Length: 00012\r\n\r\n",
	    M_POST, "/", NULL, 11, "h", 12, 0, 1, 2),
	OK(POST "Content-Length: 9223372036854775807\r\n\r\n",
	    M_POST, "/", NULL, 11, "h", INT64_MAX, 0, 1, 2),
	ERR(POST "Content-Length: 9223372036854775808\r\n\r\n", 400),
	ERR(POST "Content-Length: 99999999999999999999\r\n\r\n", 400),
	ERR(POST "Content-Length: 5\r\nContent-Length: 6\r\n\r\n", 400),
	ERR(POST "Content-Length: 5, 6\r\n\r\n", 400),
	ERR(POST "Content-Length: -1\r\n\r\n", 400),
	ERR(POST "Content-Length: +5\r\n\r\n", 400),
	ERR(POST "Content-Length: 0x10\r\n\r\n", 400),
	ERR(POST "Content-Length: 5 5\r\n\r\n", 400),
	ERR(POST "Content-Length: 5,\r\n\r\n", 400),
	ERR(POST "Content-Length: ,5\r\n\r\n", 400),
	ERR(POST "Content-Length:\r\n\r\n", 400),
	ERR(POST "Content-Length: 1e3\r\n\r\n", 400),
	ERR(POST "Content-Length: 5\r\nContent-Length: 5, 6\r\n\r\n", 400),
	ERR(POST "Content-Length : 5\r\n\r\n", 400),

	/* Transfer-Encoding (RFC 9112 sections 6.1, 6.3, 7) */
	OKB(POST "Transfer-Encoding: chunked\r\n\r\n", "0\r\n\r\n",
	    M_POST, "/", NULL, 11, "h", -1, 1, 1, 2),
	OK(POST "Transfer-Encoding: Chunked\r\n\r\n",
	    M_POST, "/", NULL, 11, "h", -1, 1, 1, 2),
	OK(POST "Transfer-Encoding: , chunked\r\n\r\n",
	    M_POST, "/", NULL, 11, "h", -1, 1, 1, 2),
	ERR(POST "Transfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n",
	    400),
	ERR(POST "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n",
	    400),
	ERR(POST "Content-Length: 0\r\nTransfer-Encoding: gzip\r\n\r\n", 400),
	ERR("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", 400),
	ERR(POST "Transfer-Encoding: gzip\r\n\r\n", 400),
	ERR(POST "Transfer-Encoding: gzip, chunked\r\n\r\n", 501),
	ERR(POST "Transfer-Encoding: gzip\r\n"
	    "Transfer-Encoding: chunked\r\n\r\n",
	    501),
	ERR(POST "Transfer-Encoding: chunked, chunked\r\n\r\n", 400),
	ERR(POST "Transfer-Encoding: chunked\r\n"
	    "Transfer-Encoding: chunked\r\n\r\n",
	    400),
	ERR(POST "Transfer-Encoding: chunked, identity\r\n\r\n", 400),
	ERR(POST "Transfer-Encoding: identity\r\n\r\n", 400),
	ERR(POST "Transfer-Encoding: chunked;q=1\r\n\r\n", 400),
	ERR(POST "Transfer-Encoding: xchunked\r\n\r\n", 400),
	ERR(POST "Transfer-Encoding:\r\n\r\n", 400),
	ERR(POST "Transfer-Encoding: \"chunked\"\r\n\r\n", 400),
	ERR(POST "Transfer-Encoding : chunked\r\n\r\n", 400),
	ERR(POST "Transfer-Encoding:\x0b" "chunked\r\n\r\n", 400),
	ERR(POST "Transfer-Encoding: chunked\r\n Content-Length: 5\r\n\r\n",
	    400),

	/* Connection and persistence (RFC 9112 section 9.3) */
	OK(RL H "Connection: close\r\n\r\n",
	    M_GET, "/", NULL, 11, "h", -1, 0, 0, 2),
	OK(RL H "Connection: CLOSE\r\n\r\n",
	    M_GET, "/", NULL, 11, "h", -1, 0, 0, 2),
	OK(RL H "Connection: keep-alive, close\r\n\r\n",
	    M_GET, "/", NULL, 11, "h", -1, 0, 0, 2),
	OK(RL H "Connection: foo,close\r\n\r\n",
	    M_GET, "/", NULL, 11, "h", -1, 0, 0, 2),
	OK(RL H "Connection: closed\r\n\r\n",
	    M_GET, "/", NULL, 11, "h", -1, 0, 1, 2),
	OK(RL H "Connection: keep-alive\r\n\r\n",
	    M_GET, "/", NULL, 11, "h", -1, 0, 1, 2),
	OK(RL H "Connection: x\r\nConnection: close\r\n\r\n",
	    M_GET, "/", NULL, 11, "h", -1, 0, 0, 3),
	OK(H10 "Connection: keep-alive\r\n\r\n",
	    M_GET, "/", NULL, 10, NULL, -1, 0, 1, 1),
	OK(H10 "Connection: Keep-Alive\r\n\r\n",
	    M_GET, "/", NULL, 10, NULL, -1, 0, 1, 1),
	OK(H10 "Connection: Upgrade, keep-alive\r\n\r\n",
	    M_GET, "/", NULL, 10, NULL, -1, 0, 1, 1),
	OK(H10 "Connection: keep-alive, close\r\n\r\n",
	    M_GET, "/", NULL, 10, NULL, -1, 0, 0, 1),
	OK(H10 "Connection: keep-alive\r\nConnection: close\r\n\r\n",
	    M_GET, "/", NULL, 10, NULL, -1, 0, 0, 2),
	OK(H10 "Connection: keep-alived\r\n\r\n",
	    M_GET, "/", NULL, 10, NULL, -1, 0, 0, 1),

	/* Expect (RFC 9110 section 10.1.1) */
	OKE(RL H "Expect: 100-continue\r\n\r\n", 11, 1),
	OKE(RL H "Expect: 100-Continue\r\n\r\n", 11, 1),
	OKE(RL H "Expect:\r\n\r\n", 11, 0),
	{ R(H10 H "Expect: 100-continue\r\n\r\n"), D, 0, M_GET, "/", NULL,
	    10, "h", -1, 0, 0, 2, -1, 0 },
	ERR(RL H "Expect: foo\r\n\r\n", 417),
	ERR(RL H "Expect: 100-continue, foo\r\n\r\n", 417),
	ERR(RL H "Expect: 100-continue\r\nExpect: 200-ok\r\n\r\n", 417),
	ERR(RL H "Expect: 100-continue;x=1\r\n\r\n", 417),

	/* incomplete heads */
	AGN("G"),
	AGN("GET / HTTP/1.1"),
	AGN(RL),
	AGN(RL H),
	AGN(RL H "\r"),
	AGN(RL "Host: h\n"),
	AGN(RL "X: " X32),

	/* pipelining: header_len stops at the empty line */
	OKB(RL H "\r\n", "GET /2 HTTP/1.1\r\n" H "\r\n",
	    M_GET, "/", NULL, 11, "h", -1, 0, 1, 1),
	OKB(RL H "\r\n", "\r\n", M_GET, "/", NULL, 11, "h", -1, 0, 1, 1),
	OKB(RL H "\r\n",
	    "PRI * HTTP/2.0\r\n", M_GET, "/", NULL, 11, "h", -1, 0, 1, 1),
	OKB(RL H "\r\n", "\0\0\xff", M_GET, "/", NULL, 11, "h", -1, 0, 1, 1),
};

static char	*guard;		/* first byte of the PROT_NONE page */

/* Copy in so that it ends right at the guard page. */
static char *
at_guard(const char *in, size_t n)
{
	char	*b = guard - n;

	memcpy(b, in, n);
	return b;
}

static enum http_parse_result
run(const char *in, size_t n, size_t prev, struct http_request *req)
{
	return http_parse_request(at_guard(in, n), n, prev, &lim, req);
}

static int
span_is(struct span s, const char *want)
{
	if (want == NULL)
		return s.p == NULL;
	return s.p != NULL && s.len == strlen(want) &&
	    memcmp(s.p, want, s.len) == 0;
}

static long
want_hlen(const struct pcase *c)
{
	return c->hlen == -1 ? (long)c->len : c->hlen;
}

/* Does a DONE result match the case?  Says why not. */
static int
fields_ok(const struct pcase *c, const struct http_request *req)
{
	const char	*why = NULL;

	if ((int)req->method_id != c->method)
		why = "method";
	else if (!span_is(req->path, c->path))
		why = "path";
	else if (!span_is(req->query, c->query))
		why = "query";
	else if (req->version != c->version)
		why = "version";
	else if (!span_is(req->host, c->host))
		why = "host";
	else if (req->content_length != c->cl)
		why = "content_length";
	else if (req->chunked != c->chunked)
		why = "chunked";
	else if (req->keep_alive != c->ka)
		why = "keep_alive";
	else if ((long)req->header_len != want_hlen(c))
		why = "header_len";
	else if ((int)req->nheaders != c->nh)
		why = "nheaders";
	else if (req->expect_continue != c->expect)
		why = "expect_continue";
	else if (req->status != 0 || req->error != NULL)
		why = "status set on DONE";
	if (why != NULL)
		tap_diag("  field %s differs", why);
	return why == NULL;
}

/* Is this (final) result what the case wants? */
static int
result_ok(const struct pcase *c, enum http_parse_result r,
    const struct http_request *req)
{
	if ((int)r != c->res) {
		tap_diag("  result %d, want %d (status %d, %s)", r, c->res,
		    req->status, req->error ? req->error : "-");
		return 0;
	}
	if (r == E && req->status != c->status) {
		tap_diag("  status %d (%s), want %d", req->status,
		    req->error ? req->error : "-", c->status);
		return 0;
	}
	if (r == E && req->error == NULL) {
		tap_diag("  no error string");
		return 0;
	}
	return r == D ? fields_ok(c, req) : 1;
}

/*
 * A result on a prefix of k bytes: AGAIN is fine before the end of the
 * head, an error must be the final one, and DONE may only come once the
 * whole head is there.
 */
static int
prefix_ok(const struct pcase *c, size_t k, enum http_parse_result r,
    const struct http_request *req)
{
	if (r == A)
		return c->res != D || (long)k < want_hlen(c) ||
		    (tap_diag("  AGAIN at %zu with a complete head", k), 0);
	if (r == E)
		return result_ok(c, r, req);
	if (c->res != D || (long)k < want_hlen(c)) {
		tap_diag("  DONE at prefix %zu", k);
		return 0;
	}
	return fields_ok(c, req);
}

static void
run_case(size_t i, const struct pcase *c)
{
	struct http_request	 req;
	enum http_parse_result	 r;
	size_t			 k;
	int			 good;

	r = run(c->in, c->len, 0, &req);
	tap_ok(result_ok(c, r, &req), "case %zu whole", i);

	/* a byte at a time, as slowloris sends it */
	good = 1;
	r = A;
	for (k = 1; k <= c->len && r == A; k++) {
		r = run(c->in, k, k - 1, &req);
		if (!prefix_ok(c, k, r, &req)) {
			tap_diag("  at byte %zu", k);
			good = 0;
			break;
		}
	}
	if (good && r == A && c->res != A) {
		tap_diag("  never finished");
		good = 0;
	}
	tap_ok(good, "case %zu bytewise", i);

	/* two reads, split at every point */
	good = 1;
	for (k = 1; k < c->len && good; k++) {
		r = run(c->in, k, 0, &req);
		if (!prefix_ok(c, k, r, &req))
			good = 0;
		else if (r == A) {
			r = run(c->in, c->len, k, &req);
			good = result_ok(c, r, &req);
		}
		if (!good)
			tap_diag("  split at %zu", k);
	}
	tap_ok(good, "case %zu split", i);
}

#define HEAD2	"GET /x?y HTTP/1.1\r\nHost:  h  \r\nUser-Agent: ua/1\r\n" \
	"If-None-Match: \"a\"\r\nIf-None-Match: \"b\"\r\n" \
	"Range: bytes=0-1\r\nIf-Range: \"a\"\r\nReferer: r\r\n" \
	"Content-Type: t/t\r\nIf-Match: m\r\nIf-Modified-Since: ims\r\n" \
	"If-Unmodified-Since: ius\r\nConnection: c\r\n" \
	"Expect: 100-continue\r\n\r\n"

static void
test_fields(void)
{
	const struct http_limits big = { 1024, 1024, 4096, 64 };
	struct http_request	 req;
	enum http_parse_result	 r;
	char			*b;

	b = at_guard(HEAD2, sizeof(HEAD2) - 1);
	r = http_parse_request(b, sizeof(HEAD2) - 1, 0, &big, &req);
	tap_is_int(r, D, "fields: DONE");
	tap_ok(span_is(req.method, "GET"), "fields: method span");
	tap_ok(span_is(req.target, "/x?y"), "fields: target span");
	tap_is_int(req.form, HTTP_FORM_ORIGIN, "fields: origin-form");
	tap_ok(span_is(req.host, "h"), "fields: Host OWS trimmed");
	tap_ok(span_is(req.user_agent, "ua/1"), "fields: User-Agent");
	tap_ok(span_is(req.if_none_match, "\"a\""),
	    "fields: first If-None-Match kept");
	tap_ok(span_is(req.headers[3].value, "\"b\""),
	    "fields: second If-None-Match in headers[]");
	tap_ok(span_is(req.range, "bytes=0-1"), "fields: Range");
	tap_ok(span_is(req.if_range, "\"a\""), "fields: If-Range");
	tap_ok(span_is(req.referer, "r"), "fields: Referer");
	tap_ok(span_is(req.content_type, "t/t"), "fields: Content-Type");
	tap_ok(span_is(req.if_match, "m"), "fields: If-Match");
	tap_ok(span_is(req.if_modified_since, "ims"),
	    "fields: If-Modified-Since");
	tap_ok(span_is(req.if_unmodified_since, "ius"),
	    "fields: If-Unmodified-Since");
	tap_ok(span_is(req.connection, "c"), "fields: Connection");
	tap_ok(span_is(req.expect, "100-continue"), "fields: Expect");
	tap_ok(req.expect_continue, "fields: expect_continue");
	tap_ok(req.transfer_encoding.p == NULL, "fields: no TE");
	tap_ok(span_is(req.headers[0].name, "Host") &&
	    span_is(req.headers[0].value, "h"), "fields: headers[0]");
	tap_is_int(req.nheaders, 13, "fields: nheaders");
}

static void
test_forms(void)
{
	static const struct {
		const char	*in;
		int		 form;
	} f[] = {
		{ "GET / HTTP/1.1\r\nHost: h\r\n\r\n", HTTP_FORM_ORIGIN },
		{ "GET http://h/ HTTP/1.1\r\nHost: h\r\n\r\n",
		    HTTP_FORM_ABSOLUTE },
		{ "OPTIONS * HTTP/1.1\r\nHost: h\r\n\r\n", HTTP_FORM_ASTERISK },
		{ "CONNECT h:1 HTTP/1.1\r\nHost: h\r\n\r\n",
		    HTTP_FORM_AUTHORITY },
	};
	struct http_request	 req;
	size_t			 i;

	for (i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
		tap_is_int(run(f[i].in, strlen(f[i].in), 0, &req), D,
		    "form %zu: DONE", i);
		tap_is_int(req.form, f[i].form, "form %zu: form", i);
	}
	/* the "/" of an empty absolute path still lies in the buffer */
	run("GET http://h HTTP/1.1\r\nHost: h\r\n\r\n", 35, 0, &req);
	tap_ok(req.path.p > guard - 35 && req.path.p < guard &&
	    *req.path.p == '/', "absolute-form default path inside buffer");

	run("PRI * HTTP/2.0\r\n", 16, 0, &req);
	tap_is_str(req.error, "HTTP/2 preface", "preface error string");
}

static void
test_misc(void)
{
	const struct http_limits many = { 64, 64, 65536, 100000 };
	static const char one[] = "X: y\r\n";
	static char big[HTTP_MAX_HEADERS * 6 + 64];
	struct http_request	 req;
	struct span		 s;
	size_t			 n, i;

	/* prev_len beyond len is treated as a fresh start */
	tap_is_int(run(RL H "\r\n", 27, 100, &req), D, "prev_len > len");
	/* a stale req is cleared */
	memset(&req, 0x5a, sizeof(req));
	tap_is_int(run(RL H "\r\n", 27, 0, &req), D, "stale req: DONE");
	tap_ok(req.query.p == NULL && req.if_range.p == NULL &&
	    req.chunked == 0, "stale req cleared");

	/* header_count above HTTP_MAX_HEADERS is capped there */
	n = 0;
	memcpy(big, RL H, 25);
	n = 25;
	for (i = 0; i < HTTP_MAX_HEADERS; i++, n += 6)
		memcpy(big + n, one, 6);
	memcpy(big + n, "\r\n", 2);
	n += 2;
	tap_is_int(http_parse_request(big, n, 0, &many, &req), E,
	    "257 fields with a limit of 100000");
	tap_is_int(req.status, 431, "... 431");
	memcpy(big + n - 8, "\r\n", 2);
	tap_is_int(http_parse_request(big, n - 6, 0, &many, &req), D,
	    "256 fields");
	tap_is_int(req.nheaders, HTTP_MAX_HEADERS, "... all stored");

	s.p = "a, B ,c";
	s.len = 7;
	tap_ok(http_list_has(s, "b"), "list_has: middle, case");
	tap_ok(http_list_has(s, "c"), "list_has: last");
	tap_ok(!http_list_has(s, "a, B"), "list_has: not across commas");
	s.p = NULL;
	s.len = 0;
	tap_ok(!http_list_has(s, "a"), "list_has: absent field");
	s.p = "Keep-Alive";
	s.len = 10;
	tap_ok(span_eq(s, "keep-alive"), "span_eq: case-insensitive");
	tap_ok(!span_eq(s, "keep-aliv"), "span_eq: length");
	tap_is_str(http_method_name(HTTP_M_PATCH), "PATCH", "method name");
	tap_is_str(http_method_name(HTTP_M_GET), "GET", "method name GET");
	tap_ok(http_method_name(HTTP_M_UNKNOWN) == NULL, "unknown name");
	tap_ok(http_method_name((enum http_method)99) == NULL, "out of range");
}

/* ---------------------------------------------------------- chunked */

struct ccase {
	const char	*in;
	size_t		 len;
	int		 res;
	const char	*out;		/* decoded data (DONE/AGAIN) */
	size_t		 outlen;
	long		 used;		/* on DONE; -1: all of it */
};

#define CD	HTTP_CHUNK_DONE
#define CA	HTTP_CHUNK_AGAIN
#define CE	HTTP_CHUNK_ERROR
#define COK(s, o)	{ R(s), CD, R(o), -1 }
#define COKU(s, o, u)	{ R(s), CD, R(o), u }
#define CAGN(s, o)	{ R(s), CA, R(o), -1 }
#define CERR(s)		{ R(s), CE, NULL, 0, -1 }

static const struct ccase ccases[] = {
	COK("0\r\n\r\n", ""),
	COK("5\r\nhello\r\n0\r\n\r\n", "hello"),
	COK("5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n", "hello world"),
	COK("a\r\n0123456789\r\n0\r\n\r\n", "0123456789"),
	COK("A\r\n0123456789\r\n0\r\n\r\n", "0123456789"),
	COK("0005\r\nhello\r\n0000\r\n\r\n", "hello"),
	COK("0000000000000005\r\nhello\r\n0\r\n\r\n", "hello"),
	COK("1\r\n\0\r\n0\r\n\r\n", "\0"),	/* data is opaque */
	COK("5;a=b\r\nhello\r\n0\r\n\r\n", "hello"),
	COK("5 ;a=b\r\nhello\r\n0\r\n\r\n", "hello"),
	COK("5\t; a = \"q s\"\r\nhello\r\n0\r\n\r\n", "hello"),
	COK("5;a;b;c\r\nhello\r\n0;last\r\n\r\n", "hello"),
	COK("5;\xff\r\nhello\r\n0\r\n\r\n", "hello"),
	COK("0\r\nX-T: 1\r\n\r\n", ""),
	COK("0\r\nX-T: 1\r\nY:\r\n\r\n", ""),
	COK("5\nhello\n0\n\n", "hello"),
	COK("5\r\nhello\n0\r\n\n", "hello"),
	COK("0\nX: 1\n\n", ""),
	COKU("0\r\n\r\nGET / HTTP/1.1\r\n", "", 5),
	COKU("5\r\nhello\r\n0\r\n\r\nXYZ", "hello", 15),
	COKU("0\r\nT: 1\r\n\r\n\r\n", "", 11),
	CAGN("", ""),
	CAGN("5\r\nhel", "hel"),
	CAGN("5\r\nhello", "hello"),
	CAGN("5\r\nhello\r", "hello"),
	CAGN("5\r\nhello\r\n", "hello"),
	CAGN("5\r\nhello\r\n0\r\n", "hello"),
	CAGN("5\r\nhello\r\n0\r\nX: y\r\n", "hello"),
	CAGN("5;ext", ""),
	CAGN("ffffffffffffffff\r\nabc", "abc"),
	CERR("00000000000000005\r\nhello\r\n0\r\n\r\n"),
	CERR("10000000000000000\r\n"),
	CERR("\r\n"),
	CERR("\n"),
	CERR("x\r\n"),
	CERR("-1\r\n"),
	CERR("+1\r\n"),
	CERR(";ext\r\n"),
	CERR(" 5\r\n"),
	CERR("0x5\r\nhello\r\n"),
	CERR("5 \r\nhello\r\n0\r\n\r\n"),
	CERR("5 x\r\n"),
	CERR("5\rhello"),
	CERR("5\r\nhelloX\r\n0\r\n\r\n"),
	CERR("5\r\nhello0\r\n\r\n"),
	CERR("5\r\nhello\rX"),
	CERR("5\r\nhello\r\r\n"),
	CERR("5;a\rb\r\nhello\r\n"),
	CERR("5;a\0\r\nhello\r\n"),
	CERR("5;a\x7f\r\nhello\r\n"),
	CERR("0\r\n\rX"),
	CERR("0\r\nX: 1\r\n 2\r\n\r\n"),
	CERR("0\r\n\tX: 1\r\n\r\n"),
	CERR("0\r\n: 1\r\n\r\n"),
	CERR("0\r\nX: \0\r\n\r\n"),
	CERR("0\r\nX: 1\rY\r\n\r\n"),
	CERR("0\r\nX: 1\r\n\rY"),
};

static char	*cguard;	/* guard page for the decoder's input */

/*
 * Decode in[0..n) in pieces of at most step bytes (0: in one call, or
 * split once at split), each copied to end at the guard page.
 * Collects the data in out, returns the result and the total used.
 */
static enum http_chunk_result
decode(const char *in, size_t n, size_t step, size_t split, char *out,
    size_t *outlen, size_t *used)
{
	struct http_chunked	 st;
	enum http_chunk_result	 r = CA;
	size_t			 off = 0, piece, o, u;
	char			*b;

	memset(&st, 0, sizeof(st));
	*outlen = 0;
	*used = 0;
	do {
		piece = n - off;
		if (step != 0 && piece > step)
			piece = step;
		if (split != 0 && off == 0)
			piece = split;
		b = cguard - piece;
		memcpy(b, in + off, piece);
		r = http_chunked_decode(&st, b, piece, &o, &u);
		memcpy(out + *outlen, b, o);
		*outlen += o;
		*used += u;
		if (r == CA && u != piece) {
			tap_diag("  AGAIN used %zu of %zu", u, piece);
			return CE + 1;
		}
		off += piece;
	} while (r == CA && off < n);
	return r;
}

static int
chunk_ok(const struct ccase *c, enum http_chunk_result r, const char *out,
    size_t outlen, size_t used)
{
	if ((int)r != c->res) {
		tap_diag("  result %d, want %d", r, c->res);
		return 0;
	}
	if (r == CE)
		return 1;
	if (outlen != c->outlen || memcmp(out, c->out, outlen) != 0) {
		tap_diag("  out \"%.*s\", want \"%s\"", (int)outlen, out,
		    c->out);
		return 0;
	}
	if (r == CD && used != (c->used == -1 ? c->len : (size_t)c->used)) {
		tap_diag("  used %zu", used);
		return 0;
	}
	return 1;
}

static void
run_chunk_case(size_t i, const struct ccase *c)
{
	char			 out[256];
	enum http_chunk_result	 r;
	size_t			 outlen, used, k;
	int			 good;

	r = decode(c->in, c->len, 0, 0, out, &outlen, &used);
	tap_ok(chunk_ok(c, r, out, outlen, used), "chunk %zu whole", i);
	if (c->len == 0)
		return;
	r = decode(c->in, c->len, 1, 0, out, &outlen, &used);
	tap_ok(chunk_ok(c, r, out, outlen, used), "chunk %zu bytewise", i);
	good = 1;
	for (k = 1; k < c->len && good; k++) {
		r = decode(c->in, c->len, 0, k, out, &outlen, &used);
		if (!chunk_ok(c, r, out, outlen, used)) {
			tap_diag("  split at %zu", k);
			good = 0;
		}
	}
	tap_ok(good, "chunk %zu split", i);
}

static void
test_chunk_limits(void)
{
	static char		 in[HTTP_CHUNK_TRAILER_MAX + 64];
	struct http_chunked	 st;
	size_t			 n, out, used;

	/* an extension of HTTP_CHUNK_LINE_MAX bytes, then one more */
	in[0] = '1';
	in[1] = ';';
	memset(in + 2, 'e', HTTP_CHUNK_LINE_MAX - 1);
	n = HTTP_CHUNK_LINE_MAX + 1;
	memcpy(in + n, "\r\nx\r\n0\r\n\r\n", 10);
	memset(&st, 0, sizeof(st));
	tap_is_int(http_chunked_decode(&st, in, n + 10, &out, &used), CD,
	    "chunk-ext at the line cap");
	memset(in + 2, 'e', HTTP_CHUNK_LINE_MAX);
	n = HTTP_CHUNK_LINE_MAX + 2;
	memcpy(in + n, "\r\nx\r\n0\r\n\r\n", 10);
	memset(&st, 0, sizeof(st));
	tap_is_int(http_chunked_decode(&st, in, n + 10, &out, &used), CE,
	    "chunk-ext over the line cap");

	/* one long trailer line */
	memcpy(in, "0\r\nX:", 5);
	memset(in + 5, 'v', HTTP_CHUNK_LINE_MAX);
	memset(&st, 0, sizeof(st));
	tap_is_int(http_chunked_decode(&st, in, HTTP_CHUNK_LINE_MAX + 5, &out,
	    &used), CE, "trailer line over the cap");

	/* many short trailer lines */
	memcpy(in, "0\r\n", 3);
	for (n = 3; n + 6 < sizeof(in); n += 6)
		memcpy(in + n, "X: y\r\n", 6);
	memset(&st, 0, sizeof(st));
	tap_is_int(http_chunked_decode(&st, in, n, &out, &used), CE,
	    "trailer section over the cap");

	/* DONE is sticky and consumes nothing more */
	memcpy(in, "0\r\n\r\n", 5);
	memset(&st, 0, sizeof(st));
	http_chunked_decode(&st, in, 5, &out, &used);
	tap_is_int(http_chunked_decode(&st, in, 5, &out, &used), CD,
	    "DONE again");
	tap_is_int(used, 0, "... using nothing");
}

int
main(void)
{
	long	 pg = sysconf(_SC_PAGESIZE);
	char	*m;
	size_t	 i;

	m = mmap(NULL, pg * 4, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED || mprotect(m + pg, pg, PROT_NONE) == -1 ||
	    mprotect(m + 3 * pg, pg, PROT_NONE) == -1) {
		perror("mmap");
		return 1;
	}
	guard = m + pg;
	cguard = m + 3 * pg;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		run_case(i, &cases[i]);
	tap_diag("%zu request cases", sizeof(cases) / sizeof(cases[0]));
	test_fields();
	test_forms();
	test_misc();
	for (i = 0; i < sizeof(ccases) / sizeof(ccases[0]); i++)
		run_chunk_case(i, &ccases[i]);
	tap_diag("%zu chunked cases", sizeof(ccases) / sizeof(ccases[0]));
	test_chunk_limits();
	return tap_done();
}
