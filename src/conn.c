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
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conn.h"
#include "date.h"
#include "file.h"
#include "hearth.h"
#include "log.h"
#include "logfmt.h"
#include "path.h"
#include "resp.h"
#include "worker.h"

#define LINGER_MS		2000	/* as Apache's MAX_SECS_TO_LINGER */
#define LINGER_MAX_BYTES	(64 * 1024)
#define SENDFILE_CHUNK		(1 << 20)
#define WBUF_SIZE		(RESP_HEAD_MAX + 1024)
#define ALLOW_STATIC		"GET, HEAD, OPTIONS"

enum step { STEP_AGAIN, STEP_NEXT, STEP_CLOSED };

static void	conn_event(struct ev_loop *, int, int, void *);
static void	conn_timeout(struct ev_loop *, struct ev_tmr *, void *);
static void	conn_run(struct conn *);
static void	conn_error(struct conn *, int status, const char *extra);

static size_t
head_max(const struct worker *w)
{
	/* request line, CRLF, headers, final CRLF, and some blank lines */
	return w->limits.request_line + w->limits.headers_total + 64;
}

static void
conn_arm(struct conn *c, int seconds)
{
	ev_timer(c->w->loop, &c->tmr, seconds * 1000, conn_timeout, c);
}

static void
conn_set_state(struct conn *c, enum conn_state st)
{
	int	mask = st == CONN_WRITE ? EV_WRITE : EV_READ;

	c->state = st;
	if (ev_mod(c->w->loop, c->fd, mask) == -1)
		log_warn("epoll_ctl on client %s", c->client);
}

void
conn_accept(struct worker *w, int fd, const struct sockaddr *sa,
    socklen_t salen)
{
	struct conn	*c;
	int		 on = 1;

	if ((c = w->free_conns) == NULL) {
		static const char busy[] = "HTTP/1.1 503 Service Unavailable"
		    "\r\nRetry-After: 1\r\nContent-Length: 0\r\n"
		    "Connection: close\r\n\r\n";

		/* a fast, polite no rather than a silent drop */
		if (send(fd, busy, sizeof(busy) - 1, MSG_NOSIGNAL |
		    MSG_DONTWAIT) == -1) {
			/* the client is gone; nothing to tell */
		}
		close(fd);
		return;
	}
	w->free_conns = c->next_free;
	memset(c, 0, sizeof(*c));
	c->w = w;
	c->fd = fd;
	c->ffd = -1;
	w->nconns++;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
	if (sa->sa_family == AF_INET6 && IN6_IS_ADDR_V4MAPPED(
	    &((const struct sockaddr_in6 *)sa)->sin6_addr)) {
		const struct sockaddr_in6	*s6 = (const void *)sa;

		inet_ntop(AF_INET, &s6->sin6_addr.s6_addr[12], c->client,
		    sizeof(c->client));
		snprintf(c->client_port, sizeof(c->client_port), "%u",
		    ntohs(s6->sin6_port));
	} else if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6	*s6 = (const void *)sa;

		inet_ntop(AF_INET6, &s6->sin6_addr, c->client,
		    sizeof(c->client));
		snprintf(c->client_port, sizeof(c->client_port), "%u",
		    ntohs(s6->sin6_port));
	} else {
		const struct sockaddr_in	*s4 = (const void *)sa;

		inet_ntop(AF_INET, &s4->sin_addr, c->client,
		    sizeof(c->client));
		snprintf(c->client_port, sizeof(c->client_port), "%u",
		    ntohs(s4->sin_port));
	}
	(void)salen;
	if (ev_add(w->loop, fd, EV_READ, conn_event, c) == -1) {
		log_warn("epoll_ctl add for client %s", c->client);
		c->state = CONN_HEAD;
		conn_close(c);
		return;
	}
	c->state = CONN_HEAD;
	c->head_deadline = ev_now(w->loop) + w->conf->timeouts.header * 1000;
	conn_arm(c, w->conf->timeouts.header);
	/* TCP_DEFER_ACCEPT: the request is most likely here already */
	conn_event(w->loop, fd, EV_READ, c);
}

void
conn_close(struct conn *c)
{
	struct worker	*w = c->w;

	if (c->state == CONN_FREE)
		return;
	ev_timer_cancel(&c->tmr);
	ev_del(w->loop, c->fd);
	close(c->fd);
	if (c->ffd != -1)
		close(c->ffd);
	free(c->rbuf);
	free(c->wbuf);
	c->rbuf = c->wbuf = NULL;
	c->state = CONN_FREE;
	c->next_free = w->free_conns;
	w->free_conns = c;
	w->nconns--;
	worker_conn_closed(w);
}

void
conn_drain(struct conn *c)
{
	if (c->state == CONN_IDLE || (c->state == CONN_HEAD && c->rlen == 0))
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

static void
conn_log_access(struct conn *c)
{
	struct worker		*w = c->w;
	struct logfmt_entry	 e;
	char			 line[LOGFMT_LINE_MAX];

	if (w->access_fd == -1)
		return;
	worker_update_dates(w);
	memset(&e, 0, sizeof(e));
	e.host = c->client;
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
	worker_access_log(w, line, logfmt_combined(line, &e));
}

/* ---------------------------------------------------------- responses */

static int
conn_wbuf(struct conn *c)
{
	if (c->wbuf == NULL && (c->wbuf = malloc(WBUF_SIZE)) == NULL)
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
}

static void
resp_connection(struct conn *c, struct resp_buf *b)
{
	if (!c->keep_alive)
		resp_str(b, "Connection: close\r\n");
	else if (c->w->req.version == 10)
		resp_str(b, "Connection: keep-alive\r\n");
}

static void
conn_send_file(struct conn *c, int status, int fd, const struct stat *st,
    const char *type)
{
	struct resp_buf	b;
	char		lm[DATE_HTTP_LEN + 1];

	resp_begin(c, &b, status);
	resp_header(&b, "Content-Type", type);
	resp_fmt(&b, "Content-Length: %lld\r\n", (long long)st->st_size);
	if (status == 200) {	/* not for an error page's own file */
		date_http(st->st_mtime, lm);
		resp_header(&b, "Last-Modified", lm);
	}
	resp_connection(c, &b);
	resp_add(&b, "\r\n", 2);
	c->wlen = b.len;
	if (c->head_only || st->st_size == 0) {
		close(fd);
		return;
	}
	c->ffd = fd;
	c->foff = 0;
	c->fend = st->st_size;
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
		log_client(LOG_WARNING, c->client, "error page %s for %d: %s",
		    conf->error_pages[i].path, status, res.error ?
		    strerror(res.error) : resp_reason(res.status));
		return -1;
	}
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
	char		 body[1024];
	size_t		 blen;

	if (conn_wbuf(c) == -1) {
		conn_close(c);
		return;
	}
	if (extra == NULL && conn_error_page(c, status) == 0)
		return;
	blen = resp_error_body(status, body, sizeof(body));
	resp_begin(c, &b, status);
	if (extra != NULL)
		resp_str(&b, extra);
	resp_str(&b, "Content-Type: text/html; charset=utf-8\r\n");
	resp_fmt(&b, "Content-Length: %zu\r\n", blen);
	resp_connection(c, &b);
	resp_add(&b, "\r\n", 2);
	if (!c->head_only)
		resp_add(&b, body, blen);
	c->wlen = b.len;
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

static void
conn_redirect_slash(struct conn *c, const char *path)
{
	struct http_request	*req = &c->w->req;
	struct resp_buf		 b;
	char			 body[1024], extra[RESP_HEAD_MAX / 2];
	size_t			 blen;
	struct resp_buf		 loc;

	resp_init(&loc, extra, sizeof(extra) - 1);
	resp_str(&loc, "Location: ");
	resp_path(&loc, path);
	resp_add(&loc, "/", 1);
	if (req->query.p != NULL) {
		resp_add(&loc, "?", 1);
		resp_add(&loc, req->query.p, req->query.len);
	}
	resp_add(&loc, "\r\n", 2);
	if (loc.overflow) {
		conn_error(c, 414, NULL);
		return;
	}
	extra[loc.len] = '\0';
	blen = resp_error_body(301, body, sizeof(body));
	resp_begin(c, &b, 301);
	resp_str(&b, extra);
	resp_str(&b, "Content-Type: text/html; charset=utf-8\r\n");
	resp_fmt(&b, "Content-Length: %zu\r\n", blen);
	resp_connection(c, &b);
	resp_add(&b, "\r\n", 2);
	if (!c->head_only)
		resp_add(&b, body, blen);
	if (b.overflow) {
		conn_error(c, 414, NULL);
		return;
	}
	c->wlen = b.len;
}

static void
conn_options(struct conn *c)
{
	struct resp_buf	b;

	resp_begin(c, &b, 200);
	resp_str(&b, "Allow: " ALLOW_STATIC "\r\nContent-Length: 0\r\n");
	resp_connection(c, &b);
	resp_add(&b, "\r\n", 2);
	c->wlen = b.len;
}

/* GET and HEAD of a static file, and the 405 for other methods on one. */
static void
conn_static(struct conn *c)
{
	struct http_request	*req = &c->w->req;
	struct file_res		 res;
	const char		*err;
	char			*path;
	long			 plen;

	if ((path = malloc(req->path.len + 1)) == NULL) {
		conn_error(c, 503, NULL);
		return;
	}
	if ((plen = path_normalize(req->path.p, req->path.len, path, &err))
	    == -1) {
		log_client(LOG_INFO, c->client, "bad path: %s", err);
		c->keep_alive = 0;
		conn_error(c, 400, NULL);
		goto done;
	}
	if (path_has_dotfile(path)) {
		conn_error(c, 404, NULL);
		goto done;
	}
	file_open(c->w, path, &res);
	if (res.status == 200 && req->method_id != HTTP_M_GET &&
	    req->method_id != HTTP_M_HEAD) {
		close(res.fd);
		conn_error(c, 405, "Allow: " ALLOW_STATIC "\r\n");
	} else if (res.status == 200)
		conn_send_file(c, 200, res.fd, &res.st, res.type);
	else if (res.status == 301)
		conn_redirect_slash(c, path);
	else {
		if (res.status >= 500)
			log_client(LOG_ERR, c->client, "%s: %s", path,
			    strerror(res.error));
		conn_error(c, res.status, NULL);
	}
done:
	free(path);
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
	c->head_only = req->method_id == HTTP_M_HEAD;
	c->keep_alive = req->keep_alive && !w->draining &&
	    c->nrequests + 1 < (unsigned long long)w->conf->limits.
	    keepalive_requests;
	/*
	 * Static files take no body.  Rather than read one only to throw
	 * it away, answer and close; the lingering close lets the client
	 * read our answer before it sees a reset.
	 */
	if (req->content_length > 0 || req->chunked) {
		c->keep_alive = 0;
		c->linger = 1;
	}
	if (conn_wbuf(c) == -1) {
		conn_close(c);
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
	log_client(LOG_INFO, c->client, "%d: %s", status, why);
	conn_error(c, status, NULL);
}

/* ---------------------------------------------------------- I/O */

static int
conn_fill(struct conn *c)
{
	size_t	 max = head_max(c->w);
	ssize_t	 n;
	char	*p;

	for (;;) {
		if (c->rlen == c->rcap) {
			if (c->rcap >= max)
				return 1;	/* full: the parser decides */
			c->rcap = c->rcap ? c->rcap * 2 : READ_BUF_SIZE;
			if (c->rcap > max)
				c->rcap = max;
			if ((p = realloc(c->rbuf, c->rcap)) == NULL)
				return -1;
			c->rbuf = p;
		}
		n = read(c->fd, c->rbuf + c->rlen, c->rcap - c->rlen);
		if (n > 0) {
			c->rlen += (size_t)n;
			continue;
		}
		if (n == 0)
			return -1;	/* EOF */
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return 0;
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

static enum step
conn_step_write(struct conn *c)
{
	ssize_t	n;
	size_t	chunk;

	while (c->woff < c->wlen) {
		n = send(c->fd, c->wbuf + c->woff, c->wlen - c->woff,
		    MSG_NOSIGNAL | (c->ffd != -1 ? MSG_MORE : 0));
		if (n == -1) {
			if (errno == EAGAIN || errno == EINTR)
				return STEP_AGAIN;
			return STEP_CLOSED;
		}
		c->woff += (size_t)n;
	}
	while (c->ffd != -1 && c->foff < c->fend) {
		chunk = c->fend - c->foff > SENDFILE_CHUNK ? SENDFILE_CHUNK :
		    (size_t)(c->fend - c->foff);
		n = sendfile(c->fd, c->ffd, &c->foff, chunk);
		if (n == -1) {
			if (errno == EAGAIN || errno == EINTR)
				return STEP_AGAIN;
			return STEP_CLOSED;
		}
		if (n == 0) {
			/* the file shrank under us: the length was a lie */
			log_client(LOG_WARNING, c->client, "file truncated "
			    "while being sent");
			return STEP_CLOSED;
		}
		c->body_sent += (uint64_t)n;
	}
	return STEP_NEXT;
}

static void
conn_linger(struct conn *c)
{
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

	if (c->ffd != -1) {
		close(c->ffd);
		c->ffd = -1;
	}
	/* body bytes in wbuf (error pages, redirects) count as sent */
	if (c->body_sent == 0 && !c->head_only && c->wlen > 0) {
		const char	*end = memmem(c->wbuf, c->wlen, "\r\n\r\n", 4);

		if (end != NULL)
			c->body_sent = c->wlen - (size_t)(end + 4 - c->wbuf);
	}
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
	c->wlen = c->woff = 0;
	if (c->rlen > 0) {		/* pipelined */
		conn_set_state(c, CONN_HEAD);
		c->head_deadline = ev_now(w->loop) +
		    w->conf->timeouts.header * 1000;
		conn_arm(c, w->conf->timeouts.header);
		return;
	}
	/* an idle connection keeps no buffers: it costs only its struct */
	free(c->rbuf);
	free(c->wbuf);
	c->rbuf = c->wbuf = NULL;
	c->rcap = 0;
	conn_set_state(c, CONN_IDLE);
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
			/* try to send at once; wait for EPOLLOUT only if full */
			c->woff = 0;
			c->state = CONN_WRITE;
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

static void
conn_event(struct ev_loop *loop, int fd, int events, void *arg)
{
	struct conn	*c = arg;
	int		 rc;

	switch (c->state) {
	case CONN_IDLE:
	case CONN_HEAD:
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
		break;
	case CONN_WRITE:
		conn_run(c);
		break;
	case CONN_LINGER:
		conn_linger_read(c);
		break;
	case CONN_FREE:
		break;
	}
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
	case CONN_WRITE:
		log_client(LOG_INFO, c->client, "send timed out after %d s",
		    c->w->conf->timeouts.send);
		conn_log_access(c);
		conn_close(c);
		return;
	default:
		conn_close(c);
		return;
	}
}
