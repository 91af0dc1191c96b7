/*
 * Unit tests for src/cachectl.c: cache_control rule matching and the
 * max-age behind Expires.
 */
#include <stdio.h>
#include <string.h>

#include "cachectl.h"
#include "tap.h"

#define FP	"*.[0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f]" \
		"[0-9a-f][0-9a-f].*"

static void
test_match(void)
{
	tap_ok(cachectl_match("*.css", "/style.css"), "*.css /style.css");
	tap_ok(cachectl_match("*.css", "/a/b/site.css"), "*.css nested");
	tap_ok(!cachectl_match("*.css", "/style.css.map"), "*.css not .map");
	tap_ok(!cachectl_match("*.css", "/css/"), "*.css not a directory");
	tap_ok(cachectl_match("/static/", "/static/a.js"), "prefix");
	tap_ok(!cachectl_match("/static/", "/staticx/a.js"), "prefix whole");
	tap_ok(cachectl_match("/", "/anything"), "/ covers all");
	tap_ok(cachectl_match(FP, "/app.0123abcd.js"), "fingerprinted");
	tap_ok(cachectl_match(FP, "/app.0123abcd.min.css"),
	    "fingerprinted, two suffixes");
	tap_ok(!cachectl_match(FP, "/app.0123abc.js"), "seven hex digits");
	tap_ok(!cachectl_match(FP, "/app.js"), "no fingerprint");
	tap_ok(cachectl_match("index.html", "/docs/index.html"), "a name");
}

static void
is_age(const char *v, int want_rc, long long want)
{
	long long	s = -7;
	int		rc = cachectl_max_age(v, &s);

	if (!tap_ok(rc == want_rc && (rc == -1 || s == want),
	    "max-age of \"%s\"", v))
		tap_diag("  got %d %lld", rc, s);
}

static void
test_max_age(void)
{
	is_age("max-age=3600", 0, 3600);
	is_age("public, max-age=60", 0, 60);
	is_age("MAX-AGE=5, immutable", 0, 5);
	is_age("max-age=31536000, immutable", 0, 31536000);
	is_age("max-age=0", 0, 0);
	is_age("no-cache", -1, 0);
	is_age("no-store, max-age=60", -1, 0);
	is_age("private", -1, 0);
	is_age("max-age=", -1, 0);
	is_age("max-age=-1", -1, 0);
	is_age("max-age=99999999999999999999", 0, 10LL * 365 * 86400);
	is_age("s-maxage=10", -1, 0);
}

static void
test_value(void)
{
	char	err[128];

	tap_ok(cachectl_value_check("max-age=60", err, sizeof(err)) == 0,
	    "plain value");
	tap_ok(cachectl_value_check("", err, sizeof(err)) == -1, "empty");
	tap_ok(cachectl_value_check("a\r\nX-Evil: 1", err, sizeof(err)) ==
	    -1, "CRLF refused");
}

int
main(void)
{
	test_match();
	test_max_age();
	test_value();
	return tap_done();
}
