/*
 * CGI scripts (RFC 3875) inside the worker's event loop.
 *
 * A script is started with fork and execve, no shell, in its own
 * session so that it and everything it starts can be signalled as one
 * process group.  Its stdin, stdout and stderr are pipes, non-blocking
 * on our side and in the same epoll set as the client: the request body
 * is written to stdin as it arrives, the header section on stdout is
 * parsed, and the rest streams to the client.  Each direction reads only
 * when the other can take more, so neither a slow client nor a slow
 * script makes us buffer without bound, and nothing blocks the worker.
 *
 * The child is reaped through a pidfd (Linux 5.3): it becomes readable
 * when that one child exits, so the worker's signalfd and the master's
 * SIGCHLD handling are untouched, and a pid is never waited for by the
 * wrong code.  The struct cgi outlives the request when it must: until
 * the child is reaped, its stderr is at EOF and a pending kill is done.
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <arpa/inet.h>
#include <linux/openat2.h>
#include <netinet/in.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
/* strnvisx() only; the strnvis() argument order does not matter here */
#define LIBBSD_NETBSD_VIS
#include <vis.h>

#include "cgi.h"
#include "cgi_parse.h"
#include "remoteip.h"
#include "conf.h"
#include "conn.h"
#include "ev.h"
#include "hearth.h"
#include "log.h"
#include "resp.h"
#include "worker.h"

#define OBUF_SIZE	(CGI_HEAD_MAX + RESP_HEAD_MAX)
#define POLL_MS		100	/* reaping without a pidfd */

enum cgi_frame {
	FRAME_NONE,		/* HEAD, 204, 304: the body is read and dropped */
	FRAME_LENGTH,		/* the script's Content-Length */
	FRAME_CHUNKED,		/* HTTP/1.1 without a length */
	FRAME_CLOSE		/* HTTP/1.0 without a length: close ends it */
};

struct cgi {
	struct cgi	*prev, *next;	/* every script of this worker */
	struct conn	*c;		/* NULL once the request is over */
	struct ev_loop	*loop;
	pid_t		 pid;
	int		 pidfd;		/* -1: reaped, or polled */
	int		 in, out, err;	/* our pipe ends; -1 when closed */
	int		 in_ev, out_ev, err_ev, cl_ev;	/* cl_ev -1: unknown */
	int		 timeout;	/* seconds */
	struct ev_tmr	 tmr;		/* run time, then the kill grace */
	struct ev_tmr	 poll;
	int		 kill_stage;	/* 0, 1 TERM sent, 2 KILL sent */
	int		 reaped;
	int		 body_done;	/* stdin closed after the last byte */
	int		 client_eof;
	char		 name[256];	/* SCRIPT_NAME, for the log */
	char		 client[64];

	char		*hbuf;		/* the header section; then reads */
	size_t		 hlen;
	int		 head_sent;	/* our head is queued */
	enum cgi_frame	 frame;
	int64_t		 left;		/* FRAME_LENGTH: still to send */
	int		 ended;		/* last-chunk queued */
	char		*obuf;		/* framed bytes for the client */
	size_t		 olen, ooff;
	uint64_t	 opay;		/* body bytes in obuf, for %b */

	char		 eline[CGI_ERR_LINE];	/* a stderr line so far */
	size_t		 elen;
	int		 eskip;		/* cut: drop up to the next LF */
};

/* Where the script is, from the URL path. */
struct cgi_script {
	char		 rel[PATH_MAX];	/* under the cgi dir */
	const char	*info;		/* PATH_INFO, in path; "" for none */
	size_t		 name_len;	/* SCRIPT_NAME is path[0..name_len) */
};

static struct cgi	*cgi_all;

static void	cgi_pipe_event(struct ev_loop *, int, int, void *);
static void	cgi_pid_event(struct ev_loop *, int, int, void *);
static void	cgi_tmr_fire(struct ev_loop *, struct ev_tmr *, void *);
static void	cgi_poll_fire(struct ev_loop *, struct ev_tmr *, void *);
static void	cgi_release(struct cgi *, int kill_now);
static void	cgi_pump(struct cgi *);

const struct conf_cgi *
cgi_lookup(const struct config *conf, const char *path)
{
	int	i;

	for (i = 0; i < conf->ncgi; i++)
		if (cgi_url_match(conf->cgi[i].url, path) > 0)
			return &conf->cgi[i];
	return NULL;
}

/* ---------------------------------------------------------- finding */

/* Open rel beneath dfd, never through a symlink that leaves it. */
static int
cgi_stat_beneath(int dfd, const char *rel, struct stat *st)
{
	struct open_how	how;
	int		fd, rc;

	memset(&how, 0, sizeof(how));
	how.flags = O_PATH | O_CLOEXEC;
	how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;
	if ((fd = (int)syscall(SYS_openat2, dfd, rel, &how, sizeof(how)))
	    == -1)
		return -1;
	rc = fstat(fd, st);
	close(fd);
	return rc;
}

/*
 * Walk the path below the url a segment at a time: directories go on,
 * the first regular file is the script, and what follows it is
 * PATH_INFO (RFC 3875 section 4.1.5).  Returns 0 or a status.
 */
static int
cgi_walk(int dfd, const char *rest, struct cgi_script *s, char *errbuf,
    size_t errlen)
{
	const char	*seg, *end;
	struct stat	 st;
	size_t		 n;

	for (seg = rest;; seg = end + 1) {
		end = strchr(seg, '/');
		n = end ? (size_t)(end - rest) : strlen(rest);
		if (*seg == '.' || *seg == '/' || *seg == '\0') {
			snprintf(errbuf, errlen, "no script in the path");
			return *seg == '.' ? 404 : 403;
		}
		memcpy(s->rel, rest, n);
		s->rel[n] = '\0';
		if (cgi_stat_beneath(dfd, s->rel, &st) == -1) {
			snprintf(errbuf, errlen, "%s", strerror(errno));
			return errno == ENOENT || errno == ENOTDIR ? 404 : 403;
		}
		if (S_ISREG(st.st_mode))
			break;
		if (!S_ISDIR(st.st_mode) || end == NULL) {
			snprintf(errbuf, errlen, "not a script");
			return 403;
		}
	}
	s->info = end ? end : "";
	return 0;
}

static int
cgi_resolve(const struct conf_cgi *cg, const char *path,
    struct cgi_script *s, char *errbuf, size_t errlen)
{
	const char	*rest = path + strlen(cg->url), *base;
	int		 dfd, status;

	if (strlen(rest) >= sizeof(s->rel)) {
		snprintf(errbuf, errlen, "path too long");
		return 404;
	}
	if ((dfd = open(cg->dir, O_PATH | O_DIRECTORY | O_CLOEXEC)) == -1) {
		snprintf(errbuf, errlen, "cgi dir %s: %s", cg->dir,
		    strerror(errno));
		return 500;
	}
	if ((status = cgi_walk(dfd, rest, s, errbuf, errlen)) != 0)
		goto done;
	s->name_len = strlen(path) - strlen(s->info);
	base = strrchr(s->rel, '/');
	base = base ? base + 1 : s->rel;
	status = 403;
	if (!cgi_ext_ok(base, cg->ext, cg->next))
		snprintf(errbuf, errlen, "not a cgi extension");
	else if (faccessat(dfd, s->rel, X_OK, AT_EACCESS) == -1)
		snprintf(errbuf, errlen, "not executable: %s",
		    strerror(errno));
	else
		status = 0;
done:
	close(dfd);
	return status;
}

/* ---------------------------------------------------------- environment */

static void
cgi_env_sockname(struct cgi_env *e, const struct conn *c, struct span host)
{
	struct sockaddr_storage	 ss;
	socklen_t		 len = sizeof(ss);
	char			 addr[REMOTEIP_TEXT_MAX] = "", port[8] = "";
	size_t			 n;

	if (getsockname(c->fd, (struct sockaddr *)&ss, &len) == 0) {
		(void)remoteip_format((struct sockaddr *)&ss, addr,
		    sizeof(addr));
		snprintf(port, sizeof(port), "%u",
		    remoteip_port((struct sockaddr *)&ss));
	}
	/* section 4.1.14: the Host name without its port, else ours */
	n = 0;
	if (host.p != NULL && host.len > 0 && host.p[0] == '[') {
		while (n < host.len && host.p[n] != ']')
			n++;
		n += n < host.len;
	} else if (host.p != NULL)
		while (n < host.len && host.p[n] != ':')
			n++;
	if (n > 0)
		cgi_env_add(e, "SERVER_NAME", host.p, n);
	else
		cgi_env_adds(e, "SERVER_NAME", addr);
	cgi_env_adds(e, "SERVER_ADDR", addr);
	cgi_env_adds(e, "SERVER_PORT", port);
}

static void
cgi_env_join(struct cgi_env *e, const char *name, const char *dir,
    const char *rel)
{
	char	*p;

	if (asprintf(&p, "%s/%s", dir, rel) == -1) {
		e->oom = 1;
		return;
	}
	cgi_env_adds(e, name, p);
	free(p);
}

/* The request's meta-variables (RFC 3875 section 4.1), and no others. */
static void
cgi_env_build(struct cgi_env *e, const struct conn *c,
    const struct conf_cgi *cg, const char *path, const struct cgi_script *s)
{
	const struct http_request	*req = &c->w->req;
	char				 num[32];
	size_t				 n;

	cgi_env_adds(e, "GATEWAY_INTERFACE", "CGI/1.1");
	cgi_env_adds(e, "SERVER_SOFTWARE", HEARTH_SERVER);
	cgi_env_adds(e, "SERVER_PROTOCOL", c->version == 10 ? "HTTP/1.0" :
	    "HTTP/1.1");
	cgi_env_sockname(e, c, req->host);
	cgi_env_add(e, "REQUEST_METHOD", req->method.p, req->method.len);
	cgi_env_add(e, "QUERY_STRING", req->query.p ? req->query.p : "",
	    req->query.len);
	/* not in RFC 3875, but every script expects it: the raw target */
	n = req->query.p ? (size_t)(req->query.p + req->query.len -
	    req->path.p) : req->path.len;
	cgi_env_add(e, "REQUEST_URI", req->path.p, n);
	cgi_env_add(e, "SCRIPT_NAME", path, s->name_len);
	cgi_env_join(e, "SCRIPT_FILENAME", cg->dir, s->rel);
	if (*s->info != '\0') {
		/* section 4.1.6: PATH_INFO mapped like a document URI */
		cgi_env_adds(e, "PATH_INFO", s->info);
		cgi_env_join(e, "PATH_TRANSLATED", c->w->conf->document_root,
		    s->info + 1);
	}
	cgi_env_adds(e, "REMOTE_ADDR", c->client);
	cgi_env_adds(e, "REMOTE_PORT", c->client_port);
	if (req->content_length > 0) {
		snprintf(num, sizeof(num), "%lld",
		    (long long)req->content_length);
		cgi_env_adds(e, "CONTENT_LENGTH", num);
	}
	if (req->content_type.p != NULL)
		cgi_env_add(e, "CONTENT_TYPE", req->content_type.p,
		    req->content_type.len);
	cgi_env_adds(e, "DOCUMENT_ROOT", c->w->conf->document_root);
	/* HTTPS=on as Apache's mod_ssl sets it: scripts test for it */
	cgi_env_adds(e, "REQUEST_SCHEME", c->ssl != NULL ? "https" : "http");
	if (c->ssl != NULL)
		cgi_env_adds(e, "HTTPS", "on");
	cgi_env_adds(e, "PATH", CGI_PATH);
	cgi_env_headers(e, req->headers, req->nheaders);
}

/* ---------------------------------------------------------- the child */

/* fd on a number above 2, so dup2() to 0-2 never meets itself */
static int
cgi_high(int fd)
{
	return fd > 2 ? fd : fcntl(fd, F_DUPFD_CLOEXEC, 3);
}

/*
 * In the child, between fork and exec: nothing of the worker may reach
 * the script but the three pipes.  The worker blocks its signals for
 * the signalfd and ignores SIGPIPE; a script expects neither.
 */
static void __attribute__((noreturn))
cgi_child(int pin, int pout, int perr, const char *file, const char *cwd,
    char **envp)
{
	struct sigaction	 sa;
	sigset_t		 none;
	char			*argv[2];
	int			 sig, fd;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	for (sig = 1; sig < NSIG; sig++)
		sigaction(sig, &sa, NULL);	/* KILL, STOP: EINVAL */
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	setsid();		/* its own group: killpg() reaches all of it */
	if ((pin = cgi_high(pin)) == -1 || (pout = cgi_high(pout)) == -1 ||
	    (perr = cgi_high(perr)) == -1 || dup2(pin, 0) == -1 ||
	    dup2(pout, 1) == -1 || dup2(perr, 2) == -1)
		_exit(127);
	/* listeners, clients, logs: none may leak into the script */
	if (syscall(SYS_close_range, 3U, ~0U, 0U) == -1)
		for (fd = 3; fd < 65536; fd++)
			close(fd);
	if (chdir(cwd) == -1) {
		dprintf(2, "chdir %s: %s\n", cwd, strerror(errno));
		_exit(127);
	}
	argv[0] = (char *)file;
	argv[1] = NULL;
	execve(file, argv, envp);
	dprintf(2, "exec %s: %s\n", file, strerror(errno));
	_exit(127);
}

static int
cgi_nonblock(int fd)
{
	int	fl = fcntl(fd, F_GETFL);

	return fl == -1 ? -1 : fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

/* Fork and exec file with our ends of the pipes in g.  0 or -1. */
static int
cgi_spawn(struct cgi *g, const char *file, char **envp, char *errbuf,
    size_t errlen)
{
	int	 p[3][2] = { { -1, -1 }, { -1, -1 }, { -1, -1 } }, i;
	char	*cwd, *slash;

	if ((cwd = strdup(file)) == NULL)
		goto fail;
	slash = strrchr(cwd, '/');
	slash[slash == cwd] = '\0';
	for (i = 0; i < 3; i++)
		if (pipe2(p[i], O_CLOEXEC) == -1)
			goto fail;
	if ((g->pid = fork()) == -1)
		goto fail;
	if (g->pid == 0)
		cgi_child(p[0][0], p[1][1], p[2][1], file, cwd, envp);
	free(cwd);
	close(p[0][0]);
	close(p[1][1]);
	close(p[2][1]);
	g->in = p[0][1];
	g->out = p[1][0];
	g->err = p[2][0];
	if (cgi_nonblock(g->in) == -1 || cgi_nonblock(g->out) == -1 ||
	    cgi_nonblock(g->err) == -1)
		snprintf(errbuf, errlen, "fcntl: %s", strerror(errno));
	return 0;
fail:
	snprintf(errbuf, errlen, "%s", strerror(errno));
	free(cwd);
	for (i = 0; i < 3; i++) {
		if (p[i][0] != -1)
			close(p[i][0]);
		if (p[i][1] != -1)
			close(p[i][1]);
	}
	return -1;
}

/* Watch for the child's exit: a pidfd, else a poll with waitpid(). */
static void
cgi_watch_pid(struct cgi *g)
{
	g->pidfd = (int)syscall(SYS_pidfd_open, g->pid, 0);
	if (g->pidfd != -1 && (fcntl(g->pidfd, F_SETFD, FD_CLOEXEC) == -1 ||
	    ev_add(g->loop, g->pidfd, EV_READ, cgi_pid_event, g) == -1)) {
		close(g->pidfd);
		g->pidfd = -1;
	}
	if (g->pidfd == -1)
		ev_timer(g->loop, &g->poll, POLL_MS, cgi_poll_fire, g);
}

/* ---------------------------------------------------------- start */

static struct cgi *
cgi_new(struct conn *c, const struct conf_cgi *cg, const char *path,
    size_t name_len)
{
	struct cgi	*g;

	if ((g = calloc(1, sizeof(*g))) == NULL)
		return NULL;
	if ((g->hbuf = malloc(CGI_HEAD_MAX)) == NULL) {
		free(g);
		return NULL;
	}
	if ((g->next = cgi_all) != NULL)
		g->next->prev = g;
	cgi_all = g;
	g->loop = c->w->loop;
	g->in = g->out = g->err = g->pidfd = -1;
	g->cl_ev = -1;
	g->timeout = cg->timeout;
	snprintf(g->name, sizeof(g->name), "%.*s", (int)name_len, path);
	strlcpy(g->client, c->client, sizeof(g->client));
	return g;
}

static void
cgi_free(struct cgi *g)
{
	if (g->prev != NULL)
		g->prev->next = g->next;
	else
		cgi_all = g->next;
	if (g->next != NULL)
		g->next->prev = g->prev;
	free(g->hbuf);
	free(g->obuf);
	free(g);
}

int
cgi_start(struct conn *c, const struct conf_cgi *cg, const char *path)
{
	struct cgi_script	 s;
	struct cgi_env		 env;
	struct cgi		*g = NULL;
	char			 err[256] = "", *file = NULL, **envp = NULL;
	int			 status;

	memset(&env, 0, sizeof(env));
	if ((status = cgi_resolve(cg, path, &s, err, sizeof(err))) != 0) {
		log_client(status >= 500 ? LOG_ERR : LOG_INFO, c->logname,
		    "cgi %s: %s", path, err);
		return status;
	}
	status = 500;
	cgi_env_build(&env, c, cg, path, &s);
	if (asprintf(&file, "%s/%s", cg->dir, s.rel) == -1)
		file = NULL;
	if ((envp = cgi_env_vector(&env)) == NULL || file == NULL ||
	    (g = cgi_new(c, cg, path, s.name_len)) == NULL) {
		snprintf(err, sizeof(err), "out of memory");
		goto done;
	}
	if (cgi_spawn(g, file, envp, err, sizeof(err)) == -1) {
		status = 503;	/* EAGAIN, EMFILE: try again later */
		goto done;
	}
	if (ev_add(g->loop, g->out, EV_READ, cgi_pipe_event, g) == -1 ||
	    ev_add(g->loop, g->err, EV_READ, cgi_pipe_event, g) == -1)
		log_warn("cgi %s: epoll_ctl", g->name);
	g->out_ev = g->err_ev = EV_READ;
	cgi_watch_pid(g);
	ev_timer(g->loop, &g->tmr, g->timeout * 1000, cgi_tmr_fire, g);
	g->c = c;
	c->cgi = g;
	c->body_held = 0;
	c->state = CONN_CGI;
	g = NULL;
	status = 0;
done:
	if (status != 0)
		log_client(LOG_ERR, c->logname, "cgi %s: %s", path, err);
	if (g != NULL)
		cgi_free(g);
	free(file);
	free(envp);
	cgi_env_free(&env);
	return status;
}

/* ---------------------------------------------------------- watching */

/*
 * Interest in fd becomes want.  With nothing wanted the fd leaves the
 * epoll set: a pipe's HUP and ERR are reported whatever the mask, and
 * would wake a level-triggered loop for ever.
 */
static void
cgi_want(struct cgi *g, int fd, int *cur, int want, ev_fn *fn, void *arg)
{
	int	rc = 0;

	if (fd == -1 || *cur == want)
		return;
	if (want == 0)
		rc = ev_del(g->loop, fd);
	else if (*cur == 0)
		rc = ev_add(g->loop, fd, want, fn, arg);
	else
		rc = ev_mod(g->loop, fd, want);
	if (rc == -1 && want != 0)
		log_warn("cgi %s: epoll_ctl", g->name);
	*cur = want;
}

static void
cgi_close(struct cgi *g, int *fd, int *cur)
{
	if (*fd == -1)
		return;
	if (*cur != 0)
		ev_del(g->loop, *fd);
	close(*fd);
	*fd = -1;
	*cur = 0;
}

/* Which way each descriptor should move now, and the client's timer. */
static void
cgi_watch(struct cgi *g)
{
	struct conn	*c = g->c;
	int		 cl = 0;

	if (!g->body_done && c->body_held == 0 && !g->client_eof)
		cl |= EV_READ;
	if (g->ooff < g->olen)
		cl |= EV_WRITE;
	cgi_want(g, c->fd, &g->cl_ev, cl, conn_event, c);
	cgi_want(g, g->in, &g->in_ev, c->body_held > 0 ? EV_WRITE : 0,
	    cgi_pipe_event, g);
	cgi_want(g, g->out, &g->out_ev, g->ooff == g->olen ? EV_READ : 0,
	    cgi_pipe_event, g);
	/* a client that neither sends its body nor reads our answer */
	if (cl & EV_WRITE)
		conn_arm(c, c->w->conf->timeouts.send);
	else if (cl & EV_READ)
		conn_arm(c, c->w->conf->timeouts.body);
	else
		ev_timer_cancel(&c->tmr);
}

/* ---------------------------------------------------------- ending */

static void
cgi_maybe_free(struct cgi *g)
{
	if (g->c != NULL || !g->reaped || g->err != -1 ||
	    ev_timer_armed(&g->tmr))
		return;
	ev_timer_cancel(&g->poll);
	cgi_free(g);
}

/* SIGTERM to the whole group, then SIGKILL after a grace period. */
static void
cgi_kill(struct cgi *g)
{
	if (g->kill_stage >= 2)
		return;
	g->kill_stage++;
	if (killpg(g->pid, g->kill_stage == 1 ? SIGTERM : SIGKILL) == -1 &&
	    errno != ESRCH)
		log_warn("cgi %s: kill", g->name);
	if (g->kill_stage == 1)
		ev_timer(g->loop, &g->tmr, CGI_KILL_GRACE_MS, cgi_tmr_fire, g);
}

/*
 * The request is over for the script: the connection goes back to
 * conn.c, registered for events as conn.c expects.  The script is
 * stopped at once (kill_now) or given a grace period to exit first.
 */
static void
cgi_release(struct cgi *g, int kill_now)
{
	struct conn	*c = g->c;

	c->cgi = NULL;
	g->c = NULL;
	if (g->cl_ev == 0 && ev_add(g->loop, c->fd, EV_READ, conn_event, c)
	    == -1)
		log_warn("epoll_ctl add for client %s", c->client);
	cgi_close(g, &g->in, &g->in_ev);
	cgi_close(g, &g->out, &g->out_ev);
	free(g->hbuf);
	free(g->obuf);
	g->hbuf = g->obuf = NULL;
	if (g->kill_stage == 0)
		ev_timer_cancel(&g->tmr);	/* the run time; not a kill */
	if (kill_now)
		cgi_kill(g);
	else if (!g->reaped && g->kill_stage == 0)
		ev_timer(g->loop, &g->tmr, CGI_KILL_GRACE_MS, cgi_tmr_fire, g);
	cgi_maybe_free(g);
}

/* Failed: an error answer if our head has not gone out, else a close. */
static void
cgi_fail(struct cgi *g, int status)
{
	struct conn	*c = g->c;
	int		 sent = g->head_sent;

	cgi_release(g, 1);
	if (sent)
		conn_cgi_abort(c);
	else
		conn_cgi_error(c, status);
}

void
cgi_detach(struct conn *c)
{
	cgi_release(c->cgi, 1);
}

static void
cgi_tmr_fire(struct ev_loop *loop, struct ev_tmr *t, void *arg)
{
	struct cgi	*g = arg;

	(void)loop;
	(void)t;
	if (g->c != NULL) {
		log_client(LOG_ERR, g->client, "cgi %s: timed out after %d s",
		    g->name, g->timeout);
		cgi_fail(g, 504);
		return;
	}
	if (g->kill_stage > 0 || !g->reaped)
		cgi_kill(g);
	cgi_maybe_free(g);
}

/* ---------------------------------------------------------- stderr */

/* One stderr line to the error log, tagged, control bytes escaped. */
static void
cgi_log_line(struct cgi *g)
{
	char	vis[CGI_ERR_LINE * 4 + 1];

	if (g->elen > 0 && g->eline[g->elen - 1] == '\r')
		g->elen--;
	strnvisx(vis, sizeof(vis), g->eline, g->elen, VIS_SAFE | VIS_OCTAL |
	    VIS_CSTYLE | VIS_NL);
	log_client(LOG_ERR, g->client, "cgi %s: %s", g->name, vis);
	g->elen = 0;
}

static void
cgi_stderr(struct cgi *g)
{
	char	buf[4096];
	ssize_t	n, i;

	while ((n = read(g->err, buf, sizeof(buf))) > 0)
		for (i = 0; i < n; i++) {
			if (buf[i] == '\n') {
				if (!g->eskip)
					cgi_log_line(g);
				g->eskip = 0;
			} else if (g->eskip)
				continue;
			else if (g->elen == sizeof(g->eline)) {
				cgi_log_line(g);	/* cut here */
				g->eskip = 1;
			} else
				g->eline[g->elen++] = buf[i];
		}
	if (n == -1 && (errno == EAGAIN || errno == EINTR))
		return;
	if (g->elen > 0)
		cgi_log_line(g);
	cgi_close(g, &g->err, &g->err_ev);
}

/* ---------------------------------------------------------- reaping */

static void
cgi_reap(struct cgi *g)
{
	int	st, rc;

	while ((rc = waitpid(g->pid, &st, WNOHANG)) == -1 && errno == EINTR)
		;
	if (rc == 0)
		return;
	g->reaped = 1;
	if (g->pidfd != -1) {
		ev_del(g->loop, g->pidfd);
		close(g->pidfd);
		g->pidfd = -1;
	}
	ev_timer_cancel(&g->poll);
	if (rc == -1)
		log_warn("cgi %s: waitpid", g->name);
	else if (WIFSIGNALED(st) && (g->kill_stage == 0 ||
	    (WTERMSIG(st) != SIGTERM && WTERMSIG(st) != SIGKILL)))
		log_client(LOG_ERR, g->client, "cgi %s: killed by signal %d",
		    g->name, WTERMSIG(st));
	else if (WIFEXITED(st) && WEXITSTATUS(st) != 0)
		log_client(LOG_INFO, g->client, "cgi %s: exit status %d",
		    g->name, WEXITSTATUS(st));
	if (g->c == NULL) {
		if (g->kill_stage == 0)
			ev_timer_cancel(&g->tmr);	/* no grace needed */
		if (g->err != -1)
			cgi_stderr(g);	/* what it said last */
		cgi_maybe_free(g);
	}
}

static void
cgi_pid_event(struct ev_loop *loop, int fd, int events, void *arg)
{
	(void)loop;
	(void)fd;
	(void)events;
	cgi_reap(arg);
}

static void
cgi_poll_fire(struct ev_loop *loop, struct ev_tmr *t, void *arg)
{
	struct cgi	*g = arg;

	(void)t;
	cgi_reap(g);
	if (!g->reaped)
		ev_timer(loop, &g->poll, POLL_MS, cgi_poll_fire, g);
}

/* ---------------------------------------------------------- request body */

/* n body bytes have gone to the script (or nowhere): drop them. */
static void
cgi_unhold(struct conn *c, size_t n)
{
	char	*p = c->rbuf + c->consumed;

	memmove(p, p + n, c->rlen - c->consumed - n);
	c->rlen -= n;
	c->body_held -= n;
}

/*
 * Move the request body on to the script's stdin as it arrives (RFC
 * 3875 section 4.2), and close stdin after its last byte.  A script
 * that closes its stdin early gets no more; the rest is read and
 * dropped.  -1: the request is over.
 */
static int
cgi_feed(struct cgi *g)
{
	struct conn	*c = g->c;
	const char	*why;
	ssize_t		 n;
	int		 rc, status;

	while (!g->body_done) {
		if (c->body_held > 0) {
			n = g->in == -1 ? (ssize_t)c->body_held :
			    write(g->in, c->rbuf + c->consumed, c->body_held);
			if (n == -1 && (errno == EAGAIN || errno == EINTR))
				return 0;
			if (n == -1)	/* EPIPE: it stopped reading */
				cgi_close(g, &g->in, &g->in_ev);
			else
				cgi_unhold(c, (size_t)n);
			continue;
		}
		if ((rc = conn_body_take(c, &status, &why)) == -1) {
			log_client(LOG_INFO, c->logname, "%d: %s", status, why);
			cgi_fail(g, status);
			return -1;
		}
		if (rc == 1 && c->body_held == 0) {
			g->body_done = 1;
			cgi_close(g, &g->in, &g->in_ev);
		} else if (c->body_held == 0)
			return 0;	/* wait for the client */
	}
	return 0;
}

/* ---------------------------------------------------------- response */

/* Body bytes from the script, framed for the client, into obuf. */
static void
cgi_queue(struct cgi *g, const char *p, size_t n)
{
	if (g->frame == FRAME_NONE)
		return;
	if (g->frame == FRAME_LENGTH) {
		if ((int64_t)n > g->left)
			n = (size_t)g->left;	/* more than it said: dropped */
		g->left -= (int64_t)n;
	}
	if (n == 0)
		return;
	if (g->frame == FRAME_CHUNKED)
		g->olen += (size_t)snprintf(g->obuf + g->olen, 20, "%zx\r\n",
		    n);
	memcpy(g->obuf + g->olen, p, n);
	g->olen += n;
	g->opay += n;
	if (g->frame == FRAME_CHUNKED) {
		memcpy(g->obuf + g->olen, "\r\n", 2);
		g->olen += 2;
	}
}

/* How the body is delimited (RFC 9112 section 6.3), in the head. */
static void
cgi_framing(struct cgi *g, const struct cgi_head *h, struct resp_buf *b,
    int status)
{
	struct conn	*c = g->c;

	if (status == 204 || status == 304)
		g->frame = FRAME_NONE;
	else if (h->content_length >= 0) {
		resp_fmt(b, "Content-Length: %lld\r\n",
		    (long long)h->content_length);
		g->frame = c->head_only ? FRAME_NONE : FRAME_LENGTH;
		g->left = h->content_length;
	} else if (c->head_only)
		g->frame = FRAME_NONE;
	else if (c->version == 11) {
		resp_str(b, "Transfer-Encoding: chunked\r\n");
		g->frame = FRAME_CHUNKED;
	} else {
		g->frame = FRAME_CLOSE;
		c->keep_alive = 0;
	}
	if (!c->keep_alive)
		resp_str(b, "Connection: close\r\n");
	else if (c->version == 10)
		resp_str(b, "Connection: keep-alive\r\n");
}

/* Try a local redirect (section 6.2.2).  0: conn.c took the request. */
static int
cgi_local(struct cgi *g, const struct cgi_head *h)
{
	char	*loc;
	int	 rc;

	if ((loc = strndup(h->location.p, h->location.len)) == NULL)
		return -1;
	rc = conn_cgi_local(g->c, loc);
	free(loc);
	return rc;
}

/* The script's header section is complete: queue our head.  -1: over. */
static int
cgi_head(struct cgi *g, const struct cgi_head *h)
{
	struct conn	*c = g->c;
	struct resp_buf	 b;
	size_t		 i;
	int		 status = h->status ? h->status : 302;

	if (h->kind == CGI_LOCAL_REDIRECT && cgi_local(g, h) == 0)
		return -1;
	if (g->obuf == NULL && (g->obuf = malloc(OBUF_SIZE)) == NULL) {
		cgi_fail(g, 500);
		return -1;
	}
	worker_update_dates(c->w);
	resp_init(&b, g->obuf, OBUF_SIZE);
	resp_fmt(&b, "HTTP/1.1 %d ", status);
	if (h->reason.p != NULL)
		resp_add(&b, h->reason.p, h->reason.len);
	else
		resp_str(&b, resp_reason(status));
	resp_fmt(&b, "\r\nDate: %s\r\nServer: %s\r\n", c->w->date_http,
	    HEARTH_SERVER);
	for (i = 0; i < h->nfields; i++) {
		resp_add(&b, h->fields[i].name.p, h->fields[i].name.len);
		resp_add(&b, ": ", 2);
		resp_add(&b, h->fields[i].value.p, h->fields[i].value.len);
		resp_add(&b, "\r\n", 2);
	}
	if (h->location.p != NULL) {
		resp_str(&b, "Location: ");
		resp_add(&b, h->location.p, h->location.len);
		resp_add(&b, "\r\n", 2);
	}
	if (h->content_type.p != NULL) {
		resp_str(&b, "Content-Type: ");
		resp_add(&b, h->content_type.p, h->content_type.len);
		resp_add(&b, "\r\n", 2);
	}
	cgi_framing(g, h, &b, status);
	resp_add(&b, "\r\n", 2);
	if (b.overflow || b.len + (g->hlen - h->head_len) + 32 > OBUF_SIZE) {
		log_client(LOG_ERR, c->logname, "cgi %s: header section too "
		    "large", g->name);
		cgi_fail(g, 502);
		return -1;
	}
	g->olen = b.len;
	g->ooff = 0;
	g->head_sent = 1;
	c->status = status;
	c->body_sent = 0;
	cgi_queue(g, g->hbuf + h->head_len, g->hlen - h->head_len);
	g->hlen = 0;
	return 0;
}

/* Output so far, before the head: is the header section complete? */
static int
cgi_parse(struct cgi *g)
{
	struct cgi_head	h;

	switch (cgi_parse_head(g->hbuf, g->hlen, CGI_HEAD_MAX, &h)) {
	case CGI_HEAD_AGAIN:
		return 0;
	case CGI_HEAD_ERROR:
		log_client(LOG_ERR, g->client, "cgi %s: malformed header "
		    "section: %s", g->name, h.error);
		cgi_fail(g, 502);
		return -1;
	case CGI_HEAD_DONE:
		break;
	}
	return cgi_head(g, &h);
}

/* stdout is at EOF and obuf is sent: finish.  1: more to send. */
static int
cgi_end(struct cgi *g)
{
	struct conn	*c = g->c;

	if (!g->head_sent) {
		log_client(LOG_ERR, c->logname, "cgi %s: ended without a "
		    "complete header section", g->name);
		cgi_fail(g, 502);
		return -1;
	}
	if (g->frame == FRAME_CHUNKED && !g->ended) {
		memcpy(g->obuf, "0\r\n\r\n", 5);	/* section 7.1 */
		g->olen = 5;
		g->ooff = 0;
		g->ended = 1;
		return 1;
	}
	if (g->frame == FRAME_LENGTH && g->left > 0) {
		log_client(LOG_ERR, c->logname, "cgi %s: output shorter than "
		    "its Content-Length", g->name);
		c->keep_alive = 0;
	}
	if (g->client_eof)
		c->keep_alive = 0;
	cgi_release(g, 0);
	conn_cgi_done(c);
	return -1;
}

/* Send obuf.  1: all sent; 0: the socket is full; -1: the client left. */
static int
cgi_send(struct cgi *g)
{
	struct conn	*c = g->c;
	ssize_t		 n;

	while (g->ooff < g->olen) {
		n = conn_send(c, g->obuf + g->ooff, g->olen - g->ooff);
		if (n == -1 && (errno == EAGAIN || errno == EINTR))
			return 0;
		if (n == -1)
			return -1;
		g->ooff += (size_t)n;
	}
	c->body_sent += g->opay;
	g->opay = 0;
	g->ooff = g->olen = 0;
	return 1;
}

/* Read the script's stdout.  >0 bytes, 0 would block, -1 EOF. */
static ssize_t
cgi_read_out(struct cgi *g)
{
	size_t	room = g->head_sent ? CGI_BUF : CGI_HEAD_MAX - g->hlen;
	char	*p = g->head_sent ? g->hbuf : g->hbuf + g->hlen;
	ssize_t	n;

	if (g->out == -1)
		return -1;
	do
		n = read(g->out, p, room);
	while (n == -1 && errno == EINTR);
	if (n > 0)
		return n;
	if (n == -1 && errno == EAGAIN)
		return 0;
	cgi_close(g, &g->out, &g->out_ev);
	return -1;
}

/* stdout to the client, as fast as the client takes it.  -1: over. */
static int
cgi_drain(struct cgi *g)
{
	ssize_t	n;

	for (;;) {
		switch (g->ooff < g->olen ? cgi_send(g) : 1) {
		case 0:
			return 0;
		case -1:
			cgi_fail(g, 500);	/* after the head: a close */
			return -1;
		}
		if ((n = cgi_read_out(g)) == 0)
			return 0;
		if (n == -1) {
			if (cgi_end(g) == -1)
				return -1;
			continue;
		}
		if (g->head_sent)
			cgi_queue(g, g->hbuf, (size_t)n);
		else {
			g->hlen += (size_t)n;
			if (cgi_parse(g) == -1)
				return -1;
		}
	}
}

static void
cgi_pump(struct cgi *g)
{
	if (g->c == NULL || cgi_feed(g) == -1 || cgi_drain(g) == -1)
		return;
	cgi_watch(g);
}

static void
cgi_pipe_event(struct ev_loop *loop, int fd, int events, void *arg)
{
	struct cgi	*g = arg;

	(void)loop;
	(void)events;
	if (fd == g->err) {
		cgi_stderr(g);
		if (g->c == NULL) {
			cgi_maybe_free(g);
			return;
		}
	}
	cgi_pump(g);
}

/* ---------------------------------------------------------- conn hooks */

void
cgi_resume(struct conn *c)
{
	struct cgi	*g = c->cgi;

	if (c->body_left == 0 && !c->body_chunked) {
		g->body_done = 1;	/* no body: EOF at once */
		cgi_close(g, &g->in, &g->in_ev);
	}
	cgi_pump(g);
}

void
cgi_conn_event(struct conn *c, int events)
{
	struct cgi	*g = c->cgi;
	int		 rc = 0;

	if ((events & EV_READ) && !g->body_done && c->body_held == 0)
		rc = conn_fill(c);
	cgi_pump(g);
	if (rc != -1 || c->cgi != g)
		return;
	if (!g->body_done) {
		log_client(LOG_INFO, c->logname, "client closed the "
		    "connection during the request body");
		conn_close(c);
		return;
	}
	g->client_eof = 1;
	c->keep_alive = 0;
	cgi_watch(g);
}

void
cgi_conn_timeout(struct conn *c)
{
	struct cgi	*g = c->cgi;

	log_client(LOG_INFO, c->logname, "cgi %s: client timed out",
	    g->name);
	if (!g->body_done && !g->head_sent)
		cgi_fail(g, 408);
	else
		cgi_fail(g, 500);	/* after the head: a close */
}

/*
 * The worker is exiting: scripts are in sessions of their own and would
 * outlive it, holding pipes nobody reads.  No grace period is left.
 */
void
cgi_kill_all(void)
{
	struct cgi	*g;

	for (g = cgi_all; g != NULL; g = g->next)
		if (!g->reaped && killpg(g->pid, SIGKILL) == 0)
			waitpid(g->pid, NULL, 0);
}
