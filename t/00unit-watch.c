/*
 * Tests for src/watch.c against a real temporary tree.  Every wait has a
 * deadline; nothing sleeps a fixed time except the "no event" checks,
 * which must wait out a debounce to mean anything.
 */
#include "config.h"

#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "hearth.h"
#include "watch.h"
#include "tap.h"

#define MAXSEEN		1024
/* How long to wait to say "no event": a debounce and some. */
#define NONE_MS		(WATCH_MAX_DELAY_MS + 200)

struct seen {
	char	 path[MAXSEEN][128];
	int	 n;
	int	 deliveries;	/* watch_process() calls with changes */
};

static char	 top[64], root[128], outside[128];
static char	 warning[512];	/* the last one watch_process() gave */

static int64_t
now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
on_change(const char *path, void *arg)
{
	struct seen	*s = arg;

	if (s->n < MAXSEEN)
		snprintf(s->path[s->n++], sizeof(s->path[0]), "%s", path);
}

static int
has(const struct seen *s, const char *path)
{
	int	i, c = 0;

	for (i = 0; i < s->n; i++)
		c += strcmp(s->path[i], path) == 0;
	return c;
}

/*
 * Run the watcher until want has been delivered (want NULL: for the whole
 * time) or ms have passed.  Returns 1 if want was seen.
 */
static int
run(struct watch *w, struct seen *s, const char *want, int ms)
{
	struct pollfd	 pfd;
	char		 err[512];
	int64_t		 end = now_ms() + ms, left;
	int		 n;

	memset(s, 0, sizeof(*s));
	pfd.fd = watch_fd(w);
	pfd.events = POLLIN;
	while ((left = end - now_ms()) > 0) {
		if (poll(&pfd, 1, (int)left) <= 0)
			continue;
		n = watch_process(w, on_change, s, err, sizeof(err));
		if (n < 0) {
			tap_diag("watch_process: %s", err);
			return 0;
		}
		if (err[0] != '\0')
			snprintf(warning, sizeof(warning), "%s", err);
		if (n > 0)
			s->deliveries++;
		if (want != NULL && has(s, want))
			return 1;
	}
	return want == NULL;
}

static void
put(const char *rel, const char *text)
{
	char	 p[512];
	FILE	*f;

	snprintf(p, sizeof(p), "%s%s", root, rel);
	if ((f = fopen(p, "w")) == NULL) {
		tap_diag("fopen %s: %s", p, strerror(errno));
		return;
	}
	fputs(text, f);
	fclose(f);
}

static void
dir(const char *rel)
{
	char	p[512];

	snprintf(p, sizeof(p), "%s%s", root, rel);
	mkdir(p, 0755);
}

static void
mv(const char *from, const char *to)
{
	if (rename(from, to) == -1)
		tap_diag("rename %s %s: %s", from, to, strerror(errno));
}

static void
seen_diag(const struct seen *s)
{
	int	i;

	for (i = 0; i < s->n; i++)
		tap_diag("  delivered %s", s->path[i]);
}

static void
make_tree(void)
{
	snprintf(top, sizeof(top), "/tmp/hearth-watch-XXXXXX");
	if (mkdtemp(top) == NULL) {
		perror("mkdtemp");
		exit(99);
	}
	snprintf(root, sizeof(root), "%s/root", top);
	snprintf(outside, sizeof(outside), "%s/outside", top);
	mkdir(root, 0755);
	mkdir(outside, 0755);
	dir("/css");
	dir("/sub");
	dir("/sub/deep");
	dir("/.git");
	dir("/node_modules");
	put("/a.html", "<p>a");
	put("/css/site.css", "p{}");
	put("/sub/deep/x.txt", "x");
	put("/.git/HEAD", "ref");
	put("/node_modules/a.js", "1");
}

static void
test_open_errors(void)
{
	char		 err[256], p[256];
	struct watch	*w;

	snprintf(p, sizeof(p), "%s/nonexistent", top);
	w = watch_open(p, NULL, 0, 0, err, sizeof(err));
	tap_ok(w == NULL && strstr(err, "nonexistent") != NULL,
	    "open: a missing root fails, naming it: %s", err);
	snprintf(p, sizeof(p), "%s/a.html", root);
	w = watch_open(p, NULL, 0, 0, err, sizeof(err));
	tap_ok(w == NULL && strstr(err, "not a directory") != NULL,
	    "open: a file as root fails: %s", err);
}

static void
test_inotify_basic(struct watch *w)
{
	struct seen	s;
	char		err[256];
	int		ok;

	put("/a.html", "<p>b");
	/* right after the event, it is held back for the debounce */
	ok = run(w, &s, "/a.html", 1000);
	tap_ok(ok, "modify: /a.html within 1 s");
	tap_is_int(s.n, 1, "modify: one path");
	tap_is_int(s.deliveries, 1, "modify: one delivery");

	put("/a.html", "<p>c");
	usleep(20000);
	tap_is_int(watch_process(w, on_change, &s, err, sizeof(err)), 0,
	    "debounce: nothing delivered at once");
	ok = watch_timeout_ms(w);
	tap_ok(ok > 0 && ok <= WATCH_QUIET_MS,
	    "debounce: due within WATCH_QUIET_MS (%d ms)", ok);
	tap_ok(run(w, &s, "/a.html", 1000), "debounce: then delivered");
	tap_is_int(watch_timeout_ms(w), -1, "debounce: nothing due after");

	put("/css/site.css", "p{color:red}");
	tap_ok(run(w, &s, "/css/site.css", 1000), "modify in a subdirectory");
}

static void
test_inotify_saves(struct watch *w)
{
	struct seen	s;
	char		a[512], b[512];

	/* vim-like: the temp matches an ignore glob */
	put("/.a.html.swp", "tmp");
	snprintf(a, sizeof(a), "%s/.a.html.swp", root);
	snprintf(b, sizeof(b), "%s/a.html", root);
	mv(a, b);
	tap_ok(run(w, &s, "/a.html", 1000), "atomic save: the final name");
	run(w, &s, NULL, NONE_MS);
	tap_is_int(has(&s, "/.a.html.swp"), 0, "atomic save: no ignored temp");

	/* gedit/JetBrains-like: a temp name no glob knows */
	put("/a.html.tmp123", "tmp");
	snprintf(a, sizeof(a), "%s/a.html.tmp123", root);
	mv(a, b);
	tap_ok(run(w, &s, "/a.html", 1000), "atomic save 2: the final name");
	tap_is_int(has(&s, "/a.html.tmp123"), 0,
	    "atomic save 2: a temp that came and went is not reported");
	if (s.n != 1)
		seen_diag(&s);

	unlink(b);
	tap_ok(run(w, &s, "/a.html", 1000), "delete: reported");
	put("/a.html", "<p>back");
	run(w, &s, "/a.html", 1000);
}

static void
test_inotify_dirs(struct watch *w)
{
	struct seen	s;
	char		a[512], b[512];

	/* a file right after mkdir: before or after the new watch */
	dir("/new");
	put("/new/n.html", "n");
	tap_ok(run(w, &s, "/new/n.html", 1000), "new dir: its file");
	put("/new/n.html", "n2");
	tap_ok(run(w, &s, "/new/n.html", 1000), "new dir: watched later on");

	snprintf(a, sizeof(a), "%s/m", outside);
	mkdir(a, 0755);
	snprintf(a, sizeof(a), "%s/m/inner", outside);
	mkdir(a, 0755);
	put("/../outside/m/1.html", "1");
	put("/../outside/m/inner/2.html", "2");
	snprintf(a, sizeof(a), "%s/m", outside);
	snprintf(b, sizeof(b), "%s/m", root);
	mv(a, b);
	tap_ok(run(w, &s, "/m/inner/2.html", 1000) && has(&s, "/m/1.html"),
	    "move-in: the files inside are reported");
	put("/m/inner/2.html", "22");
	tap_ok(run(w, &s, "/m/inner/2.html", 1000),
	    "move-in: its subdirectories are watched");

	snprintf(a, sizeof(a), "%s/sub", root);
	snprintf(b, sizeof(b), "%s/sub2", root);
	mv(a, b);
	run(w, &s, "/sub2", 1000);
	put("/sub2/deep/x.txt", "y");
	tap_ok(run(w, &s, "/sub2/deep/x.txt", 1000),
	    "rename within the tree: new path reported");
	tap_is_int(has(&s, "/sub/deep/x.txt"), 0,
	    "rename within the tree: no stale path");

	snprintf(a, sizeof(a), "%s/m", root);
	snprintf(b, sizeof(b), "%s/m", outside);
	mv(a, b);
	tap_ok(run(w, &s, "/m", 1000), "move-out: reported");
	put("/../outside/m/inner/2.html", "3");
	run(w, &s, NULL, NONE_MS);
	tap_is_int(s.n, 0, "move-out: its files are no longer watched");
}

static void
test_inotify_ignore(struct watch *w)
{
	struct seen	s;

	put("/x.swp", "s");
	put("/.git/HEAD", "ref2");
	put("/node_modules/a.js", "2");
	put("/a.html~", "b");
	put("/4913", "");
	dir("/node_modules/pkg");
	put("/node_modules/pkg/b.js", "b");
	run(w, &s, NULL, NONE_MS);
	tap_is_int(s.n, 0, "ignored: swp, .git, node_modules, ~, 4913");
	if (s.n)
		seen_diag(&s);
}

static void
test_inotify_burst(struct watch *w)
{
	struct seen	s;
	char		p[64];
	int		i, each = 1;

	for (i = 0; i < 100; i++)
		put("/burst.html", "x");
	tap_ok(run(w, &s, "/burst.html", 1000), "burst: delivered");
	run(w, &s, NULL, NONE_MS);
	tap_ok(s.deliveries == 0, "burst: 100 writes, one delivery");

	for (i = 0; i < 100; i++) {
		snprintf(p, sizeof(p), "/many-%d.html", i);
		put(p, "x");
	}
	run(w, &s, "/many-99.html", 1000);
	for (i = 0; i < 100; i++) {
		snprintf(p, sizeof(p), "/many-%d.html", i);
		each &= has(&s, p) == 1;
	}
	run(w, &s, NULL, NONE_MS);	/* the rest, if split */
	tap_ok(each, "burst: 100 files, each once");
}

static void
test_poll(void)
{
	struct watch	*w;
	struct seen	 s;
	char		 err[256];

	w = watch_open(root, NULL, 0, WATCH_FORCE_POLL, err, sizeof(err));
	tap_ok(w != NULL && err[0] == '\0', "poll: open, no warning");
	if (w == NULL)
		return;
	tap_ok(watch_polling(w), "poll: polling");
	tap_ok(watch_timeout_ms(w) > 0, "poll: a scan is due");
	put("/a.html", "<p>poll, longer");
	tap_ok(run(w, &s, "/a.html", 2500), "poll: modify");
	dir("/pnew");
	put("/pnew/p.html", "p");
	tap_ok(run(w, &s, "/pnew/p.html", 2500), "poll: new dir and file");
	put("/x.swp", "s2");
	put("/node_modules/a.js", "poll");
	run(w, &s, NULL, WATCH_POLL_MS + 500);
	tap_is_int(s.n, 0, "poll: ignored files");
	snprintf(err, sizeof(err), "%s/pnew/p.html", root);
	unlink(err);
	tap_ok(run(w, &s, "/pnew/p.html", 2500), "poll: delete");
	watch_close(w);
}

/*
 * In a user namespace of our own, where we may lower the inotify watch
 * limit, check the fallback: at open, and for a new directory later.
 * The child reports "<open-polling> <open-msg-ok> <run-polling>
 * <run-msg-ok> <run-root> <run-file>".
 */
static void
limit_child(int fd)
{
	struct watch	*w;
	struct seen	 s;
	char		 err[512], out[64], map[64];
	uid_t		 uid = getuid();
	int		 f, r[6] = { 0 };

	if (unshare(CLONE_NEWUSER) == -1)
		_exit(77);
	snprintf(map, sizeof(map), "0 %u 1", (unsigned)uid);
	if ((f = open("/proc/self/uid_map", O_WRONLY)) == -1 ||
	    write(f, map, strlen(map)) == -1)
		_exit(77);
	close(f);
	/* root, css, sub2, sub2/deep, new, pnew: 6 directories watched */
	if ((f = open("/proc/sys/user/max_inotify_watches", O_WRONLY)) == -1 ||
	    write(f, "3", 1) == -1)
		_exit(77);
	close(f);
	w = watch_open(root, NULL, 0, 0, err, sizeof(err));
	r[0] = w != NULL && watch_polling(w);
	r[1] = strstr(err, "fs.inotify.max_user_watches") != NULL;
	printf("# at open: %s\n", err);
	watch_close(w);

	if ((f = open("/proc/sys/user/max_inotify_watches", O_WRONLY)) == -1 ||
	    write(f, "6", 1) == -1)
		_exit(77);
	close(f);
	w = watch_open(root, NULL, 0, 0, err, sizeof(err));
	if (w == NULL || watch_polling(w))
		_exit(78);
	dir("/limit");
	memset(&s, 0, sizeof(s));
	r[4] = run(w, &s, "/", 1000);
	r[2] = watch_polling(w);
	r[3] = strstr(warning, "fs.inotify.max_user_watches") != NULL;
	printf("# later: %s\n", warning);
	fflush(stdout);
	put("/limit/l.html", "l");
	r[5] = run(w, &s, "/limit/l.html", 2500);
	watch_close(w);
	snprintf(out, sizeof(out), "%d %d %d %d %d %d", r[0], r[1], r[2], r[3],
	    r[4], r[5]);
	if (write(fd, out, strlen(out)) == -1)
		_exit(79);
	_exit(0);
}

static void
test_limit(void)
{
	char	buf[64] = "";
	int	p[2], st, r[6] = { 0 };
	pid_t	pid;

	fflush(stdout);
	if (pipe(p) == -1 || (pid = fork()) == -1) {
		tap_ok(0, "limit: pipe/fork");
		return;
	}
	if (pid == 0) {
		close(p[0]);
		limit_child(p[1]);
	}
	close(p[1]);
	if (read(p[0], buf, sizeof(buf) - 1) == -1)
		buf[0] = '\0';
	close(p[0]);
	waitpid(pid, &st, 0);
	if (WIFEXITED(st) && WEXITSTATUS(st) == 77) {
		tap_ok(1, "# SKIP limit: no user namespace to lower it in");
		return;
	}
	sscanf(buf, "%d %d %d %d %d %d", &r[0], &r[1], &r[2], &r[3], &r[4],
	    &r[5]);
	tap_ok(r[0], "limit at open: falls back to polling");
	tap_ok(r[1], "limit at open: the message names the sysctl");
	tap_ok(r[4], "limit later: \"/\" reported (events may be lost)");
	tap_ok(r[2], "limit later: falls back to polling");
	tap_ok(r[3], "limit later: the message names the sysctl");
	tap_ok(r[5], "limit later: polling reports changes");
}

int
main(void)
{
	struct watch	*w;
	char		 err[256], cmd[256];
	int64_t		 t0;

	make_tree();
	test_open_errors();
	t0 = now_ms();
	w = watch_open(root, NULL, 0, 0, err, sizeof(err));
	tap_ok(w != NULL && err[0] == '\0', "open: %s", w ? "ok" : err);
	if (w == NULL)
		return tap_done();
	tap_diag("open took %lld ms", (long long)(now_ms() - t0));
	tap_ok(!watch_polling(w), "open: inotify");
	tap_is_int(watch_dirs(w), 4, "open: root, css, sub, sub/deep; "
	    "not .git or node_modules");
	tap_is_int(watch_timeout_ms(w), -1, "open: nothing due");
	test_inotify_basic(w);
	test_inotify_saves(w);
	test_inotify_dirs(w);
	test_inotify_ignore(w);
	test_inotify_burst(w);
	watch_close(w);
	test_poll();
	test_limit();
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", top);
	if (system(cmd) != 0)
		tap_diag("could not remove %s", top);
	return tap_done();
}
