/*
 * Cache-Control rules.  The value is sent as configured; we only read
 * max-age back out of it to compute Expires (RFC 9111 section 5.3),
 * for HTTP/1.0 caches that ignore Cache-Control.
 */
#include "config.h"

#include <ctype.h>
#include <fnmatch.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "cachectl.h"

/* Ten years: past this, a caller's time_t arithmetic could overflow. */
#define MAX_AGE_CAP	(10LL * 365 * 86400)

int
cachectl_match(const char *match, const char *path)
{
	const char	*name;

	if (match[0] == '/')
		return strncmp(path, match, strlen(match)) == 0;
	name = strrchr(path, '/');
	name = name ? name + 1 : path;
	return fnmatch(match, name, FNM_PERIOD) == 0;
}

static int
directive_is(const char *p, size_t len, const char *name)
{
	return strlen(name) == len && strncasecmp(p, name, len) == 0;
}

/* delta-seconds = 1*DIGIT (RFC 9111 section 1.2.2), capped. */
static int
parse_delta(const char *p, size_t len, long long *secs)
{
	long long	v = 0;
	size_t		i;

	if (len == 0)
		return -1;
	for (i = 0; i < len; i++) {
		if (!isdigit((unsigned char)p[i]))
			return -1;
		if (v < MAX_AGE_CAP)
			v = v * 10 + (p[i] - '0');
	}
	*secs = v < MAX_AGE_CAP ? v : MAX_AGE_CAP;
	return 0;
}

int
cachectl_max_age(const char *value, long long *secs)
{
	const char	*p = value, *end, *eq;
	size_t		 len;
	int		 found = -1;

	while (*p != '\0') {
		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		end = p + strcspn(p, ",");
		len = (size_t)(end - p);
		while (len > 0 && (p[len - 1] == ' ' || p[len - 1] == '\t'))
			len--;
		eq = memchr(p, '=', len);
		if (directive_is(p, len, "no-store") ||
		    directive_is(p, len, "no-cache"))
			return -1;
		if (eq != NULL && directive_is(p, (size_t)(eq - p), "max-age"))
			found = parse_delta(eq + 1, len - (size_t)(eq - p) - 1,
			    secs);
		p = end;
	}
	return found;
}

int
cachectl_value_check(const char *value, char *errbuf, size_t errlen)
{
	const unsigned char	*p;

	if (*value == '\0') {
		snprintf(errbuf, errlen, "cache_control value must not be "
		    "empty");
		return -1;
	}
	/* field-value = *field-content (RFC 9110 section 5.5) */
	for (p = (const unsigned char *)value; *p; p++)
		if ((*p < 0x20 && *p != '\t') || *p == 0x7f) {
			snprintf(errbuf, errlen, "cache_control value has "
			    "a control character (byte %zu)",
			    (size_t)(p - (const unsigned char *)value) + 1);
			return -1;
		}
	return 0;
}
