/*
 * Unit tests for src/inject.c.
 */
#include <sys/mman.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "http_cond.h"
#include "inject.h"
#include "live_js.h"
#include "tap.h"

/* Offset of the first occurrence of needle in s (the expected spot). */
static size_t
at(const char *s, const char *needle)
{
	const char	*p = strstr(s, needle);

	return p == NULL ? (size_t)-1 : (size_t)(p - s);
}

static void
is_offset(const char *body, size_t want, const char *name)
{
	tap_is_int(inject_offset(body, strlen(body)), want, "offset: %s",
	    name);
}

static void
test_offset(void)
{
	const char	*s;

	s = "<html><head></head><body>x</body></html>";
	is_offset(s, at(s, "</body>"), "before </body>");
	s = "<HTML><HEAD></HEAD><BODY>x</BODY></HTML>";
	is_offset(s, at(s, "</BODY>"), "uppercase </BODY>");
	s = "<body>x</Body ></html>";
	is_offset(s, at(s, "</Body"), "</Body > with a space");
	s = "<body>x</body\n\t></html>";
	is_offset(s, at(s, "</body"), "</body, newline, tab, >");
	s = "<body>x</body/>";
	is_offset(s, at(s, "</body"), "</body/>");
	s = "<head><title>t</title></head><p>no body end tag";
	is_offset(s, at(s, "</head>"), "no </body>: before </head>");
	s = "<head></HEAD ><p>x";
	is_offset(s, at(s, "</HEAD"), "no </body>: </HEAD >");
	s = "<p>neither tag";
	is_offset(s, strlen(s), "no </body>, no </head>: the end");
	is_offset("", 0, "empty body");
	s = "<body>x</bodyx></headers>";
	is_offset(s, strlen(s), "</bodyx> and </headers> are not end tags");
	s = "<body>x</ body>";
	is_offset(s, strlen(s), "</ body> is not an end tag");
	s = "<body><script>var s = \"</body>\";</script></body>";
	is_offset(s, strlen(s) - 7, "</body> in a script: the last wins");
	s = "<body><textarea></body></textarea></body></html>";
	is_offset(s, at(s, "</body></html>"),
	    "</body> in a textarea: the last wins");
	s = "<head></head><body></body><!-- </body> -->";
	is_offset(s, at(s, "</body> -->"),
	    "a comment after the real end tag wins (documented)");
	s = "<head></head><body></body></head>";
	is_offset(s, at(s, "</body>"), "</body> beats a later </head>");
	s = "<head></head><p>a</head>";
	is_offset(s, strlen(s) - 7, "the last </head> wins");
	s = "<body>x</bod";
	is_offset(s, strlen(s), "truncated </bod at the end");
	s = "<body>x</body";
	is_offset(s, strlen(s), "</body with nothing after it");
	s = "<body>x<";
	is_offset(s, strlen(s), "a lone < at the end");
	s = "<";
	is_offset(s, 1, "just <");
	tap_is_int(inject_offset("<body>\0</body>", 14), 7,
	    "a NUL byte before </body>");
}

/* "</body" ends right at a PROT_NONE page: nothing past len is read. */
static void
test_guard(void)
{
	long	 pg = sysconf(_SC_PAGESIZE);
	char	*m, *p;
	size_t	 n;

	m = mmap(NULL, 2 * pg, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED || mprotect(m + pg, pg, PROT_NONE) == -1) {
		tap_ok(0, "guard page: mmap/mprotect");
		return;
	}
	n = strlen("<p>x</body");
	p = m + pg - n;
	memcpy(p, "<p>x</body", n);
	tap_is_int(inject_offset(p, n), n, "guard page: </body at the end");
	memcpy(p + n - 2, "</", 2);
	tap_is_int(inject_offset(p, n), n, "guard page: </ at the end");
	munmap(m, 2 * pg);
}

static void
test_huge(void)
{
	size_t	 n = 64 * 1024 * 1024, tail;
	char	*b;

	if ((b = malloc(n)) == NULL) {
		tap_ok(0, "huge: malloc");
		return;
	}
	memset(b, 'a', n);
	memcpy(b, "<head></head>", 13);
	tail = strlen("</body></html>\n");
	memcpy(b + n - tail, "</body></html>\n", tail);
	tap_is_int(inject_offset(b, n), n - tail, "huge: 64 MiB, </body>");
	memset(b + n - tail, '<', tail);
	tap_is_int(inject_offset(b, n), 6, "huge: 64 MiB, only </head>");
	memset(b, '<', 13);
	tap_is_int(inject_offset(b, n), n, "huge: 64 MiB of text and <");
	free(b);
}

/* The injected body is what the caller builds from the offset. */
static void
test_compose(void)
{
	const char	*s = "<p>hi</p></body></html>";
	char		 out[256];
	uint64_t	 len = 0;
	size_t		 off = inject_offset(s, strlen(s));

	snprintf(out, sizeof(out), "%.*s%s%s", (int)off, s, INJECT_SNIPPET,
	    s + off);
	tap_is_str(out, "<p>hi</p><script src=\"/.hearth/live.js\">"
	    "</script></body></html>", "compose: the snippet before </body>");
	tap_is_int(inject_length(strlen(s), &len), 0, "length: ok");
	tap_is_int(len, strlen(out), "length: equals the composed body");
	tap_is_int(inject_length(0, &len), 0, "length: empty body");
	tap_is_int(len, INJECT_SNIPPET_LEN, "length: empty body, the snippet");
	tap_is_int(inject_length(UINT64_MAX - INJECT_SNIPPET_LEN, &len), 0,
	    "length: the largest that fits");
	tap_is_int(inject_length(UINT64_MAX - INJECT_SNIPPET_LEN + 1, &len),
	    -1, "length: overflow");
}

static void
is_applies(int status, int head, const char *type, int want)
{
	tap_is_int(inject_applies(status, head, type), want,
	    "applies: %d %s %s", status, head ? "HEAD" : "GET",
	    type ? type : "(null)");
}

static void
test_applies(void)
{
	is_applies(200, 0, "text/html", 1);
	is_applies(200, 0, "text/html; charset=utf-8", 1);
	is_applies(200, 0, "TEXT/HTML", 1);
	is_applies(200, 0, "Text/Html;Charset=UTF-8", 1);
	is_applies(200, 0, "text/html ; q=1", 1);
	is_applies(404, 0, "text/html; charset=utf-8", 1);
	is_applies(503, 0, "text/html", 1);
	is_applies(304, 0, "text/html", 0);
	is_applies(206, 0, "text/html", 0);
	is_applies(200, 1, "text/html", 0);
	is_applies(404, 1, "text/html", 0);
	is_applies(204, 0, "text/html", 0);
	is_applies(301, 0, "text/html", 0);
	is_applies(100, 0, "text/html", 0);
	is_applies(200, 0, "text/plain", 0);
	is_applies(200, 0, "text/htmlx", 0);
	is_applies(200, 0, "text/html-sandboxed", 0);
	is_applies(200, 0, "application/xhtml+xml", 0);
	is_applies(200, 0, "text/css; charset=utf-8", 0);
	is_applies(200, 0, "text/htm", 0);
	is_applies(200, 0, "", 0);
	is_applies(200, 0, NULL, 0);
}

static void
is_etag(const char *in, size_t sz, const char *want)
{
	char	buf[128];
	int	n;

	memset(buf, 'Z', sizeof(buf));
	n = inject_etag(buf, sz, in);
	if (want == NULL)
		tap_is_int(n, -1, "etag: %s (sz %zu) refused", in ? in : "NULL",
		    sz);
	else
		tap_is_str(n < 0 ? "(error)" : buf, want, "etag: %s", in);
}

static void
test_etag(void)
{
	char	plain[ETAG_MAX], lr[ETAG_MAX + INJECT_ETAG_EXTRA];
	int	n;

	is_etag("\"abc\"", 128, "\"abc-lr\"");
	is_etag("W/\"abc\"", 128, "W/\"abc-lr\"");
	is_etag("\"\"", 128, "\"-lr\"");
	is_etag("\"abc\"", 9, "\"abc-lr\"");
	is_etag("\"abc\"", 8, NULL);
	is_etag("abc", 128, NULL);
	is_etag("\"abc", 128, NULL);
	is_etag("\"", 128, NULL);
	is_etag("\"a\"b\"", 128, NULL);
	is_etag("w/\"abc\"", 128, NULL);
	is_etag(NULL, 128, NULL);

	/* The longest etag_make() result still fits the documented size. */
	etag_make(plain, sizeof(plain), UINT64_MAX, UINT64_MAX, -1,
	    999999999);
	n = inject_etag(lr, sizeof(lr), plain);
	tap_is_int(n, (int)(strlen(plain) + INJECT_ETAG_EXTRA),
	    "etag: the longest etag_make() tag fits ETAG_MAX + EXTRA");
	tap_ok(strcmp(lr, plain) != 0, "etag: differs from the plain tag");
}

static void
test_script(void)
{
	tap_ok(strstr(INJECT_SNIPPET, "src=\"" LIVE_JS_PATH "\"") != NULL,
	    "snippet names LIVE_JS_PATH");
	tap_is_int(strlen(live_js), sizeof(live_js) - 1,
	    "live.js has no NUL byte");
	tap_ok(strstr(live_js, "'use strict'") != NULL, "live.js: strict");
	tap_ok(strstr(live_js, "EventSource") != NULL,
	    "live.js: uses EventSource");
	tap_ok(strstr(live_js, "'" LIVE_SSE_PATH "'") != NULL,
	    "live.js: connects to LIVE_SSE_PATH");
}

int
main(void)
{
	test_offset();
	test_guard();
	test_huge();
	test_compose();
	test_applies();
	test_etag();
	test_script();
	return tap_done();
}
