/*
 * Date formats.  Pure: the caller supplies the time and, for local time,
 * the broken-down struct tm (with tm_gmtoff) from localtime_r().
 * All calendar arithmetic is proleptic Gregorian in UTC and done here,
 * so nothing depends on TZ, gmtime() or timegm().
 */
#ifndef HEARTH_DATE_H
#define HEARTH_DATE_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define DATE_HTTP_LEN	29	/* "Sun, 06 Nov 1994 08:49:37 GMT" */
#define DATE_CLF_LEN	26	/* "10/Oct/2000:13:55:36 -0700" */

/*
 * IMF-fixdate (RFC 9110 section 5.6.7); buf holds DATE_HTTP_LEN + 1.
 * The grammar has a four-digit year, so t is clamped to
 * 0000-01-01T00:00:00Z .. 9999-12-31T23:59:59Z.
 */
void	 date_http(time_t t, char *buf);

/* Apache %t without brackets, from local time; buf holds DATE_CLF_LEN + 1. */
void	 date_clf(const struct tm *tm, char *buf);

/*
 * Parse an HTTP-date in any of the three forms a recipient must accept
 * (RFC 9110 section 5.6.7): IMF-fixdate, RFC 850 and asctime.
 * Returns 0 and sets *t, or -1 for anything else.
 *
 * Strict: the whole span must be the date (the caller trims OWS), names
 * are case-sensitive as the grammar says, fields must be in range and the
 * day name must be the weekday of the date.  A leap second (23:59:60)
 * counts as 23:59:59.
 *
 * An RFC 850 two-digit year is resolved against now: the year is taken
 * within 50 years of now, and one that would be more than 50 years in the
 * future is the most recent past year with those digits.
 * date_parse_http() has no clock, so it resolves against
 * 2000-01-01T00:00:00Z, which gives 1950..2049 (the RFC 5322 section 4.3
 * rule); callers that know the time should use date_parse_http_at().
 */
int	 date_parse_http(const char *p, size_t len, time_t *t);
int	 date_parse_http_at(const char *p, size_t len, time_t now, time_t *t);

/*
 * Calendar helpers shared by the formatter and the parser.  Days are
 * counted from 1970-01-01 and may be negative; m is 1..12.  They are exact
 * for years -10^9 .. 10^9, far beyond anything a time_t in an HTTP-date
 * can name.
 */
int64_t	 date_days_from_civil(int64_t y, int m, int d);
void	 date_civil_from_days(int64_t days, int64_t *y, int *m, int *d);
int	 date_weekday(int64_t days);	/* 0 = Sunday */
int	 date_is_leap(int64_t y);
int	 date_month_days(int64_t y, int m);

#endif
