#include "config.h"

#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "hearth.h"
#include "listen.h"

static int
listen_one(const struct conf_listen *cl, char *errbuf, size_t errlen)
{
	int	fd, on = 1, off = 0;

	fd = socket(cl->ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0);
	if (fd == -1) {
		snprintf(errbuf, errlen, "cannot create socket for %s: %s",
		    cl->spec, strerror(errno));
		return -1;
	}
	/* restart without waiting for TIME_WAIT to clear */
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
	/* ":port" binds [::] and takes IPv4 too; "[::]:port" likewise */
	if (cl->ss.ss_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof(off));
	/* wake a worker only when a request has arrived */
	setsockopt(fd, IPPROTO_TCP, TCP_DEFER_ACCEPT, &on, sizeof(on));
	if (bind(fd, (const struct sockaddr *)&cl->ss, cl->sslen) == -1 ||
	    listen(fd, LISTEN_BACKLOG) == -1) {
		snprintf(errbuf, errlen, "cannot bind %s: %s", cl->spec,
		    strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

static int
same_addr(const struct listener *l, const struct conf_listen *cl)
{
	return l->fd != -1 && l->sslen == cl->sslen &&
	    memcmp(&l->ss, &cl->ss, cl->sslen) == 0;
}

int
listen_bind(const struct config *conf, struct listener *old, int nold,
    struct listener *out, char *errbuf, size_t errlen)
{
	const struct conf_listen	*cl;
	int				 i, j, fd, reused[MAX_LISTEN];

	for (i = 0; i < conf->nlisten; i++) {
		cl = &conf->listen[i];
		fd = -1;
		reused[i] = -1;
		for (j = 0; j < nold; j++)
			if (same_addr(&old[j], cl)) {
				fd = old[j].fd;
				reused[i] = j;
				break;
			}
		if (fd == -1 && (fd = listen_one(cl, errbuf, errlen)) == -1)
			goto fail;
		out[i].fd = fd;
		strlcpy(out[i].spec, cl->spec, sizeof(out[i].spec));
		out[i].ss = cl->ss;
		out[i].sslen = cl->sslen;
	}
	for (i = 0; i < conf->nlisten; i++)
		if (reused[i] != -1)
			old[reused[i]].fd = -1;
	return conf->nlisten;
fail:
	while (--i >= 0)
		if (reused[i] == -1)
			close(out[i].fd);
	return -1;
}

void
listen_close(struct listener *l, int n)
{
	int	i;

	for (i = 0; i < n; i++)
		if (l[i].fd != -1) {
			close(l[i].fd);
			l[i].fd = -1;
		}
}
