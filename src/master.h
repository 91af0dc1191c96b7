/*
 * The master process: owns the config, the listeners, the logs and the
 * pid file; forks, reaps and respawns the workers; acts on signals.
 */
#ifndef HEARTH_MASTER_H
#define HEARTH_MASTER_H

#include "conf.h"
#include "listen.h"

struct pidfh;
struct slog;
struct scoreboard;
struct climit;
struct mime_table;

struct master_args {
	const char		*conf_file;
	const char		*server_root_opt;
	struct config		*conf;
	struct listener		*listeners;
	int			 nlisteners;
	struct pidfh		*pidfh;
	int			 access_fd;
	struct slog		*access_slog;	/* access_log = "syslog..." */
	int			 tls_log_fd;	/* tls.request_log; -1: off */
	struct mime_table	*mime;
	struct scoreboard	*sb;		/* shared with every worker */
	struct climit		*climit;	/* limits.per_client counters */
};

#include <signal.h>

/* The signals the master acts on (blocked, read from a signalfd). */
void	master_signals(sigset_t *);

/* Runs until stopped; returns the process exit status. */
int	master_main(struct master_args *);

/* Load the MIME table named by conf, or the built-in one. */
struct mime_table *master_load_mime(const struct config *, char *errbuf,
	    size_t errlen);
/*
 * Open the access log named by conf: a file's fd, or a syslog socket
 * (then *slog is filled in; it must hold a struct slog), -1 when "off",
 * -2 on error.
 */
int	master_open_access_log(const struct config *, struct slog *slog,
	    char *errbuf, size_t errlen);
/* tls.request_log: its fd, -1 when off or no TLS, -2 on error. */
int	master_open_tls_log(const struct config *, char *errbuf,
	    size_t errlen);
/* Log each certificate that has expired or expires within 30 days. */
void	master_tls_expiry(const struct config *);

#endif
