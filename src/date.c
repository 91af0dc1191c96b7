/*
 * Date formatting and the calendar arithmetic behind it.  Pure: no
 * gmtime(), no TZ; see date.h.
 */
#include <stdint.h>
#include <time.h>

#include "date.h"

#define DATE_SECS_PER_DAY	86400
#define DATE_DAYS_PER_400Y	146097	/* 400 * 365 + 97 leap days */

static const char date_wday[7][4] = {
	"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"
};
static const char date_mon[12][4] = {
	"Jan", "Feb", "Mar", "Apr", "May", "Jun",
	"Jul", "Aug", "Sep", "Oct", "Nov", "Dec"
};

/* Days before the first of each month in a common year. */
static const int date_cumdays[12] = {
	0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334
};

/* Division rounding towards minus infinity; C rounds towards zero. */
static int64_t
date_floordiv(int64_t a, int64_t b)
{
	int64_t	q = a / b;

	if ((a % b != 0) && ((a < 0) != (b < 0)))
		q--;
	return q;
}

int
date_is_leap(int64_t y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int
date_month_days(int64_t y, int m)
{
	static const int mdays[12] = {
		31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31
	};

	if (m == 2 && date_is_leap(y))
		return 29;
	return mdays[m - 1];
}

/* Leap days in the years 0 .. y-1 (year 0 is a leap year), y >= 0 or not. */
static int64_t
date_leaps_before(int64_t y)
{
	int64_t	x = y - 1;

	return date_floordiv(x, 4) - date_floordiv(x, 100) +
	    date_floordiv(x, 400) + 1;
}

int64_t
date_days_from_civil(int64_t y, int m, int d)
{
	int64_t	days;

	/* Whole years since 1970, plus the leap days they contain. */
	days = 365 * (y - 1970) + date_leaps_before(y) -
	    date_leaps_before(1970);
	days += date_cumdays[m - 1];
	if (m > 2 && date_is_leap(y))
		days++;
	return days + d - 1;
}

void
date_civil_from_days(int64_t days, int64_t *yp, int *mp, int *dp)
{
	int64_t	y, doy;
	int	m, leap, start;

	/*
	 * Guess the year from the mean Gregorian year (146097 / 400 days);
	 * the guess is off by at most one, so step until it brackets days.
	 */
	y = 1970 + date_floordiv(days * 400, DATE_DAYS_PER_400Y);
	while (date_days_from_civil(y, 1, 1) > days)
		y--;
	while (date_days_from_civil(y + 1, 1, 1) <= days)
		y++;
	doy = days - date_days_from_civil(y, 1, 1);
	leap = date_is_leap(y);
	for (m = 11; m > 0; m--) {
		start = date_cumdays[m] + (m >= 2 ? leap : 0);
		if (doy >= start)
			break;
	}
	*yp = y;
	*mp = m + 1;
	*dp = (int)(doy - date_cumdays[m] - (m >= 2 ? leap : 0)) + 1;
}

int
date_weekday(int64_t days)
{
	/* 1970-01-01 was a Thursday (4). */
	return (int)(days + 4 - 7 * date_floordiv(days + 4, 7));
}

static char *
date_put2(char *p, int v)
{
	*p++ = '0' + v / 10;
	*p++ = '0' + v % 10;
	return p;
}

static char *
date_put3(char *p, const char *s)
{
	*p++ = s[0];
	*p++ = s[1];
	*p++ = s[2];
	return p;
}

void
date_http(time_t t, char *buf)
{
	/* The grammar's year is 4DIGIT (RFC 9110 section 5.6.7). */
	const int64_t	 min = date_days_from_civil(0, 1, 1) *
	    (int64_t)DATE_SECS_PER_DAY;
	const int64_t	 max = date_days_from_civil(10000, 1, 1) *
	    (int64_t)DATE_SECS_PER_DAY - 1;
	int64_t		 s = t, days, y;
	int		 secs, m, d;
	char		*p = buf;

	if (s < min)
		s = min;
	if (s > max)
		s = max;
	days = date_floordiv(s, DATE_SECS_PER_DAY);
	secs = (int)(s - days * DATE_SECS_PER_DAY);
	date_civil_from_days(days, &y, &m, &d);

	p = date_put3(p, date_wday[date_weekday(days)]);
	*p++ = ',';
	*p++ = ' ';
	p = date_put2(p, d);
	*p++ = ' ';
	p = date_put3(p, date_mon[m - 1]);
	*p++ = ' ';
	p = date_put2(p, (int)(y / 100));
	p = date_put2(p, (int)(y % 100));
	*p++ = ' ';
	p = date_put2(p, secs / 3600);
	*p++ = ':';
	p = date_put2(p, secs / 60 % 60);
	*p++ = ':';
	p = date_put2(p, secs % 60);
	*p++ = ' ';
	p = date_put3(p, "GMT");
	*p = '\0';
}

/* struct tm comes from the caller; keep every field to its width. */
static int
date_clamp(int v, int lo, int hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

void
date_clf(const struct tm *tm, char *buf)
{
	long	 off = tm->tm_gmtoff;
	int	 y = date_clamp(tm->tm_year, -1900, 9999 - 1900) + 1900;
	char	*p = buf;

	p = date_put2(p, date_clamp(tm->tm_mday, 0, 99));
	*p++ = '/';
	p = date_put3(p, date_mon[date_clamp(tm->tm_mon, 0, 11)]);
	*p++ = '/';
	p = date_put2(p, y / 100);
	p = date_put2(p, y % 100);
	*p++ = ':';
	p = date_put2(p, date_clamp(tm->tm_hour, 0, 99));
	*p++ = ':';
	p = date_put2(p, date_clamp(tm->tm_min, 0, 99));
	*p++ = ':';
	p = date_put2(p, date_clamp(tm->tm_sec, 0, 99));
	*p++ = ' ';
	*p++ = off < 0 ? '-' : '+';
	if (off < 0)
		off = -off;
	if (off > 99 * 3600 + 59 * 60)
		off = 99 * 3600 + 59 * 60;
	/* Seconds of a historical LMT offset cannot be shown; drop them. */
	p = date_put2(p, (int)(off / 3600));
	p = date_put2(p, (int)(off % 3600 / 60));
	*p = '\0';
}
