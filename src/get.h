/*
 * hearth-get: a small HTTP/1.1 client.  Shared declarations of the
 * connection, exchange, load and check modules.
 */
#ifndef HEARTH_GET_H
#define HEARTH_GET_H

#include <stddef.h>
#include <stdint.h>

#include "http_resp.h"

#ifndef PACKAGE_VERSION
#define PACKAGE_VERSION		"0.1.0"
#endif

#define GET_BUF_SIZE		(256 * 1024)	/* read buffer per connection */
#define GET_MAX_REDIRS		10	/* default -L hop limit */
#define GET_MAX_INTERIM		32	/* 1xx responses before the final one */
#define GET_IDLE_MS		120000	/* cap on any one wait */
#define GET_LOAD_TIMEOUT	30.0	/* default --timeout in load mode */
#define GET_CHECK_MAX_BODY	(64 * 1024 * 1024)
#define GET_ERRLEN		512
#define GET_LOAD_MAX_CONNS	1000	/* -c ceiling: each has a buffer */
#define GET_LOAD_BUF		(RESP_MAX_HEAD + 16384)

/* Exit statuses; the numbers follow curl(1) where curl has one. */
enum get_exit {
	GET_OK = 0,
	GET_E_CHECK = 1,	/* --check found a FAIL; load mode had errors */
	GET_E_USAGE = 2,
	GET_E_PROTOCOL = 3,	/* redirect to a scheme we do not speak */
	GET_E_RESOLVE = 6,
	GET_E_CONNECT = 7,
	GET_E_MALFORMED = 8,
	GET_E_PARTIAL = 18,	/* connection ended inside the body */
	GET_E_HTTP = 22,	/* --fail and status >= 400 */
	GET_E_WRITE = 23,
	GET_E_READ = 26,	/* -d @FILE unreadable */
	GET_E_TIMEOUT = 28,
	GET_E_REDIRS = 47,
	GET_E_EMPTY = 52,	/* closed before any byte of a response */
	GET_E_SEND = 55,
	GET_E_RECV = 56
};

struct get_err {
	int		 code;		/* enum get_exit */
	int		 quiet;		/* do not print: a FAIL already did */
	char		 msg[GET_ERRLEN];
};

struct get_timing {
	int64_t		 start;		/* ns, CLOCK_MONOTONIC */
	int64_t		 dns;		/* ns since start; 0 if reused */
	int64_t		 connect;
	int64_t		 ttfb;
	int64_t		 total;
};

struct get_conn {
	int		 fd;		/* -1 when closed */
	char		*buf;
	size_t		 size;
	size_t		 off;		/* unread: buf[off, off + len) */
	size_t		 len;
	unsigned	 nreq;		/* responses read on this connection */
	char		 addr[64];	/* numeric peer, for -v */
};

struct get_resp {
	struct http_response r;		/* spans into head */
	char		 head[RESP_MAX_HEAD];
	size_t		 head_len;
	enum resp_body	 kind;
	uint64_t	 body_len;	/* body bytes delivered */
	int		 started;	/* some byte of a response arrived */
};

/* Where a response goes.  Callbacks return 0, or -1 with err filled. */
struct get_sink {
	int		(*head)(void *, const struct get_resp *, int interim,
			    struct get_err *);
	int		(*body)(void *, const char *, size_t, struct get_err *);
	void		*arg;
};

/* One request, as get_request_build() turns it into bytes. */
struct get_request {
	const char	*method;
	const char	*path;
	const char	*host;
	const char	*port;
	char *const	*headers;	/* "Name: value" from -H */
	size_t		 nheaders;
	const char	*body;		/* NULL: no body */
	size_t		 body_len;
};

void	 get_err_set(struct get_err *, int, const char *, ...)
	    __attribute__((format(printf, 3, 4)));
int64_t	 get_now(void);
int64_t	 get_deadline(double seconds);

/* get_conn.c */
int	 get_conn_init(struct get_conn *, struct get_err *);
void	 get_conn_free(struct get_conn *);
void	 get_conn_close(struct get_conn *);
int	 get_conn_open(struct get_conn *, const char *, const char *,
	    int64_t, struct get_timing *, struct get_err *);
int	 get_conn_send(struct get_conn *, const char *, size_t, int64_t,
	    struct get_err *);
long	 get_conn_fill(struct get_conn *, int64_t, struct get_err *);
int	 get_wait_ms(int64_t);

/* get_http.c */
char	*get_request_build(const struct get_request *, size_t *);
int	 get_header_valid(const char *);
int	 get_read_response(struct get_conn *, int, struct get_resp *,
	    const struct get_sink *, int64_t, struct get_timing *,
	    struct get_err *);

/* get_load.c */
int	 get_load_run(const struct get_request *, const char *const *,
	    size_t, long, long, double);

/* get_check.c */
int	 get_check_run(const char *, const char *, const char *, double);

#endif
