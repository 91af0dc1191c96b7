/*
 * Connection state machine.
 *
 * conn_run() drives a connection as far as it can without blocking:
 * parse a head, build the response, send it, and go round again for a
 * pipelined request already in the buffer.  It returns when the socket
 * would block; the event loop calls back on readiness.  Everything here
 * answers a bad request with a status and one log line, never an exit.
 */
#include "config.h"

#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <time.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "accept_enc.h"
#include "cachectl.h"
#include "cgi.h"
#include "conn.h"
#include "date.h"
#include "fcache.h"
#include "file.h"
#include "gen.h"
#include "gzip.h"
#include "cidr.h"
#include "climit.h"
#include "htpasswd.h"
#include "http_cond.h"
#include "hearth.h"
#include "inject.h"
#include "live.h"
#include "log.h"
#include "logfmt.h"
#include "path.h"
#include "proxy.h"
#include "remoteip.h"
#include "resp.h"
#include "scoreboard.h"
#include "status.h"
#include "tls.h"
#include "worker.h"

#define LINGER_MS		2000	/* as Apache's MAX_SECS_TO_LINGER */
#define LINGER_MAX_BYTES	(64 * 1024)
#define SENDFILE_CHUNK		(1 << 20)
#define WBUF_SIZE		(RESP_HEAD_MAX + 1024)
#define ALLOW_STATIC		"GET, HEAD, OPTIONS"
#define DRAIN_GRACE_MS		1000	/* see conn_drain() */
#define BODY_MIN_RATE		1024	/* bytes/s a body upload must beat */

enum step { STEP_AGAIN, STEP_NEXT, STEP_CLOSED };

static void	conn_target(const struct conn *, char *, size_t);
static struct span conn_header(const struct http_request *, const char *);
static void	conn_respond_body(struct conn *, int, const char *,
		    const char *, struct tmpl_out *);
static void	conn_timeout(struct ev_loop *, struct ev_tmr *, void *);
static void	conn_run(struct conn *);
static void	conn_error(struct conn *, int status, const char *extra);
static void	conn_log_access(struct conn *);
static void	conn_var_headers(struct conn *, struct resp_buf *);
static void	conn_tls_begin(struct conn *);
static void	conn_tls_handshake(struct conn *);
static void	conn_read_event(struct conn *);
static void	conn_var_fixed(struct conn *, struct resp_buf *, long long *);
static void	conn_expires(struct conn *, struct resp_buf *, long long);
static int	conn_gzip_file(struct conn *, int, const struct stat *,
		    const char *);
static int	conn_gzip_cached(struct conn *, struct fcache_entry *);

static size_t
head_max(const struct worker *w)
{
	/* request line, CRLF, headers, final CRLF, and some blank lines */
	return w->limits.request_line + w->limits.headers_total + 64;
}

static char *
buf_get(char **pool, int *n, size_t size)
{
	return *n > 0 ? pool[--*n] : malloc(size);
}

static void
buf_put(char **pool, int *n, char *p)
{
	if (p == NULL)
		return;
	if (*n < BUF_POOL)
		pool[(*n)++] = p;
	else
		free(p);
}

/* Give the buffers back: a read buffer that grew is not pooled. */
static void
conn_release_mbody(struct conn *c)
{
	if (c->mref != NULL)
		fcache_put(c->w->fcache, c->mref);
	else
		free(c->mbody);
	c->mref = NULL;
	c->mbody = NULL;
	c->mlen = c->moff = 0;
}

/* Done with a file: close it, or give it back to the open-file cache. */
static void
conn_fd_done(struct conn *c, int fd)
{
	if (c->fref != NULL && fd == c->fref->fd) {
		fcache_put(c->w->fcache, c->fref);
		c->fref = NULL;
	} else
		close(fd);
}

static void
conn_release_file(struct conn *c)
{
	if (c->ffd != -1)
		conn_fd_done(c, c->ffd);
	c->ffd = -1;
}

static void
conn_release_buffers(struct conn *c)
{
	struct worker	*w = c->w;

	if (c->rcap == READ_BUF_SIZE)
		buf_put(w->rpool, &w->nrpool, c->rbuf);
	else
		free(c->rbuf);
	buf_put(w->wpool, &w->nwpool, c->wbuf);
	c->rbuf = c->wbuf = NULL;
	c->rcap = 0;
}

void
conn_arm(struct conn *c, int seconds)
{
	ev_timer(c->w->loop, &c->tmr, seconds * 1000, conn_timeout, c);
}

static void
conn_set_state(struct conn *c, enum conn_state st)
{
	int	mask = st == CONN_WRITE ? EV_WRITE : EV_READ;

	/* a TLS write can wait for input (and a read for output) */
	if (c->ssl != NULL && c->tls_want != 0)
		mask = c->tls_want;
	c->state = st;
	if (ev_mod(c->w->loop, c->fd, mask) == -1)
		log_warn("epoll_ctl on client %s", c->client);
}

/*
 * A fast, polite no instead of a silent drop: 503 with Retry-After,
 * written without waiting, then close.  which: 0 for max_connections,
 * 1 for per_client.  Counted on the status page; logged once per
 * LIMIT_LOG_SEC with how many were refused.
 */
static void
conn_refuse(struct worker *w, int fd, int which, int do_close, int tls)
{
	static const char	busy[] = "HTTP/1.1 503 Service Unavailable\r\n"
	    "Retry-After: 1\r\nContent-Length: 0\r\n"
	    "Connection: close\r\n\r\n";
	static const char *const name[] = { "limits.max_connections",
	    "limits.per_client" };
	time_t			now = time(NULL);
	long long		lim = which ? w->conf->limits.per_client :
				    w->conf->limits.max_connections;

	/* before a handshake, a TLS client could not read it: just close */
	if (!tls && send(fd, busy, sizeof(busy) - 1, MSG_NOSIGNAL |
	    MSG_DONTWAIT) == -1) {
		/* the client is gone; nothing to tell */
	}
	if (do_close)
		close(fd);
	if (w->sb_slot != NULL)
		sb_refused(w->sb_slot, which);
	w->limit_untold[which]++;
	if (now - w->limit_told[which] < LIMIT_LOG_SEC)
		return;
	log_warnx("%s (%lld) reached: %lu connection%s refused with 503 "
	    "since the last report", name[which], lim,
	    w->limit_untold[which], w->limit_untold[which] == 1 ? "" : "s");
	w->limit_told[which] = now;
	w->limit_untold[which] = 0;
}

/* limits.per_client: count this connection's client, or refuse it. */
static int
conn_per_client(struct conn *c)
{
	struct worker	*w = c->w;

	if (w->conf->limits.per_client == 0 || w->climit == NULL)
		return 0;
	if (climit_acquire(w->climit, (struct sockaddr *)&c->conn_ss,
	    w->conf->limits.per_client) == -1)
		return -1;
	c->climited = 1;
	return 0;
}

/* This request's client; the error log names the proxy too, if any. */
static void
conn_set_client(struct conn *c, const struct sockaddr_storage *ss,
    const char *text)
{
	if (ss != &c->client_ss)
		memcpy(&c->client_ss, ss, sizeof(c->client_ss));
	if (text != c->client)
		strlcpy(c->client, text, sizeof(c->client));
	c->client_len = strlen(c->client);
	if (strcmp(c->client, c->peer) == 0)
		strlcpy(c->logname, c->client, sizeof(c->logname));
	else
		snprintf(c->logname, sizeof(c->logname), "%s (via %s)",
		    c->client, c->peer);
}

void
conn_accept(struct worker *w, int fd, const struct sockaddr *sa,
    socklen_t salen, const struct listener *l)
{
	struct conn	*c;
	int		 proxy_protocol = l->proxy_protocol;

	if ((c = w->free_conns) != NULL)
		w->free_conns = c->next_free;
	else if (w->conns_used < w->conf->limits.max_connections)
		c = &w->conns[w->conns_used++];
	else {
		conn_refuse(w, fd, 0, 1, l->tls);
		return;
	}
	memset(c, 0, sizeof(*c));
	c->w = w;
	c->fd = fd;
	c->ffd = -1;
	c->tls = l->tls && w->conf->tls.server != NULL;
	w->nconns++;
	memcpy(&c->peer_ss, sa, salen < sizeof(c->peer_ss) ? salen :
	    sizeof(c->peer_ss));
	if (remoteip_format(sa, c->peer, sizeof(c->peer)) == -1)
		strlcpy(c->peer, "-", sizeof(c->peer));
	snprintf(c->client_port, sizeof(c->client_port), "%u",
	    remoteip_port(sa));
	c->conn_ss = c->peer_ss;
	strlcpy(c->conn_client, c->peer, sizeof(c->conn_client));
	conn_set_client(c, &c->peer_ss, c->peer);
	if (!proxy_protocol && conn_per_client(c) == -1) {
		/* hand the slot back before refusing: nothing else is set */
		c->state = CONN_FREE;
		c->next_free = w->free_conns;
		w->free_conns = c;
		w->nconns--;
		conn_refuse(w, fd, 1, 1, c->tls);
		return;
	}
	if (w->sb_slot != NULL)
		sb_connection(w->sb_slot);
	c->state = proxy_protocol ? CONN_PROXY : c->tls ? CONN_TLS : CONN_HEAD;
	if (ev_add(w->loop, fd, EV_READ, conn_event, c) == -1) {
		log_warn("epoll_ctl add for client %s", c->client);
		conn_close(c);
		return;
	}
	/* the PROXY header, like a request head, has timeouts.header */
	c->head_deadline = ev_now(w->loop) + w->conf->timeouts.header * 1000;
	conn_arm(c, c->state == CONN_TLS ? w->conf->tls.handshake_timeout :
	    w->conf->timeouts.header);
	/* TCP_DEFER_ACCEPT: the request is most likely here already */
	conn_event(w->loop, fd, EV_READ, c);
}

/* ---------------------------------------------------------- TLS */

/*
 * A TLS listener's connection: look at the first byte before OpenSSL
 * does.  A handshake record goes to OpenSSL; a capital letter is a
 * plain-HTTP request sent to the HTTPS port, which is read as usual and
 * answered with a 400 that says what went wrong (a browser shows it;
 * OpenSSL would only drop the connection).
 */
static void
conn_tls_begin(struct conn *c)
{
	struct worker	*w = c->w;
	unsigned char	 first;
	ssize_t		 n;

	if (c->rlen > 0)		/* the bytes after a PROXY header */
		first = (unsigned char)c->rbuf[0];
	else if ((n = recv(c->fd, &first, 1, MSG_PEEK)) != 1) {
		if (n == -1 && (errno == EAGAIN || errno == EINTR))
			return;		/* wait for it */
		conn_close(c);
		return;
	}
	if (!tls_looks_like_hello(first) && first >= 'A' && first <= 'Z') {
		c->plain_on_tls = 1;
		c->state = CONN_HEAD;
		conn_arm(c, w->conf->timeouts.header);
		conn_read_event(c);
		return;
	}
	if ((c->ssl = tls_conn_new(w->conf->tls.server, c->fd, c->rbuf,
	    c->rlen)) == NULL) {
		log_client(LOG_ERR, c->logname, "cannot start TLS: out of "
		    "memory");
		conn_close(c);
		return;
	}
	c->rlen = 0;
	conn_tls_handshake(c);
}

static void
conn_tls_handshake(struct conn *c)
{
	struct worker	*w = c->w;
	char		 why[256];

	c->tls_want = 0;
	if (tls_handshake(c->ssl, &c->tls_want, why, sizeof(why)) == -1) {
		if (errno == EAGAIN) {
			if (ev_mod(w->loop, c->fd, c->tls_want) == -1)
				conn_close(c);
			return;
		}
		/* scanners make many of these: info, not the default level */
		log_client(LOG_INFO, c->logname, "TLS handshake failed: %s",
		    why);
		if (w->sb_slot != NULL)
			sb_tls_handshake(w->sb_slot, 0, 0);
		conn_close(c);
		return;
	}
	if (w->sb_slot != NULL)
		sb_tls_handshake(w->sb_slot, 1, tls_resumed(c->ssl));
	c->state = CONN_HEAD;
	if (ev_mod(w->loop, c->fd, EV_READ) == -1) {
		conn_close(c);
		return;
	}
	c->head_deadline = ev_now(w->loop) + w->conf->timeouts.header * 1000;
	conn_arm(c, w->conf->timeouts.header);
	conn_read_event(c);
}

ssize_t
conn_send(struct conn *c, const void *buf, size_t len)
{
	if (c->ssl == NULL)
		return send(c->fd, buf, len, MSG_NOSIGNAL);
	c->tls_want = 0;
	return tls_write(c->ssl, buf, len, &c->tls_want);
}

ssize_t
conn_recv(struct conn *c, void *buf, size_t len)
{
	if (c->ssl == NULL)
		return read(c->fd, buf, len);
	c->tls_want = 0;
	return tls_read(c->ssl, buf, len, &c->tls_want);
}

/*
 * A PROXY protocol header (v1 or v2) starts every connection on such a
 * listener.  Bytes after it are the start of the HTTP request.
 * Returns 1 when done, 0 for more, -1 when the connection was closed.
 */
static int
conn_proxy(struct conn *c)
{
	struct proxy_hdr	h;
	struct worker		*w = c->w;
	time_t			 now;

	switch (proxy_parse((const unsigned char *)c->rbuf, c->rlen, &h)) {
	case PROXY_AGAIN:
		return 0;
	case PROXY_ERROR:
		/* a port scanner can make many of these: one line a second */
		if ((now = time(NULL)) != w->proxy_warned) {
			w->proxy_warned = now;
			log_client(LOG_WARNING, c->peer, "bad PROXY protocol "
			    "header: %s", h.error);
		}
		conn_close(c);
		return -1;
	case PROXY_DONE:
		break;
	}
	if (!h.local) {
		memcpy(&c->conn_ss, &h.src, sizeof(c->conn_ss));
		if (remoteip_format((struct sockaddr *)&h.src, c->conn_client,
		    sizeof(c->conn_client)) == -1)
			strlcpy(c->conn_client, "-", sizeof(c->conn_client));
		conn_set_client(c, &c->conn_ss, c->conn_client);
	}
	memmove(c->rbuf, c->rbuf + h.len, c->rlen - h.len);
	c->rlen -= h.len;
	c->rprev = 0;
	c->state = c->tls ? CONN_TLS : CONN_HEAD;
	/* the real client is known only now */
	if (conn_per_client(c) == -1) {
		conn_refuse(w, c->fd, 1, 0, c->tls);
		conn_close(c);
		return -1;
	}
	return 1;
}

static int
remoteip_trusted(const struct sockaddr *sa, void *arg)
{
	const struct conf_remoteip	*r = arg;

	return cidr_match_any(r->trusted, (size_t)r->ntrusted, sa);
}

/*
 * X-Forwarded-For, believed only from a trusted peer: the client is
 * the right-most address that is not itself trusted (mod_remoteip).
 */
static void
conn_remote_ip(struct conn *c)
{
	const struct conf_remoteip	*r = &c->w->conf->remote_ip;
	const struct http_request	*req = &c->w->req;
	struct span			 vals[16];
	struct remoteip			 rip;
	size_t				 i, n = 0;

	if (r->ntrusted == 0) {
		if (strcmp(c->client, c->conn_client) != 0)
			conn_set_client(c, &c->conn_ss, c->conn_client);
		return;
	}
	for (i = 0; i < req->nheaders && n < 16; i++)
		if (span_eq(req->headers[i].name, r->header))
			vals[n++] = req->headers[i].value;
	if (remoteip_client((struct sockaddr *)&c->conn_ss, remoteip_trusted,
	    (void *)r, vals, n, &rip) == 1)
		conn_set_client(c, &rip.addr, rip.text);
	else if (strcmp(c->client, c->conn_client) != 0)
		conn_set_client(c, &c->conn_ss, c->conn_client);
}

void
conn_close(struct conn *c)
{
	struct worker	*w = c->w;

	if (c->state == CONN_FREE)
		return;
	if (c->state == CONN_STREAM) {
		live_stream_unlink(c);
		conn_log_access(c);
	}
	if (c->cgi != NULL)
		cgi_detach(c);
	if (c->climited)
		climit_release(w->climit, (struct sockaddr *)&c->conn_ss);
	ev_timer_cancel(&c->tmr);
	ev_del(w->loop, c->fd);
	if (c->ssl != NULL) {
		tls_shutdown(c->ssl);
		tls_conn_free(c->ssl);
		c->ssl = NULL;
	}
	close(c->fd);
	conn_release_file(c);
	free(c->parts);
	conn_release_mbody(c);
	conn_release_buffers(c);
	c->parts = NULL;
	c->state = CONN_FREE;
	c->next_free = w->free_conns;
	w->free_conns = c;
	w->nconns--;
	worker_conn_closed(w);
}

void
conn_drain(struct conn *c)
{
	uint64_t	idle;

	if (c->state == CONN_IDLE) {
		/*
		 * A connection idle for a while is closed now, so a proxy's
		 * pool learns at once.  One that has just been answered may
		 * have its next request on the wire already: closing it
		 * would make that request fail.  Give it DRAIN_GRACE_MS to
		 * arrive; it is then answered with Connection: close.
		 */
		idle = ev_now(c->w->loop) - c->idle_since;
		if (idle >= DRAIN_GRACE_MS)
			conn_close(c);
		else
			ev_timer(c->w->loop, &c->tmr, DRAIN_GRACE_MS - (int)idle,
			    conn_timeout, c);
	} else if (c->state == CONN_STREAM ||
	    (c->state == CONN_HEAD && c->rlen == 0))
		conn_close(c);
	else
		c->keep_alive = 0;	/* this response is the last */
}

static void
span_set(struct conn_span *s, const struct conn *c, struct span sp)
{
	s->set = sp.p != NULL;
	s->off = sp.p ? (size_t)(sp.p - c->rbuf) : 0;
	s->len = sp.len;
}

/* ---------------------------------------------------------- logging */

/* The request's path, without the query, for the top-paths sketch. */
static void
conn_scoreboard_end(struct conn *c)
{
	struct sb_done	d;

	if (c->w->sb_slot == NULL)
		return;
	d.next = c->keep_alive ? SB_KEEPALIVE : SB_IDLE;
	if (c->nolog) {		/* not counted, but no longer "writing" */
		sb_pending_state(c->w->sb_pend, d.next);
		return;
	}
	d.status = c->status;
	d.bytes = c->body_sent;
	d.start_us = c->req_start;
	d.end_us = ev_clock_us();	/* the scoreboard's one clock read */
	d.path = c->path.set ? c->rbuf + c->path.off : NULL;
	d.len = c->path.len;
	d.tls = c->ssl != NULL;
	sb_pending_add(c->w->sb_slot, c->w->sb_pend, &d);
}

static void
conn_log_access(struct conn *c)
{
	struct worker		*w = c->w;
	struct logfmt_entry	 e;
	char			 line[LOGFMT_LINE_MAX];

	conn_scoreboard_end(c);
	if ((w->access_fd == -1 && (c->ssl == NULL || w->tls_log_fd == -1)) ||
	    c->nolog)
		return;
	worker_update_dates(w);
	memset(&e, 0, sizeof(e));
	e.host = c->client;
	e.user = c->user[0] ? c->user : NULL;
	e.time = w->date_clf;
	if (c->req_line.set) {
		e.request = c->rbuf + c->req_line.off;
		e.request_len = c->req_line.len;
	}
	e.status = c->status;
	e.bytes = c->body_sent;
	if (c->referer.set) {
		e.referer = c->rbuf + c->referer.off;
		e.referer_len = c->referer.len;
	}
	if (c->user_agent.set) {
		e.user_agent = c->rbuf + c->user_agent.off;
		e.user_agent_len = c->user_agent.len;
	}
	if (c->ssl != NULL && w->tls_log_fd != -1)
		worker_tls_log(w, line, logfmt_tls(line, &e,
		    tls_version(c->ssl), tls_cipher(c->ssl)));
	if (w->access_fd != -1)
		worker_access_log(w, line, logfmt_combined(line, &e));
}

/* ---------------------------------------------------------- responses */

static int
conn_wbuf(struct conn *c)
{
	if (c->wbuf == NULL && (c->wbuf = buf_get(c->w->wpool, &c->w->nwpool,
	    WBUF_SIZE)) == NULL)
		return -1;
	c->wlen = c->woff = 0;
	return 0;
}

static void
resp_begin(struct conn *c, struct resp_buf *b, int status)
{
	worker_update_dates(c->w);
	c->status = status;
	c->body_sent = 0;
	resp_init(b, c->wbuf, WBUF_SIZE);
	resp_status(b, status, c->w->date_http, HEARTH_SERVER);
	/* RFC 6797 section 7.2: only over a secure transport */
	if (c->ssl != NULL && c->w->conf->tls.hsts > 0)
		resp_fmt(b, "Strict-Transport-Security: max-age=%d\r\n",
		    c->w->conf->tls.hsts);
}

static void
resp_connection(struct conn *c, struct resp_buf *b)
{
	if (!c->keep_alive)
		resp_str(b, "Connection: close\r\n");
	else if (c->version == 10)
		resp_str(b, "Connection: keep-alive\r\n");
}

/* Validators and conditional requests (RFC 9110 sections 8.8, 13). */
static int
conn_conditional(struct conn *c, const struct stat *st, const char *etag,
    time_t lm)
{
	const struct http_request	*req = &c->w->req;
	struct cond_request		 cr;

	memset(&cr, 0, sizeof(cr));
	cr.if_match = req->if_match;
	cr.if_none_match = req->if_none_match;
	cr.if_modified_since = req->if_modified_since;
	cr.if_unmodified_since = req->if_unmodified_since;
	cr.get_or_head = req->method_id == HTTP_M_GET ||
	    req->method_id == HTTP_M_HEAD;
	cr.now = c->w->date_sec;
	(void)st;
	return cond_evaluate(&cr, etag, lm);
}

static void
resp_validators(struct resp_buf *b, const char *etag, time_t lm)
{
	char	date[DATE_HTTP_LEN + 1];

	date_http(lm, date);
	resp_header(b, "Last-Modified", date);
	resp_header(b, "ETag", etag);
}

/* 206 with several parts: the head, then conn_step_write() walks them. */
static int
conn_multipart(struct conn *c, struct resp_buf *b, const struct stat *st,
    const char *type, const struct byte_range *r, size_t n)
{
	struct conn_parts	*mp;
	int			 len;

	if ((mp = calloc(1, sizeof(*mp))) == NULL)
		return -1;
	memcpy(mp->r, r, n * sizeof(*r));
	mp->n = n;
	mp->size = (uint64_t)st->st_size;
	range_boundary(mp->boundary, ((uint64_t)arc4random() << 32) |
	    arc4random());
	strlcpy(mp->type, type, sizeof(mp->type));
	resp_fmt(b, "Content-Type: multipart/byteranges; boundary=%s\r\n",
	    mp->boundary);
	resp_header_num(b, "Content-Length", range_multipart_length(r, n,
	    mp->size, mp->boundary, mp->type));
	c->parts = mp;
	/* the first part's header goes out right after the head */
	resp_connection(c, b);
	resp_add(b, "\r\n", 2);
	c->whead = b->len;
	len = range_multipart_part(b->p + b->len, b->cap - b->len,
	    mp->boundary, mp->type, &r[0], mp->size);
	if (len < 0)
		return -1;
	b->len += (size_t)len;
	mp->next = 1;
	c->foff = (off_t)r[0].first;
	c->fend = (off_t)r[0].last + 1;
	return 0;
}

/*
 * Ranges (RFC 9110 section 14).  Returns the status: 200 (send it all),
 * 206 (head and body set up), 416, or 500.
 */
static int
conn_range(struct conn *c, struct resp_buf *b, const struct stat *st,
    const char *type, const char *etag, time_t lm)
{
	const struct http_request	*req = &c->w->req;
	struct byte_range		 r[CONN_MAX_RANGES];
	char				 cr[128];
	size_t				 n;

	if (req->method_id != HTTP_M_GET || req->range.p == NULL ||
	    !cond_if_range(req->if_range.p, req->if_range.len, etag, lm))
		return 200;
	switch (range_parse(req->range.p, req->range.len,
	    (uint64_t)st->st_size, r, CONN_MAX_RANGES, &n)) {
	case RANGE_IGNORE:
		return 200;
	case RANGE_UNSATISFIABLE:
		return 416;
	case RANGE_OK:
		break;
	}
	resp_begin(c, b, 206);
	resp_str(b, "Accept-Ranges: bytes\r\n");
	resp_validators(b, etag, lm);
	conn_var_headers(c, b);
	if (n > 1)
		return conn_multipart(c, b, st, type, r, n) == -1 ? 500 : 206;
	range_content_range(cr, sizeof(cr), &r[0], (uint64_t)st->st_size);
	resp_header(b, "Content-Range", cr);
	resp_header(b, "Content-Type", type);
	resp_header_num(b, "Content-Length", r[0].last - r[0].first + 1);
	resp_connection(c, b);
	resp_add(b, "\r\n", 2);
	c->whead = b->len;
	c->foff = (off_t)r[0].first;
	c->fend = (off_t)r[0].last + 1;
	return 206;
}

static void	conn_error_range(struct conn *, uint64_t size);
static void	conn_not_modified(struct conn *, const char *, time_t);
static int	conn_inject(const struct conn *, int, const char *);
static int	conn_send_injected(struct conn *, int, int,
		    const struct stat *, const char *);

/* 304 carries the validators a 200 would, and no body (section 15.4.5). */
static void
conn_not_modified(struct conn *c, const char *etag, time_t lm)
{
	struct resp_buf	b;

	resp_begin(c, &b, 304);
	resp_validators(&b, etag, lm);
	conn_var_headers(c, &b);
	resp_connection(c, &b);
	resp_add(&b, "\r\n", 2);
	c->wlen = c->whead = b.len;
}

/* The rest of a head for a whole file, and the file as the body. */
static void
conn_file_body(struct conn *c, struct resp_buf *b, int fd,
    const struct stat *st, const char *type)
{
	resp_header(b, "Content-Type", type);
	resp_header_num(b, "Content-Length", (uint64_t)st->st_size);
	resp_connection(c, b);
	resp_add(b, "\r\n", 2);
	c->wlen = c->whead = b->len;
	if (c->head_only || st->st_size == 0) {
		conn_fd_done(c, fd);
		return;
	}
	c->ffd = fd;
	c->foff = 0;
	c->fend = st->st_size;
}

/* A 200 for a file: validators, conditionals and ranges first. */
static void
conn_send_file(struct conn *c, int status, int fd, const struct stat *st,
    const char *type)
{
	struct resp_buf	b;
	char		etag[ETAG_MAX];
	time_t		lm;
	int		rc;

	if (conn_inject(c, status, type) &&
	    conn_send_injected(c, status, fd, st, type) == 0)
		return;
	worker_update_dates(c->w);
	if (status != 200) {		/* an error page's own file */
		resp_begin(c, &b, status);
		conn_file_body(c, &b, fd, st, type);
		return;
	}
	if (conn_gzip_file(c, fd, st, type) == 0)
		return;
	lm = cond_last_modified(st->st_mtime, c->w->date_sec);
	etag_make(etag, sizeof(etag), (uint64_t)st->st_ino,
	    (uint64_t)st->st_size, (int64_t)st->st_mtim.tv_sec,
	    st->st_mtim.tv_nsec);
	if ((rc = conn_conditional(c, st, etag, lm)) != 0) {
		conn_fd_done(c, fd);
		if (rc == 304)
			conn_not_modified(c, etag, lm);
		else
			conn_error(c, rc, NULL);
		return;
	}
	switch (conn_range(c, &b, st, type, etag, lm)) {
	case 206:
		c->wlen = b.len;
		if (c->head_only) {
			conn_fd_done(c, fd);
			c->wlen = c->whead;
			free(c->parts);
			c->parts = NULL;
		} else
			c->ffd = fd;
		return;
	case 416:
		conn_fd_done(c, fd);
		conn_error_range(c, (uint64_t)st->st_size);
		return;
	case 500:
		conn_fd_done(c, fd);
		conn_error(c, 500, NULL);
		return;
	}
	resp_begin(c, &b, 200);
	resp_str(&b, "Accept-Ranges: bytes\r\n");
	resp_validators(&b, etag, lm);
	conn_var_headers(c, &b);
	conn_file_body(c, &b, fd, st, type);
}

static void	conn_template(struct conn *, int, const char *,
		    struct file_res *);

/*
 * The request-target as sent, from the saved request line: still valid
 * while a body is read, when the parser's scratch request is not.
 */
static void
conn_target(const struct conn *c, char *buf, size_t len)
{
	const char	*p = c->rbuf + c->req_line.off, *sp, *end;

	buf[0] = '\0';
	if (!c->req_line.set || c->rbuf == NULL)
		return;
	end = p + c->req_line.len;
	if ((sp = memchr(p, ' ', end - p)) == NULL)
		return;
	p = sp + 1;
	if ((sp = memchr(p, ' ', end - p)) != NULL)
		end = sp;
	if ((size_t)(end - p) >= len)
		end = p + len - 1;
	memcpy(buf, p, end - p);
	buf[end - p] = '\0';
}

/* An error page from error_pages, keeping the error's status. */
static int
conn_error_page(struct conn *c, int status)
{
	const struct config	*conf = c->w->conf;
	struct file_res		 res;
	int			 i;

	for (i = 0; i < conf->nerror_pages; i++)
		if (conf->error_pages[i].status == status)
			break;
	if (i == conf->nerror_pages)
		return -1;
	file_open(c->w, conf->error_pages[i].path, &res);
	if (res.status != 200) {
		log_client(LOG_WARNING, c->logname, "error page %s for %d: %s",
		    conf->error_pages[i].path, status, res.error ?
		    strerror(res.error) : resp_reason(res.status));
		return -1;
	}
	if (gen_is_template(c->w, conf->error_pages[i].path)) {
		char	target[1024];

		conn_target(c, target, sizeof(target));
		conn_template(c, status, target, &res);
	}
	else
		conn_send_file(c, status, res.fd, &res.st, res.type);
	return 0;
}

/*
 * An error response.  extra is more header lines ("Allow: ...\r\n") or
 * NULL.  The body is the configured page or a fixed built-in one.
 */
static void
conn_error(struct conn *c, int status, const char *extra)
{
	struct resp_buf	 b;
	char		 body[1024 + INJECT_SNIPPET_LEN];
	size_t		 blen;

	if (conn_wbuf(c) == -1) {
		conn_close(c);
		return;
	}
	if (extra == NULL && conn_error_page(c, status) == 0)
		return;
	blen = resp_error_body(status, body, 1024);
	if (conn_inject(c, status, "text/html"))
		blen = live_inject_buf(body, blen, sizeof(body));
	resp_begin(c, &b, status);
	if (extra != NULL)
		resp_str(&b, extra);
	resp_str(&b, "Content-Type: text/html; charset=utf-8\r\n");
	resp_header_num(&b, "Content-Length", blen);
	resp_connection(c, &b);
	resp_add(&b, "\r\n", 2);
	c->whead = b.len;
	if (!c->head_only)
		resp_add(&b, body, blen);
	c->wlen = b.len;
}

/* 416 names the current length (RFC 9110 section 15.5.17). */
static void
conn_error_range(struct conn *c, uint64_t size)
{
	char	cr[64], extra[96];

	range_content_range(cr, sizeof(cr), NULL, size);
	snprintf(extra, sizeof(extra), "Content-Range: %s\r\n", cr);
	conn_error(c, 416, extra);
}

/* Percent-encode a normalised path for a Location header. */
static void
resp_path(struct resp_buf *b, const char *path)
{
	static const char	hex[] = "0123456789ABCDEF";
	unsigned char		ch;
	char			e[3];

	for (; *path; path++) {
		ch = (unsigned char)*path;
		if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		    (ch >= '0' && ch <= '9') || strchr("/-._~!$&'()*+,;=:@",
		    ch) != NULL) {
			resp_add(b, path, 1);
			continue;
		}
		e[0] = '%';
		e[1] = hex[ch >> 4];
		e[2] = hex[ch & 15];
		resp_add(b, e, 3);
	}
}

/* A redirect with the built-in body; location is "Location: ...\r\n". */
static void
conn_send_redirect(struct conn *c, int status, const char *location)
{
	struct resp_buf	 b;
	char		 body[1024];
	size_t		 blen;

	blen = resp_error_body(status, body, sizeof(body));
	resp_begin(c, &b, status);
	resp_str(&b, location);
	resp_str(&b, "Content-Type: text/html; charset=utf-8\r\n");
	resp_header_num(&b, "Content-Length", blen);
	resp_connection(c, &b);
	resp_add(&b, "\r\n", 2);
	c->whead = b.len;
	if (!c->head_only)
		resp_add(&b, body, blen);
	if (b.overflow) {
		conn_error(c, 414, NULL);
		return;
	}
	c->wlen = b.len;
}

/*
 * Finish a Location line begun in loc (over a buffer one byte larger
 * than loc's capacity): the request's query, then the redirect.
 */
static void
conn_location_end(struct conn *c, int status, struct resp_buf *loc)
{
	const struct http_request	*req = &c->w->req;

	if (req->query.p != NULL) {
		resp_add(loc, "?", 1);
		resp_add(loc, req->query.p, req->query.len);
	}
	resp_add(loc, "\r\n", 2);
	if (loc->overflow) {
		conn_error(c, 414, NULL);
		return;
	}
	loc->p[loc->len] = '\0';
	conn_send_redirect(c, status, loc->p);
}

static void
conn_redirect_slash(struct conn *c, const char *path)
{
	char		extra[RESP_HEAD_MAX / 2];
	struct resp_buf	loc;

	resp_init(&loc, extra, sizeof(extra) - 1);
	resp_str(&loc, "Location: ");
	resp_path(&loc, path);
	resp_add(&loc, "/", 1);
	conn_location_end(c, 301, &loc);
}

static void
conn_options(struct conn *c)
{
	struct resp_buf	b;

	resp_begin(c, &b, 200);
	resp_str(&b, "Allow: " ALLOW_STATIC "\r\nContent-Length: 0\r\n");
	resp_connection(c, &b);
	resp_add(&b, "\r\n", 2);
	c->wlen = c->whead = b.len;
}

/*
 * Plain HTTP sent to an HTTPS port: say so, in words a person reading
 * the browser window understands, and close.
 */
static void
conn_plain_on_tls(struct conn *c)
{
	static const char	body[] = "This port speaks HTTPS only: use an "
	    "https:// address.\n";
	struct resp_buf		b;

	log_client(LOG_INFO, c->logname, "plain HTTP request on the HTTPS "
	    "port");
	c->keep_alive = 0;
	c->linger = 1;
	resp_begin(c, &b, 400);
	resp_str(&b, "Content-Type: text/plain; charset=utf-8\r\n");
	resp_fmt(&b, "Content-Length: %zu\r\n", sizeof(body) - 1);
	resp_connection(c, &b);
	resp_add(&b, "\r\n", 2);
	c->whead = b.len;
	if (!c->head_only)
		resp_add(&b, body, sizeof(body) - 1);
	c->wlen = b.len;
}

/*
 * Did this request reach a trusted proxy over HTTPS?  Then redirecting
 * it to https would loop: the proxy talks plain HTTP to us.
 */
static int
conn_via_https(const struct conn *c)
{
	const struct conf_remoteip	*r = &c->w->conf->remote_ip;
	struct span			 p;

	if (r->ntrusted == 0 || !cidr_match_any(r->trusted,
	    (size_t)r->ntrusted, (const struct sockaddr *)&c->peer_ss))
		return 0;
	p = conn_header(&c->w->req, "X-Forwarded-Proto");
	return p.len == 5 && strncasecmp(p.p, "https", 5) == 0;
}

/* The Host header's name without its port; our address without one. */
static void
conn_host_name(const struct conn *c, char *buf, size_t len)
{
	const struct http_request	*req = &c->w->req;
	struct sockaddr_storage		 ss;
	socklen_t			 sl = sizeof(ss);
	const char			*end;
	char				 addr[64];
	size_t				 n;

	if (req->host.p != NULL && req->host.len > 0) {
		end = req->host.p + req->host.len;
		if (req->host.p[0] == '[')
			end = memchr(req->host.p, ']', req->host.len) ?
			    (const char *)memchr(req->host.p, ']',
			    req->host.len) + 1 : end;
		else if (memchr(req->host.p, ':', req->host.len) != NULL)
			end = memchr(req->host.p, ':', req->host.len);
		n = (size_t)(end - req->host.p);
		snprintf(buf, len, "%.*s", (int)n, req->host.p);
		return;
	}
	if (getsockname(c->fd, (struct sockaddr *)&ss, &sl) == -1 ||
	    remoteip_format((struct sockaddr *)&ss, addr, sizeof(addr)) == -1)
		snprintf(addr, sizeof(addr), "localhost");
	snprintf(buf, len, strchr(addr, ':') ? "[%s]" : "%s", addr);
}

/*
 * tls.redirect_http: to the same path on the first HTTPS address.
 * 301 keeps GET a GET; 308 keeps a POST's method and body (RFC 9110
 * section 15.4.9), where a 301 would let the client turn it into a GET.
 */
static void
conn_redirect_https(struct conn *c)
{
	const struct http_request	*req = &c->w->req;
	const struct conf_listen	*l = &c->w->conf->tls.listen[0];
	struct resp_buf			 loc;
	char				 host[300], extra[RESP_HEAD_MAX / 2];
	unsigned			 port;

	port = remoteip_port((const struct sockaddr *)&l->ss);
	conn_host_name(c, host, sizeof(host));
	resp_init(&loc, extra, sizeof(extra) - 1);
	resp_fmt(&loc, "Location: https://%s", host);
	if (port != 443)
		resp_fmt(&loc, ":%u", port);
	resp_add(&loc, req->path.p, req->path.len);
	conn_location_end(c, req->method_id == HTTP_M_GET ||
	    req->method_id == HTTP_M_HEAD ? 301 : 308, &loc);
}

/*
 * A generated body (listing, template): ours to free.  Never cached by
 * validators, since it is made afresh; HEAD gets the same head.
 */
static void
conn_respond_body(struct conn *c, int status, const char *type,
    const char *extra, struct tmpl_out *body)
{
	struct resp_buf	b;

	if (conn_inject(c, status, type) && live_inject_out(body) == -1) {
		tmpl_out_free(body);
		conn_error(c, 503, NULL);
		return;
	}
	resp_begin(c, &b, status);
	if (extra != NULL)
		resp_str(&b, extra);
	resp_header(&b, "Content-Type", type);
	resp_str(&b, "Cache-Control: no-cache\r\n");
	resp_header_num(&b, "Content-Length", body->len);
	resp_connection(c, &b);
	resp_add(&b, "\r\n", 2);
	c->wlen = c->whead = b.len;
	if (c->head_only || body->len == 0) {
		tmpl_out_free(body);
		return;
	}
	c->mbody = body->p;
	c->mlen = body->len;
	c->moff = 0;
}

/* The first field with this name, or an empty span. */
static struct span
conn_header(const struct http_request *req, const char *name)
{
	struct span	none = { NULL, 0 };
	size_t		i;

	for (i = 0; i < req->nheaders; i++)
		if (span_eq(req->headers[i].name, name))
			return req->headers[i].value;
	return none;
}

static void
conn_gen_request(const struct conn *c, const char *path,
    struct gen_request *r)
{
	const struct http_request	*req = &c->w->req;
	const char			*m = http_method_name(req->method_id);

	memset(r, 0, sizeof(*r));
	r->path = path;
	r->method = m ? m : "";
	r->client = c->client;
	r->query = req->query;
	r->accept = conn_header(req, "Accept");
}

static void
conn_listing(struct conn *c, const char *path)
{
	struct gen_request	r;
	struct tmpl_out		out = { NULL, 0, 0 };
	const char		*type;
	int			 rc;

	conn_gen_request(c, path, &r);
	if ((rc = gen_listing(c->w, &r, &out, &type)) != 0) {
		tmpl_out_free(&out);
		conn_error(c, rc, NULL);
		return;
	}
	conn_respond_body(c, 200, type, "Vary: Accept\r\n", &out);
}

static void
conn_template(struct conn *c, int status, const char *path,
    struct file_res *res)
{
	struct gen_request	r;
	struct tmpl_out		out = { NULL, 0, 0 };
	int			rc;

	conn_gen_request(c, path, &r);
	if (status != 200) {
		/*
		 * An error page may be made after a request body was read,
		 * when the parser's scratch holds another connection's
		 * request: use only what this connection saved.
		 */
		memset(&r.query, 0, sizeof(r.query));
		memset(&r.accept, 0, sizeof(r.accept));
		r.method = "";
	}
	rc = gen_template(c->w, res->fd, &res->st, &r, &out);
	close(res->fd);
	if (rc != 0) {
		tmpl_out_free(&out);
		if (status == 200)
			conn_error(c, rc, NULL);
		else	/* a broken error page: the built-in one */
			conn_error(c, status, "");
		return;
	}
	conn_respond_body(c, status, "text/html; charset=utf-8", NULL, &out);
}

/*
 * A cached file's 200 head from Accept-Ranges to Content-Length, made
 * once per entry by the calls conn_send_cached() would make on every
 * request, so the bytes are the same.  Only Expires is left out: it
 * moves with the clock.  Not while the file's mtime is in the future,
 * where Last-Modified is now.  -1: build the head per request.
 */
static int
conn_cached_head(struct conn *c, struct fcache_entry *e, time_t lm)
{
	char		buf[RESP_HEAD_MAX];
	struct resp_buf	b;

	if (e->head != NULL)
		return 0;
	if (lm != e->st.st_mtime)
		return -1;
	resp_init(&b, buf, sizeof(buf));
	resp_str(&b, "Accept-Ranges: bytes\r\n");
	resp_validators(&b, e->etag, lm);
	conn_var_fixed(c, &b, &e->max_age);
	e->head_split = b.len;
	resp_header(&b, "Content-Type", e->type);
	resp_header_num(&b, "Content-Length", e->len);
	if (b.overflow || (e->head = malloc(b.len)) == NULL)
		return -1;
	memcpy(e->head, buf, b.len);
	e->head_len = b.len;
	return 0;
}

/*
 * A file from the open-file cache: the same head conn_send_file()
 * builds.  A small body is sent from memory with the head in one
 * writev; a larger one from the entry's open file, never closed here.
 */
static void
conn_send_cached(struct conn *c, struct fcache_entry *e)
{
	struct resp_buf	b;
	time_t		lm;
	int		rc;

	worker_update_dates(c->w);
	if (conn_gzip_cached(c, e) == 0)
		return;
	lm = cond_last_modified(e->st.st_mtime, c->w->date_sec);
	if ((rc = conn_conditional(c, &e->st, e->etag, lm)) != 0) {
		fcache_put(c->w->fcache, e);
		if (rc == 304)
			conn_not_modified(c, e->etag, lm);
		else
			conn_error(c, rc, NULL);
		return;
	}
	resp_begin(c, &b, 200);
	if (conn_cached_head(c, e, lm) == 0) {
		resp_add(&b, e->head, e->head_split);
		conn_expires(c, &b, e->max_age);
		resp_add(&b, e->head + e->head_split,
		    e->head_len - e->head_split);
	} else {
		resp_str(&b, "Accept-Ranges: bytes\r\n");
		resp_validators(&b, e->etag, lm);
		conn_var_headers(c, &b);
		resp_header(&b, "Content-Type", e->type);
		resp_header_num(&b, "Content-Length", e->len);
	}
	resp_connection(c, &b);
	resp_add(&b, "\r\n", 2);
	c->wlen = c->whead = b.len;
	if (c->head_only || e->len == 0) {
		fcache_put(c->w->fcache, e);
		return;
	}
	if (e->fd != -1) {
		c->fref = e;
		c->ffd = e->fd;
		c->foff = 0;
		c->fend = e->st.st_size;
		return;
	}
	c->mref = e;
	c->mbody = e->body;
	c->mlen = e->len;
	c->moff = 0;
}

/* ------------------------------------------- content coding, caching */

/*
 * Vary, Cache-Control and Expires for the static file being answered
 * (200, 206 and 304 alike: a 304 carries what the 200 would, RFC 9110
 * section 15.4.5).  Vary goes on every response of a type we may
 * compress, compressed or not, so a cache keys on Accept-Encoding
 * (section 12.5.5).
 */
static void
conn_var_headers(struct conn *c, struct resp_buf *b)
{
	long long	age;

	conn_var_fixed(c, b, &age);
	conn_expires(c, b, age);
}

/*
 * Vary and Cache-Control: they depend on the config, the path and the
 * type only.  *max_age is for Expires, or -1 for none.
 */
static void
conn_var_fixed(struct conn *c, struct resp_buf *b, long long *max_age)
{
	const struct config	*conf = c->w->conf;
	const char		*cc;

	*max_age = -1;
	if (c->var_path == NULL || c->var_type == NULL)
		return;
	if (conf->gzip.enabled && accept_enc_type_match((const char *const *)
	    conf->gzip.types, conf->gzip.ntypes, c->var_type))
		resp_str(b, "Vary: Accept-Encoding\r\n");
	if ((cc = conf_cache_control(conf, c->var_path, c->var_type)) == NULL)
		return;
	resp_header(b, "Cache-Control", cc);
	if (cachectl_max_age(cc, max_age) == -1)
		*max_age = -1;
}

/* For HTTP/1.0 caches; Cache-Control wins (RFC 9111 section 5.3). */
static void
conn_expires(struct conn *c, struct resp_buf *b, long long max_age)
{
	char	date[DATE_HTTP_LEN + 1];

	if (max_age < 0)
		return;
	date_http(c->w->date_sec + (time_t)max_age, date);
	resp_header(b, "Expires", date);
}

/*
 * Which coding does this response get?  1: gzip; 0: identity; -1:
 * neither is acceptable, answer 406 (RFC 9110 section 12.5.3 lets us,
 * since identity was refused).  A Range request gets identity, whose
 * byte offsets it names, unless identity was refused.
 */
static int
conn_gzip_choose(struct conn *c, const char *type, off_t size)
{
	const struct http_request	*req = &c->w->req;
	const struct conf_gzip		*g = &c->w->conf->gzip;
	struct span			 h;
	struct accept_enc		 ae;
	int				 can;

	h = conn_header(req, "Accept-Encoding");
	accept_enc_parse(h.p, h.len, &ae);
	can = g->enabled && size >= g->min_size && accept_enc_gzip(&ae) &&
	    accept_enc_type_match((const char *const *)g->types, g->ntypes,
	    type);
	if (!accept_enc_identity(&ae))
		return can ? 1 : -1;
	return can && req->range.p == NULL;
}

/* The head of a gzip 200; the body follows from memory or a file. */
static void
conn_gzip_head(struct conn *c, const char *etag, time_t lm,
    const char *type, off_t len)
{
	struct resp_buf	b;

	resp_begin(c, &b, 200);
	resp_validators(&b, etag, lm);
	conn_var_headers(c, &b);
	resp_str(&b, "Content-Encoding: gzip\r\n");
	resp_header(&b, "Content-Type", type);
	resp_header_num(&b, "Content-Length", (uint64_t)len);
	resp_connection(c, &b);
	resp_add(&b, "\r\n", 2);
	c->wlen = c->whead = b.len;
}

/* Preconditions against the gzip variant's tag; 1 when answered. */
static int
conn_gzip_cond(struct conn *c, const struct stat *st, const char *etag,
    time_t lm)
{
	int	rc;

	if ((rc = conn_conditional(c, st, etag, lm)) == 0)
		return 0;
	if (rc == 304)
		conn_not_modified(c, etag, lm);
	else
		conn_error(c, rc, NULL);
	return 1;
}

/* A precompressed sibling, sent from its file; -1: there is none. */
static int
conn_gzip_sibling(struct conn *c, const struct stat *st, const char *type)
{
	struct stat	gst;
	char		etag[ETAG_MAX], gzetag[GZIP_ETAG_MAX];
	time_t		lm;
	int		fd;

	if (!c->w->conf->gzip.precompressed ||
	    (fd = gzip_sibling(c->w, c->var_path, st, &gst)) == -1)
		return -1;
	lm = cond_last_modified(gst.st_mtime, c->w->date_sec);
	etag_make(etag, sizeof(etag), (uint64_t)gst.st_ino,
	    (uint64_t)gst.st_size, (int64_t)gst.st_mtim.tv_sec,
	    gst.st_mtim.tv_nsec);
	if (gzip_etag(gzetag, sizeof(gzetag), etag) == -1) {
		close(fd);
		return -1;
	}
	if (conn_gzip_cond(c, &gst, gzetag, lm)) {
		close(fd);
		return 0;
	}
	conn_gzip_head(c, gzetag, lm, type, gst.st_size);
	if (c->head_only || gst.st_size == 0) {
		close(fd);
		return 0;
	}
	c->ffd = fd;
	c->foff = 0;
	c->fend = gst.st_size;
	return 0;
}

/*
 * conn_send_file()'s gzip variant: a sibling, else the file compressed
 * in memory when it is at most GZIP_FILE_MAX bytes.  0 when answered
 * (fd closed or taken); -1 to send identity (fd still open).
 */
static int
conn_gzip_file(struct conn *c, int fd, const struct stat *st,
    const char *type)
{
	const struct config	*conf = c->w->conf;
	char			 etag[ETAG_MAX], gzetag[GZIP_ETAG_MAX];
	char			*body;
	size_t			 blen;
	time_t			 lm;
	int			 how;

	c->var_type = type;
	if ((how = conn_gzip_choose(c, type, st->st_size)) == 0)
		return -1;
	if (how == 1 && conn_gzip_sibling(c, st, type) == 0)
		goto done;
	if (how == -1 || st->st_size > GZIP_FILE_MAX) {
		if (how == 1)
			return -1;	/* too big to hold the loop for */
		conn_error(c, 406, NULL);
		goto done;
	}
	lm = cond_last_modified(st->st_mtime, c->w->date_sec);
	etag_make(etag, sizeof(etag), (uint64_t)st->st_ino,
	    (uint64_t)st->st_size, (int64_t)st->st_mtim.tv_sec,
	    st->st_mtim.tv_nsec);
	if (gzip_etag(gzetag, sizeof(gzetag), etag) == -1)
		return -1;
	if (conn_gzip_cond(c, st, gzetag, lm))
		goto done;
	/* HEAD too: its Content-Length is the compressed one */
	if (gzip_fd(fd, (size_t)st->st_size, conf->gzip.level, &body,
	    &blen) == -1)
		return -1;
	conn_gzip_head(c, gzetag, lm, type, (off_t)blen);
	if (c->head_only)
		free(body);
	else {
		c->mbody = body;
		c->mlen = blen;
		c->moff = 0;
	}
done:
	conn_fd_done(c, fd);
	return 0;
}

/*
 * conn_send_cached()'s gzip variant, compressed once per entry.  0 when
 * answered (the entry released or lent to the body); -1: identity.
 */
static int
conn_gzip_cached(struct conn *c, struct fcache_entry *e)
{
	time_t	lm;
	int	how;

	c->var_type = e->type;
	if ((how = conn_gzip_choose(c, e->type, e->st.st_size)) == 0)
		return -1;
	if (how == 1 && conn_gzip_sibling(c, &e->st, e->type) == 0)
		goto put;
	if (how == -1) {
		conn_error(c, 406, NULL);
		goto put;
	}
	if (fcache_gzip(c->w->fcache, e, c->w->conf->gzip.level) == -1) {
		if (e->fd == -1)
			return -1;
		/* no room to keep it: compress it for this response */
		c->fref = e;
		if (conn_gzip_file(c, e->fd, &e->st, e->type) == 0)
			return 0;
		c->fref = NULL;
		return -1;
	}
	lm = cond_last_modified(e->st.st_mtime, c->w->date_sec);
	if (conn_gzip_cond(c, &e->st, e->gzetag, lm))
		goto put;
	conn_gzip_head(c, e->gzetag, lm, e->type, (off_t)e->gzlen);
	if (c->head_only)
		goto put;
	c->mref = e;
	c->mbody = e->gz;
	c->mlen = e->gzlen;
	c->moff = 0;
	return 0;
put:
	fcache_put(c->w->fcache, e);
	return 0;
}

/*
 * A path under a cgi url runs a script (RFC 3875), with any method.
 * Returns 0 when the path was ours: the script runs (CONN_CGI) or an
 * error answer is set up; -1 for everything else.
 */
static int
conn_cgi(struct conn *c, const char *path)
{
	const struct conf_cgi	*g;
	int			 status;

	if ((g = cgi_lookup(c->w->conf, path)) == NULL)
		return -1;
	if ((status = cgi_start(c, g, path)) != 0)
		conn_error(c, status, NULL);
	return 0;
}

/* GET and HEAD of a static file, and the 405 for other methods on one. */
static void
conn_static(struct conn *c)
{
	struct http_request	*req = &c->w->req;
	struct file_res		 res;
	const char		*err;
	char			 pathbuf[DEF_LIMIT_REQUEST_LINE], *path;
	long			 plen;

	/* a path fits on the stack unless limits.request_line was raised */
	if (req->path.len < sizeof(pathbuf))
		path = pathbuf;
	else if ((path = malloc(req->path.len + 1)) == NULL) {
		conn_error(c, 503, NULL);
		return;
	}
	if ((plen = path_normalize(req->path.p, req->path.len, path, &err))
	    == -1) {
		log_client(LOG_INFO, c->logname, "bad path: %s", err);
		c->keep_alive = 0;
		conn_error(c, 400, NULL);
		goto done;
	}
	c->live = conf_live_path(c->w->conf, path, (size_t)plen);
	c->var_path = path;
	c->var_type = NULL;
	if (conn_cgi(c, path) == 0)
		goto done;
	if (path_has_dotfile(path)) {
		conn_error(c, 404, NULL);
		goto done;
	}
	/* ranges, templates and live-reload injection need the file */
	if ((req->method_id == HTTP_M_GET || req->method_id == HTTP_M_HEAD) &&
	    req->range.p == NULL && !c->live && !gen_is_template(c->w, path)) {
		struct fcache_entry	*e;

		if ((e = fcache_get(c->w, path, &res)) != NULL) {
			conn_send_cached(c, e);
			goto done;
		}
	} else
		file_open(c->w, path, &res);
	if (res.status == 200 && req->method_id != HTTP_M_GET &&
	    req->method_id != HTTP_M_HEAD) {
		close(res.fd);
		conn_error(c, 405, "Allow: " ALLOW_STATIC "\r\n");
	} else if (res.status == 200 && gen_is_template(c->w, path))
		conn_template(c, 200, path, &res);
	else if (res.status == 200)
		conn_send_file(c, 200, res.fd, &res.st, res.type);
	else if (res.noindex && gen_listing_enabled(c->w, path))
		conn_listing(c, path);
	else if (res.status == 301)
		conn_redirect_slash(c, path);
	else {
		if (res.status >= 500)
			log_client(LOG_ERR, c->logname, "%s: %s", path,
			    strerror(res.error));
		conn_error(c, res.status, NULL);
	}
done:
	c->var_path = c->var_type = NULL;
	if (path != pathbuf)
		free(path);
}

/* ---------------------------------------------------------- bodies */

/*
 * Static files take no body, but a client may send one (a form posted
 * to a page, a GET with Content-Length).  We read it and throw it away
 * so the connection can carry the next request; one over limits.body is
 * refused up front with 413 and a lingering close.  Returns -1 when the
 * answer is already set up (413).
 */
static int
conn_body_begin(struct conn *c)
{
	const struct http_request	*req = &c->w->req;

	c->body_chunked = req->chunked;
	c->body_left = req->content_length > 0 ?
	    (uint64_t)req->content_length : 0;
	c->body_read = 0;
	memset(&c->chunk, 0, sizeof(c->chunk));
	if (req->content_length > c->w->conf->limits.body) {
		c->keep_alive = 0;
		c->linger = 1;
		c->body_left = 0;
		c->body_chunked = 0;
		log_client(LOG_INFO, c->logname, "request body of %lld bytes "
		    "exceeds limits.body", (long long)req->content_length);
		conn_error(c, 413, NULL);
		return -1;
	}
	return 0;
}

/* After the response is set up: wait for the body, if one comes. */
/*
 * The interim 100 (Continue), all at once or not at all.  Over TLS a
 * record cut short would have to be finished before anything else is
 * written, so a failure there means the caller closes.
 */
static int
conn_continue(struct conn *c)
{
	static const char	cont[] = "HTTP/1.1 100 Continue\r\n\r\n";

	return conn_send(c, cont, sizeof(cont) - 1) ==
	    (ssize_t)sizeof(cont) - 1 ? 0 : -1;
}

static void
conn_body_expect(struct conn *c)
{
	if (c->state == CONN_FREE || (c->body_left == 0 && !c->body_chunked))
		return;
	if (c->state == CONN_CGI) {
		/* the script reads it whatever comes after */
		if (c->w->req.expect_continue && c->rlen == c->consumed &&
		    conn_continue(c) == -1) {
			if (c->ssl != NULL) {
				conn_close(c);
				return;
			}
			c->keep_alive = 0;
		}
		c->body_start = ev_now(c->w->loop);
		return;
	}
	if (!c->keep_alive) {
		/* we close after answering: do not wait for the body */
		c->linger = 1;
		c->body_left = 0;
		c->body_chunked = 0;
		return;
	}
	/* RFC 9110 section 10.1.1: we will read it, so ask for it */
	if (c->w->req.expect_continue && c->rlen == c->consumed &&
	    conn_continue(c) == -1) {
		if (c->ssl != NULL) {
			conn_close(c);
			return;
		}
		c->keep_alive = 0;
		c->linger = 1;
		c->body_left = 0;
		c->body_chunked = 0;
		return;
	}
	c->body_start = ev_now(c->w->loop);
	c->state = CONN_BODY;
}

/* The body went wrong: drop the prepared answer, send an error, close. */
static void
conn_body_error(struct conn *c, int status, const char *why)
{
	conn_release_file(c);
	free(c->parts);
	c->parts = NULL;
	c->keep_alive = 0;
	c->linger = 1;
	c->body_left = 0;
	c->body_chunked = 0;
	log_client(LOG_INFO, c->logname, "%d: %s", status, why);
	conn_error(c, status, NULL);
	c->state = CONN_WRITE;
}

/*
 * Decode the body bytes in the buffer, keeping any pipelined request
 * that follows right after the head.  For a static file the data is
 * thrown away; for a CGI script it stays at rbuf + consumed (body_held
 * bytes) until cgi.c has written it to the script.  Call it only when
 * body_held is 0.
 */
int
conn_body_take(struct conn *c, int *status, const char **why)
{
	char			*p = c->rbuf + c->consumed;
	size_t			 avail = c->rlen - c->consumed, used, out;
	enum http_chunk_result	 r = HTTP_CHUNK_AGAIN;

	if (!c->body_chunked) {
		used = avail < c->body_left ? avail : (size_t)c->body_left;
		out = used;
		c->body_left -= used;
	} else {
		r = http_chunked_decode(&c->chunk, p, avail, &out, &used);
		if (r == HTTP_CHUNK_ERROR) {
			*status = 400;
			*why = "malformed chunked body";
			return -1;
		}
	}
	c->body_read += out;
	if (c->body_chunked &&
	    c->body_read > (uint64_t)c->w->conf->limits.body) {
		*status = 413;
		*why = "chunked body exceeds limits.body";
		return -1;
	}
	if (c->cgi == NULL)
		out = 0;
	c->body_held = out;
	memmove(p + out, p + used, avail - used);
	c->rlen -= used - out;
	return (c->body_chunked ? r == HTTP_CHUNK_DONE : c->body_left == 0);
}

/* Throw the body away.  1: done; 0: more to come; -1: error answer set. */
static int
conn_body_consume(struct conn *c)
{
	struct worker		*w = c->w;
	const char		*why;
	uint64_t		 elapsed;
	int			 rc, status;

	if ((rc = conn_body_take(c, &status, &why)) == -1) {
		conn_body_error(c, status, why);
		return -1;
	}
	if (rc == 1)
		return 1;
	elapsed = ev_now(w->loop) - c->body_start;
	if (elapsed > (uint64_t)w->conf->timeouts.body * 1000 &&
	    c->body_read * 1000 / elapsed < BODY_MIN_RATE) {
		conn_body_error(c, 408, "request body too slow");
		return -1;
	}
	return 0;
}

/* ---------------------------------------------------------- admin */

static int
admin_prefix(const struct conf_admin *a, const char *path)
{
	int	i;

	for (i = 0; i < a->npaths; i++)
		if (strncmp(path, a->paths[i], strlen(a->paths[i])) == 0)
			return 1;
	return 0;
}

/*
 * HTTP Basic against the htpasswd file (RFC 7617).  A failure is logged
 * in one fixed form, "admin: authentication failure for user ...", so
 * fail2ban can match it; the user name is escaped like any client byte.
 */
static int
conn_admin_auth(struct conn *c)
{
	const struct conf_admin	*a = &c->w->conf->admin;
	struct span		 auth = conn_header(&c->w->req, "Authorization");
	char			 buf[512], err[128], esc[4 * 64 + 1];
	const char		*user = NULL, *pass = NULL, *why;
	enum htpasswd_result	 r;
	size_t			 n;

	if (auth.p == NULL)
		why = "no credentials";
	else if (basic_auth_parse(auth.p, auth.len, buf, sizeof(buf), &user,
	    &pass, err, sizeof(err)) == -1)
		why = "malformed credentials";
	else if ((r = htpasswd_verify(c->w->htpasswd, user, pass)) !=
	    HTPASSWD_OK)
		why = htpasswd_result_str(r);
	else {
		strlcpy(c->user, user, sizeof(c->user));
		explicit_bzero(buf, sizeof(buf));
		return 0;
	}
	if (user != NULL) {
		n = logfmt_escape(esc, sizeof(esc) - 1, user, strlen(user),
		    NULL);
		esc[n] = '\0';
		log_client(LOG_WARNING, c->logname, "admin: authentication "
		    "failure for user \"%s\": %s", esc, why);
	} else if (auth.p != NULL)
		log_client(LOG_WARNING, c->logname, "admin: authentication "
		    "failure for user \"\": %s", why);
	explicit_bzero(buf, sizeof(buf));
	snprintf(buf, sizeof(buf), "WWW-Authenticate: Basic realm=\"%s\", "
	    "charset=\"UTF-8\"\r\n", a->realm);
	conn_error(c, 401, buf);
	return -1;
}

static void
conn_status(struct conn *c, enum status_kind kind)
{
	const struct http_request	*req = &c->w->req;
	struct tmpl_out			 out = { NULL, 0, 0 };
	char				 extra[64] = "";
	const char			*q = req->query.p;
	long				 refresh;
	int				 rc;

	if (req->method_id != HTTP_M_GET && req->method_id != HTTP_M_HEAD) {
		conn_error(c, 405, "Allow: GET, HEAD\r\n");
		return;
	}
	if ((rc = status_render(c->w, kind, &out)) != 0) {
		tmpl_out_free(&out);
		conn_error(c, rc, NULL);
		return;
	}
	/* ?refresh=N: the browser reloads the dashboard every N seconds */
	if (kind == STATUS_HTML && q != NULL && req->query.len > 8 &&
	    strncmp(q, "refresh=", 8) == 0 &&
	    (refresh = strtol(q + 8, NULL, 10)) > 0 && refresh <= 3600)
		snprintf(extra, sizeof(extra), "Refresh: %ld\r\n", refresh);
	conn_respond_body(c, 200, status_type(kind), extra[0] ? extra : NULL,
	    &out);
}

/*
 * The admin area: its paths are for the allowed networks only (403),
 * then for htpasswd users (401).  Returns 1 when answered here (denied,
 * or a status page), 0 to go on (a file under an admin path).
 */
/* tls.redirect_http applies: a plain request that did not pass HTTPS. */
static int
conn_redirect_wanted(const struct conn *c)
{
	const struct conf_tls	*t = &c->w->conf->tls;

	return !c->tls && t->enabled && t->redirect_http &&
	    !conn_via_https(c);
}

static int
conn_loopback(const struct conn *c)
{
	const struct sockaddr_in	*in;
	const struct sockaddr_in6	*in6;

	if (c->client_ss.ss_family == AF_INET) {
		in = (const struct sockaddr_in *)(const void *)&c->client_ss;
		return (ntohl(in->sin_addr.s_addr) >> 24) == 127;
	}
	in6 = (const struct sockaddr_in6 *)(const void *)&c->client_ss;
	return c->client_ss.ss_family == AF_INET6 &&
	    (IN6_IS_ADDR_LOOPBACK(&in6->sin6_addr) ||
	    (IN6_IS_ADDR_V4MAPPED(&in6->sin6_addr) &&
	    in6->sin6_addr.s6_addr[12] == 127));
}

static int
conn_admin(struct conn *c)
{
	const struct conf_admin		*a = &c->w->conf->admin;
	const struct http_request	*req = &c->w->req;
	char				 path[1024];
	const char			*err;

	/* decide on the normalised path: /%73erver-status is the same */
	if (req->form == HTTP_FORM_ASTERISK ||
	    req->form == HTTP_FORM_AUTHORITY || req->path.len >= sizeof(path) ||
	    path_normalize(req->path.p, req->path.len, path, &err) == -1 ||
	    !admin_prefix(a, path))
		return 0;
	if (!cidr_match_any(a->allow, (size_t)a->nallow,
	    (struct sockaddr *)&c->client_ss)) {
		log_client(LOG_INFO, c->logname, "admin: %s from a network not "
		    "in admin.allow", path);
		conn_error(c, 403, NULL);
		return 1;
	}
	/*
	 * With redirect_http, a password is never asked for in the clear,
	 * except from this machine (hearthctl status reads the plain port).
	 */
	if (c->w->htpasswd != NULL && conn_redirect_wanted(c) &&
	    !conn_loopback(c)) {
		conn_redirect_https(c);
		return 1;
	}
	if (c->w->htpasswd != NULL && conn_admin_auth(c) == -1)
		return 1;
	if (strcmp(path, a->status_path) == 0) {
		conn_status(c, req->query.p && span_eq(req->query, "auto") ?
		    STATUS_AUTO : STATUS_HTML);
		return 1;
	}
	if (strcmp(path, a->status_api) == 0) {
		conn_status(c, STATUS_JSON);
		return 1;
	}
	return 0;
}

/* ---------------------------------------------------------- health */

static int
conn_is_health(const struct conn *c)
{
	const struct config		*conf = c->w->conf;
	const struct http_request	*req = &c->w->req;

	return conf->health.path != NULL &&
	    (req->method_id == HTTP_M_GET || req->method_id == HTTP_M_HEAD) &&
	    req->path.len == strlen(conf->health.path) &&
	    memcmp(req->path.p, conf->health.path, req->path.len) == 0;
}

/*
 * The load balancer's health check: 200 "ok" while we serve, 503
 * "draining" once told to leave the pool (SIGUSR2, hearthctl drain).
 * Never cached, and not logged unless health.log is set.
 */
static void
conn_health(struct conn *c)
{
	struct resp_buf	 b;
	const char	*body = c->w->lb_draining ? "draining\n" : "ok\n";

	c->nolog = !c->w->conf->health.log;
	resp_begin(c, &b, c->w->lb_draining ? 503 : 200);
	resp_str(&b, "Content-Type: text/plain; charset=utf-8\r\n"
	    "Cache-Control: no-store\r\n");
	resp_header_num(&b, "Content-Length", strlen(body));
	resp_connection(c, &b);
	resp_add(&b, "\r\n", 2);
	c->whead = b.len;
	if (!c->head_only)
		resp_str(&b, body);
	c->wlen = b.len;
}

/* ---------------------------------------------------------- live reload */

static int
conn_inject(const struct conn *c, int status, const char *type)
{
	return c->live && inject_applies(status, 0, type);
}

static void
conn_inject_too_big(struct conn *c, const struct stat *st)
{
	if (c->w->inject_warned)
		return;
	c->w->inject_warned = 1;
	log_warnx("live reload: an HTML page of %lld bytes is sent without "
	    "the script (the limit is %d bytes); said once per worker",
	    (long long)st->st_size, LIVE_INJECT_MAX);
}

/*
 * An HTML file with the script, read into memory and sent whole: a
 * Range is ignored (offsets into the injected body would name bytes
 * no file has), and the ETag is the injected variant's, so a 304 is
 * only ever given for what this config sends.  -1: send it plain.
 */
static int
conn_send_injected(struct conn *c, int status, int fd,
    const struct stat *st, const char *type)
{
	struct resp_buf	 b;
	char		 etag[ETAG_MAX], ietag[ETAG_MAX + INJECT_ETAG_EXTRA];
	char		*body = NULL;
	size_t		 blen = 0;
	uint64_t	 len;
	time_t		 lm = 0;
	int		 rc;

	if (st->st_size > LIVE_INJECT_MAX) {
		conn_inject_too_big(c, st);
		return -1;
	}
	worker_update_dates(c->w);
	if (!c->head_only && (body = live_read_injected(fd, st, &blen)) ==
	    NULL) {
		log_client(LOG_WARNING, c->logname, "live reload: reading a "
		    "page: %s", strerror(errno));
		return -1;
	}
	close(fd);
	if (inject_length((uint64_t)st->st_size, &len) == -1)
		len = 0;
	if (status == 200) {
		lm = cond_last_modified(st->st_mtime, c->w->date_sec);
		etag_make(etag, sizeof(etag), (uint64_t)st->st_ino,
		    (uint64_t)st->st_size, (int64_t)st->st_mtim.tv_sec,
		    st->st_mtim.tv_nsec);
		inject_etag(ietag, sizeof(ietag), etag);
		if ((rc = conn_conditional(c, st, ietag, lm)) != 0) {
			free(body);
			if (rc == 304)
				conn_not_modified(c, ietag, lm);
			else
				conn_error(c, rc, NULL);
			return 0;
		}
	}
	resp_begin(c, &b, status);
	if (status == 200) {
		resp_str(&b, "Accept-Ranges: none\r\n");
		resp_validators(&b, ietag, lm);
	}
	resp_header(&b, "Content-Type", type);
	resp_header_num(&b, "Content-Length", len);
	resp_connection(c, &b);
	resp_add(&b, "\r\n", 2);
	c->wlen = c->whead = b.len;
	c->mbody = body;
	c->mlen = blen;
	c->moff = 0;
	return 0;
}

/* The reload script, from memory; revalidated by its ETag. */
static void
conn_live_script(struct conn *c)
{
	struct resp_buf	 b;
	const char	*js, *etag = live_script_etag();
	size_t		 len;
	time_t		 lm = c->w->server_start;
	int		 rc;

	js = live_script(&len);
	worker_update_dates(c->w);
	if ((rc = conn_conditional(c, NULL, etag, lm)) != 0) {
		if (rc == 304)
			conn_not_modified(c, etag, lm);
		else
			conn_error(c, rc, NULL);
		return;
	}
	if (!c->head_only && (c->mbody = malloc(len)) == NULL) {
		conn_error(c, 503, NULL);
		return;
	}
	resp_begin(c, &b, 200);
	resp_validators(&b, etag, lm);
	resp_str(&b, "Content-Type: application/javascript; charset=utf-8\r\n"
	    "Cache-Control: no-cache\r\n");
	resp_header_num(&b, "Content-Length", len);
	resp_connection(c, &b);
	resp_add(&b, "\r\n", 2);
	c->wlen = c->whead = b.len;
	if (c->head_only)
		return;
	memcpy(c->mbody, js, len);
	c->mlen = len;
	c->moff = 0;
}

/*
 * The event stream: no length, so the body ends when the connection
 * does, and it is never reused (RFC 9112 section 6.3).  "retry:" sets
 * the browser's reconnect delay for when we restart.
 */
static void
conn_live_stream(struct conn *c)
{
	struct resp_buf	b;

	c->keep_alive = 0;
	resp_begin(c, &b, 200);
	resp_str(&b, "Content-Type: text/event-stream\r\n"
	    "Cache-Control: no-store\r\n"
	    "X-Accel-Buffering: no\r\n");
	resp_connection(c, &b);
	resp_add(&b, "\r\n", 2);
	c->whead = b.len;
	if (!c->head_only) {
		resp_fmt(&b, "retry: %d\n\n", LIVE_RETRY_MS);
		/* a stopping worker sends "retry" and lets it reconnect */
		c->stream = !c->w->draining;
	}
	c->wlen = b.len;
}

static void
conn_live(struct conn *c)
{
	const struct http_request	*req = &c->w->req;

	c->live = 0;
	if (req->method_id != HTTP_M_GET && req->method_id != HTTP_M_HEAD)
		conn_error(c, 405, "Allow: GET, HEAD\r\n");
	else if (live_endpoint(c->w->conf, req->path.p, req->path.len) ==
	    LIVE_EP_SCRIPT)
		conn_live_script(c);
	else
		conn_live_stream(c);
}

/* The head and "retry:" are out: wait for changes, ping now and then. */
static void
conn_stream(struct conn *c)
{
	if (live_stream_start(c) == -1) {
		conn_close(c);
		return;
	}
	ev_timer(c->w->loop, &c->tmr, LIVE_PING_MS, conn_timeout, c);
}

/* A complete head is in w->req: decide the response. */
static void
conn_request(struct conn *c)
{
	struct worker		*w = c->w;
	struct http_request	*req = &w->req;
	const char		*eol;

	c->consumed = req->header_len;
	eol = memchr(req->method.p, '\n', req->header_len -
	    (size_t)(req->method.p - c->rbuf));
	c->req_line.set = 1;
	c->req_line.off = (size_t)(req->method.p - c->rbuf);
	c->req_line.len = (size_t)(eol - req->method.p);
	if (c->req_line.len > 0 && req->method.p[c->req_line.len - 1] == '\r')
		c->req_line.len--;
	span_set(&c->referer, c, req->referer);
	span_set(&c->user_agent, c, req->user_agent);
	span_set(&c->path, c, req->path);
	c->version = req->version;
	c->head_only = req->method_id == HTTP_M_HEAD;
	c->keep_alive = req->keep_alive && !w->draining &&
	    c->nrequests + 1 < (unsigned long long)w->conf->limits.
	    keepalive_requests;
	if (conn_wbuf(c) == -1) {
		conn_close(c);
		return;
	}
	c->nolog = 0;
	c->user[0] = '\0';
	/*
	 * Latency runs from the loop's wake-up with this request's bytes:
	 * no clock read of its own, and time spent on the connections
	 * served before it in the same iteration counts, as it does for
	 * the client.
	 */
	c->req_start = ev_now_us(w->loop);
	conn_remote_ip(c);
	if (w->sb_slot != NULL)
		sb_request_begin(w->sb_slot, w->sb_pend, c->rbuf +
		    c->req_line.off, c->req_line.len, c->client,
		    c->client_len, c->req_start);
	if (conn_body_begin(c) == -1)
		return;
	if (c->plain_on_tls) {
		conn_plain_on_tls(c);
		conn_body_expect(c);
		return;
	}
	if (w->conf->admin_set && conn_admin(c)) {
		conn_body_expect(c);
		return;
	}
	if (conn_is_health(c)) {
		conn_health(c);
		conn_body_expect(c);
		return;
	}
	if (conn_redirect_wanted(c)) {
		conn_redirect_https(c);
		conn_body_expect(c);
		return;
	}
	c->live = conf_live_path(w->conf, req->path.p, req->path.len);
	c->stream = 0;
	if (live_endpoint(w->conf, req->path.p, req->path.len) !=
	    LIVE_EP_NONE) {
		conn_live(c);
		conn_body_expect(c);
		return;
	}
	switch (req->method_id) {
	case HTTP_M_UNKNOWN:
		conn_error(c, 501, NULL);
		break;
	case HTTP_M_TRACE:
	case HTTP_M_CONNECT:
		conn_error(c, 405, "Allow: " ALLOW_STATIC "\r\n");
		break;
	case HTTP_M_OPTIONS:
		conn_options(c);
		break;
	default:
		if (req->form == HTTP_FORM_ASTERISK ||
		    req->form == HTTP_FORM_AUTHORITY)
			conn_error(c, 400, NULL);
		else
			conn_static(c);
		break;
	}
	conn_body_expect(c);
}

/* The head could not be parsed: answer and close. */
static void
conn_bad_request(struct conn *c, int status, const char *why)
{
	const char	*eol;
	size_t		 n = c->rlen;

	eol = memchr(c->rbuf, '\n', c->rlen);
	if (eol != NULL)
		n = (size_t)(eol - c->rbuf);
	if (n > 0 && c->rbuf[n - 1] == '\r')
		n--;
	c->req_line.set = 1;
	c->req_line.off = 0;
	c->req_line.len = n;
	c->consumed = c->rlen;
	c->keep_alive = 0;
	c->linger = 1;
	c->head_only = 0;
	c->live = 0;		/* no parsed path to match a prefix */
	log_client(LOG_INFO, c->logname, "%d: %s", status, why);
	conn_error(c, status, NULL);
}

/* ---------------------------------------------------------- I/O */

int
conn_fill(struct conn *c)
{
	size_t	 max = head_max(c->w), space;
	ssize_t	 n;
	char	*p;

	for (;;) {
		if (c->rcap == 0) {
			if ((c->rbuf = buf_get(c->w->rpool, &c->w->nrpool,
			    READ_BUF_SIZE)) == NULL)
				return -1;
			c->rcap = READ_BUF_SIZE;
		} else if (c->rlen == c->rcap) {
			if (c->rcap >= max)
				return 1;	/* full: the parser decides */
			c->rcap = c->rcap * 2 > max ? max : c->rcap * 2;
			if ((p = realloc(c->rbuf, c->rcap)) == NULL)
				return -1;
			c->rbuf = p;
		}
		space = c->rcap - c->rlen;
		n = conn_recv(c, c->rbuf + c->rlen, space);
		if (n > 0) {
			c->rlen += (size_t)n;
			/*
			 * A short read emptied the socket: skip the read that
			 * would only say EAGAIN.  The loop is level-triggered,
			 * so later bytes (or EOF) wake us again; but bytes
			 * OpenSSL already holds would not.
			 */
			if ((size_t)n < space && (c->ssl == NULL ||
			    !tls_pending(c->ssl)))
				return 0;
			continue;
		}
		if (n == 0)
			return -1;	/* EOF */
		if (errno == EAGAIN || errno == EWOULDBLOCK) {
			/* TLS 1.3 may need to write to go on reading */
			if (c->ssl != NULL && c->tls_want == EV_WRITE &&
			    ev_mod(c->w->loop, c->fd, EV_READ | EV_WRITE) == -1)
				return -1;
			return 0;
		}
		if (errno != EINTR)
			return -1;
	}
}

/* Parse what we have.  NEXT: a response is ready to send. */
static enum step
conn_step_head(struct conn *c)
{
	struct worker		*w = c->w;
	enum http_parse_result	 r;

	/* pipelined requests OpenSSL holds: epoll will not say so */
	if (c->ssl != NULL && c->rlen < c->rcap && tls_pending(c->ssl) &&
	    conn_fill(c) == -1 && c->rlen == 0)
		return STEP_AGAIN;
	if (c->rlen == 0)
		return STEP_AGAIN;
	r = http_parse_request(c->rbuf, c->rlen, c->rprev, &w->limits,
	    &w->req);
	if (r == HTTP_PARSE_AGAIN) {
		if (c->rlen >= head_max(w)) {
			conn_bad_request(c, 431, "request head too large");
			return c->state == CONN_FREE ? STEP_CLOSED : STEP_NEXT;
		}
		c->rprev = c->rlen;
		return STEP_AGAIN;
	}
	c->rprev = 0;
	if (r == HTTP_PARSE_ERROR)
		conn_bad_request(c, w->req.status, w->req.error);
	else
		conn_request(c);
	return c->state == CONN_FREE ? STEP_CLOSED : STEP_NEXT;
}

/* Bytes past the head count as body for the log's %b. */
static void
conn_sent(struct conn *c, size_t n)
{
	if (c->woff < c->whead) {
		size_t	head = c->whead - c->woff;

		c->body_sent += n > head ? n - head : 0;
	} else
		c->body_sent += n;
	c->woff += n;
}

/* multipart/byteranges: queue the next part's header, or the end. */
static int
conn_next_part(struct conn *c)
{
	struct conn_parts	*mp = c->parts;
	int			 len;

	if (mp == NULL || mp->end_sent)
		return 0;
	c->woff = c->wlen = c->whead = 0;
	if (mp->next < mp->n) {
		len = range_multipart_part(c->wbuf, WBUF_SIZE, mp->boundary,
		    mp->type, &mp->r[mp->next], mp->size);
		c->foff = (off_t)mp->r[mp->next].first;
		c->fend = (off_t)mp->r[mp->next].last + 1;
		mp->next++;
	} else {
		len = range_multipart_end(c->wbuf, WBUF_SIZE, mp->boundary);
		mp->end_sent = 1;
	}
	if (len < 0)
		return -1;
	c->wlen = (size_t)len;
	return 1;
}

static size_t
min_size(size_t a, size_t b)
{
	return a < b ? a : b;
}

/*
 * Over TLS: each write is one record of up to 16 KiB, gathered from
 * the head, a body in memory and the file, so a small response is one
 * record and one write.  After "would block" OpenSSL wants the same
 * bytes again: the offsets have not moved, so the next call gathers
 * them again.  With kernel TLS the file goes out by sendfile.
 */
static enum step
conn_step_write_tls(struct conn *c)
{
	char	*buf = c->w->tls_buf;
	size_t	 n, hn, mn, k;
	ssize_t	 r;

	for (;;) {
		if (c->woff == c->wlen && c->moff == c->mlen &&
		    c->ffd != -1 && c->foff < c->fend &&
		    tls_can_sendfile(c->ssl)) {
			r = tls_sendfile(c->ssl, c->ffd, c->foff, min_size(
			    (size_t)(c->fend - c->foff), SENDFILE_CHUNK),
			    &c->tls_want);
			if (r <= 0)
				return r == -1 && errno == EAGAIN ? STEP_AGAIN :
				    STEP_CLOSED;
			c->foff += r;
			c->body_sent += (uint64_t)r;
			continue;
		}
		/* no body in memory: mbody is NULL, not a source for memcpy */
		hn = min_size(c->wlen - c->woff, TLS_RECORD_MAX);
		if (hn > 0)
			memcpy(buf, c->wbuf + c->woff, hn);
		mn = min_size(c->mlen - c->moff, TLS_RECORD_MAX - hn);
		if (mn > 0)
			memcpy(buf + hn, c->mbody + c->moff, mn);
		n = hn + mn;
		if (c->ffd != -1 && c->foff < c->fend && n < TLS_RECORD_MAX) {
			r = pread(c->ffd, buf + n, min_size((size_t)(c->fend -
			    c->foff), TLS_RECORD_MAX - n), c->foff);
			if (r <= 0) {
				log_client(LOG_WARNING, c->logname, "file %s "
				    "while being sent", r == 0 ? "truncated" :
				    "unreadable");
				return STEP_CLOSED;
			}
			n += (size_t)r;
		}
		if (n == 0) {
			switch (conn_next_part(c)) {
			case 0:
				return STEP_NEXT;
			case -1:
				return STEP_CLOSED;
			}
			continue;
		}
		c->tls_want = 0;
		if ((r = tls_write(c->ssl, buf, n, &c->tls_want)) == -1)
			return errno == EAGAIN ? STEP_AGAIN : STEP_CLOSED;
		k = (size_t)r;
		conn_sent(c, min_size(k, hn));
		k -= min_size(k, hn);
		c->moff += min_size(k, mn);
		c->body_sent += min_size(k, mn);
		k -= min_size(k, mn);
		c->foff += (off_t)k;
		c->body_sent += k;
	}
}

static enum step
conn_step_write(struct conn *c)
{
	ssize_t	n;
	size_t	chunk;
	int	more;

	if (c->ssl != NULL)
		return conn_step_write_tls(c);
	for (;;) {
		/* head and a body in memory: one writev, no MSG_MORE dance */
		while (c->woff < c->wlen && c->moff < c->mlen) {
			struct iovec	iov[2];
			struct msghdr	msg;
			size_t		head = c->wlen - c->woff;

			iov[0].iov_base = c->wbuf + c->woff;
			iov[0].iov_len = head;
			iov[1].iov_base = c->mbody + c->moff;
			iov[1].iov_len = c->mlen - c->moff;
			memset(&msg, 0, sizeof(msg));
			msg.msg_iov = iov;
			msg.msg_iovlen = 2;
			if ((n = sendmsg(c->fd, &msg, MSG_NOSIGNAL)) == -1) {
				if (errno == EAGAIN || errno == EINTR)
					return STEP_AGAIN;
				return STEP_CLOSED;
			}
			if ((size_t)n <= head)
				conn_sent(c, (size_t)n);
			else {
				conn_sent(c, head);
				c->moff += (size_t)n - head;
				c->body_sent += (uint64_t)n - head;
			}
		}
		while (c->woff < c->wlen) {
			more = c->ffd != -1 || c->parts != NULL ||
			    c->moff < c->mlen;
			n = send(c->fd, c->wbuf + c->woff, c->wlen - c->woff,
			    MSG_NOSIGNAL | (more ? MSG_MORE : 0));
			if (n == -1) {
				if (errno == EAGAIN || errno == EINTR)
					return STEP_AGAIN;
				return STEP_CLOSED;
			}
			conn_sent(c, (size_t)n);
		}
		while (c->moff < c->mlen) {
			n = send(c->fd, c->mbody + c->moff, c->mlen - c->moff,
			    MSG_NOSIGNAL);
			if (n == -1) {
				if (errno == EAGAIN || errno == EINTR)
					return STEP_AGAIN;
				return STEP_CLOSED;
			}
			c->moff += (size_t)n;
			c->body_sent += (uint64_t)n;
		}
		while (c->ffd != -1 && c->foff < c->fend) {
			chunk = c->fend - c->foff > SENDFILE_CHUNK ?
			    SENDFILE_CHUNK : (size_t)(c->fend - c->foff);
			n = sendfile(c->fd, c->ffd, &c->foff, chunk);
			if (n == -1) {
				if (errno == EAGAIN || errno == EINTR)
					return STEP_AGAIN;
				return STEP_CLOSED;
			}
			if (n == 0) {
				/* the file shrank: the length was a lie */
				log_client(LOG_WARNING, c->logname, "file "
				    "truncated while being sent");
				return STEP_CLOSED;
			}
			c->body_sent += (uint64_t)n;
			/*
			 * A short write filled the socket: skip the call that
			 * would only say EAGAIN.  EPOLLOUT (or a shrunk file's
			 * 0 on the next call) comes round again.
			 */
			if ((size_t)n < chunk)
				return STEP_AGAIN;
		}
		switch (conn_next_part(c)) {
		case 0:
			return STEP_NEXT;
		case -1:
			return STEP_CLOSED;
		}
	}
}

static void
conn_linger(struct conn *c)
{
	if (c->ssl != NULL)
		tls_shutdown(c->ssl);
	shutdown(c->fd, SHUT_WR);
	c->linger_read = 0;
	conn_set_state(c, CONN_LINGER);
	ev_timer(c->w->loop, &c->tmr, LINGER_MS, conn_timeout, c);
}

/* The response is out: log it, then close or wait for the next one. */
static void
conn_finish(struct conn *c)
{
	struct worker	*w = c->w;

	if (c->stream) {	/* logged when it closes */
		conn_stream(c);
		return;
	}
	conn_release_file(c);
	free(c->parts);
	c->parts = NULL;
	conn_release_mbody(c);
	conn_log_access(c);
	c->nrequests++;
	if (!c->keep_alive) {
		if (c->linger)
			conn_linger(c);
		else
			conn_close(c);
		return;
	}
	memmove(c->rbuf, c->rbuf + c->consumed, c->rlen - c->consumed);
	c->rlen -= c->consumed;
	c->consumed = 0;
	c->rprev = 0;
	memset(&c->req_line, 0, sizeof(c->req_line));
	memset(&c->referer, 0, sizeof(c->referer));
	memset(&c->user_agent, 0, sizeof(c->user_agent));
	memset(&c->path, 0, sizeof(c->path));
	c->wlen = c->woff = 0;
	if (c->rlen > 0 || (c->ssl != NULL && tls_pending(c->ssl))) {
		/* pipelined */
		conn_set_state(c, CONN_HEAD);
		c->head_deadline = ev_now(w->loop) +
		    w->conf->timeouts.header * 1000;
		conn_arm(c, w->conf->timeouts.header);
		return;
	}
	/* an idle connection keeps no buffers: it costs only its struct */
	conn_release_buffers(c);
	conn_set_state(c, CONN_IDLE);
	c->idle_since = ev_now(w->loop);
	conn_arm(c, w->conf->timeouts.keepalive);
}

static void
conn_run(struct conn *c)
{
	enum step	s;

	for (;;) {
		switch (c->state) {
		case CONN_HEAD:
			if ((s = conn_step_head(c)) != STEP_NEXT)
				return;
			if (c->state == CONN_FREE)
				return;
			c->woff = 0;
			if (c->state == CONN_CGI) {
				cgi_resume(c);
				return;
			}
			if (c->state == CONN_BODY) {
				conn_arm(c, c->w->conf->timeouts.body);
				break;
			}
			/* try to send at once; wait for EPOLLOUT only if full */
			c->state = CONN_WRITE;
			conn_arm(c, c->w->conf->timeouts.send);
			break;
		case CONN_BODY:
			switch (conn_body_consume(c)) {
			case 0:
				conn_arm(c, c->w->conf->timeouts.body);
				return;
			case 1:
				c->state = CONN_WRITE;
				break;
			}
			conn_arm(c, c->w->conf->timeouts.send);
			break;
		case CONN_WRITE:
			s = conn_step_write(c);
			if (s == STEP_AGAIN) {
				/* the send timeout runs between progress */
				conn_set_state(c, CONN_WRITE);
				conn_arm(c, c->w->conf->timeouts.send);
				return;
			}
			if (s == STEP_CLOSED) {
				c->keep_alive = 0;
				conn_log_access(c);
				conn_close(c);
				return;
			}
			conn_finish(c);
			if (c->state != CONN_HEAD)
				return;
			break;
		default:
			return;
		}
	}
}

static void
conn_linger_read(struct conn *c)
{
	char	buf[4096];
	ssize_t	n;

	while ((n = read(c->fd, buf, sizeof(buf))) > 0)
		if ((c->linger_read += (size_t)n) > LINGER_MAX_BYTES)
			break;
	if (n == -1 && (errno == EAGAIN || errno == EINTR) &&
	    c->linger_read <= LINGER_MAX_BYTES)
		return;
	conn_close(c);
}

/* Readable, waiting for a request (or the rest of its head). */
static void
conn_read_event(struct conn *c)
{
	struct ev_loop	*loop = c->w->loop;
	int		 rc;

	/* it had to wait to write (conn_fill): back to reading */
	if (c->ssl != NULL && c->tls_want == EV_WRITE &&
	    ev_mod(loop, c->fd, EV_READ) == -1) {
		conn_close(c);
		return;
	}
	rc = conn_fill(c);
	if (rc == -1 && c->rlen == 0) {
		conn_close(c);		/* closed between requests */
		return;
	}
	if (c->state == CONN_IDLE && c->rlen > 0) {
		c->state = CONN_HEAD;
		c->head_deadline = ev_now(loop) +
		    c->w->conf->timeouts.header * 1000;
		conn_arm(c, c->w->conf->timeouts.header);
	}
	conn_run(c);
	/* EOF mid-head: whatever we could answer has been sent */
	if (rc == -1 && c->state == CONN_HEAD)
		conn_close(c);
}

void
conn_event(struct ev_loop *loop, int fd, int events, void *arg)
{
	struct conn	*c = arg;
	int		 rc, done;

	switch (c->state) {
	case CONN_TLS:
		if (c->ssl == NULL)
			conn_tls_begin(c);
		else
			conn_tls_handshake(c);
		break;
	case CONN_PROXY:
		rc = conn_fill(c);
		if (rc == -1 && c->rlen == 0) {
			conn_close(c);
			return;
		}
		if ((done = conn_proxy(c)) == -1)
			return;
		if (done == 0) {
			if (rc == -1)	/* closed before the header was whole */
				conn_close(c);
			return;
		}
		if (c->state == CONN_TLS) {
			if (rc == -1 && c->rlen == 0)
				conn_close(c);
			else
				conn_tls_begin(c);
			return;
		}
		conn_run(c);
		if (rc == -1 && c->state == CONN_HEAD)
			conn_close(c);
		break;
	case CONN_CGI:
		cgi_conn_event(c, events);
		break;
	case CONN_BODY:
		rc = conn_fill(c);
		conn_run(c);
		if (rc == -1 && c->state == CONN_BODY) {
			log_client(LOG_INFO, c->logname, "client closed the "
			    "connection during the request body");
			conn_close(c);
		}
		break;
	case CONN_IDLE:
	case CONN_HEAD:
		conn_read_event(c);
		break;
	case CONN_WRITE:
		conn_run(c);
		break;
	case CONN_LINGER:
		conn_linger_read(c);
		break;
	case CONN_STREAM:
		live_stream_event(c, events);
		break;
	case CONN_FREE:
		break;
	}
	(void)loop;
	(void)fd;
	(void)events;
}

static void
conn_timeout(struct ev_loop *loop, struct ev_tmr *t, void *arg)
{
	struct conn	*c = arg;

	(void)loop;
	(void)t;
	switch (c->state) {
	case CONN_HEAD:
		if (c->rlen == 0) {
			conn_close(c);
			return;
		}
		/* a client trickling its head: 408 and close */
		c->rprev = 0;
		conn_bad_request(c, 408, "request head timed out");
		if (c->state != CONN_FREE) {
			c->state = CONN_WRITE;
			conn_arm(c, c->w->conf->timeouts.send);
			conn_run(c);
		}
		return;
	case CONN_BODY:
		conn_body_error(c, 408, "request body timed out");
		conn_arm(c, c->w->conf->timeouts.send);
		conn_run(c);
		return;
	case CONN_CGI:
		cgi_conn_timeout(c);
		return;
	case CONN_WRITE:
		log_client(LOG_INFO, c->logname, "send timed out after %d s",
		    c->w->conf->timeouts.send);
		conn_log_access(c);
		conn_close(c);
		return;
	case CONN_STREAM:
		live_stream_ping(c);
		if (c->state == CONN_STREAM)
			ev_timer(loop, t, LIVE_PING_MS, conn_timeout, c);
		return;
	case CONN_TLS:
		log_client(LOG_INFO, c->logname, "TLS handshake timed out "
		    "after %d s", c->w->conf->tls.handshake_timeout);
		if (c->w->sb_slot != NULL)
			sb_tls_handshake(c->w->sb_slot, 0, 0);
		conn_close(c);
		return;
	default:
		conn_close(c);
		return;
	}
}

/* ---------------------------------------------------------- CGI hooks */

/* The body is not all read: the connection cannot carry another request. */
static void
conn_cgi_unread(struct conn *c)
{
	if (c->body_left == 0 && !c->body_chunked)
		return;
	c->keep_alive = 0;
	c->linger = 1;
	c->body_left = 0;
	c->body_chunked = 0;
}

/* Answer now with what wbuf holds, as for any other response. */
static void
conn_cgi_send(struct conn *c)
{
	c->body_held = 0;
	c->state = CONN_WRITE;
	conn_arm(c, c->w->conf->timeouts.send);
	conn_run(c);
}

/* The script failed before its head went out (502, 504). */
void
conn_cgi_error(struct conn *c, int status)
{
	conn_cgi_unread(c);
	conn_error(c, status, NULL);
	conn_cgi_send(c);
}

/* The script's response is all sent: log it, then the next request. */
void
conn_cgi_done(struct conn *c)
{
	conn_cgi_unread(c);
	c->body_held = 0;
	c->state = CONN_WRITE;
	conn_finish(c);
	if (c->state == CONN_HEAD)
		conn_run(c);
}

/*
 * A local redirect (RFC 3875 section 6.2.2) to a static file: served
 * here as a GET of that path.  Anything else (a query, a script, a
 * directory, a template, a missing file) is left to the caller's 302.
 */
int
conn_cgi_local(struct conn *c, const char *loc)
{
	struct resp_buf	 b;
	struct file_res	 res;
	const char	*err;
	char		*path;
	size_t		 len = strlen(loc);

	if (strchr(loc, '?') != NULL || strchr(loc, '#') != NULL ||
	    (path = malloc(len + 1)) == NULL)
		return -1;
	if (path_normalize(loc, len, path, &err) == -1 ||
	    path_has_dotfile(path) || cgi_lookup(c->w->conf, path) != NULL ||
	    gen_is_template(c->w, path)) {
		free(path);
		return -1;
	}
	file_open(c->w, path, &res);
	free(path);
	if (res.status != 200)
		return -1;
	conn_cgi_unread(c);
	if (conn_wbuf(c) == -1) {
		close(res.fd);
		conn_close(c);
		return 0;
	}
	resp_begin(c, &b, 200);
	conn_file_body(c, &b, res.fd, &res.st, res.type);
	conn_cgi_send(c);
	return 0;
}

/* The client went away or the script overran after its head: close. */
void
conn_cgi_abort(struct conn *c)
{
	c->keep_alive = 0;
	conn_log_access(c);
	conn_close(c);
}
