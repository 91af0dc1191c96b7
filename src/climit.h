/*
 * Connections per client address, counted across all workers in shared
 * memory, for limits.per_client.
 *
 * There are no keys and no locks: each address hashes to two counters
 * in a fixed array (a count-min sketch), each connection adds one to
 * both, and the smaller of the two bounds the address's connections
 * from above.  An unlucky address whose counters are both shared with
 * busy ones is refused a little early; one is never let past its limit.
 */
#ifndef HEARTH_CLIMIT_H
#define HEARTH_CLIMIT_H

#include <sys/socket.h>

#define CLIMIT_COUNTERS	65536	/* a power of two: 256 KiB shared */

struct climit;

/* Map the counters (before the first fork); NULL with errno. */
struct climit	*climit_create(void);

/*
 * Count one more connection from sa.  Returns 0, or -1 (and counts
 * nothing) when that would exceed limit.
 */
int		 climit_acquire(struct climit *, const struct sockaddr *sa,
		    long long limit);
void		 climit_release(struct climit *, const struct sockaddr *sa);

#endif
