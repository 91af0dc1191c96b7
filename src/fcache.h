/*
 * The open-file cache: small files held in memory, and larger ones
 * open (for sendfile), with their stat and validators, per worker.  A
 * hit costs no system call: inotify (fwatch.c) says when a file or a
 * directory above it changed, and only then is the file stat()ed
 * again.  Unlike nginx's open_file_cache_valid window, a file changed a
 * moment ago is never served stale.  An entry inotify cannot vouch for
 * (no inotify, out of watches, a symlink on its path) is stat()ed on
 * every hit.  As a backstop for file systems whose changes inotify does
 * not see (NFS written from another host), every entry is also
 * stat()ed at least every FCACHE_RECHECK_MS.  Only files named directly
 * are cached; an index file is looked up every time, since adding a
 * better one must take effect at once.
 */
#ifndef HEARTH_FCACHE_H
#define HEARTH_FCACHE_H

#include <sys/stat.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "file.h"
#include "fwatch.h"
#include "gzip.h"
#include "http_cond.h"

#define FCACHE_ENTRIES	256		/* per worker */
#define FCACHE_FILE_MAX	(16 * 1024)	/* larger: kept open, not read */
#define FCACHE_RECHECK_MS 1000		/* stat() a watched entry this often */

struct ev_loop;
struct worker;

struct fcache_entry {
	struct fcache_entry	*hnext;		/* hash chain */
	struct fcache_entry	*prev, *next;	/* LRU, most recent first */
	char			*key;		/* normalised URL path */
	uint32_t		 hash;
	struct stat		 st;
	const char		*type;
	char			 etag[ETAG_MAX];
	char			*body;		/* NULL when fd is open */
	size_t			 len;
	int			 fd;		/* a large file's, or -1 */
	/* the gzip variant, made on first demand (fcache_gzip()) */
	char			*gz;
	size_t			 gzlen;
	char			 gzetag[GZIP_ETAG_MAX];
	int			 gzfail;
	/*
	 * conn.c's, made on the first 200: the head from Accept-Ranges to
	 * Content-Length, Expires (which moves with the clock) going in
	 * at head_split when max_age >= 0.
	 */
	char			*head;
	size_t			 head_len, head_split;
	long long		 max_age;
	unsigned		 refs;		/* responses still sending it */
	int			 dead;		/* out of the table */
	/* freshness: watched (nwd > 0) entries skip stat() between events */
	int			 wds[FWATCH_DEPTH];
	size_t			 nwd;
	uint64_t		 gen;		/* the cache's, when last seen fresh */
	uint64_t		 checked;	/* ms (ev_now), when last stat()ed */
};

struct fcache;

struct fcache	*fcache_new(void);
void		 fcache_free(struct fcache *);

/*
 * Have inotify vouch for entries under the directory open as dirfd,
 * with the watch descriptor in loop.  -1 with errno: no inotify; every
 * hit then stat()s its file.
 */
int		 fcache_watch(struct fcache *, struct ev_loop *, int dirfd);

/*
 * The entry for path, referenced (release it with fcache_put()), or NULL
 * when the file is not cacheable: then res holds what file_open() said,
 * with res->fd open on a 200, for the caller to serve as usual.
 */
/*
 * Take inotify's news now, not at the next epoll_wait(): for work the
 * loop picks up without asking epoll (the next connection of an
 * accept batch), which may have come after a change.
 */
void		 fcache_poll(struct fcache *);

struct fcache_entry *fcache_get(struct worker *, const char *path,
		    struct file_res *res);
void		 fcache_put(struct fcache *, struct fcache_entry *);

/*
 * Make sure the entry holds its gzip variant, compressed once and kept
 * until the entry goes: from memory for a small file, from its open
 * file for one of up to GZIP_FILE_MAX bytes while such variants take
 * less than GZIP_CACHE_MAX bytes in all.  0, or -1 when it cannot be
 * made (the caller compresses for this response only).
 */
int		 fcache_gzip(struct fcache *, struct fcache_entry *,
		    int level);

#endif
