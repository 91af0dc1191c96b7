/*
 * hearth-get load mode (-n N -c C): N requests over C concurrent
 * keep-alive connections, non-blocking, driven by epoll.  Each slot is
 * one connection running one request at a time; a slot whose connection
 * closes reconnects for its next request.
 */
#include <sys/types.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <math.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "get.h"

enum load_state {
	LS_IDLE = 0,		/* no request; all N issued */
	LS_CONNECTING,
	LS_SENDING,
	LS_HEAD,
	LS_BODY
};

enum load_error {
	LE_CONNECT = 0,
	LE_TIMEOUT,
	LE_RESET,		/* send or recv failed */
	LE_CLOSED,		/* closed before the response ended */
	LE_MALFORMED,
	LE_MAX
};

static const char *const load_error_names[LE_MAX] = {
	"connect", "timeout", "reset", "closed", "malformed"
};

struct load_slot {
	int		 fd;
	enum load_state	 state;
	uint32_t	 events;	/* registered epoll interest */
	char		*buf;
	size_t		 len;		/* unparsed bytes at buf */
	size_t		 prev;		/* of those, seen by resp_parse */
	size_t		 req;		/* index into load.reqs */
	size_t		 sent;
	int64_t		 started;
	int64_t		 deadline;
	int		 reused;	/* a response was read on fd before */
	int		 got;		/* a byte of this response arrived */
	int		 retried;
	enum resp_body	 kind;
	uint64_t	 left;		/* RESP_BODY_LENGTH */
	struct resp_chunked chunk;
	int		 keep;
	int		 status;
};

struct load {
	int		 ep;
	struct addrinfo	*ai;
	struct load_slot *slots;
	long		 nslots;
	char		**reqs;
	size_t		*reqlens;
	size_t		 nreqs;
	int		 head;
	int64_t		 timeout;	/* ns */
	long		 n, issued, finished, ok, conns;
	double		*lat;		/* seconds, of the ok requests */
	long		 errors[LE_MAX];
	long		 classes[6];	/* by status / 100 */
	struct http_response resp;	/* parse scratch */
};

static void
load_close(struct load_slot *s)
{
	if (s->fd != -1) {
		/* close() drops the epoll registration with the last fd. */
		close(s->fd);
		s->fd = -1;
	}
	s->events = 0;
	s->len = s->prev = 0;
	s->reused = 0;
}

static int
load_want(struct load *ld, struct load_slot *s, uint32_t ev)
{
	struct epoll_event	e;
	int			op;

	if (s->events == ev)
		return 0;
	memset(&e, 0, sizeof(e));
	e.events = ev;
	e.data.ptr = s;
	op = s->events == 0 ? EPOLL_CTL_ADD : EPOLL_CTL_MOD;
	if (epoll_ctl(ld->ep, op, s->fd, &e) == -1)
		return -1;
	s->events = ev;
	return 0;
}

/* The current request failed: count it, drop the connection. */
static void
load_fail(struct load *ld, struct load_slot *s, enum load_error kind)
{
	ld->errors[kind]++;
	ld->finished++;
	load_close(s);
	s->state = LS_IDLE;
}

static void
load_done(struct load *ld, struct load_slot *s)
{
	ld->lat[ld->ok++] = (get_now() - s->started) / 1e9;
	ld->classes[s->status / 100 < 6 ? s->status / 100 : 0]++;
	ld->finished++;
	s->state = LS_IDLE;
	s->reused = 1;
	if (!s->keep)
		load_close(s);
}

static int
load_connect(struct load *ld, struct load_slot *s)
{
	int	one = 1;

	s->fd = socket(ld->ai->ai_family, ld->ai->ai_socktype |
	    SOCK_NONBLOCK | SOCK_CLOEXEC, ld->ai->ai_protocol);
	if (s->fd == -1)
		return -1;
	ld->conns++;
	setsockopt(s->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (connect(s->fd, ld->ai->ai_addr, ld->ai->ai_addrlen) == 0) {
		s->state = LS_SENDING;
		return 0;
	}
	if (errno != EINPROGRESS)
		return -1;
	s->state = LS_CONNECTING;
	return load_want(ld, s, EPOLLOUT);
}

/* Send what the socket takes.  0 sent or blocked, -1 error. */
static int
load_send(struct load *ld, struct load_slot *s)
{
	ssize_t	n;

	while (s->sent < ld->reqlens[s->req]) {
		n = send(s->fd, ld->reqs[s->req] + s->sent,
		    ld->reqlens[s->req] - s->sent, MSG_NOSIGNAL);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && errno == EAGAIN)
			return load_want(ld, s, EPOLLOUT);
		if (n == -1)
			return -1;
		s->sent += n;
	}
	s->state = LS_HEAD;
	return load_want(ld, s, EPOLLIN);
}

/* Start the slot's next request, if any are left. */
static void
load_start(struct load *ld, struct load_slot *s)
{
	while (ld->issued < ld->n) {
		s->req = ld->issued++ % ld->nreqs;
		s->started = get_now();
		s->deadline = s->started + ld->timeout;
		s->sent = 0;
		s->got = 0;
		s->retried = 0;
		if (s->fd == -1 && load_connect(ld, s) == -1) {
			load_fail(ld, s, LE_CONNECT);
			continue;
		}
		if (s->state == LS_CONNECTING)
			return;
		s->state = LS_SENDING;
		if (load_send(ld, s) == 0)
			return;
		load_fail(ld, s, LE_RESET);
	}
}

/*
 * The server closed an idle keep-alive connection before any byte of
 * the response: send the request again on a new one, once.
 */
static int
load_retry(struct load *ld, struct load_slot *s)
{
	if (!s->reused || s->got || s->retried)
		return -1;
	load_close(s);
	s->retried = 1;
	s->sent = 0;
	if (load_connect(ld, s) == -1)
		return -1;
	if (s->state == LS_CONNECTING)
		return 0;
	return load_send(ld, s);
}

/* Parse the head in buf.  1 done, 0 need more, -1 malformed. */
static int
load_head(struct load *ld, struct load_slot *s)
{
	struct http_response	*r = &ld->resp;

	for (;;) {
		switch (resp_parse(s->buf, s->len, s->prev, r)) {
		case RESP_AGAIN:
			s->prev = s->len;
			return 0;
		case RESP_ERROR:
			return -1;
		case RESP_DONE:
			break;
		}
		memmove(s->buf, s->buf + r->header_len, s->len - r->header_len);
		s->len -= r->header_len;
		s->prev = 0;
		if (r->status == 101)
			return -1;
		if (r->status >= 200)
			break;
	}
	s->status = r->status;
	s->keep = r->keep_alive;
	s->kind = resp_body_kind(r, ld->head);
	s->left = (uint64_t)r->content_length;
	memset(&s->chunk, 0, sizeof(s->chunk));
	if (s->kind == RESP_BODY_CLOSE)
		s->keep = 0;
	s->state = LS_BODY;
	return 1;
}

/* Consume body bytes in buf.  1 done, 0 need more, -1 malformed. */
static int
load_body(struct load_slot *s)
{
	size_t			out, used, n;
	enum resp_chunk_result	rv;

	switch (s->kind) {
	case RESP_BODY_NONE:
		return 1;
	case RESP_BODY_LENGTH:
		n = s->len < s->left ? s->len : (size_t)s->left;
		s->left -= n;
		memmove(s->buf, s->buf + n, s->len - n);
		s->len -= n;
		return s->left == 0;
	case RESP_BODY_CHUNKED:
		rv = resp_chunked_decode(&s->chunk, s->buf, s->len, &out,
		    &used);
		if (rv == RESP_CHUNK_ERROR)
			return -1;
		memmove(s->buf, s->buf + used, s->len - used);
		s->len -= used;
		return rv == RESP_CHUNK_DONE;
	case RESP_BODY_CLOSE:
		s->len = 0;
		return 0;
	}
	return -1;
}

/* Bytes arrived (or EOF).  Advance the response; start the next one. */
static void
load_readable(struct load *ld, struct load_slot *s)
{
	ssize_t	n;
	int	rv = 0;

	n = recv(s->fd, s->buf + s->len, GET_LOAD_BUF - s->len, 0);
	if (n == -1 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n == -1 || n == 0) {
		if (s->state == LS_BODY && s->kind == RESP_BODY_CLOSE && n == 0)
			load_done(ld, s);
		else if (load_retry(ld, s) == 0)
			return;
		else
			load_fail(ld, s, n == 0 ? LE_CLOSED : LE_RESET);
		load_start(ld, s);
		return;
	}
	s->got = 1;
	s->len += n;
	if (s->state == LS_HEAD)
		rv = load_head(ld, s);
	if (rv != -1 && s->state == LS_BODY)
		rv = load_body(s);
	if (rv == -1 || (s->state == LS_HEAD && s->len == GET_LOAD_BUF)) {
		load_fail(ld, s, LE_MALFORMED);
		load_start(ld, s);
	} else if (rv == 1) {
		load_done(ld, s);
		load_start(ld, s);
	}
}

static void
load_writable(struct load *ld, struct load_slot *s)
{
	int		soerr = 0;
	socklen_t	sl = sizeof(soerr);

	if (s->state == LS_CONNECTING) {
		if (getsockopt(s->fd, SOL_SOCKET, SO_ERROR, &soerr,
		    &sl) == -1 || soerr != 0) {
			load_fail(ld, s, LE_CONNECT);
			load_start(ld, s);
			return;
		}
		s->state = LS_SENDING;
	}
	if (load_send(ld, s) == -1) {
		load_fail(ld, s, LE_RESET);
		load_start(ld, s);
	}
}

/* Fail expired requests; return ms until the next deadline. */
static int
load_expire(struct load *ld)
{
	int64_t	now = get_now(), next = 0;
	long	i;

	for (i = 0; i < ld->nslots; i++) {
		struct load_slot *s = &ld->slots[i];

		if (s->state == LS_IDLE)
			continue;
		if (s->deadline <= now) {
			load_fail(ld, s, LE_TIMEOUT);
			load_start(ld, s);
			if (s->state == LS_IDLE)
				continue;
		}
		if (next == 0 || s->deadline < next)
			next = s->deadline;
	}
	return next == 0 ? 1000 : (int)((next - now) / 1000000 + 1);
}

static int
load_loop(struct load *ld)
{
	struct epoll_event	 ev[256];
	struct load_slot	*s;
	int			 i, n, ms;
	long			 k;

	for (k = 0; k < ld->nslots; k++)
		load_start(ld, &ld->slots[k]);
	while (ld->finished < ld->n) {
		ms = load_expire(ld);
		if (ld->finished >= ld->n)
			break;
		n = epoll_wait(ld->ep, ev, 256, ms);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			return -1;
		for (i = 0; i < n; i++) {
			s = ev[i].data.ptr;
			if (s->fd == -1 || s->state == LS_IDLE)
				continue;
			if (s->state == LS_CONNECTING ||
			    s->state == LS_SENDING)
				load_writable(ld, s);
			else
				load_readable(ld, s);
		}
	}
	return 0;
}

static int
load_cmp(const void *a, const void *b)
{
	double	x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Nearest-rank percentile of the sorted latencies, in ms. */
static double
load_pct(const struct load *ld, double p)
{
	long	rank;

	if (ld->ok == 0)
		return 0;
	rank = (long)ceil(p / 100 * ld->ok);
	if (rank < 1)
		rank = 1;
	return ld->lat[rank - 1] * 1000;
}

static void
load_report(struct load *ld, double secs)
{
	int	i;

	qsort(ld->lat, ld->ok, sizeof(*ld->lat), load_cmp);
	printf("requests: %ld ok: %ld failed: %ld concurrency: %ld "
	    "connections: %ld\n", ld->n, ld->ok, ld->n - ld->ok, ld->nslots,
	    ld->conns);
	printf("time: %.3f s\n", secs);
	printf("requests/s: %.1f\n", secs > 0 ? ld->n / secs : 0.0);
	printf("latency: p50 %.3f ms p90 %.3f ms p99 %.3f ms max %.3f ms\n",
	    load_pct(ld, 50), load_pct(ld, 90), load_pct(ld, 99),
	    load_pct(ld, 100));
	printf("status: 1xx %ld 2xx %ld 3xx %ld 4xx %ld 5xx %ld\n",
	    ld->classes[1], ld->classes[2], ld->classes[3], ld->classes[4],
	    ld->classes[5]);
	printf("errors:");
	for (i = 0; i < LE_MAX; i++)
		printf(" %s %ld", load_error_names[i], ld->errors[i]);
	printf("\n");
	fflush(stdout);
}

/* Requests built once, one per path, sent round-robin. */
static int
load_build(struct load *ld, const struct get_request *tmpl,
    const char *const *paths, size_t npaths)
{
	struct get_request	rq = *tmpl;
	size_t			i;

	ld->reqs = calloc(npaths, sizeof(*ld->reqs));
	ld->reqlens = calloc(npaths, sizeof(*ld->reqlens));
	if (ld->reqs == NULL || ld->reqlens == NULL)
		return -1;
	ld->nreqs = npaths;
	for (i = 0; i < npaths; i++) {
		rq.path = paths[i];
		if ((ld->reqs[i] = get_request_build(&rq,
		    &ld->reqlens[i])) == NULL)
			return -1;
	}
	ld->head = strcmp(tmpl->method, "HEAD") == 0;
	return 0;
}

static int
load_alloc(struct load *ld, long c)
{
	long	i;

	if ((ld->slots = calloc(c, sizeof(*ld->slots))) == NULL ||
	    (ld->lat = calloc(ld->n, sizeof(*ld->lat))) == NULL)
		return -1;
	ld->nslots = c;
	for (i = 0; i < c; i++) {
		ld->slots[i].fd = -1;
		if ((ld->slots[i].buf = malloc(GET_LOAD_BUF)) == NULL)
			return -1;
	}
	if ((ld->ep = epoll_create1(EPOLL_CLOEXEC)) == -1)
		return -1;
	return 0;
}

static void
load_free(struct load *ld)
{
	size_t	i;
	long	k;

	for (k = 0; k < ld->nslots; k++) {
		if (ld->slots[k].fd != -1)
			close(ld->slots[k].fd);
		free(ld->slots[k].buf);
	}
	for (i = 0; i < ld->nreqs && ld->reqs != NULL; i++)
		free(ld->reqs[i]);
	free(ld->reqs);
	free(ld->reqlens);
	free(ld->slots);
	free(ld->lat);
	if (ld->ep != -1)
		close(ld->ep);
	if (ld->ai != NULL)
		freeaddrinfo(ld->ai);
}

/*
 * Run the load.  Only the first address getaddrinfo returns is used,
 * so every connection measures the same path to the server.
 */
int
get_load_run(const struct get_request *tmpl, const char *const *paths,
    size_t npaths, long n, long c, double timeout)
{
	struct load	*ld;
	struct addrinfo	 hints;
	int		 rv, rc = GET_E_WRITE;
	int64_t		 t0;

	if ((ld = calloc(1, sizeof(*ld))) == NULL)
		return GET_E_WRITE;
	ld->ep = -1;
	ld->n = n;
	ld->timeout = (int64_t)(timeout * 1e9);
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	if ((rv = getaddrinfo(tmpl->host, tmpl->port, &hints, &ld->ai)) != 0) {
		fprintf(stderr, "hearth-get: %s port %s: resolve: %s\n",
		    tmpl->host, tmpl->port, gai_strerror(rv));
		ld->ai = NULL;
		rc = GET_E_RESOLVE;
		goto done;
	}
	if (load_build(ld, tmpl, paths, npaths) == -1 ||
	    load_alloc(ld, c < n ? c : n) == -1) {
		fprintf(stderr, "hearth-get: %s port %s: load setup: %s\n",
		    tmpl->host, tmpl->port, strerror(errno));
		goto done;
	}
	t0 = get_now();
	if (load_loop(ld) == -1) {
		fprintf(stderr, "hearth-get: %s port %s: epoll_wait: %s\n",
		    tmpl->host, tmpl->port, strerror(errno));
		goto done;
	}
	load_report(ld, (get_now() - t0) / 1e9);
	rc = ld->ok == ld->n ? GET_OK : GET_E_CHECK;
done:
	load_free(ld);
	free(ld);
	return rc;
}
