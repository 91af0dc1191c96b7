/*
 * A recursive watcher over the document root: inotify on every
 * directory, with a stat-scan fallback when inotify runs out of
 * watches.  Changes are coalesced and handed over as paths relative to
 * the root with a leading "/", like URLs ("/css/site.css").  I/O module:
 * no logging; messages go to the caller's errbuf.  One per server, in
 * the master (issue 10).
 */
#ifndef HEARTH_WATCH_H
#define HEARTH_WATCH_H

#include <stddef.h>

/* watch_open() flags */
#define WATCH_FORCE_POLL	0x01	/* poll even with inotify (tests) */

/*
 * Globs used when watch_open() gets ignore == NULL: VCS and package
 * directories, and the scratch files of vim ("4913" is its
 * can-I-write-here probe), emacs and others.
 */
#define WATCH_IGNORE_DEFAULTS \
	".git", "node_modules", "*.swp", "*.swx", "*~", ".#*", "4913"

struct watch;

typedef void	watch_fn(const char *path, void *arg);

/*
 * Watch the tree under root, which is resolved with realpath(3) so a
 * later chdir does no harm.  Each ignore glob is matched with fnmatch(3)
 * against every path component ("*.swp", ".git"), or, if it contains a
 * '/', against the whole path without its leading '/' ("assets/tmp").
 * Ignored directories are neither watched nor scanned.  Symbolic links
 * are reported but never followed.
 *
 * Returns NULL with errbuf filled when root is unusable or memory runs
 * out.  Otherwise errbuf is "" or holds a warning to log: inotify was
 * unavailable or out of watches (the message names the sysctl), and the
 * watcher polls instead.
 */
struct watch	*watch_open(const char *root, const char *const *ignore,
		    size_t nignore, int flags, char *errbuf, size_t errlen);

/*
 * The fd to wait on for reading (an epoll fd holding the inotify fd and
 * a timer).  It stays the same for the watcher's life, also across a
 * fallback to polling, and is all a caller needs to wait for.
 */
int		 watch_fd(const struct watch *);

/*
 * Milliseconds until watch_process() has something to deliver without
 * new events (the end of a debounce, or the next scan), 0 if overdue, or
 * -1 for none: for callers that prefer their own timers to watch_fd()'s.
 */
int		 watch_timeout_ms(const struct watch *);

/* 1 when stat-scanning instead of using inotify. */
int		 watch_polling(const struct watch *);

/* Directories under inotify watch (0 when polling). */
size_t		 watch_dirs(const struct watch *);

/*
 * Read what happened and, once the tree has been quiet WATCH_QUIET_MS or
 * the oldest pending change is WATCH_MAX_DELAY_MS old, call fn once per
 * changed path, sorted, each path once.  A file created and removed in
 * the same burst (an editor's temp file) is not reported.  "/" means
 * "anything may have changed" (events were lost, or more than
 * WATCH_PENDING_MAX paths changed).  Call it whenever watch_fd() is
 * readable; it never blocks.
 *
 * Returns the number of fn calls, or -1 with errbuf filled if the
 * watcher failed and is of no further use.  When it returns >= 0 with
 * errbuf not "", the watcher just fell back to polling (inotify ran
 * out of watches for a new directory): log that once.
 */
int		 watch_process(struct watch *, watch_fn *fn, void *arg,
		    char *errbuf, size_t errlen);

/*
 * Free the watcher and close its fds.  A child forked from the process
 * that opened it should call this too: it closes only the child's copies.
 */
void		 watch_close(struct watch *);

#endif
