/*
 * Cache-Control rules (RFC 9111 section 5.2) from the config's
 * cache_control list.  Pure: libc only.
 */
#ifndef HEARTH_CACHECTL_H
#define HEARTH_CACHECTL_H

#include <stddef.h>

/*
 * Does a rule's match cover this normalised URL path?  A match that
 * starts with '/' is a path prefix; anything else is a glob (fnmatch)
 * on the path's last segment, the file name.
 */
int	 cachectl_match(const char *match, const char *path);

/*
 * The max-age directive of a Cache-Control value, in seconds: 0 and
 * *secs set, or -1 when there is none (or it is malformed).  A
 * no-store or no-cache directive also yields -1: nothing to promise.
 */
int	 cachectl_max_age(const char *value, long long *secs);

/*
 * Is value fit to send as a Cache-Control field value: visible ASCII
 * and spaces, no CR or LF, not empty?  0 or -1 with errbuf filled.
 */
int	 cachectl_value_check(const char *value, char *errbuf, size_t errlen);

#endif
