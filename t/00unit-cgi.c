/*
 * Unit tests for src/cgi_parse.c: the header section a script answers
 * with (RFC 3875 section 6), the environment it gets (section 4.1), and
 * the URL mapping helpers.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cgi_parse.h"
#include "tap.h"

static struct cgi_head	h;

static enum cgi_head_result
parse(const char *s)
{
	return cgi_parse_head(s, strlen(s), CGI_HEAD_MAX, &h);
}

static int
span_is(struct span s, const char *want)
{
	return s.p != NULL && s.len == strlen(want) &&
	    memcmp(s.p, want, s.len) == 0;
}

static void
test_head(void)
{
	const char	*s;
	char		*big;

	s = "Content-Type: text/html\n\nbody";
	tap_is_int(parse(s), CGI_HEAD_DONE, "a document");
	tap_is_int(h.status, 200, "200 by default");
	tap_is_int(h.head_len, strlen(s) - 4, "head_len ends at the empty line");
	tap_ok(span_is(h.content_type, "text/html"), "Content-Type");

	tap_is_int(parse("Status: 404 Not Found\r\nContent-Type: text/plain"
	    "\r\n\r\n"), CGI_HEAD_DONE, "CRLF lines");
	tap_is_int(h.status, 404, "Status");
	tap_ok(span_is(h.reason, "Not Found"), "reason phrase");

	tap_is_int(parse("Content-Type: text/html\n"), CGI_HEAD_AGAIN,
	    "no empty line yet: AGAIN");
	tap_is_int(parse("Content-Type: text/html\r\n\r"), CGI_HEAD_AGAIN,
	    "half a CRLF: AGAIN");

	tap_is_int(parse("Location: /x.html\n\n"), CGI_HEAD_DONE,
	    "local redirect");
	tap_is_int(h.kind, CGI_LOCAL_REDIRECT, "is local");
	tap_is_int(parse("Location: //evil.example/\n\n"), CGI_HEAD_DONE,
	    "network-path reference");
	tap_is_int(h.kind, CGI_CLIENT_REDIRECT, "is a client redirect");
	tap_is_int(h.status, 302, "302");
	tap_is_int(parse("Location: http://e.example/\nStatus: 301 Moved\n"
	    "Content-Type: text/html\n\n"), CGI_HEAD_DONE,
	    "client redirect with document");
	tap_is_int(h.status, 301, "its own status");
	tap_is_int(parse("Location: /a\nStatus: 303\n\n"), CGI_HEAD_DONE,
	    "a path with a Status");
	tap_is_int(h.kind, CGI_CLIENT_REDIRECT, "goes to the client");

	tap_is_int(parse("Content-Type: a/b\nContent-Length: 12\n\n"),
	    CGI_HEAD_DONE, "Content-Length");
	tap_is_int(h.content_length, 12, "its value");
	tap_is_int(parse("Content-Type: a/b\nContent-Length: 1x\n\n"),
	    CGI_HEAD_DONE, "a bad Content-Length is ignored");
	tap_is_int(h.content_length, -1, "as absent");

	tap_is_int(parse("Content-Type: a/b\nConnection: close\n"
	    "Transfer-Encoding: chunked\nDate: x\nServer: y\nX-A: 1\n\n"),
	    CGI_HEAD_DONE, "hop-by-hop fields");
	tap_is_int(h.nfields, 1, "are dropped");
	tap_ok(span_is(h.fields[0].name, "X-A") &&
	    span_is(h.fields[0].value, "1"), "the rest kept");

	tap_is_int(parse("\n\nbody"), CGI_HEAD_ERROR, "no fields: error");
	tap_is_int(parse("X-A: 1\n\n"), CGI_HEAD_ERROR,
	    "no Content-Type, Status or Location: error");
	tap_is_int(parse("Not a header\n\n"), CGI_HEAD_ERROR, "no colon");
	tap_is_int(parse("Content-Type: a/b\n folded\n\n"), CGI_HEAD_ERROR,
	    "obs-fold");
	tap_is_int(parse("Content-Type: a\rb\n\n"), CGI_HEAD_ERROR,
	    "a bare CR");
	tap_is_int(parse("Content-Type: a\x01" "b\n\n"), CGI_HEAD_ERROR,
	    "a control byte");
	tap_is_int(parse("Status: 99\n\n"), CGI_HEAD_ERROR, "short Status");
	tap_is_int(parse("Status: 100 Continue\n\n"), CGI_HEAD_ERROR,
	    "1xx Status");
	tap_is_int(parse("Status: 200\nStatus: 404\n\n"), CGI_HEAD_ERROR,
	    "two Status");
	tap_is_int(parse("Content-Type: a\nContent-Type: b\n\n"),
	    CGI_HEAD_ERROR, "two Content-Type");

	big = malloc(CGI_HEAD_MAX + 1);
	memset(big, 'a', CGI_HEAD_MAX);
	memcpy(big, "X-A: ", 5);
	tap_is_int(cgi_parse_head(big, CGI_HEAD_MAX, CGI_HEAD_MAX, &h),
	    CGI_HEAD_ERROR, "a section reaching the limit: error");
	free(big);
}

static const char *
env_get(char **v, const char *name)
{
	size_t	n = strlen(name);

	for (; *v != NULL; v++)
		if (strncmp(*v, name, n) == 0 && (*v)[n] == '=')
			return *v + n + 1;
	return NULL;
}

#define HD(n, v)	{ { n, sizeof(n) - 1 }, { v, sizeof(v) - 1 } }

static void
test_env(void)
{
	static const struct http_header hs[] = {
		HD("User-Agent", "t/1"), HD("Proxy", "http://evil/"),
		HD("Authorization", "Basic x"), HD("Content-Type", "a/b"),
		HD("Content-Length", "3"), HD("x-multi", "1"),
		HD("X-Multi", "2"), HD("X_Under", "u"), HD("X-Nl", "a\nB=c"),
	};
	struct cgi_env	 e;
	char		**v;
	size_t		 n;

	memset(&e, 0, sizeof(e));
	cgi_env_adds(&e, "GATEWAY_INTERFACE", "CGI/1.1");
	cgi_env_add(&e, "QUERY_STRING", "a=1&b", 3);
	cgi_env_headers(&e, hs, sizeof(hs) / sizeof(hs[0]));
	v = cgi_env_vector(&e);
	tap_ok(v != NULL, "vector");
	for (n = 0; v[n] != NULL; n++)
		;
	tap_is_int(n, 5, "five variables");
	tap_is_str(env_get(v, "GATEWAY_INTERFACE"), "CGI/1.1", "plain");
	tap_is_str(env_get(v, "QUERY_STRING"), "a=1", "by length");
	tap_is_str(env_get(v, "HTTP_USER_AGENT"), "t/1", "HTTP_ name");
	tap_is_str(env_get(v, "HTTP_X_MULTI"), "1, 2", "joined");
	tap_is_str(env_get(v, "HTTP_X_NL"), "a B=c", "LF is a space");
	tap_ok(env_get(v, "HTTP_PROXY") == NULL, "no HTTP_PROXY");
	tap_ok(env_get(v, "HTTP_AUTHORIZATION") == NULL, "no Authorization");
	tap_ok(env_get(v, "HTTP_CONTENT_TYPE") == NULL, "no HTTP_CONTENT_TYPE");
	tap_ok(env_get(v, "HTTP_X_UNDER") == NULL, "no underscore names");
	free(v);
	cgi_env_free(&e);
}

static void
test_map(void)
{
	char	 e1[] = ".cgi", e2[] = ".pl", *ext[] = { e1, e2 };

	tap_is_int(cgi_url_match("/cgi-bin/", "/cgi-bin/x.cgi"), 9, "prefix");
	tap_is_int(cgi_url_match("/cgi-bin/", "/cgi-binx/x"), 0,
	    "whole segments only");
	tap_is_int(cgi_url_match("/cgi-bin/", "/cgi-bin"), 0, "no slash");
	tap_ok(cgi_ext_ok("a.cgi", ext, 2), "listed extension");
	tap_ok(!cgi_ext_ok("a.sh", ext, 2), "other extension");
	tap_ok(!cgi_ext_ok(".cgi", ext, 2), "only an extension");
	tap_ok(cgi_ext_ok("a.sh", ext, 0), "no list: any");
}

int
main(void)
{
	test_head();
	test_env();
	test_map();
	return tap_done();
}
