/*
 * HTTP-date parser (RFC 9110 section 5.6.7).  Pure: libc only, no TZ.
 *
 *   IMF-fixdate  Sun, 06 Nov 1994 08:49:37 GMT
 *   rfc850-date  Sunday, 06-Nov-94 08:49:37 GMT
 *   asctime-date Sun Nov  6 08:49:37 1994
 *
 * A sender must use IMF-fixdate; a recipient must accept all three.
 * The grammar is case-sensitive and allows no extra whitespace, so
 * neither do we: a date that does not parse makes the conditional it
 * came in ignored (RFC 9110 section 13.1), which is always safe.
 */
#include <stdint.h>
#include <string.h>
#include <time.h>

#include "date.h"

/* Two-digit years resolved against 1999-12-31T23:59:59Z are 1950..2049. */
#define DATE_RFC850_PIVOT	((time_t)946684799)

struct date_fields {
	int64_t	year;
	int	mon;		/* 1..12 */
	int	mday;
	int	hour;
	int	min;
	int	sec;
	int	wday;		/* 0 = Sunday, as named in the input */
};

struct date_cur {
	const char	*p;
	const char	*end;
};

static const char *const date_wday_s[7] = {
	"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"
};
static const char *const date_wday_l[7] = {
	"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday",
	"Saturday"
};
static const char *const date_mon_s[12] = {
	"Jan", "Feb", "Mar", "Apr", "May", "Jun",
	"Jul", "Aug", "Sep", "Oct", "Nov", "Dec"
};

static int
date_lit(struct date_cur *c, const char *s)
{
	size_t	n = strlen(s);

	if ((size_t)(c->end - c->p) < n || memcmp(c->p, s, n) != 0)
		return -1;
	c->p += n;
	return 0;
}

/* Exactly n DIGITs. */
static int
date_digits(struct date_cur *c, int n, int *v)
{
	int	i;

	if (c->end - c->p < n)
		return -1;
	*v = 0;
	for (i = 0; i < n; i++) {
		if (c->p[i] < '0' || c->p[i] > '9')
			return -1;
		*v = *v * 10 + (c->p[i] - '0');
	}
	c->p += n;
	return 0;
}

/* One of n names, matched case-sensitively; sets *idx. */
static int
date_name(struct date_cur *c, const char *const *tab, int n, int *idx)
{
	int	i;

	for (i = 0; i < n; i++)
		if (date_lit(c, tab[i]) == 0) {
			*idx = i;
			return 0;
		}
	return -1;
}

/* time-of-day = hour ":" minute ":" second */
static int
date_time(struct date_cur *c, struct date_fields *f)
{
	if (date_digits(c, 2, &f->hour) == -1 || date_lit(c, ":") == -1 ||
	    date_digits(c, 2, &f->min) == -1 || date_lit(c, ":") == -1 ||
	    date_digits(c, 2, &f->sec) == -1)
		return -1;
	return 0;
}

/* IMF-fixdate, after the day-name: ", 06 Nov 1994 08:49:37 GMT" */
static int
date_imf(struct date_cur *c, struct date_fields *f)
{
	int	y;

	if (date_lit(c, ", ") == -1 || date_digits(c, 2, &f->mday) == -1 ||
	    date_lit(c, " ") == -1 ||
	    date_name(c, date_mon_s, 12, &f->mon) == -1 ||
	    date_lit(c, " ") == -1 || date_digits(c, 4, &y) == -1 ||
	    date_lit(c, " ") == -1 || date_time(c, f) == -1 ||
	    date_lit(c, " GMT") == -1)
		return -1;
	f->mon++;
	f->year = y;
	return 0;
}

/* rfc850-date, after the day-name-l: ", 06-Nov-94 08:49:37 GMT" */
static int
date_rfc850(struct date_cur *c, struct date_fields *f)
{
	int	y;

	if (date_lit(c, ", ") == -1 || date_digits(c, 2, &f->mday) == -1 ||
	    date_lit(c, "-") == -1 ||
	    date_name(c, date_mon_s, 12, &f->mon) == -1 ||
	    date_lit(c, "-") == -1 || date_digits(c, 2, &y) == -1 ||
	    date_lit(c, " ") == -1 || date_time(c, f) == -1 ||
	    date_lit(c, " GMT") == -1)
		return -1;
	f->mon++;
	f->year = y;		/* two digits; resolved later */
	return 0;
}

/* asctime-date, after the day-name: " Nov  6 08:49:37 1994" */
static int
date_asctime(struct date_cur *c, struct date_fields *f)
{
	int	y;

	if (date_lit(c, " ") == -1 ||
	    date_name(c, date_mon_s, 12, &f->mon) == -1 ||
	    date_lit(c, " ") == -1)
		return -1;
	/* date2 = month SP ( 2DIGIT / ( SP DIGIT ) ) */
	if (date_lit(c, " ") == 0) {
		if (date_digits(c, 1, &f->mday) == -1)
			return -1;
	} else if (date_digits(c, 2, &f->mday) == -1)
		return -1;
	if (date_lit(c, " ") == -1 || date_time(c, f) == -1 ||
	    date_lit(c, " ") == -1 || date_digits(c, 4, &y) == -1)
		return -1;
	f->mon++;
	f->year = y;
	return 0;
}

/* A key that orders (year, month, day, time) without needing them valid. */
static int64_t
date_key(int64_t y, int mon, int mday, int hour, int min, int sec)
{
	return ((((y * 13 + mon) * 32 + mday) * 24 + hour) * 60 + min) * 61 +
	    sec;
}

/*
 * RFC 9110 section 5.6.7: a two-digit year that appears to be more than
 * 50 years in the future is the most recent past year with the same
 * last two digits.  We take the year in the century of now, then move
 * it so the date falls in (now - 50 years, now + 50 years].
 */
static void
date_resolve_year(struct date_fields *f, time_t now)
{
	int64_t	n, days, ny, cand, k, lo, hi, secs;
	int	nm, nd, sh, sm, ss;

	/* Keep a nonsense clock within the calendar's four-digit years. */
	n = now;
	if (n < date_days_from_civil(0, 1, 1) * 86400)
		n = date_days_from_civil(0, 1, 1) * 86400;
	if (n >= date_days_from_civil(10000, 1, 1) * 86400)
		n = date_days_from_civil(10000, 1, 1) * 86400 - 1;
	days = n / 86400;
	if (n % 86400 < 0)
		days--;
	secs = n - days * 86400;
	sh = (int)(secs / 3600);
	sm = (int)(secs / 60 % 60);
	ss = (int)(secs % 60);
	date_civil_from_days(days, &ny, &nm, &nd);

	cand = ny - ((ny % 100) + 100) % 100 + f->year;
	k = date_key(cand, f->mon, f->mday, f->hour, f->min, f->sec);
	hi = date_key(ny + 50, nm, nd, sh, sm, ss);
	lo = date_key(ny - 50, nm, nd, sh, sm, ss);
	if (k > hi)
		cand -= 100;
	else if (k <= lo)
		cand += 100;
	f->year = cand;
}

/* Range checks, the weekday, and the conversion to time_t. */
static int
date_finish(struct date_fields *f, time_t *t)
{
	int64_t	days, v;

	if (f->year < 0 || f->year > 9999 ||
	    f->mday < 1 || f->mday > date_month_days(f->year, f->mon) ||
	    f->hour > 23 || f->min > 59 || f->sec > 60)
		return -1;
	/* "23:59:60 (leap second)"; POSIX time has no such second. */
	if (f->sec == 60) {
		if (f->hour != 23 || f->min != 59)
			return -1;
		f->sec = 59;
	}
	days = date_days_from_civil(f->year, f->mon, f->mday);
	if (date_weekday(days) != f->wday)
		return -1;
	v = days * 86400 + f->hour * 3600 + f->min * 60 + f->sec;
	if ((int64_t)(time_t)v != v)	/* 32-bit time_t */
		return -1;
	*t = (time_t)v;
	return 0;
}

int
date_parse_http_at(const char *p, size_t len, time_t now, time_t *t)
{
	struct date_cur		c;
	struct date_fields	f;
	size_t			n;
	int			r850 = 0;

	if (p == NULL)
		return -1;
	c.p = p;
	c.end = p + len;
	memset(&f, 0, sizeof(f));
	for (n = 0; n < len; n++)
		if (!((p[n] >= 'A' && p[n] <= 'Z') || (p[n] >= 'a' &&
		    p[n] <= 'z')))
			break;
	if (n == 3 && n < len && p[n] == ',') {
		if (date_name(&c, date_wday_s, 7, &f.wday) == -1 ||
		    date_imf(&c, &f) == -1)
			return -1;
	} else if (n == 3 && n < len && p[n] == ' ') {
		if (date_name(&c, date_wday_s, 7, &f.wday) == -1 ||
		    date_asctime(&c, &f) == -1)
			return -1;
	} else if (n > 3) {
		/* Whole name, so "Sundayx," cannot match "Sunday". */
		if (date_name(&c, date_wday_l, 7, &f.wday) == -1 ||
		    c.p != p + n || date_rfc850(&c, &f) == -1)
			return -1;
		r850 = 1;
	} else
		return -1;
	if (c.p != c.end)
		return -1;
	if (r850)
		date_resolve_year(&f, now);
	return date_finish(&f, t);
}

int
date_parse_http(const char *p, size_t len, time_t *t)
{
	return date_parse_http_at(p, len, DATE_RFC850_PIVOT, t);
}
