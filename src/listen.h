/*
 * Listening sockets.  The master binds them once; workers inherit them.
 */
#ifndef HEARTH_LISTEN_H
#define HEARTH_LISTEN_H

#include <stddef.h>

#include "conf.h"

struct listener {
	int		 fd;
	char		 spec[128];
	struct sockaddr_storage ss;
	socklen_t	 sslen;
};

/*
 * Bind every address in conf, reusing the descriptors in old (from the
 * previous config, or NULL) whose address is the same.  Returns the
 * number of listeners in out, or -1 with errbuf set ("cannot bind
 * 127.0.0.1:8080: Address already in use"); on error nothing new stays
 * open.  Reused descriptors are marked -1 in old.
 */
int	listen_bind(const struct config *conf, struct listener *old,
	    int nold, struct listener *out, char *errbuf, size_t errlen);
void	listen_close(struct listener *, int n);

#endif
