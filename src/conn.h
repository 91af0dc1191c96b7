/*
 * One client connection: read a request head, answer it, repeat while
 * keep-alive allows.
 */
#ifndef HEARTH_CONN_H
#define HEARTH_CONN_H

#include <sys/types.h>
#include <netinet/in.h>
#include <stdint.h>

#include "ev.h"
#include "http_parse.h"
#include "range.h"

struct cgi;
struct worker;
struct fcache_entry;
struct listener;
struct ssl_st;

enum conn_state {
	CONN_FREE = 0,
	CONN_PROXY,		/* reading a PROXY protocol header */
	CONN_TLS,		/* TLS handshake */
	CONN_IDLE,		/* keep-alive, waiting for a request */
	CONN_HEAD,		/* reading a request head */
	CONN_BODY,		/* reading (and discarding) a request body */
	CONN_WRITE,		/* sending a response */
	CONN_LINGER,		/* response sent; draining before close */
	CONN_STREAM,		/* /.hearth/live: events until it closes */
	CONN_CGI		/* a CGI script answers: cgi.c drives */
};

/* A span of the read buffer, by offset: the buffer may be reallocated. */
struct conn_span {
	size_t		 off;
	size_t		 len;
	int		 set;
};

#define CONN_MAX_RANGES	16

struct conn_parts {
	struct byte_range	 r[CONN_MAX_RANGES];
	size_t			 n, next;
	uint64_t		 size;
	int			 end_sent;
	char			 boundary[RANGE_BOUNDARY_LEN + 1];
	char			 type[128];
};

struct conn {
	struct conn		*next_free;
	struct worker		*w;
	int			 fd;
	enum conn_state		 state;
	struct ev_tmr		 tmr;

	/*
	 * HTTPS: tls is set for a TLS listener's connection; ssl once its
	 * handshake has begun.  plain_on_tls: it spoke plain HTTP instead,
	 * and gets a 400 that says so.  tls_want: what OpenSSL waits for
	 * (EV_READ or EV_WRITE) when it last said "would block".
	 */
	int			 tls;
	int			 plain_on_tls;
	int			 tls_want;
	struct ssl_st		*ssl;
	/*
	 * Three views of who is talking: the TCP peer; the connection's
	 * client (the PROXY header's source, else the peer); and this
	 * request's client (X-Forwarded-For from a trusted peer, else the
	 * connection's).  The last is %h, admin.allow and the scoreboard.
	 */
	struct sockaddr_storage	 peer_ss;
	char			 peer[64];
	struct sockaddr_storage	 conn_ss;
	char			 conn_client[64];
	struct sockaddr_storage	 client_ss;
	char			 client[64];	/* "addr" for %h */
	size_t			 client_len;	/* strlen(client) */
	char			 logname[144];	/* "client (via proxy)" */
	int			 climited;	/* counted in limits.per_client */
	char			 client_port[8];

	char			*rbuf;		/* request bytes */
	size_t			 rlen, rcap;
	size_t			 rprev;		/* bytes the parser has seen */
	uint64_t		 head_deadline;	/* ms; from the first byte */
	uint64_t		 idle_since;	/* ms; keep-alive wait began */
	unsigned		 nrequests;

	/* the request being answered */
	size_t			 consumed;	/* its bytes in rbuf */
	struct conn_span	 req_line, referer, user_agent;
	struct conn_span	 path;		/* raw, without the query */
	int			 version;	/* 10 or 11 */
	int			 head_only;	/* HEAD: no body */
	int			 keep_alive;
	int			 linger;	/* unread input may follow */
	int			 nolog;		/* no access-log line (health) */
	uint64_t		 req_start;	/* µs, monotonic, for latency */
	char			 user[64];	/* admin user, for %u */

	/* a request body we read and throw away (static files take none) */
	int			 body_chunked;
	struct http_chunked	 chunk;
	uint64_t		 body_left;	/* Content-Length still to come */
	uint64_t		 body_read;
	uint64_t		 body_start;	/* ms */
	/* CGI: the script, and decoded body bytes at rbuf + consumed */
	struct cgi		*cgi;
	size_t			 body_held;

	/* the response */
	char			*wbuf;		/* head, and small bodies */
	size_t			 wlen, woff;
	size_t			 whead;		/* head bytes at the start of wbuf */
	char			*mbody;		/* a body in memory, after wbuf */
	size_t			 mlen, moff;
	struct fcache_entry	*mref;		/* mbody is this entry's, not ours */
	int			 ffd;		/* body from a file, or -1 */
	struct fcache_entry	*fref;		/* ffd is this entry's, not ours */
	off_t			 foff, fend;
	/* multipart/byteranges: the parts after the current one */
	struct conn_parts	*parts;
	int			 status;
	uint64_t		 body_sent;
	size_t			 linger_read;

	/* a static file's coding and caching headers (issue 9) */
	const char		*var_path;	/* while conn_static() runs */
	const char		*var_type;	/* the file's, once known */

	/* live reload (live.c) */
	int			 live;		/* the path's HTML gets the script */
	int			 stream;	/* after the head: CONN_STREAM */
	struct conn		*snext, *sprev;	/* the worker's streams */
};

void	 conn_accept(struct worker *, int fd, const struct sockaddr *,
	    socklen_t, const struct listener *);
void	 conn_close(struct conn *);
/* Graceful stop: close if idle, else finish the current response. */
void	 conn_drain(struct conn *);

/*
 * For cgi.c, which drives a connection in CONN_CGI.  conn_fill() reads
 * what the client sent: 0 would block, 1 the buffer is full, -1 EOF or
 * error.  conn_body_take() decodes body bytes into c->body_held: 1 the
 * body is complete, 0 more to come, -1 *status and *why say what is
 * wrong.  The rest hand the connection back once the script is
 * detached (c->cgi == NULL): an error answer, a finished response, a
 * local redirect to a static file (-1: not one we serve internally), or
 * a close.
 */
void	 conn_event(struct ev_loop *, int fd, int events, void *arg);
void	 conn_arm(struct conn *, int seconds);
int	 conn_fill(struct conn *);
int	 conn_body_take(struct conn *, int *status, const char **why);
void	 conn_cgi_error(struct conn *, int status);
void	 conn_cgi_done(struct conn *);
int	 conn_cgi_local(struct conn *, const char *path);
void	 conn_cgi_abort(struct conn *);

/*
 * send() and recv() on the client, over TLS when it is an HTTPS
 * connection (cgi.c and live.c stream through these).  -1 with errno
 * EAGAIN when it would block.
 */
ssize_t	 conn_send(struct conn *, const void *, size_t);
ssize_t	 conn_recv(struct conn *, void *, size_t);

#endif
