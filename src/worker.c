/*
 * Worker process.  Signals from the master arrive on a signalfd in the
 * same epoll set as the sockets: TERM and INT end the worker now, WINCH
 * makes it stop accepting, finish what is in flight and exit.
 */
#include "config.h"

#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cgi.h"
#include "conn.h"
#include "ev.h"
#include "fcache.h"
#include "gen.h"
#include "hearth.h"
#include "htpasswd.h"
#include "live.h"
#include "log.h"
#include "scoreboard.h"
#include "slog.h"
#include "worker.h"

#define ACCEPT_BATCH	64	/* fairness between listeners and clients */
#define DROP_REPORT_SEC	60	/* how often lost syslog lines are told */

static void	worker_stop_accepting(struct worker *);

void
worker_update_dates(struct worker *w)
{
	struct tm	tm;
	time_t		now = time(NULL);

	if (now == w->date_sec)
		return;
	w->date_sec = now;
	date_http(now, w->date_http);
	localtime_r(&now, &tm);
	date_clf(&tm, w->date_clf);
}

/* Write out a log's gathered lines; a failure is told once a second. */
static void
worker_flush(struct worker *w, int fd, const char *buf, size_t *len,
    const char *what)
{
	ssize_t	n;
	size_t	off = 0;

	while (off < *len) {
		n = write(fd, buf + off, *len - off);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (time(NULL) != w->last_full_warn) {
				w->last_full_warn = time(NULL);
				log_warn("%s write", what);
			}
			break;
		}
		off += (size_t)n;
	}
	*len = 0;
}

static void
worker_flush_log(struct worker *w)
{
	worker_flush(w, w->access_fd, w->abuf, &w->alen, "access log");
}

/* tls.request_log: gathered and written like the access log. */
void
worker_tls_log(struct worker *w, const char *line, size_t len)
{
	if (w->tlen + len > ACCESS_LOG_BUF)
		worker_flush(w, w->tls_log_fd, w->tbuf, &w->tlen,
		    "tls.request_log");
	memcpy(w->tbuf + w->tlen, line, len);
	w->tlen += len;
}

/*
 * Lines are gathered and written once per loop iteration, always as
 * whole lines in one write(2) to an O_APPEND descriptor, so workers
 * never interleave and a crash loses at most one iteration's lines.
 */
void
worker_access_log(struct worker *w, const char *line, size_t len)
{
	if (w->slog != NULL) {		/* one datagram per line */
		if (slog_send(w->slog, LOG_INFO, line, len) == -1 &&
		    w->sb_slot != NULL)
			sb_log_dropped(w->sb_slot, 1);	/* for /api/status */
		return;
	}
	if (w->alen + len > ACCESS_LOG_BUF)
		worker_flush_log(w);
	memcpy(w->abuf + w->alen, line, len);
	w->alen += len;
}

/* Say how many access lines syslog did not take, once a minute at most. */
static void
worker_report_drops(struct worker *w)
{
	time_t	now;

	if (w->slog->dropped == w->slog_reported ||
	    (now = time(NULL)) < w->slog_report_at)
		return;
	log_warnx("syslog: %llu access log line%s could not be sent "
	    "(receiver absent or full)", (unsigned long long)
	    (w->slog->dropped - w->slog_reported),
	    w->slog->dropped - w->slog_reported == 1 ? "" : "s");
	w->slog_reported = w->slog->dropped;
	w->slog_report_at = now + DROP_REPORT_SEC;
}

static void
worker_idle(void *arg)
{
	struct worker	*w = arg;

	if (w->alen > 0)
		worker_flush_log(w);
	if (w->tlen > 0)
		worker_flush(w, w->tls_log_fd, w->tbuf, &w->tlen,
		    "tls.request_log");
	if (w->sb_pend != NULL)
		sb_pending_flush(w->sb_slot, w->sb_pend);
	if (w->slog != NULL)
		worker_report_drops(w);
}

void
worker_conn_closed(struct worker *w)
{
	if (w->draining && w->nconns == 0)
		ev_stop(w->loop);
}

static void
worker_accept(struct ev_loop *loop, int fd, int events, void *arg)
{
	struct worker		*w = arg;
	struct sockaddr_storage	 ss;
	const struct listener	*l = NULL;
	socklen_t		 len;
	int			 cfd, i;

	(void)loop;
	(void)events;
	for (i = 0; i < w->nlisteners; i++)
		if (w->listeners[i].fd == fd)
			l = &w->listeners[i];
	if (l == NULL)
		return;
	for (i = 0; i < ACCEPT_BATCH && !w->draining; i++) {
		len = sizeof(ss);
		cfd = accept4(fd, (struct sockaddr *)&ss, &len,
		    SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (cfd == -1) {
			if (errno == EAGAIN || errno == EWOULDBLOCK ||
			    errno == EINTR || errno == ECONNABORTED)
				return;
			/* EMFILE and friends: say so, at most once a second */
			if (time(NULL) != w->last_full_warn) {
				w->last_full_warn = time(NULL);
				log_warn("accept");
			}
			return;
		}
		/*
		 * A connection after the first was not in the epoll_wait()
		 * that ordered the cache's news first: its request may have
		 * been sent after a file changed.
		 */
		if (i > 0 && w->fcache != NULL)
			fcache_poll(w->fcache);
		conn_accept(w, cfd, (struct sockaddr *)&ss, len, l);
	}
}

static void
worker_stop_accepting(struct worker *w)
{
	int	i;

	for (i = 0; i < w->nlisteners; i++) {
		if (w->listeners[i].fd == -1)
			continue;
		ev_del(w->loop, w->listeners[i].fd);
		close(w->listeners[i].fd);
		w->listeners[i].fd = -1;
	}
}

static void
worker_drain(struct worker *w)
{
	long	i;

	if (w->draining)
		return;
	w->draining = 1;
	setproctitle("worker process (generation %d, stopping)",
	    w->generation);
	if (w->sb_slot != NULL)
		sb_state(w->sb_slot, w->sb_pend, SB_GRACEFUL);
	worker_stop_accepting(w);
	for (i = 0; i < w->conns_used; i++)
		if (w->conns[i].state != CONN_FREE)
			conn_drain(&w->conns[i]);
	if (w->nconns == 0)
		ev_stop(w->loop);
}

static void
worker_signal(struct ev_loop *loop, int fd, int events, void *arg)
{
	struct worker			*w = arg;
	struct signalfd_siginfo		 si;

	(void)events;
	while (read(fd, &si, sizeof(si)) == sizeof(si)) {
		switch (si.ssi_signo) {
		case SIGTERM:
		case SIGINT:
			ev_stop(loop);
			w->draining = 2;
			return;
		case SIGWINCH:
			worker_drain(w);
			break;
		case SIGUSR2:
			w->lb_draining = 1;
			break;
		}
	}
}

static int
worker_drop_privileges(const struct config *conf)
{
	struct passwd	*pw;
	struct group	*gr;

	if (geteuid() != 0)
		return 0;
	if ((pw = getpwnam(conf->user)) == NULL) {
		log_errorx("user \"%s\" does not exist", conf->user);
		return -1;
	}
	if ((gr = getgrnam(conf->group)) == NULL) {
		log_errorx("group \"%s\" does not exist", conf->group);
		return -1;
	}
	if (setgroups(1, &gr->gr_gid) == -1 ||
	    setresgid(gr->gr_gid, gr->gr_gid, gr->gr_gid) == -1 ||
	    setresuid(pw->pw_uid, pw->pw_uid, pw->pw_uid) == -1) {
		log_warn("cannot drop privileges to %s:%s", conf->user,
		    conf->group);
		return -1;
	}
	return 0;
}

/* The admin users, read once per worker: a reload rereads them. */
static int
worker_load_htpasswd(struct worker *w)
{
	char	err[1024];
	int	bad;

	if (w->conf->admin.htpasswd == NULL)
		return 0;
	if ((w->htpasswd = calloc(1, sizeof(*w->htpasswd))) == NULL)
		return -1;
	err[0] = '\0';
	if ((bad = htpasswd_load(w->conf->admin.htpasswd, w->htpasswd, err,
	    sizeof(err))) != 0)
		log_warnx("admin htpasswd: %s", err);
	return bad == -1 ? -1 : 0;
}

static int
worker_setup(struct worker *w, const struct worker_args *a)
{
	const struct config	*conf = a->conf;
	sigset_t		 set;
	long			 i;
	int			 maxfd;
	struct rlimit		 rl;

	memset(w, 0, sizeof(*w));
	w->conf = conf;
	w->mime = a->mime;
	w->listeners = a->listeners;
	w->nlisteners = a->nlisteners;
	w->generation = a->generation;
	w->access_fd = a->access_fd;
	w->tls_log_fd = a->tls_log_fd;
	if (a->access_slog != NULL && a->access_slog->fd != -1) {
		/* our own copy: the counters are per worker */
		if ((w->slog = malloc(sizeof(*w->slog))) == NULL)
			return -1;
		*w->slog = *a->access_slog;
	}
	w->lb_draining = a->lb_draining;
	w->server_start = a->server_start;
	w->sb = a->sb;
	w->sb_slot = a->sb_slot;
	w->climit = a->climit;
	if (w->sb_slot != NULL &&
	    (w->sb_pend = calloc(1, sizeof(*w->sb_pend))) == NULL)
		return -1;
	if (worker_load_htpasswd(w) == -1)
		return -1;
	w->limits.request_line = conf->limits.request_line;
	w->limits.header_field = conf->limits.header_field;
	w->limits.headers_total = conf->limits.headers_total;
	w->limits.header_count = conf->limits.header_count;

	if ((w->docroot_fd = open(conf->document_root, O_RDONLY |
	    O_DIRECTORY | O_CLOEXEC)) == -1) {
		log_warn("document_root %s", conf->document_root);
		return -1;
	}
	if ((w->docroot_real = realpath(conf->document_root, NULL)) == NULL) {
		log_warn("document_root %s", conf->document_root);
		return -1;
	}
	/*
	 * Room for every connection, its file, the open-file cache's files
	 * and our own descriptors.
	 */
	maxfd = (int)conf->limits.max_connections * 2 + FCACHE_ENTRIES + 64;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur <
	    (rlim_t)maxfd) {
		rl.rlim_cur = rl.rlim_max < (rlim_t)maxfd ? rl.rlim_max :
		    (rlim_t)maxfd;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	/* without it every request opens its file: slower, still right */
	w->fcache = fcache_new();
	if ((w->loop = ev_new(maxfd)) == NULL ||
	    (w->conns = calloc(conf->limits.max_connections,
	    sizeof(*w->conns))) == NULL ||
	    (w->abuf = malloc(ACCESS_LOG_BUF)) == NULL ||
	    (conf->tls.enabled && (w->tls_buf = malloc(TLS_RECORD_MAX)) ==
	    NULL) || (w->tls_log_fd != -1 && (w->tbuf =
	    malloc(ACCESS_LOG_BUF)) == NULL)) {
		log_warn("worker setup");
		return -1;
	}
	/*
	 * The table is calloc()ed and handed out from a high-water mark,
	 * never walked whole at start: pages no connection has used are
	 * never touched, so a worker's memory is what it serves.
	 */
	if (w->fcache != NULL && fcache_watch(w->fcache, w->loop,
	    w->docroot_fd) == -1)
		log_warn("open-file cache: inotify (fs.inotify."
		    "max_user_instances?); every hit will stat its file");
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGWINCH);
	sigaddset(&set, SIGUSR2);
	if ((w->sigfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC)) == -1 ||
	    ev_add(w->loop, w->sigfd, EV_READ, worker_signal, w) == -1) {
		log_warn("worker signalfd");
		return -1;
	}
	for (i = 0; i < w->nlisteners; i++)
		if (ev_add(w->loop, w->listeners[i].fd, EV_READ,
		    worker_accept, w) == -1) {
			log_warn("epoll_ctl for listener %s",
			    w->listeners[i].spec);
			return -1;
		}
	if (live_worker_init(w, a->live_fd) == -1)
		return -1;
	ev_set_idle(w->loop, worker_idle, w);
	return 0;
}

int
worker_main(const struct worker_args *a)
{
	struct worker	w;
	pid_t		pid = getpid();

	setproctitle("worker process (generation %d)", a->generation);
	if (a->drop_privileges && worker_drop_privileges(a->conf) == -1)
		return EXIT_CHILD_FATAL;
	/*
	 * If the master dies without a word (SIGKILL), follow it.  Set after
	 * the privilege drop: changing credentials clears the setting.  The
	 * check afterwards closes the race with a master that died first.
	 */
	if (a->master_pid != 0) {
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		if (getppid() != a->master_pid)
			return 0;
	}
	if (worker_setup(&w, a) == -1)
		return EXIT_CHILD_FATAL;
	/* tell the master we serve; a short write to a pipe is atomic */
	if (a->ready_fd != -1) {
		if (write(a->ready_fd, &pid, sizeof(pid)) != sizeof(pid))
			log_warn("worker ready notice");
		close(a->ready_fd);
	}
	if (w.sb_slot != NULL)
		sb_state(w.sb_slot, w.sb_pend, SB_IDLE);
	if (ev_run(w.loop) == -1)
		log_warn("epoll_wait");
	cgi_kill_all();
	worker_idle(&w);
	gen_cache_free(&w);
	fcache_free(w.fcache);
	return 0;
}
