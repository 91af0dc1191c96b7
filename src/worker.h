/*
 * A worker process: one epoll loop that accepts on the inherited
 * listeners and serves many connections.
 */
#ifndef HEARTH_WORKER_H
#define HEARTH_WORKER_H

#include <sys/types.h>
#include <time.h>

#include "conf.h"
#include "date.h"
#include "http_parse.h"
#include "hearth.h"
#include "listen.h"

struct conn;
struct ev_loop;
struct mime_table;
struct slog;
struct gen_cache;
struct fcache;
struct scoreboard;
struct climit;
struct sb_pending;
struct sb_slot;
struct htpasswd;

/* What the master hands a worker at fork time. */
struct worker_args {
	const struct config	*conf;
	struct listener		*listeners;
	int			 nlisteners;
	int			 generation;
	int			 ready_fd;	/* write our pid when serving; -1 */
	int			 access_fd;	/* -1: access log off */
	int			 tls_log_fd;	/* tls.request_log; -1: off */
	const struct slog	*access_slog;	/* fd != -1: to syslog */
	const struct mime_table	*mime;
	int			 drop_privileges;
	pid_t			 master_pid;	/* 0: no master (-X) */
	int			 lb_draining;	/* health path answers 503 */
	time_t			 server_start;	/* for {{uptime}} */
	struct scoreboard	*sb;
	struct sb_slot		*sb_slot;	/* ours, or NULL */
	struct climit		*climit;	/* per-client counts, or NULL */
	int			 live_fd;	/* changes from the master; -1 */
};

struct worker {
	struct ev_loop		*loop;
	const struct config	*conf;
	const struct mime_table	*mime;
	struct listener		*listeners;
	int			 nlisteners;
	int			 generation;
	int			 sigfd;
	int			 docroot_fd;
	char			*docroot_real;	/* realpath(document_root) */
	int			 draining;	/* graceful stop under way */
	int			 lb_draining;	/* leaving the balancer's pool */
	time_t			 server_start;
	struct gen_cache	*tmpl_cache;	/* compiled templates */
	struct fcache		*fcache;	/* small files in memory */
	struct scoreboard	*sb;
	struct sb_slot		*sb_slot;	/* ours, or NULL */
	struct htpasswd		*htpasswd;	/* admin users, or NULL */
	struct http_limits	 limits;

	struct conn		*conns;		/* table, allocated once */
	struct conn		*free_conns;
	long			 conns_used;	/* high-water mark in conns */
	long			 nconns;

	struct http_request	 req;		/* scratch for the parser */

	/*
	 * Spare read and write buffers.  An idle keep-alive connection
	 * gives its buffers back (so it costs only its struct), and the
	 * next request takes them from here instead of from malloc().
	 */
	char			*rpool[BUF_POOL];
	int			 nrpool;
	char			*wpool[BUF_POOL];
	int			 nwpool;

	time_t			 date_sec;	/* cached per second */
	char			 date_http[DATE_HTTP_LEN + 1];
	char			 date_clf[DATE_CLF_LEN + 1];

	int			 access_fd;
	struct slog		*slog;		/* access lines to syslog */
	uint64_t		 slog_reported;	/* drops already logged */
	time_t			 slog_report_at;
	char			*abuf;		/* access lines of one iteration */
	char			*tls_buf;	/* a TLS record being gathered */
	int			 tls_log_fd;	/* tls.request_log; -1: off */
	char			*tbuf;		/* its lines of one iteration */
	size_t			 tlen;
	size_t			 alen;
	time_t			 last_full_warn;
	time_t			 proxy_warned;	/* bad PROXY headers, 1/s */
	struct climit		*climit;
	struct sb_pending	*sb_pend;	/* finished, not yet published */
	/* connections refused at a limit, told once per LIMIT_LOG_SEC */
	time_t			 limit_told[2];
	unsigned long		 limit_untold[2];

	int			 live_fd;	/* changes from the master; -1 */
	struct conn		*streams;	/* open /.hearth/live streams */
	int			 inject_warned;	/* a page too big was logged */
};

int	 worker_main(const struct worker_args *);
void	 worker_update_dates(struct worker *);
void	 worker_access_log(struct worker *, const char *line, size_t len);
void	 worker_tls_log(struct worker *, const char *line, size_t len);
void	 worker_conn_closed(struct worker *);

#endif
