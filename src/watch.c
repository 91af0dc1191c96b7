/*
 * Recursive directory watcher: inotify, or a stat-scan when inotify is
 * out of watches.
 *
 * inotify is not recursive: every directory needs its own watch, a new
 * directory has to be added as it appears (and whatever was created in
 * it before the watch took hold is found by scanning it), and a
 * directory moved away keeps its watch unless we remove it.  The watch
 * table keeps (parent, name) per watch descriptor rather than a full
 * path, so a path is rebuilt per event and nothing needs rewriting when
 * a directory is renamed.
 *
 * Files are reported when closed after writing, not on every write(2)
 * (IN_MODIFY): a reload must not fetch a half-written file.
 */
#include "config.h"

#include <sys/epoll.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <sys/types.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "hearth.h"
#include "watch.h"

#define WATCH_MASK	(IN_CLOSE_WRITE | IN_CREATE | IN_DELETE |	\
			 IN_MOVED_FROM | IN_MOVED_TO | IN_ATTRIB |	\
			 IN_DELETE_SELF | IN_MOVE_SELF |		\
			 IN_ONLYDIR | IN_DONT_FOLLOW | IN_EXCL_UNLINK)
#define WATCH_READ_BUF	65536
#define WATCH_READS	64	/* reads per call; the fd stays readable */

/* What happened to a pending path, for spotting temp files. */
enum watch_kind {
	WK_CHANGE,
	WK_CREATE,		/* IN_CREATE, IN_MOVED_TO: appeared */
	WK_GONE			/* IN_DELETE, IN_MOVED_FROM: went away */
};

enum watch_walk {
	WALK_WATCH,		/* add watches for directories */
	WALK_REPORT,		/* that, and report every entry */
	WALK_SNAP		/* stat every entry into a snapshot */
};

struct watch_dir {
	char		*name;	/* NULL: a free slot */
	int		 parent;	/* wd, or -1 for the root */
};

struct watch_change {
	char		*path;
	unsigned	 seq;		/* arrival order */
	enum watch_kind	 first, last;
};

struct watch_file {			/* one entry of a polling snapshot */
	char		*path;
	ino_t		 ino;
	off_t		 size;
	struct timespec	 mtime, ctime;
	int		 dir;
};

struct watch_snap {
	struct watch_file *f;
	size_t		 n, cap;
};

struct watch_todo {
	char		*rel;
	int		 wd;
};

struct watch {
	char		*root;	/* from realpath(3) */
	char		**ignore;
	size_t		 nignore;
	int		 epfd, ifd, tfd;
	int		 ifd_errno;	/* why inotify_init1() failed */
	int		 polling;

	struct watch_dir *dirs;		/* indexed by wd */
	size_t		 ndirs;		/* slots, not watches */
	size_t		 nwatch;
	int		 root_wd;

	struct watch_change *pend;
	size_t		 npend, pendcap;
	unsigned	 seq;
	int		 everything;	/* lost track: deliver "/" */
	int64_t		 first_ms, last_ms;
	int64_t		 due_ms;	/* timer armed for, or -1 */

	struct watch_snap snap;
	int		 poll_ms;
};

static int64_t
watch_now(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int
watch_arm(struct watch *w, int64_t due_ms)
{
	struct itimerspec	its;

	memset(&its, 0, sizeof(its));
	if (due_ms >= 0) {
		/* 0 would disarm: an overdue timer fires at once instead */
		its.it_value.tv_sec = due_ms / 1000;
		its.it_value.tv_nsec = (due_ms % 1000) * 1000000 + 1;
	}
	w->due_ms = due_ms;
	return timerfd_settime(w->tfd, TFD_TIMER_ABSTIME, &its, NULL);
}

/* ------------------------------------------------------------ paths */

static int
watch_ignored(const struct watch *w, const char *rel, const char *name)
{
	size_t	i;

	for (i = 0; i < w->nignore; i++) {
		if (strchr(w->ignore[i], '/') != NULL) {
			if (fnmatch(w->ignore[i], rel + 1, FNM_PATHNAME) == 0)
				return 1;
		} else if (fnmatch(w->ignore[i], name, 0) == 0)
			return 1;
	}
	return 0;
}

/*
 * The path of name in the directory watched as wd, "/a/b/name", from
 * the end backwards.  -1 if an ancestor is gone (its watch was removed
 * and this event was already queued) or the path is too long.
 */
static int
watch_path(const struct watch *w, int wd, const char *name, char *buf,
    size_t sz)
{
	const char	*c = name;
	size_t		 len, pos = sz - 1, hops = 0;

	buf[pos] = '\0';
	for (;;) {
		len = strlen(c);
		if (len + 1 > pos)
			return -1;
		pos -= len;
		memcpy(buf + pos, c, len);
		buf[--pos] = '/';
		if (wd < 0 || (size_t)wd >= w->ndirs ||
		    w->dirs[wd].name == NULL || ++hops > w->ndirs)
			return -1;
		if (wd == w->root_wd)
			break;
		c = w->dirs[wd].name;
		wd = w->dirs[wd].parent;
	}
	memmove(buf, buf + pos, sz - pos);
	return 0;
}

/* ---------------------------------------------------------- pending */

static int
watch_cmp_change(const void *a, const void *b)
{
	const struct watch_change	*x = a, *y = b;
	int				 c = strcmp(x->path, y->path);

	if (c != 0)
		return c;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static void
watch_pend_clear(struct watch *w)
{
	size_t	i;

	for (i = 0; i < w->npend; i++)
		free(w->pend[i].path);
	w->npend = 0;
	w->everything = 0;
}

/*
 * Sort by path, then arrival, and fold each path's entries into one
 * that keeps the first and last kinds.
 */
static void
watch_pend_fold(struct watch *w)
{
	size_t	i, n = 0;

	if (w->npend < 2)	/* qsort(NULL, 0, ...) is undefined */
		return;
	qsort(w->pend, w->npend, sizeof(*w->pend), watch_cmp_change);
	for (i = 0; i < w->npend; i++) {
		if (n > 0 &&
		    strcmp(w->pend[n - 1].path, w->pend[i].path) == 0) {
			w->pend[n - 1].last = w->pend[i].last;
			free(w->pend[i].path);
			continue;
		}
		w->pend[n++] = w->pend[i];
	}
	w->npend = n;
}

/* Remember a change.  On running out of room or memory, report "/". */
static void
watch_pend(struct watch *w, const char *path, enum watch_kind kind)
{
	struct watch_change	*c;
	size_t			 cap;
	int64_t			 now = watch_now();

	if (w->npend == 0 && !w->everything)
		w->first_ms = now;
	w->last_ms = now;
	if (w->everything)
		return;
	if (w->npend == w->pendcap && w->npend > 0)
		watch_pend_fold(w);
	if (w->npend >= WATCH_PENDING_MAX)
		goto lost;
	if (w->npend == w->pendcap) {
		cap = w->pendcap ? w->pendcap * 2 : 64;
		if ((c = reallocarray(w->pend, cap, sizeof(*c))) == NULL)
			goto lost;
		w->pend = c;
		w->pendcap = cap;
	}
	c = &w->pend[w->npend];
	if ((c->path = strdup(path)) == NULL)
		goto lost;
	c->seq = w->seq++;
	c->first = c->last = kind;
	w->npend++;
	return;
lost:
	watch_pend_clear(w);
	w->everything = 1;
}

static int
watch_deliver(struct watch *w, watch_fn *fn, void *arg)
{
	size_t	i;
	int	n = 0;

	if (w->everything) {
		fn("/", arg);
		n++;
	} else {
		watch_pend_fold(w);
		for (i = 0; i < w->npend; i++) {
			/* came and went within the burst: a temp file */
			if (w->pend[i].first == WK_CREATE &&
			    w->pend[i].last == WK_GONE)
				continue;
			fn(w->pend[i].path, arg);
			n++;
		}
	}
	watch_pend_clear(w);
	return n;
}

/* When the pending burst is due: quiet long enough, or old enough. */
static int64_t
watch_due(const struct watch *w)
{
	int64_t	quiet = w->last_ms + WATCH_QUIET_MS;
	int64_t	late = w->first_ms + WATCH_MAX_DELAY_MS;

	if (w->npend == 0 && !w->everything)
		return -1;
	return quiet < late ? quiet : late;
}

/* ---------------------------------------------------------- watches */

/*
 * Watch root + rel, the entry name in the directory watched as parent.
 * An inode already watched gets its old wd back: then the slot is
 * updated, which is how a re-scan after lost events stays consistent.
 * Returns the wd, or -1 with errno set.
 */
static int
watch_add(struct watch *w, const char *rel, int parent, const char *name)
{
	struct watch_dir	*d;
	char			 abs[PATH_MAX], *copy;
	size_t			 n;
	int			 wd;

	if ((size_t)snprintf(abs, sizeof(abs), "%s%s", w->root, rel) >=
	    sizeof(abs)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if ((wd = inotify_add_watch(w->ifd, abs, WATCH_MASK)) == -1)
		return -1;
	if ((size_t)wd >= w->ndirs) {
		/* wds count up from 1, so the table is nearly dense */
		n = w->ndirs ? w->ndirs : 256;
		while (n <= (size_t)wd)
			n *= 2;
		if ((d = reallocarray(w->dirs, n, sizeof(*d))) == NULL)
			goto nomem;
		memset(d + w->ndirs, 0, (n - w->ndirs) * sizeof(*d));
		w->dirs = d;
		w->ndirs = n;
	}
	if ((copy = strdup(name)) == NULL)
		goto nomem;
	d = &w->dirs[wd];
	if (d->name == NULL)
		w->nwatch++;
	free(d->name);
	d->name = copy;
	d->parent = parent;
	return wd;
nomem:
	inotify_rm_watch(w->ifd, wd);
	errno = ENOMEM;
	return -1;
}

static void
watch_forget(struct watch *w, int wd)
{
	if (wd < 0 || (size_t)wd >= w->ndirs || w->dirs[wd].name == NULL)
		return;
	free(w->dirs[wd].name);
	w->dirs[wd].name = NULL;
	w->nwatch--;
}

/* Is the watch wd the directory top, or inside it? */
static int
watch_under(const struct watch *w, int wd, int top)
{
	size_t	hops = 0;

	while (wd >= 0 && (size_t)wd < w->ndirs &&
	    w->dirs[wd].name != NULL && hops++ <= w->ndirs) {
		if (wd == top)
			return 1;
		wd = w->dirs[wd].parent;
	}
	return 0;
}

/*
 * The directory name in parent was moved away.  If it went out of the
 * tree its watches would go on reporting under a stale path, so drop
 * them all; if it only moved within the tree, IN_MOVED_TO adds it again.
 * Rare, so a linear search is fine.
 */
static void
watch_drop(struct watch *w, int parent, const char *name)
{
	size_t	 i, n = 0;
	int	 top = -1, *gone;

	for (i = 0; i < w->ndirs && top == -1; i++)
		if (w->dirs[i].name != NULL && w->dirs[i].parent == parent &&
		    (int)i != w->root_wd && strcmp(w->dirs[i].name, name) == 0)
			top = (int)i;
	if (top == -1)
		return;
	/* all of the subtree first: forgetting a slot cuts the chains */
	if ((gone = calloc(w->nwatch, sizeof(*gone))) == NULL) {
		w->everything = 1;	/* stale paths are possible now */
		return;
	}
	for (i = 0; i < w->ndirs && n < w->nwatch; i++)
		if (watch_under(w, (int)i, top))
			gone[n++] = (int)i;
	for (i = 0; i < n; i++) {
		inotify_rm_watch(w->ifd, gone[i]);
		watch_forget(w, gone[i]);
	}
	free(gone);
}

/* ------------------------------------------------------------- walk */

static int
watch_snap_add(struct watch_snap *s, const char *rel, const struct stat *st)
{
	struct watch_file	*f;
	size_t			 cap;

	if (s->n == s->cap) {
		cap = s->cap ? s->cap * 2 : 1024;
		if ((f = reallocarray(s->f, cap, sizeof(*f))) == NULL)
			return -1;
		s->f = f;
		s->cap = cap;
	}
	f = &s->f[s->n];
	if ((f->path = strdup(rel)) == NULL)
		return -1;
	f->ino = st->st_ino;
	f->size = st->st_size;
	f->mtime = st->st_mtim;
	f->ctime = st->st_ctim;
	f->dir = S_ISDIR(st->st_mode);
	s->n++;
	return 0;
}

static void
watch_snap_free(struct watch_snap *s)
{
	size_t	i;

	for (i = 0; i < s->n; i++)
		free(s->f[i].path);
	free(s->f);
	memset(s, 0, sizeof(*s));
}

/*
 * One entry met while walking.  Returns 1 if it is a directory to
 * descend into (*wd is its watch), 0 if not, -1 on ENOSPC or ENOMEM.
 */
static int
watch_entry(struct watch *w, enum watch_walk mode, int dfd, int parent,
    const char *rel, const char *name, unsigned char type, int *wd)
{
	struct stat	st;
	int		dir;

	if (type == DT_UNKNOWN || mode == WALK_SNAP) {
		if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) == -1)
			return 0;		/* gone meanwhile */
		dir = S_ISDIR(st.st_mode);
	} else
		dir = type == DT_DIR;
	/* a file only needs the glob test when it is reported */
	if ((dir || mode != WALK_WATCH) && watch_ignored(w, rel, name))
		return 0;
	if (mode == WALK_SNAP) {
		*wd = -1;
		if (watch_snap_add(&w->snap, rel, &st) == -1) {
			errno = ENOMEM;
			return -1;
		}
		return dir;
	}
	if (mode == WALK_REPORT)
		watch_pend(w, rel, WK_CREATE);
	if (!dir)
		return 0;
	if ((*wd = watch_add(w, rel, parent, name)) == -1)
		return errno == ENOSPC || errno == ENOMEM ? -1 : 0;
	return 1;
}

/*
 * Read the directory rel (watched as wd) and push its subdirectories on
 * the stack.  A directory we cannot open is skipped: nothing in it can
 * be served either.
 */
static int
watch_readdir(struct watch *w, enum watch_walk mode, const char *rel,
    int wd, struct watch_todo **stack, size_t *n, size_t *cap)
{
	struct watch_todo	*t;
	struct dirent		*de;
	DIR			*d;
	char			 abs[PATH_MAX], sub[PATH_MAX];
	int			 rc = 0, r, subwd;

	if ((size_t)snprintf(abs, sizeof(abs), "%s%s", w->root, rel) >=
	    sizeof(abs) || (d = opendir(abs)) == NULL)
		return 0;
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		if ((size_t)snprintf(sub, sizeof(sub), "%s/%s", rel,
		    de->d_name) >= sizeof(sub))
			continue;
		r = watch_entry(w, mode, dirfd(d), wd, sub, de->d_name,
		    de->d_type, &subwd);
		if (r == -1)
			goto fail;
		if (r == 0)
			continue;
		if (*n == *cap) {
			*cap = *cap ? *cap * 2 : 64;
			t = reallocarray(*stack, *cap, sizeof(*t));
			if (t == NULL)
				goto nomem;
			*stack = t;
		}
		if (((*stack)[*n].rel = strdup(sub)) == NULL)
			goto nomem;
		(*stack)[(*n)++].wd = subwd;
	}
	goto done;
nomem:
	errno = ENOMEM;
fail:
	rc = -1;
done:
	closedir(d);
	return rc;
}

/*
 * Walk the tree below rel (which is itself already handled), one
 * directory open at a time, so depth costs no fds.  Returns 0, or -1
 * with errno ENOSPC (out of inotify watches) or ENOMEM.
 */
static int
watch_walk(struct watch *w, const char *rel, int wd, enum watch_walk mode)
{
	struct watch_todo	*stack = NULL;
	size_t			 n = 0, cap = 0;
	char			*cur;
	int			 rc = 0, curwd, saved;

	if ((cur = strdup(rel)) == NULL)
		return -1;
	curwd = wd;
	for (;;) {
		rc = watch_readdir(w, mode, cur, curwd, &stack, &n, &cap);
		free(cur);
		if (rc == -1 || n == 0)
			break;
		cur = stack[--n].rel;
		curwd = stack[n].wd;
	}
	saved = errno;
	while (n > 0)
		free(stack[--n].rel);
	free(stack);
	errno = saved;
	return rc;
}

/* ---------------------------------------------------------- polling */

static int
watch_cmp_file(const void *a, const void *b)
{
	return strcmp(((const struct watch_file *)a)->path,
	    ((const struct watch_file *)b)->path);
}

static int
watch_same(const struct watch_file *a, const struct watch_file *b)
{
	if (a->ino != b->ino || a->dir != b->dir)
		return 0;
	if (a->dir)	/* its own mtime moves with every entry: not news */
		return 1;
	return a->size == b->size &&
	    a->mtime.tv_sec == b->mtime.tv_sec &&
	    a->mtime.tv_nsec == b->mtime.tv_nsec &&
	    a->ctime.tv_sec == b->ctime.tv_sec &&
	    a->ctime.tv_nsec == b->ctime.tv_nsec;
}

/*
 * Take a new snapshot and, if report, pend what differs from the old
 * one.  The next scan waits WATCH_POLL_LOAD times as long as this one
 * took, so a huge tree costs at most about a tenth of a CPU.
 */
static int
watch_scan(struct watch *w, int report)
{
	struct watch_snap	 old = w->snap;
	size_t			 i = 0, j = 0;
	int64_t			 t0 = watch_now(), took;
	int			 c;

	memset(&w->snap, 0, sizeof(w->snap));
	if (watch_walk(w, "", -1, WALK_SNAP) == -1) {
		watch_snap_free(&w->snap);
		w->snap = old;
		return -1;
	}
	qsort(w->snap.f, w->snap.n, sizeof(*w->snap.f), watch_cmp_file);
	while (report && (i < old.n || j < w->snap.n)) {
		if (i == old.n)
			c = 1;
		else if (j == w->snap.n)
			c = -1;
		else
			c = strcmp(old.f[i].path, w->snap.f[j].path);
		if (c < 0)
			watch_pend(w, old.f[i++].path, WK_GONE);
		else if (c > 0)
			watch_pend(w, w->snap.f[j++].path, WK_CREATE);
		else {
			if (!watch_same(&old.f[i], &w->snap.f[j]))
				watch_pend(w, old.f[i].path, WK_CHANGE);
			i++;
			j++;
		}
	}
	watch_snap_free(&old);
	took = watch_now() - t0;
	w->poll_ms = took * WATCH_POLL_LOAD > WATCH_POLL_MS ?
	    (int)(took * WATCH_POLL_LOAD) : WATCH_POLL_MS;
	return 0;
}

/* Give up on inotify: close it (freeing its watches) and scan instead. */
static int
watch_poll_start(struct watch *w)
{
	size_t	i;

	if (w->ifd != -1) {
		close(w->ifd);
		w->ifd = -1;
	}
	for (i = 0; i < w->ndirs; i++)
		free(w->dirs[i].name);
	free(w->dirs);
	w->dirs = NULL;
	w->ndirs = w->nwatch = 0;
	w->root_wd = -1;
	w->polling = 1;
	return watch_scan(w, 0);
}

/* The current value of a sysctl, for the message; "?" if unreadable. */
static void
watch_sysctl(const char *name, char *buf, size_t sz)
{
	char	 path[128], *p;
	FILE	*f;

	snprintf(buf, sz, "?");
	snprintf(path, sizeof(path), "/proc/sys/%s", name);
	for (p = path; *p != '\0'; p++)
		if (*p == '.')
			*p = '/';
	if ((f = fopen(path, "re")) == NULL)
		return;
	if (fgets(buf, (int)sz, f) == NULL)
		snprintf(buf, sz, "?");
	buf[strcspn(buf, "\n")] = '\0';
	fclose(f);
}

/* Out of inotify watches (ENOSPC) or instances (EMFILE): say which. */
static void
watch_limit_msg(const struct watch *w, int err, size_t ndirs, char *errbuf,
    size_t errlen)
{
	const char	*knob = err == EMFILE ?
			    "fs.inotify.max_user_instances" :
			    "fs.inotify.max_user_watches";
	char		 cur[32];

	if (err != ENOSPC && err != EMFILE) {
		snprintf(errbuf, errlen, "%s: inotify: %s; polling every %d ms "
		    "instead", w->root, strerror(err), WATCH_POLL_MS);
		return;
	}
	watch_sysctl(knob, cur, sizeof(cur));
	snprintf(errbuf, errlen, "%s: inotify limit reached after %zu "
	    "directories: %s is %s; raise it (sysctl -w %s=524288); polling "
	    "every %d ms or more instead", w->root, ndirs, knob, cur, knob,
	    WATCH_POLL_MS);
}

/* ----------------------------------------------------------- events */

static void
watch_lost(struct watch *w)
{
	watch_pend(w, "/", WK_CHANGE);
	watch_pend_clear(w);
	w->everything = 1;
}

/* Returns 0, or -1 with errno ENOSPC: inotify is out of watches. */
static int
watch_event(struct watch *w, const struct inotify_event *ev)
{
	enum watch_kind	 kind = WK_CHANGE;
	char		 rel[PATH_MAX];
	int		 wd;

	if (ev->mask & IN_Q_OVERFLOW) {
		/* events were lost: catch up on new directories */
		watch_lost(w);
		if (watch_walk(w, "", w->root_wd, WALK_WATCH) == -1)
			return errno == ENOSPC ? -1 : 0;
		return 0;
	}
	if (ev->mask & IN_IGNORED) {
		watch_forget(w, ev->wd);
		return 0;
	}
	if (ev->len == 0) {
		/* about a watched directory itself; its parent reports it */
		if (ev->wd == w->root_wd &&
		    (ev->mask & (IN_DELETE_SELF | IN_MOVE_SELF)))
			watch_lost(w);
		return 0;
	}
	if (watch_path(w, ev->wd, ev->name, rel, sizeof(rel)) == -1 ||
	    watch_ignored(w, rel, ev->name))
		return 0;
	if (ev->mask & (IN_CREATE | IN_MOVED_TO))
		kind = WK_CREATE;
	else if (ev->mask & (IN_DELETE | IN_MOVED_FROM))
		kind = WK_GONE;
	watch_pend(w, rel, kind);
	if (!(ev->mask & IN_ISDIR))
		return 0;
	if (ev->mask & IN_MOVED_FROM)
		watch_drop(w, ev->wd, ev->name);
	if (!(ev->mask & (IN_CREATE | IN_MOVED_TO)))
		return 0;
	/*
	 * Watch first, then scan: whatever appears in between is found
	 * twice, never missed.
	 */
	if ((wd = watch_add(w, rel, ev->wd, ev->name)) == -1 ||
	    watch_walk(w, rel, wd, WALK_REPORT) == -1) {
		if (errno == ENOSPC)
			return -1;
		if (errno == ENOMEM)
			watch_lost(w);
	}
	return 0;
}

static int
watch_read(struct watch *w)
{
	char				 buf[WATCH_READ_BUF]
	    __attribute__((aligned(__alignof__(struct inotify_event))));
	const struct inotify_event	*ev;
	ssize_t				 n;
	char				*p;
	int				 i;

	for (i = 0; i < WATCH_READS; i++) {
		if ((n = read(w->ifd, buf, sizeof(buf))) == -1) {
			if (errno == EINTR)
				continue;
			return errno == EAGAIN ? 0 : -1;
		}
		for (p = buf; p < buf + n; p += sizeof(*ev) + ev->len) {
			ev = (const struct inotify_event *)p;
			if (watch_event(w, ev) == -1)
				return -1;
		}
	}
	return 0;
}

/* -------------------------------------------------------------- API */

static int
watch_ignore_set(struct watch *w, const char *const *ignore, size_t n)
{
	static const char *const	 defaults[] = { WATCH_IGNORE_DEFAULTS };
	size_t				 i;

	if (ignore == NULL) {
		ignore = defaults;
		n = sizeof(defaults) / sizeof(defaults[0]);
	}
	if (n > 0 && (w->ignore = calloc(n, sizeof(*w->ignore))) == NULL)
		return -1;
	for (i = 0; i < n; i++) {
		if ((w->ignore[i] = strdup(ignore[i])) == NULL)
			return -1;
		w->nignore++;
	}
	return 0;
}

/* The fds; inotify only when wanted.  -1 with errbuf on failure. */
static int
watch_fds(struct watch *w, int inotify, char *errbuf, size_t errlen)
{
	struct epoll_event	ee;

	memset(&ee, 0, sizeof(ee));
	ee.events = EPOLLIN;
	if ((w->epfd = epoll_create1(EPOLL_CLOEXEC)) == -1 ||
	    (w->tfd = timerfd_create(CLOCK_MONOTONIC,
	    TFD_NONBLOCK | TFD_CLOEXEC)) == -1 ||
	    epoll_ctl(w->epfd, EPOLL_CTL_ADD, w->tfd, &ee) == -1) {
		snprintf(errbuf, errlen, "watch: %s", strerror(errno));
		return -1;
	}
	if (!inotify)
		return 0;
	if ((w->ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC)) == -1) {
		w->ifd_errno = errno;	/* watch_start() polls instead */
		return 0;
	}
	if (epoll_ctl(w->epfd, EPOLL_CTL_ADD, w->ifd, &ee) == -1) {
		snprintf(errbuf, errlen, "watch: epoll_ctl: %s",
		    strerror(errno));
		return -1;
	}
	return 0;
}

/* Watch the whole tree; on running out of inotify, poll instead. */
static int
watch_start(struct watch *w, int force_poll, char *errbuf, size_t errlen)
{
	int	err;

	if (!force_poll && w->ifd == -1)
		watch_limit_msg(w, w->ifd_errno, 0, errbuf, errlen);
	else if (!force_poll) {
		if ((w->root_wd = watch_add(w, "", -1, "")) != -1 &&
		    watch_walk(w, "", w->root_wd, WALK_WATCH) == 0)
			return 0;
		if ((err = errno) == ENOMEM)
			goto nomem;
		watch_limit_msg(w, err, w->nwatch, errbuf, errlen);
	}
	if (watch_poll_start(w) == 0)
		return 0;
nomem:
	snprintf(errbuf, errlen, "%s: out of memory", w->root);
	return -1;
}

struct watch *
watch_open(const char *root, const char *const *ignore, size_t nignore,
    int flags, char *errbuf, size_t errlen)
{
	struct watch	*w;
	struct stat	 st;
	int64_t		 now;

	errbuf[0] = '\0';
	if ((w = calloc(1, sizeof(*w))) == NULL) {
		snprintf(errbuf, errlen, "watch: out of memory");
		return NULL;
	}
	w->epfd = w->ifd = w->tfd = w->root_wd = -1;
	w->due_ms = -1;
	w->poll_ms = WATCH_POLL_MS;
	if (watch_ignore_set(w, ignore, nignore) == -1) {
		snprintf(errbuf, errlen, "watch: out of memory");
		goto fail;
	}
	if ((w->root = realpath(root, NULL)) == NULL ||
	    stat(w->root, &st) == -1) {
		snprintf(errbuf, errlen, "%s: %s", root, strerror(errno));
		goto fail;
	}
	if (!S_ISDIR(st.st_mode)) {
		snprintf(errbuf, errlen, "%s: not a directory", root);
		goto fail;
	}
	if (watch_fds(w, !(flags & WATCH_FORCE_POLL), errbuf, errlen) == -1 ||
	    watch_start(w, flags & WATCH_FORCE_POLL, errbuf, errlen) == -1)
		goto fail;
	if (w->polling) {
		now = watch_now();
		if (watch_arm(w, now + w->poll_ms) == -1) {
			snprintf(errbuf, errlen, "watch: timerfd_settime: %s",
			    strerror(errno));
			goto fail;
		}
	}
	return w;
fail:
	watch_close(w);
	return NULL;
}

int
watch_process(struct watch *w, watch_fn *fn, void *arg, char *errbuf,
    size_t errlen)
{
	uint64_t	ticks;
	int64_t		now, due;
	size_t		ndirs = w->nwatch;
	int		n = 0;

	errbuf[0] = '\0';
	/* only to clear the fd's readiness; the clock says what is due */
	if (read(w->tfd, &ticks, sizeof(ticks)) == -1 && errno != EAGAIN) {
		snprintf(errbuf, errlen, "watch: timerfd: %s", strerror(errno));
		return -1;
	}
	if (!w->polling && watch_read(w) == -1) {
		if (errno != ENOSPC) {
			snprintf(errbuf, errlen, "%s: inotify: %s", w->root,
			    strerror(errno));
			return -1;
		}
		watch_limit_msg(w, ENOSPC, ndirs, errbuf, errlen);
		if (watch_poll_start(w) == -1) {
			snprintf(errbuf, errlen, "%s: out of memory", w->root);
			return -1;
		}
		/* what changed before the first scan is unknown */
		watch_lost(w);
	}
	now = watch_now();
	if (w->polling) {
		if (w->due_ms >= 0 && now >= w->due_ms &&
		    watch_scan(w, 1) == -1)
			watch_lost(w);
		if (w->npend > 0 || w->everything)
			n = watch_deliver(w, fn, arg);
		if (now >= w->due_ms)
			w->due_ms = watch_now() + w->poll_ms;
		due = w->due_ms;
	} else {
		due = watch_due(w);
		if (due >= 0 && now >= due) {
			n = watch_deliver(w, fn, arg);
			due = -1;
		}
	}
	if (watch_arm(w, due) == -1) {
		snprintf(errbuf, errlen, "watch: timerfd_settime: %s",
		    strerror(errno));
		return -1;
	}
	return n;
}

int
watch_fd(const struct watch *w)
{
	return w->epfd;
}

int
watch_timeout_ms(const struct watch *w)
{
	int64_t	left;

	if (w->due_ms < 0)
		return -1;
	left = w->due_ms - watch_now();
	return left < 0 ? 0 : left > INT_MAX ? INT_MAX : (int)left;
}

int
watch_polling(const struct watch *w)
{
	return w->polling;
}

size_t
watch_dirs(const struct watch *w)
{
	return w->nwatch;
}

void
watch_close(struct watch *w)
{
	size_t	i;

	if (w == NULL)
		return;
	if (w->ifd != -1)
		close(w->ifd);
	if (w->tfd != -1)
		close(w->tfd);
	if (w->epfd != -1)
		close(w->epfd);
	for (i = 0; i < w->ndirs; i++)
		free(w->dirs[i].name);
	free(w->dirs);
	for (i = 0; i < w->nignore; i++)
		free(w->ignore[i]);
	free(w->ignore);
	watch_pend_clear(w);
	free(w->pend);
	watch_snap_free(&w->snap);
	free(w->root);
	free(w);
}
