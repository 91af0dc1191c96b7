/*
 * inotify watches for the open-file cache.
 *
 * A watch on the file sees its contents change through any name (a hard
 * link, a symlink's target).  A watch on each directory above it sees a
 * name on the way replaced: the file renamed over (an atomic deploy), a
 * directory moved, a symlink swapped in.  Nothing maps events back to
 * entries: fcache.c only needs to know whether to stat its entries again
 * (contents may have changed) or to drop them all (a name changed, or
 * the kernel lost events).  Creating a name changes no existing path, so
 * IN_CREATE is not asked for, and an upload directory stays quiet.
 *
 * Paths go through /proc/self/fd/N, so the watched root is exactly the
 * directory the worker serves from, even if document_root's name has
 * since been pointed elsewhere.
 */
#include "config.h"

#include <sys/inotify.h>

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fwatch.h"

#define FWATCH_MOVES	(IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO |	\
			 IN_DELETE_SELF | IN_MOVE_SELF)
/* one mask for files and directories: a second one would replace it */
#define FWATCH_MASK	(IN_MODIFY | IN_ATTRIB | IN_CLOSE_WRITE | FWATCH_MOVES)
#define FWATCH_BUF	8192
/* a read this full may have left events behind */
#define FWATCH_ROOM	(sizeof(struct inotify_event) + NAME_MAX + 1)

struct fwatch_ref {
	int		 wd;
	unsigned	 refs;	/* entries relying on it */
};

struct fwatch {
	int		 fd;
	int		 dirfd;
	size_t		 n;
	struct fwatch_ref tab[FWATCH_MAX];
};

struct fwatch *
fwatch_new(int dirfd)
{
	struct fwatch	*fw;

	if ((fw = calloc(1, sizeof(*fw))) == NULL)
		return NULL;
	if ((fw->fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC)) == -1) {
		free(fw);
		return NULL;
	}
	fw->dirfd = dirfd;
	return fw;
}

void
fwatch_free(struct fwatch *fw)
{
	if (fw == NULL)
		return;
	close(fw->fd);
	free(fw);
}

int
fwatch_fd(const struct fwatch *fw)
{
	return fw->fd;
}

static struct fwatch_ref *
fwatch_find(struct fwatch *fw, int wd)
{
	size_t	i;

	for (i = 0; i < fw->n; i++)
		if (fw->tab[i].wd == wd)
			return &fw->tab[i];
	return NULL;
}

/* Watch path, or count one more user of the watch it already has. */
static int
fwatch_one(struct fwatch *fw, const char *path)
{
	struct fwatch_ref	*r;
	int			 wd;

	if ((wd = inotify_add_watch(fw->fd, path, FWATCH_MASK)) == -1)
		return -1;
	if ((r = fwatch_find(fw, wd)) != NULL) {
		r->refs++;
		return wd;
	}
	if (fw->n == FWATCH_MAX) {
		inotify_rm_watch(fw->fd, wd);
		errno = ENOSPC;
		return -1;
	}
	fw->tab[fw->n].wd = wd;
	fw->tab[fw->n].refs = 1;
	fw->n++;
	return wd;
}

int
fwatch_add(struct fwatch *fw, const char *rel, int *wds, size_t *n)
{
	char	 path[PATH_MAX], *slash;
	size_t	 base, k = 0;
	int	 save;

	base = (size_t)snprintf(path, sizeof(path), "/proc/self/fd/%d/",
	    fw->dirfd);
	if (strlcpy(path + base, rel, sizeof(path) - base) >=
	    sizeof(path) - base) {
		errno = ENAMETOOLONG;
		return -1;
	}
	/* the file, then each directory up to the root ("fd/N/") */
	for (;;) {
		if (k == FWATCH_DEPTH) {
			errno = ENAMETOOLONG;
			goto fail;
		}
		if ((wds[k] = fwatch_one(fw, path)) == -1)
			goto fail;
		k++;
		if (path[base] == '\0')
			break;
		if ((slash = strrchr(path + base, '/')) == NULL)
			slash = path + base;
		*slash = '\0';
	}
	*n = k;
	return 0;
fail:
	save = errno;
	fwatch_drop(fw, wds, k);
	errno = save;
	return -1;
}

void
fwatch_drop(struct fwatch *fw, const int *wds, size_t n)
{
	struct fwatch_ref	*r;
	size_t			 i;

	for (i = 0; i < n; i++) {
		if ((r = fwatch_find(fw, wds[i])) == NULL || --r->refs > 0)
			continue;
		/* EINVAL if the kernel dropped it already (IN_IGNORED) */
		inotify_rm_watch(fw->fd, r->wd);
		*r = fw->tab[--fw->n];
	}
}

static enum fwatch_news
fwatch_event(struct fwatch *fw, const struct inotify_event *ev)
{
	if (ev->mask & IN_Q_OVERFLOW)
		return FWATCH_MOVED;
	/* one we dropped: its IN_IGNORED, or news from before the drop */
	if (fwatch_find(fw, ev->wd) == NULL)
		return FWATCH_NONE;
	/* IN_IGNORED: gone with its inode or its file system */
	if (ev->mask & (FWATCH_MOVES | IN_UNMOUNT | IN_IGNORED))
		return FWATCH_MOVED;
	/*
	 * A named event is a directory telling of a child.  Everything we
	 * rely on has a watch of its own, which tells of its own changes,
	 * so a log file or an upload written beside a cached file costs
	 * the cache nothing.
	 */
	if (ev->len > 0)
		return FWATCH_NONE;
	return FWATCH_CHANGED;
}

enum fwatch_news
fwatch_read(struct fwatch *fw)
{
	char			 buf[FWATCH_BUF]
			    __attribute__((aligned(__alignof__(struct inotify_event))));
	const struct inotify_event *ev;
	enum fwatch_news	 news = FWATCH_NONE, e;
	ssize_t			 len;
	char			*p;

	do {
		if ((len = read(fw->fd, buf, sizeof(buf))) == -1)
			/* EAGAIN: nothing; anything else: trust nothing */
			return errno == EAGAIN || errno == EINTR ? news :
			    FWATCH_MOVED;
		for (p = buf; p < buf + len; p += sizeof(*ev) + ev->len) {
			ev = (const struct inotify_event *)(void *)p;
			if ((e = fwatch_event(fw, ev)) > news)
				news = e;
		}
	} while ((size_t)len + FWATCH_ROOM > sizeof(buf));
	return news;
}
