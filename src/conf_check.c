/*
 * The checks of "hearthd -t" that look beyond the file: can the run-as
 * user read the document root, can the master write its logs and pid
 * file, are the ports free (and who holds them if not).  They need the
 * running system, so a plain start and a reload skip them: there, a
 * failed open() or bind() already says what is wrong.
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <netinet/in.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <libconfig.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"
#include "conf_int.h"
#include "remoteip.h"
#include "slog.h"

#define CHECK_MAX_INODES	16
#define CHECK_MAX_HOLDERS	64

/* The setting behind a key, for its line; NULL (line 0) when defaulted. */
static const config_setting_t *
key_setting(config_t *cf, const char *key)
{
	return config_lookup(cf, key);
}

/*
 * Walk dir as the current credentials: search every component, then
 * read and search dir itself.  Returns 0, or -1 with *bad the path that
 * failed and errno set.
 */
static int
walk_access(const char *dir, char *bad, size_t len)
{
	char	*p;

	strlcpy(bad, dir, len);
	for (p = strchr(bad + 1, '/'); p != NULL; p = strchr(p + 1, '/')) {
		*p = '\0';
		if (access(bad, X_OK) == -1)
			return -1;
		*p = '/';
	}
	strlcpy(bad, dir, len);
	return access(bad, R_OK | X_OK);
}

/*
 * As root, the workers read the document root as user:group (with only
 * that group, as worker_drop_privileges() sets it): ask a child that
 * becomes them.  It writes "errno path" to the pipe when a walk fails.
 */
static int
docroot_as_user(const char *dir, uid_t uid, gid_t gid, char *bad,
    size_t len, int *err)
{
	int	p[2], st;
	ssize_t	n;
	pid_t	pid;
	char	buf[PATH_MAX + 32], *sp;

	if (pipe2(p, O_CLOEXEC) == -1 || (pid = fork()) == -1)
		return 0;	/* cannot tell: say nothing */
	if (pid == 0) {
		close(p[0]);
		if (setgroups(1, &gid) == -1 ||
		    setresgid(gid, gid, gid) == -1 ||
		    setresuid(uid, uid, uid) == -1)
			_exit(2);
		if (walk_access(dir, bad, len) == -1) {
			n = snprintf(buf, sizeof(buf), "%d %s", errno, bad);
			if (write(p[1], buf, (size_t)n) != n)
				_exit(2);
		}
		_exit(0);
	}
	close(p[1]);
	n = read(p[0], buf, sizeof(buf) - 1);
	close(p[0]);
	while (waitpid(pid, &st, 0) == -1 && errno == EINTR)
		;
	if (n <= 0 || (sp = strchr(buf, ' ')) == NULL)
		return 0;
	buf[n] = '\0';
	*err = atoi(buf);
	strlcpy(bad, sp + 1, len);
	return -1;
}

static void
check_docroot_user(const struct config *c, config_t *cf, const char *file,
    struct conf_errors *errs)
{
	struct passwd	*pw;
	struct group	*gr;
	struct stat	 st;
	char		 bad[PATH_MAX];
	int		 err = 0;

	/*
	 * Without root the workers keep our credentials, and conf.c has
	 * tried access() as us; a missing root is reported there too.
	 */
	if (c->document_root == NULL || geteuid() != 0 ||
	    stat(c->document_root, &st) == -1 || !S_ISDIR(st.st_mode))
		return;
	/* a missing user or group is reported by conf.c already */
	if (c->user == NULL || c->group == NULL ||
	    (pw = getpwnam(c->user)) == NULL ||
	    (gr = getgrnam(c->group)) == NULL)
		return;
	if (docroot_as_user(c->document_root, pw->pw_uid, gr->gr_gid, bad,
	    sizeof(bad), &err) == 0)
		return;
	conf_errf(errs, file, key_setting(cf, "document_root"),
	    "document_root %s is not readable by user %s (group %s): %s: %s",
	    c->document_root, c->user, c->group, bad, strerror(err));
}

/*
 * The master opens the logs and the pid file before it drops nothing:
 * as whoever started it.  A file that exists must be writable; one that
 * does not needs a directory we can create it in.
 */
static void
check_writable(const char *file, config_t *cf, struct conf_errors *errs,
    const char *key, const char *path)
{
	struct stat	 st;
	char		 dir[PATH_MAX], *slash;

	if (path == NULL || strcmp(path, "off") == 0 || slog_is_spec(path) ||
	    strncmp(path, "/dev/", 5) == 0)
		return;
	if (access(path, F_OK) == 0) {
		if (access(path, W_OK) == -1)
			conf_errf(errs, file, key_setting(cf, key),
			    "%s %s is not writable: %s", key, path,
			    strerror(errno));
		return;
	}
	strlcpy(dir, path, sizeof(dir));
	if ((slash = strrchr(dir, '/')) == NULL)
		return;
	if (slash == dir)
		slash[1] = '\0';
	else
		*slash = '\0';
	if (stat(dir, &st) == 0 && !S_ISDIR(st.st_mode))
		errno = ENOTDIR;
	if (errno == ENOTDIR || access(dir, W_OK | X_OK) == -1)
		conf_errf(errs, file, key_setting(cf, key),
		    "%s %s: cannot create it in %s: %s", key, path, dir,
		    strerror(errno));
}

/* Inodes of LISTEN sockets on port in one /proc/net/tcp* file. */
static int
listen_inodes(const char *table, int port, unsigned long *ino, int n)
{
	FILE		*fp;
	char		 line[512], local[64];
	unsigned	 lport, state;
	unsigned long	 inode;
	char		*colon;

	if ((fp = fopen(table, "re")) == NULL)
		return n;
	while (n < CHECK_MAX_INODES && fgets(line, sizeof(line), fp) != NULL) {
		/* sl local rem st tx:rx tr:when retrnsmt uid timeout inode */
		if (sscanf(line, " %*s %63s %*s %x %*s %*s %*s %*s %*s %lu",
		    local, &state, &inode) != 3 || state != 0x0A)
			continue;
		if ((colon = strrchr(local, ':')) == NULL ||
		    sscanf(colon + 1, "%x", &lport) != 1 || (int)lport != port)
			continue;
		ino[n++] = inode;
	}
	fclose(fp);
	return n;
}

static int
holds_inode(const char *pid, const unsigned long *ino, int nino)
{
	char		 dir[64], path[340], link[64], want[40];
	struct dirent	*de;
	DIR		*d;
	ssize_t		 len;
	int		 i, found = 0;

	snprintf(dir, sizeof(dir), "/proc/%.20s/fd", pid);
	if ((d = opendir(dir)) == NULL)
		return 0;
	while (!found && (de = readdir(d)) != NULL) {
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if ((len = readlink(path, link, sizeof(link) - 1)) <= 0)
			continue;
		link[len] = '\0';
		for (i = 0; i < nino && !found; i++) {
			snprintf(want, sizeof(want), "socket:[%lu]", ino[i]);
			found = strcmp(link, want) == 0;
		}
	}
	closedir(d);
	return found;
}

/* The pids that hold one of the sockets (master and workers share). */
static int
socket_holders(const unsigned long *ino, int nino, pid_t *pids, int max)
{
	struct dirent	*de;
	DIR		*d;
	int		 n = 0;

	if ((d = opendir("/proc")) == NULL)
		return 0;
	while (n < max && (de = readdir(d)) != NULL) {
		if (de->d_name[0] < '1' || de->d_name[0] > '9' ||
		    atoi(de->d_name) == (int)getpid())
			continue;
		if (holds_inode(de->d_name, ino, nino))
			pids[n++] = (pid_t)atoi(de->d_name);
	}
	closedir(d);
	return n;
}

static void
proc_read(pid_t pid, const char *what, char *buf, size_t len)
{
	char	path[64];
	ssize_t	n;
	int	fd;

	buf[0] = '\0';
	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, what);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n <= 0)
		return;
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';		/* comm ends in one */
}

static pid_t
proc_ppid(pid_t pid)
{
	char	buf[2048], *p;

	proc_read(pid, "stat", buf, sizeof(buf));
	/* "pid (comm) S ppid": comm may hold spaces and parentheses */
	if ((p = strrchr(buf, ')')) == NULL)
		return 0;
	return (pid_t)atoi(p + 4);
}

/*
 * Is pid our own master: "hearthd: master process (generation N) -f
 * FILE" with FILE this config?  Then -t runs beside the server it is
 * about to reload (hearthctl graceful), and the port is not in the way.
 */
static int
is_our_master(pid_t pid, const char *conf_file)
{
	char	 title[PATH_MAX + 128], a[PATH_MAX], b[PATH_MAX];
	char	*f;

	proc_read(pid, "cmdline", title, sizeof(title));
	if (strncmp(title, "hearthd: master process (", 25) != 0 ||
	    (f = strstr(title, ") -f ")) == NULL)
		return 0;
	f += 5;
	if (strcmp(f, conf_file) == 0)
		return 1;
	return realpath(f, a) != NULL && realpath(conf_file, b) != NULL &&
	    strcmp(a, b) == 0;
}

/*
 * Who listens on port: 1 (ours, not an error), 0 with who filled
 * ("nginx (pid 1234)"), or 0 with who empty when no one can be named.
 */
static int
port_holder(int port, const char *conf_file, char *who, size_t len)
{
	unsigned long	ino[CHECK_MAX_INODES];
	pid_t		pids[CHECK_MAX_HOLDERS], pick, pp;
	char		comm[64], pcomm[64];
	int		nino, n, i, j;

	who[0] = '\0';
	nino = listen_inodes("/proc/net/tcp", port, ino, 0);
	nino = listen_inodes("/proc/net/tcp6", port, ino, nino);
	if (nino == 0 ||
	    (n = socket_holders(ino, nino, pids, CHECK_MAX_HOLDERS)) == 0)
		return 0;
	for (i = 0; i < n; i++)
		if (is_our_master(pids[i], conf_file) ||
		    is_our_master(proc_ppid(pids[i]), conf_file))
			return 1;
	/* name the parent of the group: the holder whose parent is not one */
	pick = pids[0];
	for (i = 0; i < n; i++) {
		pp = proc_ppid(pids[i]);
		for (j = 0; j < n && pids[j] != pp; j++)
			;
		if (j == n) {
			pick = pids[i];
			break;
		}
	}
	/* a worker whose parent has its name: name the parent (a master) */
	proc_read(pick, "comm", comm, sizeof(comm));
	if ((pp = proc_ppid(pick)) > 1) {
		proc_read(pp, "comm", pcomm, sizeof(pcomm));
		if (strcmp(comm, pcomm) == 0)
			pick = pp;
	}
	snprintf(who, len, "%s (pid %d)", comm[0] ? comm : "?", (int)pick);
	return 0;
}

/*
 * The line of listen address i.  libconfig gives a list's scalar the
 * line of the token after it (often the closing "]"), so look for the
 * quoted address in the file, from the list's own line on; else the
 * list's line, or 0 when listen was defaulted.
 */
static void
listen_line(config_t *cf, const char *file, const struct conf_listen *l,
    int *line)
{
	config_setting_t	*s = config_lookup(cf, l->tls ? "tls.listen" :
				    "listen");
	const char		*spec = l->spec;
	char			 buf[1024], want[140];
	FILE			*fp;
	int			 n = 0, from;

	*line = 0;
	if (s == NULL)
		return;
	from = *line = (int)config_setting_source_line(s);
	if (config_setting_source_file(s) != NULL)
		file = config_setting_source_file(s);
	snprintf(want, sizeof(want), "\"%s\"", spec);
	if ((fp = fopen(file, "re")) == NULL)
		return;
	while (fgets(buf, sizeof(buf), fp) != NULL)
		if (++n >= from && strstr(buf, want) != NULL) {
			*line = n;
			break;
		}
	fclose(fp);
}


/* Bind as the server would (without SO_REUSEPORT), and let go at once. */
static void
check_port(const struct config *c, config_t *cf, const char *file,
    struct conf_errors *errs, int i)
{
	const struct conf_listen	*l = &c->listen[i];
	char				 who[128];
	int				 fd, on = 1, off = 0, port, e, line;

	if ((fd = socket(l->ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0)) ==
	    -1)
		return;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
	if (l->ss.ss_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof(off));
	if (bind(fd, (const struct sockaddr *)&l->ss, l->sslen) == 0) {
		close(fd);
		return;
	}
	e = errno;
	close(fd);
	port = (int)remoteip_port((const struct sockaddr *)&l->ss);
	listen_line(cf, file, l, &line);
	if (e != EADDRINUSE) {
		conf_errl(errs, file, line, "cannot bind \"%s\": %s",
		    l->spec, strerror(e));
		return;
	}
	if (port_holder(port, c->file, who, sizeof(who)))
		return;
	if (who[0] != '\0')
		conf_errl(errs, file, line, "port %d of \"%s\" is in use by %s",
		    port, l->spec, who);
	else
		conf_errl(errs, file, line, "port %d of \"%s\" is in use",
		    port, l->spec);
}

void
conf_check_system(const struct config *c, config_t *cf, const char *file,
    struct conf_errors *errs)
{
	int	i;

	check_docroot_user(c, cf, file, errs);
	check_writable(file, cf, errs, "error_log", c->error_log);
	check_writable(file, cf, errs, "access_log", c->access_log);
	check_writable(file, cf, errs, "pid_file", c->pid_file);
	for (i = 0; i < c->nlisten; i++)
		check_port(c, cf, file, errs, i);
}
