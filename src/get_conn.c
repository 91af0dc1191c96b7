/*
 * hearth-get connections: resolve, connect, send and receive, each
 * bounded by a deadline.  Sockets are non-blocking and we poll(2) only
 * when a call would block, so a fast peer costs one syscall per buffer.
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "get.h"

void
get_err_set(struct get_err *err, int code, const char *fmt, ...)
{
	va_list	ap;

	err->code = code;
	err->quiet = 0;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
}

int64_t
get_now(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* 0 means "no deadline". */
int64_t
get_deadline(double seconds)
{
	if (seconds <= 0)
		return 0;
	return get_now() + (int64_t)(seconds * 1e9);
}

/*
 * Milliseconds poll(2) may wait: up to the deadline, and never more than
 * GET_IDLE_MS, so a silent peer cannot hang us even without --timeout.
 * 0 once the deadline has passed.
 */
int
get_wait_ms(int64_t deadline)
{
	int64_t	left;

	if (deadline == 0)
		return GET_IDLE_MS;
	left = deadline - get_now();
	if (left <= 0)
		return 0;
	left = (left + 999999) / 1000000;
	return left > GET_IDLE_MS ? GET_IDLE_MS : (int)left;
}

/* Wait for events on fd.  1 ready, 0 timed out, -1 error (errno). */
static int
get_poll(int fd, short events, int64_t deadline)
{
	struct pollfd	pfd;
	int		rv;

	pfd.fd = fd;
	pfd.events = events;
	do {
		rv = poll(&pfd, 1, get_wait_ms(deadline));
	} while (rv == -1 && errno == EINTR);
	return rv;
}

int
get_conn_init(struct get_conn *c, struct get_err *err)
{
	memset(c, 0, sizeof(*c));
	c->fd = -1;
	c->size = GET_BUF_SIZE;
	if ((c->buf = malloc(c->size)) == NULL) {
		get_err_set(err, GET_E_WRITE, "malloc: %s", strerror(errno));
		return -1;
	}
	return 0;
}

void
get_conn_close(struct get_conn *c)
{
	if (c->fd != -1)
		close(c->fd);
	c->fd = -1;
	c->off = c->len = 0;
	c->nreq = 0;
}

void
get_conn_free(struct get_conn *c)
{
	get_conn_close(c);
	free(c->buf);
	c->buf = NULL;
}

/* Connect one address; 0, or -1 with errno (ETIMEDOUT on deadline). */
static int
get_connect_one(const struct addrinfo *ai, int64_t deadline)
{
	int		fd, soerr, one = 1;
	socklen_t	sl = sizeof(soerr);

	fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, ai->ai_protocol);
	if (fd == -1)
		return -1;
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) == -1) {
		if (errno != EINPROGRESS)
			goto fail;
		switch (get_poll(fd, POLLOUT, deadline)) {
		case 0:
			errno = ETIMEDOUT;
			/* FALLTHROUGH */
		case -1:
			goto fail;
		}
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) == -1)
			goto fail;
		if (soerr != 0) {
			errno = soerr;
			goto fail;
		}
	}
	/* Requests are small and sent whole; don't let Nagle hold them. */
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	return fd;
fail:
	soerr = errno;
	close(fd);
	errno = soerr;
	return -1;
}

/*
 * Resolve host and try each address in turn (RFC 6724 order, as
 * getaddrinfo returns them).  The error names the last cause.
 */
int
get_conn_open(struct get_conn *c, const char *host, const char *port,
    int64_t deadline, struct get_timing *t, struct get_err *err)
{
	struct addrinfo	 hints, *res, *ai;
	int		 rv, fd = -1, saved = 0;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	if ((rv = getaddrinfo(host, port, &hints, &res)) != 0) {
		get_err_set(err, GET_E_RESOLVE, "resolve: %s",
		    rv == EAI_SYSTEM ? strerror(errno) : gai_strerror(rv));
		return -1;
	}
	if (t != NULL)
		t->dns = get_now() - t->start;
	for (ai = res; ai != NULL && fd == -1; ai = ai->ai_next) {
		if (deadline != 0 && get_now() >= deadline) {
			saved = ETIMEDOUT;
			break;
		}
		if ((fd = get_connect_one(ai, deadline)) == -1)
			saved = errno;
		else if (getnameinfo(ai->ai_addr, ai->ai_addrlen, c->addr,
		    sizeof(c->addr), NULL, 0, NI_NUMERICHOST) != 0)
			c->addr[0] = '\0';
	}
	freeaddrinfo(res);
	if (fd == -1) {
		get_err_set(err, saved == ETIMEDOUT ? GET_E_TIMEOUT :
		    GET_E_CONNECT, "connect: %s", strerror(saved));
		return -1;
	}
	get_conn_close(c);
	c->fd = fd;
	if (t != NULL)
		t->connect = get_now() - t->start;
	return 0;
}

int
get_conn_send(struct get_conn *c, const char *p, size_t len,
    int64_t deadline, struct get_err *err)
{
	ssize_t	n;

	while (len > 0) {
		n = send(c->fd, p, len, MSG_NOSIGNAL);
		if (n > 0) {
			p += n;
			len -= n;
			continue;
		}
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && errno == EAGAIN) {
			switch (get_poll(c->fd, POLLOUT, deadline)) {
			case 1:
				continue;
			case 0:
				get_err_set(err, GET_E_TIMEOUT,
				    "timeout sending request");
				return -1;
			}
		}
		get_err_set(err, GET_E_SEND, "send: %s", strerror(errno));
		return -1;
	}
	return 0;
}

/*
 * Read more bytes after the unread ones.  Returns how many, 0 at EOF,
 * -1 with err filled.  Unread bytes move to the front first so the
 * buffer never creeps; they are few (a partial head or chunk line).
 */
long
get_conn_fill(struct get_conn *c, int64_t deadline, struct get_err *err)
{
	ssize_t	n;

	if (c->len == 0)
		c->off = 0;
	else if (c->off > 0) {
		memmove(c->buf, c->buf + c->off, c->len);
		c->off = 0;
	}
	if (c->len == c->size) {
		get_err_set(err, GET_E_MALFORMED, "read buffer full");
		return -1;
	}
	for (;;) {
		n = recv(c->fd, c->buf + c->len, c->size - c->len, 0);
		if (n >= 0) {
			c->len += n;
			return n;
		}
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN)
			break;
		switch (get_poll(c->fd, POLLIN, deadline)) {
		case 1:
			continue;
		case 0:
			get_err_set(err, GET_E_TIMEOUT,
			    "timeout waiting for response");
			return -1;
		}
		break;
	}
	get_err_set(err, GET_E_RECV, "recv: %s", strerror(errno));
	return -1;
}
