/*
 * Unit tests for src/http_cond.c.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "http_cond.h"
#include "tap.h"

#define TAG		"\"1234-400-6553f10000000005\""
#define MTIME		((time_t)784111777)	/* Sun, 06 Nov 1994 08:49:37 */
#define NOW		((time_t)1000000000)	/* Sep 2001 */

static void
is_weak(const char *list, const char *etag, int want)
{
	tap_is_int(etag_list_match_weak(list, strlen(list), etag), want,
	    "weak: [%s] vs %s", list, etag ? etag : "(none)");
}

static void
is_strong(const char *list, const char *etag, int want)
{
	tap_is_int(etag_list_match_strong(list, strlen(list), etag), want,
	    "strong: [%s] vs %s", list, etag ? etag : "(none)");
}

static struct span
sp(const char *s)
{
	struct span	r;

	r.p = s;
	r.len = s ? strlen(s) : 0;
	return r;
}

/* im, ius, inm, ims may be NULL for absent fields. */
static void
is_cond(const char *im, const char *ius, const char *inm, const char *ims,
    int get, int want, const char *name)
{
	struct cond_request	r;

	memset(&r, 0, sizeof(r));
	r.if_match = sp(im);
	r.if_unmodified_since = sp(ius);
	r.if_none_match = sp(inm);
	r.if_modified_since = sp(ims);
	r.get_or_head = get;
	r.now = NOW;
	tap_is_int(cond_evaluate(&r, TAG, MTIME), want, "%s", name);
}

static void
is_if_range(const char *v, const char *etag, int want)
{
	tap_is_int(cond_if_range(v, v ? strlen(v) : 0, etag, MTIME), want,
	    "if-range [%s] vs %s", v ? v : "(absent)", etag);
}

static void
test_etag_make(void)
{
	char	buf[ETAG_MAX], a[ETAG_MAX], b[ETAG_MAX];
	int	len;

	len = etag_make(buf, sizeof(buf), 0x1234, 0x400, 1700000000, 5);
	tap_is_str(buf, TAG, "etag_make form");
	tap_is_int(len, strlen(TAG), "etag_make length");
	etag_make(buf, sizeof(buf), 0, 0, 0, 999999999);
	tap_is_str(buf, "\"0-0-03b9ac9ff\"", "nanoseconds are 8 digits");
	etag_make(buf, sizeof(buf), 1, 2, 3, -5);
	tap_is_str(buf, "\"1-2-300000000\"", "negative nsec clamps to 0");
	etag_make(buf, sizeof(buf), 1, 2, 3, 2000000000L);
	tap_is_str(buf, "\"1-2-33b9ac9ff\"", "nsec clamps to 999999999");
	etag_make(buf, sizeof(buf), 1, 2, -1, 0);
	tap_is_str(buf, "\"1-2-ffffffffffffffff00000000\"",
	    "pre-1970 mtime as two's complement");
	len = etag_make(buf, sizeof(buf), UINT64_MAX, UINT64_MAX, INT64_MIN,
	    999999999);
	tap_ok(len == 60 && len < ETAG_MAX, "longest tag is %d < ETAG_MAX",
	    len);
	tap_is_int(etag_make(buf, strlen(TAG), 0x1234, 0x400, 1700000000, 5),
	    -1, "etag_make buffer too small");
	tap_is_int(etag_make(buf, strlen(TAG) + 1, 0x1234, 0x400, 1700000000,
	    5), strlen(TAG), "etag_make exact fit");
	etag_make(a, sizeof(a), 7, 100, 1700000000, 1);
	etag_make(b, sizeof(b), 7, 100, 1700000000, 2);
	tap_ok(strcmp(a, b) != 0, "a nanosecond changes the tag");
	tap_is_int(etag_list_match_strong(a, strlen(a), a), 1,
	    "our tag is a valid strong entity-tag");
}

static void
test_weak(void)
{
	is_weak("\"abc\"", "\"abc\"", 1);
	is_weak("W/\"abc\"", "\"abc\"", 1);
	is_weak("\"abc\"", "W/\"abc\"", 1);
	is_weak("W/\"abc\"", "W/\"abc\"", 1);
	is_weak("\"x\", \"abc\"", "\"abc\"", 1);
	is_weak("\"x\",\"abc\",\"y\"", "\"abc\"", 1);
	is_weak("\"x\", \"y\"", "\"abc\"", 0);
	is_weak("\"abcd\"", "\"abc\"", 0);
	is_weak("\"ab\"", "\"abc\"", 0);
	is_weak("*", "\"abc\"", 1);
	is_weak(" * ", "\"abc\"", 1);
	is_weak("*", NULL, 0);
	is_weak("*, \"abc\"", "\"abc\"", 0);
	is_weak("\"abc\", *", "\"abc\"", 0);
	is_weak("**", "\"abc\"", 0);
	is_weak(",, \"abc\" ,", "\"abc\"", 1);
	is_weak("\"abc\"\t,\t\"x\"", "\"abc\"", 1);
	is_weak("", "\"abc\"", 0);
	is_weak(" , ", "\"abc\"", 0);
	/* Malformed lists match nothing, even after a match. */
	is_weak("abc", "\"abc\"", 0);
	is_weak("\"abc", "\"abc\"", 0);
	is_weak("w/\"abc\"", "\"abc\"", 0);
	is_weak("W\"abc\"", "\"abc\"", 0);
	is_weak("\"abc\" \"x\"", "\"abc\"", 0);
	is_weak("\"abc\", bad", "\"abc\"", 0);
	is_weak("\"abc\"x", "\"abc\"", 0);
	is_weak("\"a c\"", "\"a c\"", 0);
	/* etagc has no escapes: a backslash is just a byte. */
	is_weak("\"a\\\"", "\"a\\\"", 1);
	is_weak("\"\"", "\"\"", 1);
	is_weak("\"\xe9t\xe9\"", "\"\xe9t\xe9\"", 1);	/* obs-text */
	/* Our own tag must be valid too. */
	is_weak("\"abc\"", "abc", 0);
	is_weak("\"abc\"", NULL, 0);
	tap_is_int(etag_list_match_weak(NULL, 0, "\"abc\""), 0,
	    "weak: NULL list");
	tap_is_int(etag_list_match_weak("\"abc\"", 3, "\"abc\""), 0,
	    "weak: the span, not the string, counts");
}

static void
test_strong(void)
{
	is_strong("\"abc\"", "\"abc\"", 1);
	is_strong("W/\"abc\"", "\"abc\"", 0);
	is_strong("\"abc\"", "W/\"abc\"", 0);
	is_strong("W/\"abc\"", "W/\"abc\"", 0);
	is_strong("W/\"abc\", \"abc\"", "\"abc\"", 1);
	is_strong("\"x\", \"y\"", "\"abc\"", 0);
	is_strong("*", "\"abc\"", 1);
	is_strong("*", "W/\"abc\"", 1);
	is_strong("*", NULL, 0);
	is_strong("\"abc\", junk", "\"abc\"", 0);
}

static void
test_evaluate(void)
{
	const char	*same = "Sun, 06 Nov 1994 08:49:37 GMT";
	const char	*before = "Sun, 06 Nov 1994 08:49:36 GMT";
	const char	*after = "Mon, 07 Nov 1994 08:49:37 GMT";
	const char	*future = "Wed, 01 Jan 2020 00:00:00 GMT";

	is_cond(NULL, NULL, NULL, NULL, 1, 0, "no preconditions");
	/* If-Match */
	is_cond(TAG, NULL, NULL, NULL, 0, 0, "If-Match matches");
	is_cond("\"nope\"", NULL, NULL, NULL, 0, 412, "If-Match fails");
	is_cond("\"nope\"", NULL, NULL, NULL, 1, 412, "If-Match fails GET");
	is_cond("*", NULL, NULL, NULL, 0, 0, "If-Match *");
	is_cond("W/" TAG, NULL, NULL, NULL, 0, 412, "If-Match weak tag");
	is_cond("garbage", NULL, NULL, NULL, 0, 412, "If-Match malformed");
	/* If-Unmodified-Since */
	is_cond(NULL, same, NULL, NULL, 0, 0, "IUS equal");
	is_cond(NULL, after, NULL, NULL, 0, 0, "IUS later");
	is_cond(NULL, before, NULL, NULL, 0, 412, "IUS earlier");
	is_cond(NULL, "yesterday", NULL, NULL, 0, 0, "IUS invalid ignored");
	is_cond(TAG, before, NULL, NULL, 0, 0, "IUS ignored with If-Match");
	is_cond("\"nope\"", after, NULL, NULL, 0, 412,
	    "If-Match fails whatever IUS says");
	/* If-None-Match */
	is_cond(NULL, NULL, TAG, NULL, 1, 304, "INM matches GET");
	is_cond(NULL, NULL, TAG, NULL, 0, 412, "INM matches POST");
	is_cond(NULL, NULL, "W/" TAG, NULL, 1, 304, "INM weak matches");
	is_cond(NULL, NULL, "*", NULL, 1, 304, "INM * GET");
	is_cond(NULL, NULL, "*", NULL, 0, 412, "INM * PUT");
	is_cond(NULL, NULL, "\"nope\"", NULL, 1, 0, "INM no match");
	is_cond(NULL, NULL, "junk", NULL, 1, 0, "INM malformed: no match");
	is_cond(NULL, NULL, "\"nope\"", same, 1, 0,
	    "IMS ignored when INM present");
	is_cond(TAG, NULL, TAG, NULL, 1, 304, "If-Match then INM");
	is_cond("\"nope\"", NULL, TAG, NULL, 1, 412,
	    "If-Match failure beats INM");
	is_cond(NULL, before, TAG, NULL, 1, 412, "IUS failure beats INM");
	/* If-Modified-Since */
	is_cond(NULL, NULL, NULL, same, 1, 304, "IMS equal");
	is_cond(NULL, NULL, NULL, after, 1, 304, "IMS later");
	is_cond(NULL, NULL, NULL, before, 1, 0, "IMS earlier: modified");
	is_cond(NULL, NULL, NULL, same, 0, 0, "IMS ignored for POST");
	is_cond(NULL, NULL, NULL, "junk", 1, 0, "IMS invalid ignored");
	is_cond(NULL, NULL, NULL, future, 1, 0, "IMS in the future ignored");
	is_cond(NULL, NULL, NULL, "Sunday, 06-Nov-94 08:49:37 GMT", 1, 304,
	    "IMS in RFC 850 form");
	is_cond(NULL, NULL, NULL, "Sun Nov  6 08:49:37 1994", 1, 304,
	    "IMS in asctime form");
	is_cond(NULL, NULL, NULL, "Sun, 06 Nov 1994 08:49:37 GMT, x", 1, 0,
	    "IMS with two members ignored");
	is_cond(TAG, same, NULL, after, 1, 304, "all pass down to IMS");
}

static void
test_evaluate_edges(void)
{
	struct cond_request	r;

	memset(&r, 0, sizeof(r));
	r.get_or_head = 1;
	r.now = NOW;
	r.if_modified_since = sp("Sun, 09 Sep 2001 01:46:40 GMT");
	tap_is_int(cond_evaluate(&r, TAG, NOW), 304, "IMS exactly now");
	r.if_modified_since = sp("Sun, 09 Sep 2001 01:46:41 GMT");
	tap_is_int(cond_evaluate(&r, TAG, MTIME), 0,
	    "IMS one second after now ignored");
	r.if_modified_since.p = NULL;
	r.if_none_match = sp("*");
	tap_is_int(cond_evaluate(&r, NULL, MTIME), 0,
	    "INM * with no representation proceeds");
	tap_is_int(cond_last_modified(NOW + 10, NOW), NOW,
	    "future mtime becomes now");
	tap_is_int(cond_last_modified(MTIME, NOW), MTIME,
	    "past mtime is kept");
}

static void
test_if_range(void)
{
	is_if_range(NULL, TAG, 1);
	is_if_range(TAG, TAG, 1);
	is_if_range("\"nope\"", TAG, 0);
	is_if_range("W/" TAG, TAG, 0);
	is_if_range(TAG, "W/" TAG, 0);
	is_if_range(TAG " ", TAG, 0);
	is_if_range(TAG ", \"x\"", TAG, 0);
	is_if_range("\"x\", " TAG, TAG, 0);
	is_if_range("*", TAG, 0);
	is_if_range("", TAG, 0);
	is_if_range("Sun, 06 Nov 1994 08:49:37 GMT", TAG, 1);
	is_if_range("Sun, 06 Nov 1994 08:49:38 GMT", TAG, 0);
	is_if_range("Sun, 06 Nov 1994 08:49:36 GMT", TAG, 0);
	is_if_range("Sunday, 06-Nov-94 08:49:37 GMT", TAG, 1);
	is_if_range("Sun Nov  6 08:49:37 1994", TAG, 1);
	is_if_range("Sun, 06 Nov 1994 08:49:37 UTC", TAG, 0);
	is_if_range("Wed, 01 Jan 2020", TAG, 0);
}

int
main(void)
{
	test_etag_make();
	test_weak();
	test_strong();
	test_evaluate();
	test_evaluate_edges();
	test_if_range();
	return tap_done();
}
