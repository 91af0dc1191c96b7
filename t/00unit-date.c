/*
 * Unit tests for src/date.c and src/date_parse.c.  Expected values were
 * worked out independently; the loops cross-check against libc's
 * gmtime_r(), which the module itself must not use.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "date.h"
#include "tap.h"

#define NOW_2026	((time_t)1780272000)	/* 2026-06-01T00:00:00Z */

static int
parse(const char *s, time_t *t)
{
	return date_parse_http(s, strlen(s), t);
}

static int
parse_at(const char *s, time_t now, time_t *t)
{
	return date_parse_http_at(s, strlen(s), now, t);
}

static void
is_http(time_t t, const char *want)
{
	char	buf[DATE_HTTP_LEN + 1];

	date_http(t, buf);
	tap_is_str(buf, want, "date_http(%lld)", (long long)t);
}

static void
is_parsed(const char *s, long long want)
{
	time_t	t = 0;
	int	rc = parse(s, &t);

	if (!tap_ok(rc == 0 && t == want, "parse \"%s\"", s))
		tap_diag("  rc %d, got %lld, want %lld", rc, (long long)t,
		    want);
}

static void
is_rejected(const char *s)
{
	time_t	t = 12345;
	int	rc = parse(s, &t);

	if (!tap_ok(rc == -1 && t == 12345, "reject \"%s\"", s))
		tap_diag("  rc %d, t %lld", rc, (long long)t);
}

static void
is_parsed_at(const char *s, time_t now, long long want)
{
	time_t	t = 0;
	int	rc = parse_at(s, now, &t);

	if (!tap_ok(rc == 0 && t == want, "parse \"%s\" at %lld", s,
	    (long long)now))
		tap_diag("  rc %d, got %lld, want %lld", rc, (long long)t,
		    want);
}

static void
is_clf(int y, int mon, int d, int h, int mi, int s, long off,
    const char *want)
{
	struct tm	tm;
	char		buf[DATE_CLF_LEN + 1];

	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mon - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = s;
	tm.tm_gmtoff = off;
	date_clf(&tm, buf);
	tap_is_str(buf, want, "date_clf offset %ld", off);
}

static void
test_format(void)
{
	is_http(0, "Thu, 01 Jan 1970 00:00:00 GMT");
	is_http(-1, "Wed, 31 Dec 1969 23:59:59 GMT");
	is_http(784111777, "Sun, 06 Nov 1994 08:49:37 GMT");
	is_http(951782400, "Tue, 29 Feb 2000 00:00:00 GMT");
	is_http(2147483647, "Tue, 19 Jan 2038 03:14:07 GMT");
	is_http((time_t)2147483648LL, "Tue, 19 Jan 2038 03:14:08 GMT");
	is_http((time_t)4107542400LL, "Mon, 01 Mar 2100 00:00:00 GMT");
	is_http((time_t)13574563200LL, "Tue, 29 Feb 2400 00:00:00 GMT");
	is_http((time_t)-2203891200LL, "Thu, 01 Mar 1900 00:00:00 GMT");
	is_http((time_t)-62135596800LL, "Mon, 01 Jan 0001 00:00:00 GMT");
	is_http((time_t)253402300799LL, "Fri, 31 Dec 9999 23:59:59 GMT");
	/* Out of the four-digit range: clamped, never longer. */
	is_http((time_t)253402300800LL, "Fri, 31 Dec 9999 23:59:59 GMT");
	is_http((time_t)INT64_MAX, "Fri, 31 Dec 9999 23:59:59 GMT");
	is_http((time_t)INT64_MIN, "Sat, 01 Jan 0000 00:00:00 GMT");
}

static void
test_format_vs_libc(void)
{
	char		 buf[DATE_HTTP_LEN + 1], want[64];
	struct tm	 tm;
	long long	 t;
	int		 bad = 0, n = 0;

	/* 1601..2401 in steps that visit every time of day eventually. */
	for (t = -11644473600LL; t < 13600000000LL; t += 86400 * 7 + 3607) {
		time_t tt = (time_t)t;

		gmtime_r(&tt, &tm);
		strftime(want, sizeof(want), "%a, %d %b %Y %H:%M:%S GMT", &tm);
		date_http(tt, buf);
		if (strcmp(buf, want) != 0 && bad++ < 3)
			tap_diag("  %lld: got %s, want %s", t, buf, want);
		n++;
	}
	tap_ok(bad == 0, "date_http matches gmtime_r for %d times", n);
}

static void
test_roundtrip(void)
{
	char		 buf[DATE_HTTP_LEN + 1];
	long long	 t;
	time_t		 got;
	int		 bad = 0, n = 0;

	for (t = -62135596800LL; t < 253402300799LL; t += 86400 * 13 + 4111) {
		date_http((time_t)t, buf);
		if ((parse(buf, &got) != 0 || got != t) && bad++ < 3)
			tap_diag("  %lld -> %s -> %lld", t, buf,
			    (long long)got);
		n++;
	}
	tap_ok(bad == 0, "parse(date_http(t)) == t for %d times", n);

	/* Every day of 1999..2001, including both leap-year rules. */
	bad = n = 0;
	for (t = 915148800LL; t < 1009843200LL; t += 86400) {
		date_http((time_t)t, buf);
		if (parse(buf, &got) != 0 || got != t)
			bad++;
		n++;
	}
	tap_ok(bad == 0, "round trip every day 1999-2001 (%d days)", n);
}

static void
test_civil(void)
{
	int64_t	y;
	int	m, d;

	tap_is_int(date_days_from_civil(1970, 1, 1), 0, "epoch is day 0");
	tap_is_int(date_days_from_civil(1969, 12, 31), -1, "day before");
	tap_is_int(date_days_from_civil(2000, 3, 1), 11017, "2000-03-01");
	date_civil_from_days(-719528, &y, &m, &d);
	tap_ok(y == 0 && m == 1 && d == 1, "day -719528 is 0000-01-01");
	tap_is_int(date_weekday(0), 4, "1970-01-01 was a Thursday");
	tap_is_int(date_weekday(-1), 3, "1969-12-31 was a Wednesday");
	tap_ok(date_is_leap(2000) && !date_is_leap(1900) &&
	    date_is_leap(2024) && !date_is_leap(2100), "leap year rules");
}

static void
test_parse_forms(void)
{
	/* The three examples of RFC 9110 section 5.6.7. */
	is_parsed("Sun, 06 Nov 1994 08:49:37 GMT", 784111777);
	is_parsed("Sunday, 06-Nov-94 08:49:37 GMT", 784111777);
	is_parsed("Sun Nov  6 08:49:37 1994", 784111777);
	is_parsed("Sun Nov 06 08:49:37 1994", 784111777);
	is_parsed("Thu, 01 Jan 1970 00:00:00 GMT", 0);
	is_parsed("Wed, 31 Dec 1969 23:59:59 GMT", -1);
	is_parsed("Tue, 29 Feb 2000 00:00:00 GMT", 951782400);
	is_parsed("Tue, 29 Feb 2400 00:00:00 GMT", 13574563200LL);
	is_parsed("Tue, 19 Jan 2038 03:14:08 GMT", 2147483648LL);
	is_parsed("Mon Mar  1 00:00:00 2100", 4107542400LL);
	is_parsed("Fri, 31 Dec 9999 23:59:59 GMT", 253402300799LL);
	is_parsed("Sat, 01 Jan 0000 00:00:00 GMT", -62167219200LL);
	/* Leap second: the last second of the day, not the next day. */
	is_parsed("Sat, 31 Dec 2016 23:59:60 GMT", 1483228799);
}

static void
test_parse_reject(void)
{
	time_t	t;

	is_rejected("");
	is_rejected("Sun, 06 Nov 1994 08:49:37 GMT ");
	is_rejected(" Sun, 06 Nov 1994 08:49:37 GMT");
	is_rejected("Sun, 06 Nov 1994 08:49:37 GMTx");
	is_rejected("Sun, 06 Nov 1994 08:49:37 UTC");
	is_rejected("Sun, 06 Nov 1994 08:49:37 +0000");
	is_rejected("Sun, 06 Nov 1994 08:49:37");
	is_rejected("Sun, 06 Nov 1994 08:49:37 gmt");
	is_rejected("sun, 06 Nov 1994 08:49:37 GMT");
	is_rejected("Sun, 06 nov 1994 08:49:37 GMT");
	is_rejected("Sun, 06 Nox 1994 08:49:37 GMT");
	is_rejected("Sux, 06 Nov 1994 08:49:37 GMT");
	is_rejected("Sun, 6 Nov 1994 08:49:37 GMT");
	is_rejected("Sun,  6 Nov 1994 08:49:37 GMT");
	is_rejected("Sun, 06 Nov 94 08:49:37 GMT");
	is_rejected("Sun, 06  Nov 1994 08:49:37 GMT");
	is_rejected("Sun, 06 Nov 1994 8:49:37 GMT");
	is_rejected("Sun, 06-Nov-1994 08:49:37 GMT");
	is_rejected("Sunday, 06 Nov 1994 08:49:37 GMT");
	is_rejected("Sun, 06-Nov-94 08:49:37 GMT");
	is_rejected("Sundayx, 06-Nov-94 08:49:37 GMT");
	is_rejected("Sunday, 06-Nov-94 08:49:37 UTC");
	is_rejected("Sunday, 06-Nov-94 08:49:37");
	is_rejected("Sun Nov  6 08:49:37 1994 GMT");
	is_rejected("Sun Nov 6 08:49:37 1994");
	is_rejected("Sun Nov   6 08:49:37 1994");
	is_rejected("Sun Nov  6 08:49:37 94");
	is_rejected("Sunday Nov  6 08:49:37 1994");
	/* Out of range fields. */
	is_rejected("Sun, 00 Nov 1994 08:49:37 GMT");
	is_rejected("Thu, 31 Nov 1994 08:49:37 GMT");
	is_rejected("Thu, 29 Feb 1900 00:00:00 GMT");
	is_rejected("Mon, 29 Feb 2100 00:00:00 GMT");
	is_rejected("Sun, 06 Nov 1994 24:00:00 GMT");
	is_rejected("Sun, 06 Nov 1994 08:60:37 GMT");
	is_rejected("Sun, 06 Nov 1994 08:49:61 GMT");
	is_rejected("Sun, 06 Nov 1994 08:49:60 GMT");
	/* The day name must name the date. */
	is_rejected("Mon, 06 Nov 1994 08:49:37 GMT");
	is_rejected("Monday, 06-Nov-94 08:49:37 GMT");
	is_rejected("Mon Nov  6 08:49:37 1994");
	/* Embedded NUL and truncation: the span, not strlen, counts. */
	tap_is_int(date_parse_http("Sun, 06 Nov 1994 08:49:37 GMT\0", 30,
	    &t), -1, "reject trailing NUL inside the span");
	tap_is_int(date_parse_http("Sun, 06 Nov 1994 08:49:37 GMT", 28, &t),
	    -1, "reject a span one byte short");
	tap_is_int(date_parse_http(NULL, 0, &t), -1, "reject NULL");
}

static void
test_rfc850_years(void)
{
	time_t	t;

	/* Clockless: 50..99 are 19xx, 00..49 are 20xx. */
	is_parsed("Friday, 31-Dec-49 23:59:59 GMT", 2524607999LL);
	is_parsed("Sunday, 01-Jan-50 00:00:00 GMT", -631152000LL);
	is_parsed("Thursday, 01-Jan-70 00:00:00 GMT", 0);
	is_parsed("Tuesday, 29-Feb-00 00:00:00 GMT", 951782400);

	/* Against a clock in 2026 the window is (1976-06-01, 2076-06-01]. */
	is_parsed_at("Sunday, 06-Nov-94 08:49:37 GMT", NOW_2026, 784111777);
	is_parsed_at("Wednesday, 01-Jan-70 00:00:00 GMT", NOW_2026,
	    3155760000LL);
	is_parsed_at("Monday, 01-Jun-76 00:00:00 GMT", NOW_2026,
	    3358195200LL);
	is_parsed_at("Tuesday, 01-Jun-76 00:00:01 GMT", NOW_2026, 202435201);
	tap_is_int(parse_at("Monday, 01-Jun-76 00:00:01 GMT", NOW_2026, &t),
	    -1, "one second past +50 years is 1976, a Tuesday");
	/* 2094 is more than 50 years ahead of 2026, so 1994. */
	tap_is_int(parse_at("Saturday, 06-Nov-94 08:49:37 GMT", NOW_2026,
	    &t), -1, "06-Nov-94 in 2026 is 1994, not 2094");
	/* The same digits read in 2060 are 2094. */
	is_parsed_at("Saturday, 06-Nov-94 08:49:37 GMT",
	    (time_t)2840140800LL, 3939871777LL);
	/* A broken clock must not overflow anything (UBSan watches). */
	is_parsed_at("Sunday, 06-Nov-94 08:49:37 GMT", (time_t)INT64_MAX,
	    253239727777LL);
	tap_is_int(parse_at("Sunday, 06-Nov-94 08:49:37 GMT",
	    (time_t)INT64_MIN, &t), -1, "clock at INT64_MIN: 0094, rejected");
}

static void
test_clf(void)
{
	is_clf(2000, 10, 10, 13, 55, 36, -7 * 3600,
	    "10/Oct/2000:13:55:36 -0700");
	is_clf(2000, 10, 10, 13, 55, 36, -(3 * 3600 + 30 * 60),
	    "10/Oct/2000:13:55:36 -0330");
	is_clf(1970, 1, 1, 0, 0, 0, 0, "01/Jan/1970:00:00:00 +0000");
	is_clf(2024, 2, 29, 23, 59, 59, 5 * 3600 + 30 * 60,
	    "29/Feb/2024:23:59:59 +0530");
	is_clf(2038, 1, 19, 3, 14, 8, 12 * 3600 + 45 * 60,
	    "19/Jan/2038:03:14:08 +1245");
	is_clf(1999, 12, 31, 9, 5, 1, -12 * 3600,
	    "31/Dec/1999:09:05:01 -1200");
}

int
main(void)
{
	test_format();
	test_format_vs_libc();
	test_roundtrip();
	test_civil();
	test_parse_forms();
	test_parse_reject();
	test_rfc850_years();
	test_clf();
	return tap_done();
}
