/*
 * Change notices for the open-file cache (fcache.c), so a cache hit
 * needs no stat(): inotify watches on a cached file and on every
 * directory from it up to document_root.  A directory shared by many
 * entries is watched once, counted, and unwatched with its last entry.
 * I/O module, one per worker; no logging.
 */
#ifndef HEARTH_FWATCH_H
#define HEARTH_FWATCH_H

#include <stddef.h>

#define FWATCH_MAX	1024	/* watches per worker */
#define FWATCH_DEPTH	16	/* a file and 15 directories above it */

/* What fwatch_read() saw, the worst of it. */
enum fwatch_news {
	FWATCH_NONE,
	FWATCH_CHANGED,		/* contents or attributes: stat again */
	FWATCH_MOVED		/* names changed or events lost: start over */
};

struct fwatch;

/*
 * Watch paths relative to the directory open as dirfd (it must stay
 * open).  NULL with errno when inotify is unavailable.
 */
struct fwatch	*fwatch_new(int dirfd);
void		 fwatch_free(struct fwatch *);

/* The inotify descriptor, to wait on for reading. */
int		 fwatch_fd(const struct fwatch *);

/*
 * Watch rel (no leading '/', "a/b/c.txt") and each directory above it
 * up to dirfd's, following symlinks.  wds gets FWATCH_DEPTH slots; the
 * count used goes to *n.  Returns 0, or -1 with nothing watched (errno
 * ENOSPC: out of watches; ENAMETOOLONG: too deep; or inotify's).
 */
int		 fwatch_add(struct fwatch *, const char *rel, int *wds,
		    size_t *n);

/* Give back what fwatch_add() took. */
void		 fwatch_drop(struct fwatch *, const int *wds, size_t n);

/*
 * Read what the kernel queued; call it when fwatch_fd() is readable.
 * Never blocks.  Events for watches already dropped are ignored.
 */
enum fwatch_news fwatch_read(struct fwatch *);

#endif
