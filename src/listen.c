#include "config.h"

#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hearth.h"
#include "listen.h"

static int
listen_one(const struct conf_listen *cl, char *errbuf, size_t errlen)
{
	int	fd, on = 1, off = 0, lowat = SEND_LOWAT;

	fd = socket(cl->ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0);
	if (fd == -1) {
		snprintf(errbuf, errlen, "cannot create socket for %s: %s",
		    cl->spec, strerror(errno));
		return -1;
	}
	/* restart without waiting for TIME_WAIT to clear */
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
	/* one socket per worker index; see listen.h */
	setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &on, sizeof(on));
	/* ":port" binds [::] and takes IPv4 too; "[::]:port" likewise */
	if (cl->ss.ss_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof(off));
	/* wake a worker only when a request has arrived */
	setsockopt(fd, IPPROTO_TCP, TCP_DEFER_ACCEPT, &on, sizeof(on));
	/*
	 * Accepted sockets inherit these from the listener, which saves a
	 * setsockopt() per connection.  A response goes out in one send
	 * (or a head with MSG_MORE, then sendfile), so Nagle only delays.
	 */
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
	/*
	 * Without a low-water mark a large file fills a send buffer that
	 * autotuning grows to megabytes, and the segments queued there are
	 * sent when the client's ACKs open the window: in the softirq of the
	 * client's CPU, not ours.  On loopback that took the 10 MiB
	 * benchmark's client 7.4 ms of CPU per response instead of 3.6, and
	 * cut throughput by a third.  Keeping at most SEND_LOWAT unsent, we
	 * are woken to send more, and send it ourselves.
	 */
	setsockopt(fd, IPPROTO_TCP, TCP_NOTSENT_LOWAT, &lowat, sizeof(lowat));
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
same_addr(const struct listener *l, const struct conf_listen *cl, int index)
{
	return l->fd != -1 && l->index == index && l->sslen == cl->sslen &&
	    memcmp(&l->ss, &cl->ss, cl->sslen) == 0;
}

/*
 * SO_REUSEPORT would let a second hearthd (or anything else run by the
 * same user) join our group silently and take a share of the clients.
 * Probe first with a plain socket: if the port is taken by anyone but
 * us, the bind fails with EADDRINUSE, as a user expects.
 */
static int
listen_probe(const struct conf_listen *cl, struct listener *old, int nold,
    char *errbuf, size_t errlen)
{
	int	fd, i, on = 1;

	for (i = 0; i < nold; i++)
		if (same_addr(&old[i], cl, old[i].index))
			return 0;	/* ours already */
	if ((fd = socket(cl->ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0)) ==
	    -1)
		return 0;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
	if (bind(fd, (const struct sockaddr *)&cl->ss, cl->sslen) == -1 &&
	    errno == EADDRINUSE) {
		snprintf(errbuf, errlen, "cannot bind %s: %s", cl->spec,
		    strerror(errno));
		close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

int
listen_bind(const struct config *conf, int nindex, struct listener *old,
    int nold, struct listener **outp, char *errbuf, size_t errlen)
{
	const struct conf_listen	*cl;
	struct listener			*out;
	int				*reused, i, j, k, n = 0, fd;

	out = calloc((size_t)conf->nlisten * nindex, sizeof(*out));
	reused = calloc((size_t)conf->nlisten * nindex, sizeof(*reused));
	if (out == NULL || reused == NULL) {
		snprintf(errbuf, errlen, "out of memory");
		goto fail;
	}
	for (i = 0; i < conf->nlisten; i++) {
		cl = &conf->listen[i];
		if (listen_probe(cl, old, nold, errbuf, errlen) == -1)
			goto fail;
		for (k = 0; k < nindex; k++, n++) {
			fd = -1;
			reused[n] = -1;
			for (j = 0; j < nold; j++)
				if (same_addr(&old[j], cl, k)) {
					fd = old[j].fd;
					reused[n] = j;
					break;
				}
			if (fd == -1 &&
			    (fd = listen_one(cl, errbuf, errlen)) == -1)
				goto fail;
			out[n].fd = fd;
			out[n].index = k;
			out[n].proxy_protocol = cl->proxy_protocol;
			out[n].tls = cl->tls;
			strlcpy(out[n].spec, cl->spec, sizeof(out[n].spec));
			out[n].ss = cl->ss;
			out[n].sslen = cl->sslen;
		}
	}
	for (i = 0; i < n; i++)
		if (reused[i] != -1)
			old[reused[i]].fd = -1;
	free(reused);
	*outp = out;
	return n;
fail:
	while (--n >= 0)
		if (reused[n] == -1)
			close(out[n].fd);
	free(reused);
	free(out);
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

int
listen_keep_index(struct listener *l, int n, int k)
{
	int	i, m = 0;

	if (k == -1)
		return n;
	for (i = 0; i < n; i++) {
		if (l[i].index == k)
			l[m++] = l[i];
		else if (l[i].fd != -1)
			close(l[i].fd);
	}
	return m;
}
