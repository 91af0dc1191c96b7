/*
 * Date formats.  Pure: the caller supplies the time and, for local time,
 * the broken-down struct tm (with tm_gmtoff) from localtime_r().
 */
#ifndef HEARTH_DATE_H
#define HEARTH_DATE_H

#include <stddef.h>
#include <time.h>

#define DATE_HTTP_LEN	29	/* "Sun, 06 Nov 1994 08:49:37 GMT" */
#define DATE_CLF_LEN	26	/* "10/Oct/2000:13:55:36 -0700" */

/* IMF-fixdate (RFC 9110 section 5.6.7); buf holds DATE_HTTP_LEN + 1. */
void	 date_http(time_t t, char *buf);

/* Apache %t without brackets, from local time; buf holds DATE_CLF_LEN + 1. */
void	 date_clf(const struct tm *tm, char *buf);

/*
 * Parse an HTTP-date in any of the three forms a recipient must accept
 * (RFC 9110 section 5.6.7): IMF-fixdate, RFC 850 and asctime.
 * Returns 0 and sets *t, or -1 for anything else.
 */
int	 date_parse_http(const char *p, size_t len, time_t *t);

#endif
