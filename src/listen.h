/*
 * Listening sockets.  The master binds them and keeps them; workers
 * inherit them.
 *
 * Each address gets one SO_REUSEPORT socket per worker index, and worker
 * k accepts only on the sockets of index k.  The kernel spreads new
 * connections over the group evenly; with one socket shared under
 * EPOLLEXCLUSIVE, whichever worker was idle longest took most of them
 * (measured: 20 keep-alive connections over 4 workers split 20/0/0/0 or
 * 16/3/1/0, against 6/4/6/3 with SO_REUSEPORT, and about 25% more
 * requests/s with 2 workers).  Because the master holds every socket, a
 * worker that dies or is replaced by a new generation leaves its queue
 * of pending connections to its successor on the same index.
 */
#ifndef HEARTH_LISTEN_H
#define HEARTH_LISTEN_H

#include <stddef.h>

#include "conf.h"

struct listener {
	int		 fd;
	int		 index;		/* the worker index that accepts here */
	int		 proxy_protocol; /* connections start with PROXY */
	int		 tls;		/* HTTPS: tls.listen */
	char		 spec[128];
	struct sockaddr_storage ss;
	socklen_t	 sslen;
};

/*
 * Bind every address in conf, nindex times (the number of workers),
 * reusing the descriptors in old whose address and index are the same.
 * *out is allocated (conf->nlisten * nindex entries).  Returns the count,
 * or -1 with errbuf set ("cannot bind 127.0.0.1:8080: Address already in
 * use"); on error nothing new stays open and old is untouched.  Reused
 * descriptors are marked -1 in old.
 */
int	listen_bind(const struct config *conf, int nindex,
	    struct listener *old, int nold, struct listener **out,
	    char *errbuf, size_t errlen);
void	listen_close(struct listener *, int n);

/*
 * For worker index k: move the listeners of index k to the front of l
 * and close the others (in the worker's own copy of the descriptors).
 * Returns how many are k's.  k == -1 keeps them all (hearthd -X).
 */
int	listen_keep_index(struct listener *l, int n, int k);

#endif
