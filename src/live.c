/*
 * Live reload (issue 10): the watcher in the master, the change
 * messages to the workers, and the event streams in the workers.
 *
 * One watcher serves the whole server, so a tree costs one set of
 * inotify watches however many workers there are.  The master sends
 * each changed path to every worker as one SOCK_SEQPACKET message: a
 * message is a path, with no framing to get wrong, and a full socket
 * says EAGAIN instead of blocking the master.  A worker that falls
 * behind is sent "/" ("anything may have changed") once it drains,
 * which costs its pages one reload each and nothing else.
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/stat.h>

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"
#include "conn.h"
#include "ev.h"
#include "gen.h"
#include "hearth.h"
#include "inject.h"
#include "live.h"
#include "live_js.h"
#include "log.h"
#include "tmpl.h"
#include "watch.h"
#include "worker.h"

#define LIVE_MAX_PEERS	(MAX_WORKERS * 4)	/* as the master's slots */

struct live_peer {
	pid_t		 pid;
	int		 fd;		/* -1: free */
	int		 behind;	/* a send failed: owes it "/" */
};

struct live_master {
	struct ev_loop		*loop;
	struct watch		*watch;
	char			*root;		/* what the watcher was given */
	char			*ignore;	/* its globs, '\n'-joined */
	struct live_peer	 peers[LIVE_MAX_PEERS];
	struct ev_tmr		 resend;
};

/* ---------------------------------------------------------- master */

struct live_master *
live_master_new(struct ev_loop *loop)
{
	struct live_master	*lm;
	int			 i;

	if ((lm = calloc(1, sizeof(*lm))) == NULL)
		return NULL;
	lm->loop = loop;
	for (i = 0; i < LIVE_MAX_PEERS; i++)
		lm->peers[i].fd = -1;
	return lm;
}

static void
live_peer_close(struct live_peer *p)
{
	if (p->fd != -1)
		close(p->fd);
	p->fd = -1;
	p->pid = 0;
	p->behind = 0;
}

static void	live_master_resend(struct ev_loop *, struct ev_tmr *, void *);

/* 0 sent, 1 full (try later), -1 the worker is gone. */
static int
live_peer_send(struct live_peer *p, const char *path, size_t len)
{
	if (send(p->fd, path, len, MSG_DONTWAIT | MSG_NOSIGNAL) != -1)
		return 0;
	if (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS ||
	    errno == EINTR)
		return 1;
	return -1;
}

static void
live_master_send(struct live_master *lm, struct live_peer *p,
    const char *path)
{
	size_t	len = strlen(path);

	if (len > LIVE_MSG_MAX) {
		path = "/";
		len = 1;
	}
	switch (live_peer_send(p, path, len)) {
	case 0:
		p->behind = 0;
		return;
	case 1:
		p->behind = 1;
		if (!ev_timer_armed(&lm->resend))
			ev_timer(lm->loop, &lm->resend, LIVE_RESEND_MS,
			    live_master_resend, lm);
		return;
	default:
		live_peer_close(p);
		return;
	}
}

/* Workers that were full get one "/" instead of what they missed. */
static void
live_master_resend(struct ev_loop *loop, struct ev_tmr *t, void *arg)
{
	struct live_master	*lm = arg;
	int			 i;

	(void)loop;
	(void)t;
	for (i = 0; i < LIVE_MAX_PEERS; i++)
		if (lm->peers[i].fd != -1 && lm->peers[i].behind)
			live_master_send(lm, &lm->peers[i], "/");
}

/* The watcher's callback: one changed path, to every worker. */
static void
live_master_change(const char *path, void *arg)
{
	struct live_master	*lm = arg;
	int			 i;

	log_debug("live reload: %s changed", path);
	for (i = 0; i < LIVE_MAX_PEERS; i++)
		if (lm->peers[i].fd != -1 && !lm->peers[i].behind)
			live_master_send(lm, &lm->peers[i], path);
}

static void
live_master_close_watch(struct live_master *lm)
{
	if (lm->watch != NULL) {
		ev_del(lm->loop, watch_fd(lm->watch));
		watch_close(lm->watch);
	}
	lm->watch = NULL;
	free(lm->root);
	free(lm->ignore);
	lm->root = lm->ignore = NULL;
}

static void
live_master_watch_event(struct ev_loop *loop, int fd, int events, void *arg)
{
	struct live_master	*lm = arg;
	char			 err[512];

	(void)loop;
	(void)fd;
	(void)events;
	err[0] = '\0';
	if (watch_process(lm->watch, live_master_change, lm, err,
	    sizeof(err)) == -1) {
		log_errorx("live reload: %s; no longer watching", err);
		live_master_close_watch(lm);
		return;
	}
	/* the watcher just fell back to polling: it says so once */
	if (err[0] != '\0')
		log_errorx("live reload: %s", err);
}

static char *
live_join(const struct config *conf)
{
	size_t	 len = 1;
	char	*s;
	int	 i;

	for (i = 0; i < conf->live.nignore; i++)
		len += strlen(conf->live.ignore[i]) + 1;
	if ((s = calloc(1, len)) == NULL)
		return NULL;
	for (i = 0; i < conf->live.nignore; i++) {
		strlcat(s, conf->live.ignore[i], len);
		strlcat(s, "\n", len);
	}
	return s;
}

static void
live_master_open(struct live_master *lm, const struct config *conf,
    char *ignore)
{
	char		err[512];
	uint64_t	start = ev_clock_ms();

	err[0] = '\0';
	lm->watch = watch_open(conf->document_root,
	    (const char *const *)conf->live.ignore,
	    (size_t)conf->live.nignore, 0, err, sizeof(err));
	if (lm->watch == NULL) {
		log_errorx("live reload: %s; not watching", err);
		free(ignore);
		return;
	}
	if (err[0] != '\0')	/* out of inotify watches: polling */
		log_errorx("live reload: %s", err);
	if (ev_add(lm->loop, watch_fd(lm->watch), EV_READ,
	    live_master_watch_event, lm) == -1) {
		log_warn("live reload: epoll_ctl");
		watch_close(lm->watch);
		lm->watch = NULL;
		free(ignore);
		return;
	}
	lm->root = strdup(conf->document_root);
	lm->ignore = ignore;
	log_notice("live reload: watching %s (%zu directories%s) after "
	    "%llu ms", conf->document_root, watch_dirs(lm->watch),
	    watch_polling(lm->watch) ? ", polling" : "",
	    (unsigned long long)(ev_clock_ms() - start));
}

void
live_master_configure(struct live_master *lm, const struct config *conf)
{
	char	*ignore;

	if (lm == NULL)
		return;
	if (!conf->live.enabled) {
		if (lm->watch != NULL)
			log_notice("live reload: off");
		live_master_close_watch(lm);
		return;
	}
	if ((ignore = live_join(conf)) == NULL) {
		log_warn("live reload");
		return;
	}
	if (lm->watch != NULL && lm->root != NULL &&
	    strcmp(lm->root, conf->document_root) == 0 &&
	    strcmp(lm->ignore, ignore) == 0) {
		free(ignore);		/* the same tree: keep watching */
		return;
	}
	live_master_close_watch(lm);
	live_master_open(lm, conf, ignore);
}

int
live_master_pair(struct live_master *lm, int sv[2])
{
	sv[0] = sv[1] = -1;
	if (lm == NULL || lm->watch == NULL)
		return 0;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0, sv) == -1) {
		log_warn("live reload: socketpair");
		sv[0] = sv[1] = -1;
		return -1;
	}
	return 0;
}

void
live_master_forked(struct live_master *lm, int sv0)
{
	int	i;

	if (sv0 != -1)
		close(sv0);
	if (lm == NULL)
		return;
	for (i = 0; i < LIVE_MAX_PEERS; i++)
		if (lm->peers[i].fd != -1)
			close(lm->peers[i].fd);
	/* only the child's copies: the master's watcher goes on */
	if (lm->watch != NULL)
		watch_close(lm->watch);
}

void
live_master_add(struct live_master *lm, pid_t pid, int fd)
{
	int	i;

	if (fd == -1)
		return;
	for (i = 0; i < LIVE_MAX_PEERS; i++)
		if (lm->peers[i].fd == -1) {
			lm->peers[i].fd = fd;
			lm->peers[i].pid = pid;
			lm->peers[i].behind = 0;
			return;
		}
	close(fd);		/* more than the master has slots: none */
}

void
live_master_gone(struct live_master *lm, pid_t pid)
{
	int	i;

	if (lm == NULL)
		return;
	for (i = 0; i < LIVE_MAX_PEERS; i++)
		if (lm->peers[i].fd != -1 && lm->peers[i].pid == pid)
			live_peer_close(&lm->peers[i]);
}

void
live_master_free(struct live_master *lm)
{
	int	i;

	if (lm == NULL)
		return;
	ev_timer_cancel(&lm->resend);
	live_master_close_watch(lm);
	for (i = 0; i < LIVE_MAX_PEERS; i++)
		live_peer_close(&lm->peers[i]);
	free(lm);
}

/* ---------------------------------------------------------- worker */

static void
live_worker_read(struct ev_loop *loop, int fd, int events, void *arg)
{
	struct worker	*w = arg;
	char		 buf[LIVE_MSG_MAX + 1];
	ssize_t		 n;

	(void)events;
	for (;;) {
		n = recv(fd, buf, LIVE_MSG_MAX, MSG_DONTWAIT);
		if (n > 0) {
			buf[n] = '\0';
			live_worker_change(w, buf);
			continue;
		}
		if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK ||
		    errno == EINTR))
			return;
		/* the master is gone; the worker follows it anyway */
		ev_del(loop, fd);
		close(fd);
		w->live_fd = -1;
		return;
	}
}

int
live_worker_init(struct worker *w, int fd)
{
	w->live_fd = fd;
	w->streams = NULL;
	if (fd == -1)
		return 0;
	if (ev_add(w->loop, fd, EV_READ, live_worker_read, w) == -1) {
		log_warn("live reload: epoll_ctl");
		return -1;
	}
	return 0;
}

static int	live_stream_send(struct conn *, const char *path);

void
live_worker_change(struct worker *w, const char *path)
{
	struct conn	*c, *next;

	gen_cache_invalidate(w, path);
	for (c = w->streams; c != NULL; c = next) {
		next = c->snext;
		if (live_stream_send(c, path) == -1)
			conn_close(c);
	}
}

/* ---------------------------------------------------------- endpoints */

enum live_endpoint
live_endpoint(const struct config *conf, const char *path, size_t len)
{
	if (!conf->live.enabled)
		return LIVE_EP_NONE;
	if (len == sizeof(LIVE_SSE_PATH) - 1 &&
	    memcmp(path, LIVE_SSE_PATH, len) == 0)
		return LIVE_EP_STREAM;
	if (len == sizeof(LIVE_JS_PATH) - 1 &&
	    memcmp(path, LIVE_JS_PATH, len) == 0)
		return LIVE_EP_SCRIPT;
	return LIVE_EP_NONE;
}

const char *
live_script(size_t *len)
{
	*len = sizeof(live_js) - 1;
	return live_js;
}

/* FNV-1a of the script: it changes only with the binary. */
const char *
live_script_etag(void)
{
	static char	etag[24];
	uint64_t	h = 0xcbf29ce484222325ULL;
	size_t		i;

	if (etag[0] != '\0')
		return etag;
	for (i = 0; i < sizeof(live_js) - 1; i++) {
		h ^= (unsigned char)live_js[i];
		h *= 0x100000001b3ULL;
	}
	snprintf(etag, sizeof(etag), "\"%016llx\"", (unsigned long long)h);
	return etag;
}

/* ---------------------------------------------------------- streams */

static void
live_stream_link(struct conn *c)
{
	struct worker	*w = c->w;

	c->sprev = NULL;
	c->snext = w->streams;
	if (w->streams != NULL)
		w->streams->sprev = c;
	w->streams = c;
}

void
live_stream_unlink(struct conn *c)
{
	if (c->sprev != NULL)
		c->sprev->snext = c->snext;
	else if (c->w->streams == c)
		c->w->streams = c->snext;
	if (c->snext != NULL)
		c->snext->sprev = c->sprev;
	c->snext = c->sprev = NULL;
}

/*
 * The head went out from the small response buffer; events need room
 * for a few long paths, so the buffer grows once to LIVE_STREAM_BUF.
 */
int
live_stream_start(struct conn *c)
{
	char	*p;

	if ((p = realloc(c->wbuf, LIVE_STREAM_BUF)) == NULL)
		return -1;
	c->wbuf = p;
	c->wlen = c->woff = c->whead = 0;
	c->state = CONN_STREAM;
	if (ev_mod(c->w->loop, c->fd, EV_READ) == -1)
		return -1;
	live_stream_link(c);
	return 0;
}

/* Send what is queued.  -1: the client is gone. */
static int
live_stream_flush(struct conn *c)
{
	ssize_t	n;

	while (c->woff < c->wlen) {
		n = conn_send(c, c->wbuf + c->woff, c->wlen - c->woff);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return ev_mod(c->w->loop, c->fd, EV_READ | EV_WRITE);
		if (n == -1)
			return -1;
		c->woff += (size_t)n;
		c->body_sent += (uint64_t)n;
	}
	c->woff = c->wlen = 0;
	return ev_mod(c->w->loop, c->fd, EV_READ);
}

/*
 * Queue bytes.  A client that lets LIVE_STREAM_BUF pile up is not
 * reading: -1, and the caller drops it rather than buffer without end.
 */
static int
live_stream_queue(struct conn *c, const char *s, size_t len)
{
	if (c->woff > 0) {
		memmove(c->wbuf, c->wbuf + c->woff, c->wlen - c->woff);
		c->wlen -= c->woff;
		c->woff = 0;
	}
	if (c->wlen + len > LIVE_STREAM_BUF)
		return -1;
	memcpy(c->wbuf + c->wlen, s, len);
	c->wlen += len;
	return 0;
}

/*
 * "data: /path\n\n".  A line break in a file name would end the field
 * early (text/event-stream splits on CR and LF), so each line of the
 * name becomes a data field of its own; the browser joins them with LF.
 */
static int
live_stream_send(struct conn *c, const char *path)
{
	size_t	n;

	do {
		n = strcspn(path, "\r\n");
		if (live_stream_queue(c, "data: ", 6) == -1 ||
		    live_stream_queue(c, path, n) == -1 ||
		    live_stream_queue(c, "\n", 1) == -1)
			return -1;
		path += n;
	} while (*path++ != '\0');
	if (live_stream_queue(c, "\n", 1) == -1)
		return -1;
	return live_stream_flush(c);
}

void
live_stream_ping(struct conn *c)
{
	static const char	ping[] = ": ping\n\n";

	if (live_stream_queue(c, ping, sizeof(ping) - 1) == -1 ||
	    live_stream_flush(c) == -1)
		conn_close(c);
}

/* The client says nothing on a stream; EOF or an error means it left. */
void
live_stream_event(struct conn *c, int events)
{
	char	buf[1024];
	ssize_t	n;

	if ((events & EV_WRITE) && live_stream_flush(c) == -1) {
		conn_close(c);
		return;
	}
	for (;;) {
		n = conn_recv(c, buf, sizeof(buf));
		if (n > 0)
			continue;
		if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK ||
		    errno == EINTR))
			return;
		conn_close(c);
		return;
	}
}

/* ---------------------------------------------------------- injection */

char *
live_read_injected(int fd, const struct stat *st, size_t *len)
{
	size_t	 size, off;
	ssize_t	 n;
	char	 extra;
	char	*buf;

	if (st->st_size > LIVE_INJECT_MAX) {
		errno = EFBIG;
		return NULL;
	}
	size = (size_t)st->st_size;
	if ((buf = malloc(size + INJECT_SNIPPET_LEN + 1)) == NULL)
		return NULL;
	for (off = 0; off < size; off += (size_t)n) {
		n = pread(fd, buf + off, size - off, (off_t)off);
		if (n == -1 && errno == EINTR) {
			n = 0;
			continue;
		}
		if (n <= 0)
			break;
	}
	/* an editor rewriting it now: the length would be a lie */
	if (off != size || pread(fd, &extra, 1, (off_t)size) != 0) {
		free(buf);
		errno = EAGAIN;
		return NULL;
	}
	*len = live_inject_buf(buf, size, size + INJECT_SNIPPET_LEN);
	return buf;
}

size_t
live_inject_buf(char *buf, size_t len, size_t cap)
{
	size_t	off;

	if (cap < len || cap - len < INJECT_SNIPPET_LEN)
		return len;
	off = inject_offset(buf, len);
	memmove(buf + off + INJECT_SNIPPET_LEN, buf + off, len - off);
	memcpy(buf + off, INJECT_SNIPPET, INJECT_SNIPPET_LEN);
	return len + INJECT_SNIPPET_LEN;
}

int
live_inject_out(struct tmpl_out *o)
{
	char	*p;

	if (o->cap - o->len < INJECT_SNIPPET_LEN) {
		if ((p = realloc(o->p, o->len + INJECT_SNIPPET_LEN + 1)) ==
		    NULL)
			return -1;
		o->p = p;
		o->cap = o->len + INJECT_SNIPPET_LEN + 1;
	}
	o->len = live_inject_buf(o->p, o->len, o->cap);
	return 0;
}
