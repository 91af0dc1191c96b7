/*
 * Master process.
 *
 * No signal handlers: the signals we act on stay blocked and are read
 * from a signalfd in the master's epoll loop, so every action (reaping,
 * reloading, logging) runs in ordinary code.  Workers report "serving"
 * by writing their pid to a pipe; a new generation replaces the old one
 * only once all of its workers have done so, which is how a graceful
 * reload never leaves the listeners without an accepting worker.
 */
#include "config.h"

#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ev.h"
#include "hearth.h"
#include "live.h"
#include "log.h"
#include "master.h"
#include "mime.h"
#include "notify.h"
#include "scoreboard.h"
#include "slog.h"
#include "tls.h"
#include "worker.h"

#define MAX_SLOTS	(MAX_WORKERS * 4)	/* old generations draining */
#define TICK_MS		250
#define STOP_KILL_MS	5000	/* TERM, then KILL after this */

enum slot_state {
	SLOT_EMPTY = 0,
	SLOT_STARTING,		/* forked, not yet serving */
	SLOT_SERVING,
	SLOT_STOPPING		/* told to stop; killed at its deadline */
};

struct slot {
	pid_t		 pid;
	int		 generation;
	int		 index;		/* which listeners it accepts on */
	int		 sbi;		/* its scoreboard slot, or -1 */
	enum slot_state	 state;
	uint64_t	 deadline;	/* ms: KILL after, when stopping */
};

enum stop_mode { RUNNING = 0, STOP_NOW, STOP_GRACEFUL };

struct master {
	struct master_args	*a;
	struct ev_loop		*loop;
	struct slot		 slots[MAX_SLOTS];
	int			 generation;	/* the newest one */
	int			 serving_gen;	/* newest fully serving */
	int			 wanted;	/* workers of the newest gen */
	enum stop_mode		 stopping;
	int			 sigfd;
	int			 ready[2];	/* workers -> master pipe */
	int			 replace_graceful; /* how to retire old gen */
	int			 fatal_exit;
	int			 lb_draining;	/* USR2: health says 503 */
	time_t			 started;
	struct ev_tmr		 tick;
	struct ev_tmr		 respawn_tmr;
	struct ev_tmr		 status_tmr;	/* STATUS= for systemctl */
	uint64_t		 deaths[RESPAWN_MAX_IN_WINDOW];
	int			 ndeaths;
	int			 backoff_ms;
	struct live_master	*live;		/* live reload's watcher */
};

static void	master_tick(struct ev_loop *, struct ev_tmr *, void *);

struct mime_table *
master_load_mime(const struct config *conf, char *errbuf, size_t errlen)
{
	struct mime_table	*t;
	struct stat		 st;
	char			*buf = NULL;
	ssize_t			 n;
	int			 fd;

	if ((fd = open(conf->mime_types, O_RDONLY | O_CLOEXEC)) == -1) {
		snprintf(errbuf, errlen, "mime_types %s: %s; using built-in "
		    "types", conf->mime_types, strerror(errno));
		return mime_builtin();
	}
	if (fstat(fd, &st) == -1 || st.st_size > (1 << 22) ||
	    (buf = malloc(st.st_size + 1)) == NULL ||
	    (n = read(fd, buf, st.st_size)) != st.st_size) {
		snprintf(errbuf, errlen, "mime_types %s: cannot read; using "
		    "built-in types", conf->mime_types);
		close(fd);
		free(buf);
		return mime_builtin();
	}
	close(fd);
	t = mime_parse(buf, (size_t)n);
	free(buf);
	errbuf[0] = '\0';
	return t;
}

int
master_open_access_log(const struct config *conf, struct slog *slog,
    char *errbuf, size_t errlen)
{
	int	fd;

	slog->fd = -1;
	if (strcmp(conf->access_log, "off") == 0)
		return -1;
	if (slog_is_spec(conf->access_log)) {
		/* local7 for access lines, as nginx's access_log syslog: */
		if (slog_parse(conf->access_log, LOG_LOCAL7, slog, errbuf,
		    errlen) == -1 || slog_open(slog, errbuf, errlen) == -1)
			return -2;
		return slog->fd;
	}
	if ((fd = log_open_file(conf->access_log)) == -1) {
		snprintf(errbuf, errlen, "cannot open access log %s: %s",
		    conf->access_log, strerror(errno));
		return -2;
	}
	return fd;
}

int
master_open_tls_log(const struct config *conf, char *errbuf, size_t errlen)
{
	int	fd;

	if (!conf->tls.enabled || strcmp(conf->tls.request_log, "off") == 0)
		return -1;
	if ((fd = log_open_file(conf->tls.request_log)) == -1) {
		snprintf(errbuf, errlen, "cannot open tls.request_log %s: %s",
		    conf->tls.request_log, strerror(errno));
		return -2;
	}
	return fd;
}

static void
tls_expiry_warn(void *arg, int sni, const char *key, const char *msg)
{
	const struct config	*conf = arg;

	(void)key;
	log_warnx("%s: %s", sni >= 0 ? conf->tls.sni[sni].certificate :
	    conf->tls.certificate, msg);
}

void
master_tls_expiry(const struct config *conf)
{
	if (conf->tls.server != NULL)
		(void)tls_server_expiry(conf->tls.server, time(NULL),
		    TLS_EXPIRY_WARN_DAYS, tls_expiry_warn, (void *)conf);
}

static void
master_title(struct master *m)
{
	setproctitle("master process (generation %d) -f %s", m->serving_gen,
	    m->a->conf->file);
}

static struct slot *
slot_by_pid(struct master *m, pid_t pid)
{
	int	i;

	for (i = 0; i < MAX_SLOTS; i++)
		if (m->slots[i].state != SLOT_EMPTY && m->slots[i].pid == pid)
			return &m->slots[i];
	return NULL;
}

static int
count_gen(struct master *m, int gen, enum slot_state st)
{
	int	i, n = 0;

	for (i = 0; i < MAX_SLOTS; i++)
		if (m->slots[i].state == st && m->slots[i].generation == gen)
			n++;
	return n;
}

static int
count_live(struct master *m)
{
	int	i, n = 0;

	for (i = 0; i < MAX_SLOTS; i++)
		if (m->slots[i].state != SLOT_EMPTY)
			n++;
	return n;
}

static void
master_spawn(struct master *m, int index)
{
	struct worker_args	 wa;
	struct slot		*s = NULL;
	pid_t			 pid;
	int			 i, sbi, lsv[2];

	for (i = 0; i < MAX_SLOTS; i++)
		if (m->slots[i].state == SLOT_EMPTY) {
			s = &m->slots[i];
			break;
		}
	if (s == NULL) {
		log_errorx("no free worker slot; not spawning");
		return;
	}
	/* a worker without a scoreboard slot serves, uncounted */
	sbi = m->a->sb ? scoreboard_free_slot(m->a->sb) : -1;
	live_master_pair(m->live, lsv);
	switch (pid = fork()) {
	case -1:
		log_warn("fork");
		if (lsv[0] != -1) {
			close(lsv[0]);
			close(lsv[1]);
		}
		return;
	case 0:
		break;
	default:
		live_master_add(m->live, pid, lsv[0]);
		if (lsv[1] != -1)
			close(lsv[1]);
		s->pid = pid;
		s->generation = m->generation;
		s->index = index;
		s->sbi = sbi;
		if (sbi != -1)
			scoreboard_assign(m->a->sb, (unsigned)sbi, pid,
			    (uint32_t)m->generation);
		s->state = SLOT_STARTING;
		s->deadline = 0;
		log_info("worker %d started (generation %d)", (int)pid,
		    m->generation);
		return;
	}

	/* the child (the worker follows a dead master: see worker_main) */
	close(m->ready[0]);
	close(m->sigfd);
	live_master_forked(m->live, lsv[0]);
	pidfile_close(m->a->pidfh);
	memset(&wa, 0, sizeof(wa));
	wa.conf = m->a->conf;
	wa.listeners = m->a->listeners;
	wa.nlisteners = listen_keep_index(m->a->listeners, m->a->nlisteners,
	    index);
	wa.generation = m->generation;
	wa.ready_fd = m->ready[1];
	wa.access_fd = m->a->access_fd;
	wa.tls_log_fd = m->a->tls_log_fd;
	wa.access_slog = m->a->access_slog;
	wa.mime = m->a->mime;
	wa.drop_privileges = 1;
	wa.master_pid = getppid();
	wa.lb_draining = m->lb_draining;
	wa.server_start = m->started;
	wa.sb = m->a->sb;
	wa.climit = m->a->climit;
	wa.sb_slot = sbi != -1 ? scoreboard_slot(m->a->sb, (unsigned)sbi) :
	    NULL;
	wa.live_fd = lsv[1];
	_exit(worker_main(&wa));
}

static int
index_covered(struct master *m, int k)
{
	struct slot	*s;
	int		 i;

	for (i = 0; i < MAX_SLOTS; i++) {
		s = &m->slots[i];
		if ((s->state == SLOT_STARTING || s->state == SLOT_SERVING) &&
		    s->generation == m->generation && s->index == k)
			return 1;
	}
	return 0;
}

/* One worker of the newest generation for each listener index. */
static void
master_spawn_missing(struct master *m)
{
	int	k;

	if (m->stopping)
		return;
	for (k = 0; k < m->wanted; k++)
		if (!index_covered(m, k))
			master_spawn(m, k);
}

static void
master_signal_gen(struct master *m, int below_gen, int sig, int grace_ms)
{
	struct slot	*s;
	int		 i;

	for (i = 0; i < MAX_SLOTS; i++) {
		s = &m->slots[i];
		if (s->state == SLOT_EMPTY || s->generation >= below_gen)
			continue;
		if (s->state == SLOT_STOPPING && sig != SIGKILL &&
		    sig != SIGTERM)
			continue;
		kill(s->pid, sig);
		if (s->state != SLOT_STOPPING) {
			s->state = SLOT_STOPPING;
			s->deadline = ev_now(m->loop) + (uint64_t)grace_ms;
		} else if (grace_ms < (int)(s->deadline - ev_now(m->loop)))
			s->deadline = ev_now(m->loop) + (uint64_t)grace_ms;
	}
	if (!ev_timer_armed(&m->tick))
		ev_timer(m->loop, &m->tick, TICK_MS, master_tick, m);
}

/* Every worker of the newest generation serves: retire the older ones. */
static void
master_generation_ready(struct master *m)
{
	m->serving_gen = m->generation;
	master_title(m);
	if (m->replace_graceful)
		master_signal_gen(m, m->generation, SIGWINCH,
		    m->a->conf->timeouts.graceful * 1000);
	else
		master_signal_gen(m, m->generation, SIGTERM, STOP_KILL_MS);
	log_notice("generation %d serving with %d worker%s", m->generation,
	    m->wanted, m->wanted == 1 ? "" : "s");
	notify_send("READY=1\nSTATUS=generation %d serving, %d workers",
	    m->generation, m->wanted);
}

static void
master_ready(struct ev_loop *loop, int fd, int events, void *arg)
{
	struct master	*m = arg;
	struct slot	*s;
	pid_t		 pid;

	(void)loop;
	(void)events;
	while (read(fd, &pid, sizeof(pid)) == sizeof(pid)) {
		if ((s = slot_by_pid(m, pid)) == NULL ||
		    s->state != SLOT_STARTING)
			continue;
		s->state = SLOT_SERVING;
		if (s->generation == m->generation &&
		    m->serving_gen != m->generation &&
		    count_gen(m, m->generation, SLOT_SERVING) >= m->wanted)
			master_generation_ready(m);
	}
}

static void
master_respawn_timer(struct ev_loop *loop, struct ev_tmr *t, void *arg)
{
	(void)loop;
	(void)t;
	master_spawn_missing(arg);
}

/*
 * A worker of the serving generation died unasked.  Respawn it at once,
 * unless workers keep dying: then back off, doubling up to a ceiling, so
 * a crash loop does not eat the machine (Apache's behaviour too).
 */
static void
master_schedule_respawn(struct master *m)
{
	uint64_t	now = ev_now(m->loop);
	int		i, recent = 0;

	if (m->ndeaths == RESPAWN_MAX_IN_WINDOW) {
		memmove(m->deaths, m->deaths + 1, sizeof(m->deaths[0]) *
		    (RESPAWN_MAX_IN_WINDOW - 1));
		m->ndeaths--;
	}
	m->deaths[m->ndeaths++] = now;
	for (i = 0; i < m->ndeaths; i++)
		if (now - m->deaths[i] < RESPAWN_WINDOW_SEC * 1000)
			recent++;
	if (recent < RESPAWN_MAX_IN_WINDOW) {
		m->backoff_ms = 0;
		if (m->a->sb != NULL)
			scoreboard_crash_loop(m->a->sb, 0);
		master_spawn_missing(m);
		return;
	}
	/* the status pages show it: a sysadmin sees why workers are few */
	if (m->a->sb != NULL)
		scoreboard_crash_loop(m->a->sb, 1);
	m->backoff_ms = m->backoff_ms ? m->backoff_ms * 2 : 100;
	if (m->backoff_ms > RESPAWN_BACKOFF_MAX_MS)
		m->backoff_ms = RESPAWN_BACKOFF_MAX_MS;
	log_errorx("workers keep dying (%d in %d s); respawning in %d ms",
	    recent, RESPAWN_WINDOW_SEC, m->backoff_ms);
	if (!ev_timer_armed(&m->respawn_tmr))
		ev_timer(m->loop, &m->respawn_tmr, m->backoff_ms,
		    master_respawn_timer, m);
}

/* What a worker that crashed was doing, from its scoreboard slot. */
static void
master_forensics(struct master *m, struct slot *s)
{
	struct sb_worker	sw;

	if (s->sbi == -1 || scoreboard_worker(m->a->sb, (unsigned)s->sbi,
	    &sw) == -1)
		return;
	if (sw.request[0] == '\0') {
		log_notice("worker %d was %s, with no request yet", (int)s->pid,
		    sb_state_name(sw.state));
		return;
	}
	log_notice("worker %d was %s; its last request: \"%s\" from %s",
	    (int)s->pid, sb_state_name(sw.state), sw.request, sw.client);
}

static void
master_exited(struct master *m, struct slot *s, int st)
{
	int	unasked = s->state != SLOT_STOPPING;
	int	gen = s->generation;

	if (WIFSIGNALED(st)) {
		log_notice("worker %d (generation %d) killed by signal %d "
		    "(%s)%s", (int)s->pid, gen, WTERMSIG(st),
		    strsignal(WTERMSIG(st)), WCOREDUMP(st) ?
		    ", core dumped" : "");
		if (unasked)
			master_forensics(m, s);
	}
	else if (WEXITSTATUS(st) != 0 || unasked)
		log_notice("worker %d (generation %d) exited with status %d",
		    (int)s->pid, gen, WEXITSTATUS(st));
	else
		log_info("worker %d (generation %d) exited", (int)s->pid, gen);
	if (s->sbi != -1)
		scoreboard_retire(m->a->sb, (unsigned)s->sbi);
	live_master_gone(m->live, s->pid);
	s->state = SLOT_EMPTY;
	s->pid = 0;
	if (m->stopping || !unasked || gen != m->generation)
		return;
	if (WIFEXITED(st) && WEXITSTATUS(st) == EXIT_CHILD_FATAL) {
		log_errorx("worker cannot run (see above); not respawning");
		if (count_gen(m, gen, SLOT_STARTING) +
		    count_gen(m, gen, SLOT_SERVING) == 0) {
			log_errorx("no worker can run; shutting down");
			m->fatal_exit = 1;
			m->stopping = STOP_NOW;
		}
		return;
	}
	master_schedule_respawn(m);
}

static void
master_reap(struct master *m)
{
	struct slot	*s;
	pid_t		 pid;
	int		 st;

	/* SIGCHLDs coalesce: reap until there is nobody left to reap */
	while ((pid = waitpid(-1, &st, WNOHANG)) > 0) {
		if ((s = slot_by_pid(m, pid)) == NULL)
			continue;
		master_exited(m, s, st);
	}
	if (m->stopping && count_live(m) == 0)
		ev_stop(m->loop);
}

static void
master_tick(struct ev_loop *loop, struct ev_tmr *t, void *arg)
{
	struct master	*m = arg;
	struct slot	*s;
	int		 i, pending = 0;

	for (i = 0; i < MAX_SLOTS; i++) {
		s = &m->slots[i];
		if (s->state != SLOT_STOPPING)
			continue;
		if (ev_now(loop) >= s->deadline) {
			log_notice("worker %d (generation %d) did not stop "
			    "in time; killing it", (int)s->pid,
			    s->generation);
			kill(s->pid, SIGKILL);
			s->deadline = UINT64_MAX;
		} else
			pending = 1;
	}
	if (pending || count_live(m) > 0)
		ev_timer(loop, t, TICK_MS, master_tick, m);
}

/*
 * USR1 (graceful) and HUP (restart): build the new config completely
 * first; if anything about it is bad, log it and keep serving the old.
 */
static void
master_reload(struct master *m, int graceful)
{
	struct master_args	*a = m->a;
	struct conf_errors	 errs;
	struct config		*nc;
	struct listener		*nl;
	struct mime_table	*mime;
	struct slog		 aslog;
	char			 err[512], *line, *save;
	int			 nn, afd, tfd = -1;

	notify_reloading();
	log_notice("%s: reading %s", graceful ? "graceful restart" :
	    "restart", a->conf_file);
	if ((nc = conf_load(a->conf_file, a->server_root_opt, &errs)) ==
	    NULL) {
		for (line = strtok_r(errs.text, "\n", &save); line != NULL;
		    line = strtok_r(NULL, "\n", &save))
			log_errorx("%s", line);
		log_errorx("configuration has %d error%s; still serving "
		    "generation %d", errs.count, errs.count == 1 ? "" : "s",
		    m->serving_gen);
		conf_errors_free(&errs);
		notify_send("READY=1\nSTATUS=reload failed: bad configuration");
		return;
	}
	if ((afd = master_open_access_log(nc, &aslog, err, sizeof(err))) ==
	    -2 || (tfd = master_open_tls_log(nc, err, sizeof(err))) == -2 ||
	    (nn = listen_bind(nc, nc->workers, a->listeners,
	    a->nlisteners, &nl, err, sizeof(err))) == -1) {
		log_errorx("%s; still serving generation %d", err,
		    m->serving_gen);
		if (afd >= 0)
			close(afd);
		if (tfd >= 0)
			close(tfd);
		conf_free(nc);
		notify_send("READY=1\nSTATUS=reload failed: %s", err);
		return;
	}
	/* from here on the new config is committed */
	listen_close(a->listeners, a->nlisteners);	/* those not reused */
	free(a->listeners);
	a->listeners = nl;
	a->nlisteners = nn;
	if (log_open(nc->error_log, err, sizeof(err)) == -1)
		log_errorx("%s; keeping the old error log", err);
	log_set_level(conf_log_level(nc->log_level));
	if (a->access_fd >= 0)
		close(a->access_fd);
	a->access_fd = afd;
	*a->access_slog = aslog;
	if (a->tls_log_fd >= 0)
		close(a->tls_log_fd);
	a->tls_log_fd = tfd;
	master_tls_expiry(nc);
	if ((mime = master_load_mime(nc, err, sizeof(err))) != NULL) {
		if (err[0] != '\0')
			log_warnx("%s", err);
		mime_free(a->mime);
		a->mime = mime;
	}
	conf_free(a->conf);
	a->conf = nc;
	if (conf_dump_file(nc, NULL) == -1)
		log_warn("%s.conf", nc->pid_file);
	live_master_configure(m->live, nc);
	m->generation++;
	m->wanted = nc->workers;
	m->replace_graceful = graceful;
	m->ndeaths = 0;
	if (!graceful)		/* HUP: the old workers go now */
		master_signal_gen(m, m->generation, SIGTERM, STOP_KILL_MS);
	master_spawn_missing(m);
}

static void
master_stop(struct master *m, enum stop_mode mode)
{
	if (m->stopping == STOP_NOW)
		return;
	notify_stopping();
	m->stopping = mode;
	if (mode == STOP_GRACEFUL) {
		log_notice("graceful stop: finishing in-flight requests "
		    "(deadline %d s)", m->a->conf->timeouts.graceful);
		listen_close(m->a->listeners, m->a->nlisteners);
		master_signal_gen(m, m->generation + 1, SIGWINCH,
		    m->a->conf->timeouts.graceful * 1000);
	} else {
		log_notice("shutting down");
		master_signal_gen(m, m->generation + 1, SIGTERM,
		    STOP_KILL_MS);
	}
	if (count_live(m) == 0)
		ev_stop(m->loop);
}

/*
 * USR2: leave the load balancer's pool.  Everything is still served, but
 * the health path answers 503 so the balancer stops sending new clients;
 * "hearthctl drain" then waits health.drain_seconds and stops gracefully.
 */
static void
master_lb_drain(struct master *m)
{
	int	i;

	if (m->lb_draining)
		return;
	m->lb_draining = 1;
	log_notice("caught SIGUSR2: draining, the health path now answers "
	    "503");
	notify_send("STATUS=draining");
	for (i = 0; i < MAX_SLOTS; i++)
		if (m->slots[i].state != SLOT_EMPTY)
			kill(m->slots[i].pid, SIGUSR2);
}

static void
master_signal(struct ev_loop *loop, int fd, int events, void *arg)
{
	struct master			*m = arg;
	struct signalfd_siginfo		 si;

	(void)loop;
	(void)events;
	while (read(fd, &si, sizeof(si)) == sizeof(si)) {
		switch (si.ssi_signo) {
		case SIGCHLD:
			master_reap(m);
			break;
		case SIGTERM:
		case SIGINT:
			log_notice("caught %s", strsignal(si.ssi_signo));
			master_stop(m, STOP_NOW);
			break;
		case SIGWINCH:
			log_notice("caught SIGWINCH");
			master_stop(m, STOP_GRACEFUL);
			break;
		case SIGUSR2:
			master_lb_drain(m);
			break;
		case SIGHUP:
		case SIGUSR1:
			if (m->stopping)
				break;
			log_notice("caught %s", si.ssi_signo == SIGHUP ?
			    "SIGHUP" : "SIGUSR1");
			master_reload(m, si.ssi_signo == SIGUSR1);
			break;
		}
	}
	/* a child may have died between the last read and now */
	master_reap(m);
}

void
master_signals(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGCHLD);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGHUP);
	sigaddset(set, SIGUSR1);
	sigaddset(set, SIGUSR2);
	sigaddset(set, SIGWINCH);
}

static int
master_setup(struct master *m)
{
	sigset_t	set;

	master_signals(&set);
	if ((m->loop = ev_new(64)) == NULL ||
	    (m->sigfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC)) == -1 ||
	    pipe2(m->ready, O_NONBLOCK | O_CLOEXEC) == -1 ||
	    ev_add(m->loop, m->sigfd, EV_READ, master_signal, m) == -1 ||
	    ev_add(m->loop, m->ready[0], EV_READ, master_ready, m) == -1 ||
	    (m->live = live_master_new(m->loop)) == NULL) {
		log_warn("master setup");
		return -1;
	}
	live_master_configure(m->live, m->a->conf);
	return 0;
}

#define STATUS_EVERY_MS	5000

/* systemctl status shows live figures: requests, rate, workers. */
static void
master_status(struct ev_loop *loop, struct ev_tmr *t, void *arg)
{
	struct master	*m = arg;
	struct sb_totals *tot;

	if (m->a->sb != NULL && (tot = malloc(sizeof(*tot))) != NULL) {
		scoreboard_sum(m->a->sb, tot);
		notify_send("STATUS=generation %d: %llu requests, %.1f "
		    "requests/s, %u workers", m->serving_gen,
		    (unsigned long long)tot->c.requests, tot->requests_per_sec,
		    tot->workers);
		free(tot);
	}
	ev_timer(loop, t, STATUS_EVERY_MS, master_status, m);
}

int
master_main(struct master_args *a)
{
	struct master	*m;
	int		 rc;

	if ((m = calloc(1, sizeof(*m))) == NULL) {
		log_warn("master");
		return 1;
	}
	m->a = a;
	m->started = time(NULL);
	if (master_setup(m) == -1)
		return 1;
	m->generation = 1;
	m->wanted = a->conf->workers;
	master_title(m);
	log_notice("%s configured -- resuming normal operations",
	    HEARTH_SERVER);
	master_spawn_missing(m);
	if (notify_enabled())
		ev_timer(m->loop, &m->status_tmr, STATUS_EVERY_MS,
		    master_status, m);
	if (ev_run(m->loop) == -1)
		log_warn("epoll_wait");
	rc = m->fatal_exit ? 1 : 0;
	log_notice("exiting");
	live_master_free(m->live);
	free(m);
	return rc;
}
