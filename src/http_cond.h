/*
 * Validators and conditional requests (RFC 9110 sections 8.8 and 13).
 * Pure: libc only.  Evaluate preconditions only when the response would
 * otherwise be 2xx (section 13.2.1); the caller decides that.
 */
#ifndef HEARTH_HTTP_COND_H
#define HEARTH_HTTP_COND_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "http_parse.h"		/* struct span, nothing else */

#define ETAG_MAX	64	/* etag_make() output with its NUL */

/* cond_evaluate() results: the status to answer with, or 0 to go on. */
#define COND_PROCEED		0
#define COND_NOT_MODIFIED	304
#define COND_FAILED		412

/*
 * Make a strong ETag (RFC 9110 section 8.8.3) for a file:
 *
 *   "<ino>-<size>-<mtime>"
 *
 * in lowercase hex without leading zeros, where <mtime> is the seconds
 * followed by exactly eight hex digits of nanoseconds (a negative time
 * is written as its 64-bit two's complement; nsec is clamped to
 * 0..999999999).  Any change that touches the inode, the size or the
 * mtime changes the tag, and nanoseconds make it strong enough for
 * If-Range.  Returns the length (NUL-terminated), or -1 if sz is short.
 */
int	 etag_make(char *buf, size_t sz, uint64_t ino, uint64_t size,
	    int64_t mtime_sec, long mtime_nsec);

/*
 * Does the If-None-Match (weak) or If-Match (strong) field value
 * list = "*" / #entity-tag hold etag (section 13.1.1, 13.1.2)?
 * etag is our current tag as sent, quoted, or NULL when there is no
 * current representation; "*" matches whenever etag is not NULL.
 * Weak comparison ignores W/; strong comparison never matches a weak
 * tag on either side (section 8.8.3.2).  A malformed list matches
 * nothing, even if a valid member before the error would have.
 */
int	 etag_list_match_weak(const char *list, size_t len, const char *etag);
int	 etag_list_match_strong(const char *list, size_t len,
	    const char *etag);

/* Precondition header fields; p == NULL when the field is absent. */
struct cond_request {
	struct span	 if_match;
	struct span	 if_none_match;
	struct span	 if_modified_since;
	struct span	 if_unmodified_since;
	int		 get_or_head;	/* method is GET or HEAD */
	time_t		 now;		/* our clock, for dates */
};

/*
 * Evaluate preconditions in the order of RFC 9110 section 13.2.2 against
 * the selected representation's etag (as for etag_list_match_*) and its
 * Last-Modified time (see cond_last_modified()).  Returns COND_PROCEED,
 * COND_NOT_MODIFIED or COND_FAILED.
 */
int	 cond_evaluate(const struct cond_request *req, const char *etag,
	    time_t mtime);

/*
 * Should a Range request be honoured given If-Range (section 13.1.5)?
 * True when p is NULL (no If-Range), when it is a strong entity-tag that
 * equals etag, or when it is an HTTP-date exactly equal to mtime.  Weak
 * tags, other dates and anything malformed mean: send the whole 200.
 */
int	 cond_if_range(const char *p, size_t len, const char *etag,
	    time_t mtime);

/*
 * The Last-Modified to send and to compare: a file time in the future of
 * our clock is replaced by now (section 8.8.2.1).
 */
time_t	 cond_last_modified(time_t mtime, time_t now);

#endif
