/*
 * hearthd: start-up.  Parse the command line, load and check the
 * config, open the logs, bind, write the pid file, then become the
 * master (or, with -X, a single worker).
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"
#include "hearth.h"
#include "listen.h"
#include "log.h"
#include "master.h"
#include "mime.h"
#include "notify.h"
#include "climit.h"
#include "scoreboard.h"
#include "slog.h"
#include "worker.h"

#ifndef SYSCONFDIR
#define SYSCONFDIR	"/etc/hearth"
#endif
#define DEF_CONF_FILE	SYSCONFDIR "/httpd.conf"

struct options {
	const char	*conf_file;
	const char	*server_root;
	int		 foreground;
	int		 one_process;
	int		 test;		/* 1: -t, 2: -T */
	const char	*serve_dir;	/* --serve DIR */
	int		 serve_port;	/* --port N */
	int		 serve_live;	/* --live (the default), --no-live */
	int		 serve_opts;	/* --port or --live given */
};

#define SERVE_DEF_PORT	8080

static void __attribute__((noreturn))
usage(int status)
{
	fprintf(status ? stderr : stdout,
	    "usage: hearthd [-hTtvX] [-D FOREGROUND] [-d serverroot] "
	    "[-f file]\n"
	    "       hearthd --serve dir [--port N] [--live | --no-live]\n"
	    "  -f file        config file (default %s)\n"
	    "  -d dir         server root, when the config does not set it\n"
	    "  -D FOREGROUND  do not daemonize\n"
	    "  -X             one process in the foreground, for debugging\n"
	    "  -t             test the config and exit\n"
	    "  -T             print the effective config and exit\n"
	    "  -v             print the version and exit\n"
	    "  -h             this help\n"
	    "  --serve dir    serve dir on 127.0.0.1 in the foreground, no "
	    "config file\n"
	    "  --port N       with --serve: the port (default %d)\n"
	    "  --live         with --serve: live reload (the default; "
	    "--no-live: off)\n", DEF_CONF_FILE, SERVE_DEF_PORT);
	exit(status);
}

enum { OPT_SERVE = 256, OPT_PORT, OPT_LIVE, OPT_NO_LIVE };

static const struct option long_opts[] = {
	{ "serve",	required_argument,	NULL, OPT_SERVE },
	{ "port",	required_argument,	NULL, OPT_PORT },
	{ "live",	no_argument,		NULL, OPT_LIVE },
	{ "no-live",	no_argument,		NULL, OPT_NO_LIVE },
	{ "help",	no_argument,		NULL, 'h' },
	{ "version",	no_argument,		NULL, 'v' },
	{ NULL,		0,			NULL, 0 }
};

static void
parse_port(const char *arg, struct options *o)
{
	char	*end;
	long	 v;

	errno = 0;
	v = strtol(arg, &end, 10);
	if (*arg == '\0' || *end != '\0' || errno != 0 || v < 1 ||
	    v > 65535) {
		fprintf(stderr, "hearthd: --port %s: want 1 to 65535\n", arg);
		exit(1);
	}
	o->serve_port = (int)v;
}

/* The development one-liner's options; 0 when ch is not one. */
static int
parse_serve_opt(int ch, struct options *o)
{
	switch (ch) {
	case OPT_SERVE:
		o->serve_dir = optarg;
		o->foreground = 1;
		return 1;
	case OPT_PORT:
		parse_port(optarg, o);
		break;
	case OPT_LIVE:
		o->serve_live = 1;
		break;
	case OPT_NO_LIVE:
		o->serve_live = 0;
		break;
	default:
		return 0;
	}
	o->serve_opts = 1;
	return 1;
}

static void
parse_args(int argc, char **argv, struct options *o)
{
	int	ch;

	memset(o, 0, sizeof(*o));
	o->conf_file = DEF_CONF_FILE;
	o->serve_port = SERVE_DEF_PORT;
	o->serve_live = 1;
	while ((ch = getopt_long(argc, argv, "D:d:f:hTtvX", long_opts,
	    NULL)) != -1) {
		if (parse_serve_opt(ch, o))
			continue;
		switch (ch) {
		case 'D':
			if (strcmp(optarg, "FOREGROUND") != 0) {
				fprintf(stderr, "hearthd: unknown -D %s "
				    "(only FOREGROUND)\n", optarg);
				exit(1);
			}
			o->foreground = 1;
			break;
		case 'd':
			o->server_root = optarg;
			break;
		case 'f':
			o->conf_file = optarg;
			break;
		case 'h':
			usage(0);
		case 'T':
			o->test = 2;
			break;
		case 't':
			o->test = 1;
			break;
		case 'v':
			printf("%s\n", HEARTH_SERVER);
			exit(0);
		case 'X':
			o->one_process = 1;
			o->foreground = 1;
			break;
		default:
			usage(1);
		}
	}
	if (optind != argc)
		usage(1);
	if (o->serve_opts && o->serve_dir == NULL) {
		fprintf(stderr, "hearthd: --port and --live go with --serve\n");
		exit(1);
	}
}

static struct config *
load_config(const struct options *o)
{
	struct conf_errors	 errs;
	struct config		*conf;
	char			 err[512];

	if (o->serve_dir != NULL) {
		if ((conf = conf_serve(o->serve_dir, o->serve_port,
		    o->serve_live, err, sizeof(err))) == NULL) {
			fprintf(stderr, "hearthd: --serve %s\n", err);
			exit(1);
		}
		return conf;
	}
	/*
	 * Only -t looks at the running system: ports, permissions.  -T
	 * does not read the certificates: it names where they go.
	 */
	if ((conf = conf_load_flags(o->conf_file, o->server_root,
	    o->test == 1 ? CONF_CHECK_SYSTEM : o->test == 2 ?
	    CONF_NO_TLS_FILES : 0, &errs)) == NULL) {
		fputs(errs.text ? errs.text : "configuration error\n", stderr);
		if (o->test)
			fprintf(stderr, "%d error%s\n", errs.count,
			    errs.count == 1 ? "" : "s");
		conf_errors_free(&errs);
		exit(1);
	}
	return conf;
}

/*
 * Fork into the background.  The parent waits on a pipe and exits 0
 * only once the child has written the pid file, so "hearthd && curl"
 * works; any failure before that is the parent's exit status.
 */
static int
daemonize(void)
{
	int	p[2], devnull;
	char	ok;
	pid_t	pid;

	if (pipe2(p, O_CLOEXEC) == -1)
		return -1;
	if ((pid = fork()) == -1)
		return -1;
	if (pid > 0) {
		close(p[1]);
		if (read(p[0], &ok, 1) == 1)
			_exit(0);
		_exit(1);
	}
	close(p[0]);
	setsid();
	if ((devnull = open("/dev/null", O_RDWR)) != -1) {
		dup2(devnull, STDIN_FILENO);
		dup2(devnull, STDOUT_FILENO);
		if (devnull > STDERR_FILENO)
			close(devnull);
	}
	/* stray writes to stderr land in the error log */
	if (log_fd() != -1)
		dup2(log_fd(), STDERR_FILENO);
	log_set_stderr(0);
	return p[1];
}

static void
block_signals(void)
{
	sigset_t	set;

	master_signals(&set);
	sigprocmask(SIG_BLOCK, &set, NULL);
	/* a client that goes away must not kill a sendfile() */
	signal(SIGPIPE, SIG_IGN);
}

static unsigned
scoreboard_slots(int workers)
{
	unsigned	n = (unsigned)workers * 4 + 16;

	return n > SB_MAX_SLOTS ? SB_MAX_SLOTS : n;
}

/* --serve on a taken port: say what to do about it. */
static void
serve_bind_hint(const struct options *o, char *err, size_t len)
{
	size_t	n = strlen(err);

	if (o->serve_dir == NULL || strstr(err, "in use") == NULL)
		return;
	snprintf(err + n, len - n, " (port %d is taken; pick another with "
	    "--port N)", o->serve_port);
}

static int
run_one_process(struct master_args *a)
{
	struct worker_args	wa;

	memset(&wa, 0, sizeof(wa));
	wa.conf = a->conf;
	wa.listeners = a->listeners;
	wa.nlisteners = listen_keep_index(a->listeners, a->nlisteners, -1);
	wa.generation = 1;
	wa.ready_fd = -1;
	wa.live_fd = -1;	/* no master, no watcher */
	wa.access_fd = a->access_fd;
	wa.tls_log_fd = a->tls_log_fd;
	wa.access_slog = a->access_slog;
	wa.mime = a->mime;
	wa.drop_privileges = 1;
	wa.server_start = time(NULL);
	wa.climit = a->climit;
	if ((wa.sb = a->sb) != NULL) {
		scoreboard_assign(a->sb, 0, getpid(), 1);
		wa.sb_slot = scoreboard_slot(a->sb, 0);
	}
	log_notice("%s running as a single process (-X)", HEARTH_SERVER);
	notify_ready();
	return worker_main(&wa);
}

/* The master's "<pid_file>.conf" goes with its pid file. */
static void
dump_remove(const struct config *conf)
{
	char	path[PATH_MAX];

	if (conf->pid_file != NULL && snprintf(path, sizeof(path), "%s.conf",
	    conf->pid_file) < (int)sizeof(path))
		unlink(path);
}

int
main(int argc, char **argv, char **envp)
{
	struct options		 o;
	struct master_args	 a;
	struct listener		*ls = NULL;
	struct slog		 aslog;
	struct config		*conf;
	char			 err[512];
	pid_t			 other;
	int			 rc, ready_fd = -1;

	setproctitle_init(argc, argv, envp);
	parse_args(argc, argv, &o);
	log_init(LOG_NOTICE, 1);
	notify_init();
	conf = load_config(&o);
	if (o.test == 1) {
		printf("Syntax OK\n");
		return 0;
	}
	if (o.test == 2) {
		conf_dump(conf, stdout);
		return 0;
	}
	log_set_level(conf_log_level(conf->log_level));
	if (log_open(conf->error_log, err, sizeof(err)) == -1) {
		fprintf(stderr, "hearthd: %s\n", err);
		return 1;
	}
	/* in a terminal, show the error log there too (--serve: it is) */
	log_set_stderr(o.foreground && isatty(STDERR_FILENO) &&
	    o.serve_dir == NULL);

	memset(&a, 0, sizeof(a));
	a.conf_file = o.conf_file;
	a.server_root_opt = o.server_root;
	a.conf = conf;
	a.access_slog = &aslog;
	if (conf->pid_file != NULL && (a.pidfh = pidfile_open(conf->pid_file,
	    0644, &other)) == NULL) {
		if (errno == EEXIST)
			snprintf(err, sizeof(err), "already running (pid %d)",
			    (int)other);
		else
			snprintf(err, sizeof(err), "cannot open pid file %s: "
			    "%s", conf->pid_file, strerror(errno));
		fprintf(stderr, "hearthd: %s\n", err);
		log_errorx("%s", err);
		return 1;
	}
	/* -X accepts on everything itself: one set of listeners */
	if ((a.nlisteners = listen_bind(conf, o.one_process ? 1 :
	    conf->workers, NULL, 0, &ls, err, sizeof(err))) == -1 ||
	    (a.access_fd = master_open_access_log(conf, &aslog, err,
	    sizeof(err))) == -2 || (a.tls_log_fd = master_open_tls_log(conf,
	    err, sizeof(err))) == -2) {
		serve_bind_hint(&o, err, sizeof(err));
		fprintf(stderr, "hearthd: %s\n", err);
		log_errorx("%s", err);
		pidfile_remove(a.pidfh);
		return 1;
	}
	/*
	 * Room for every worker of two generations (a graceful reload) and
	 * then some; pages never touched cost nothing.
	 */
	if ((a.sb = scoreboard_create(o.one_process ? 1 :
	    scoreboard_slots(conf->workers))) == NULL)
		log_warn("scoreboard: status pages will show no figures");
	/* always: a reload may turn limits.per_client on */
	if ((a.climit = climit_create()) == NULL)
		log_warn("limits.per_client: counters");
	if ((a.mime = master_load_mime(conf, err, sizeof(err))) == NULL) {
		fprintf(stderr, "hearthd: out of memory\n");
		pidfile_remove(a.pidfh);
		return 1;
	}
	if (err[0] != '\0')
		log_warnx("%s", err);
	block_signals();
	if (!o.foreground && (ready_fd = daemonize()) == -1) {
		fprintf(stderr, "hearthd: cannot daemonize: %s\n",
		    strerror(errno));
		pidfile_remove(a.pidfh);
		return 1;
	}
	if (a.pidfh != NULL && pidfile_write(a.pidfh) == -1)
		log_warn("pid file %s", conf->pid_file);
	/* what hearthctl graceful compares a reload against */
	if (a.pidfh != NULL && conf_dump_file(conf, NULL) == -1)
		log_warn("%s.conf", conf->pid_file);
	if (ready_fd != -1) {
		if (write(ready_fd, "1", 1) != 1)
			log_warn("start-up pipe");
		close(ready_fd);
	}
	a.listeners = ls;
	for (rc = 0; rc < a.nlisteners; rc++)
		if (ls[rc].index == 0)
			log_notice("listening on %s%s", ls[rc].spec,
			    ls[rc].tls ? " (TLS)" : "");
	master_tls_expiry(conf);
	if (o.serve_dir != NULL) {
		printf("Serving %s at http://127.0.0.1:%d/ (live reload %s)\n",
		    o.serve_dir, o.serve_port, o.serve_live ? "on" : "off");
		fflush(stdout);
	}
	if (o.one_process)
		rc = run_one_process(&a);
	else
		rc = master_main(&a);
	if (a.pidfh != NULL)
		dump_remove(a.conf);
	pidfile_remove(a.pidfh);
	return rc;
}
