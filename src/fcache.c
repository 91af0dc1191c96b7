/*
 * Open-file cache.  A hash table of small files' contents with an LRU
 * list for eviction.  Entries still being sent (refs > 0) are never
 * freed under the response: when replaced or evicted they leave the
 * table and are freed by the last fcache_put().
 *
 * Freshness: a generation counts inotify's news.  An entry seen fresh
 * in the current generation (and within FCACHE_RECHECK_MS) is served
 * as it is; a change makes every entry stat() its file once; a name
 * changing on the way to any of them empties the cache.  The watch
 * descriptor is handled before the other events of its epoll_wait()
 * (EV_FIRST), so a request sent after a change never sees the old
 * file.
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ev.h"
#include "fcache.h"
#include "worker.h"

#define FCACHE_BUCKETS	512	/* a power of two */

struct fcache {
	struct fcache_entry	*bucket[FCACHE_BUCKETS];
	struct fcache_entry	*head, *tail;	/* LRU */
	size_t			 n;
	struct fwatch		*fw;		/* NULL: stat() every hit */
	uint64_t		 gen;		/* bumped by each change */
	size_t			 gzbytes;	/* large files' gzip variants */
};

static uint32_t
fcache_hash(const char *s)
{
	uint32_t	h = 2166136261u;	/* FNV-1a */

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

struct fcache *
fcache_new(void)
{
	struct fcache	*fc;

	if ((fc = calloc(1, sizeof(*fc))) != NULL)
		fc->gen = 1;	/* an entry's 0: never seen fresh */
	return fc;
}

static void
entry_free(struct fcache *fc, struct fcache_entry *e)
{
	if (fc->fw != NULL)
		fwatch_drop(fc->fw, e->wds, e->nwd);
	if (e->fd != -1) {
		close(e->fd);
		if (e->gz != NULL)
			fc->gzbytes -= e->gzlen;
	}
	free(e->key);
	free(e->body);
	free(e->gz);
	free(e->head);
	free(e);
}

static void
lru_unlink(struct fcache *fc, struct fcache_entry *e)
{
	if (e->prev)
		e->prev->next = e->next;
	else
		fc->head = e->next;
	if (e->next)
		e->next->prev = e->prev;
	else
		fc->tail = e->prev;
	e->prev = e->next = NULL;
}

static void
lru_front(struct fcache *fc, struct fcache_entry *e)
{
	e->next = fc->head;
	e->prev = NULL;
	if (fc->head)
		fc->head->prev = e;
	fc->head = e;
	if (fc->tail == NULL)
		fc->tail = e;
}

/* Take e out of the table; free it now or when its last user is done. */
static void
fcache_remove(struct fcache *fc, struct fcache_entry *e)
{
	struct fcache_entry	**pp = &fc->bucket[e->hash & (FCACHE_BUCKETS - 1)];

	while (*pp != NULL && *pp != e)
		pp = &(*pp)->hnext;
	if (*pp == e)
		*pp = e->hnext;
	lru_unlink(fc, e);
	fc->n--;
	e->dead = 1;
	if (e->refs == 0)
		entry_free(fc, e);
}

static void
fcache_flush(struct fcache *fc)
{
	while (fc->head != NULL)
		fcache_remove(fc, fc->head);
}

void
fcache_free(struct fcache *fc)
{
	if (fc == NULL)
		return;
	fcache_flush(fc);
	fwatch_free(fc->fw);
	free(fc);
}

void
fcache_put(struct fcache *fc, struct fcache_entry *e)
{
	if (--e->refs == 0 && e->dead)
		entry_free(fc, e);
}

static void
fcache_event(struct ev_loop *loop, int fd, int events, void *arg)
{
	(void)loop;
	(void)fd;
	(void)events;
	fcache_poll(arg);
}

void
fcache_poll(struct fcache *fc)
{
	if (fc->fw == NULL)
		return;
	switch (fwatch_read(fc->fw)) {
	case FWATCH_MOVED:
		fcache_flush(fc);
		break;
	case FWATCH_CHANGED:
		fc->gen++;
		break;
	case FWATCH_NONE:
		break;
	}
}

int
fcache_watch(struct fcache *fc, struct ev_loop *loop, int dirfd)
{
	int	save;

	if ((fc->fw = fwatch_new(dirfd)) == NULL)
		return -1;
	if (ev_add(loop, fwatch_fd(fc->fw), EV_READ | EV_FIRST, fcache_event,
	    fc) == -1) {
		save = errno;
		fwatch_free(fc->fw);
		fc->fw = NULL;
		errno = save;
		return -1;
	}
	return 0;
}

static struct fcache_entry *
fcache_find(struct fcache *fc, const char *key, uint32_t h)
{
	struct fcache_entry	*e;

	for (e = fc->bucket[h & (FCACHE_BUCKETS - 1)]; e; e = e->hnext)
		if (e->hash == h && strcmp(e->key, key) == 0)
			return e;
	return NULL;
}

/* ctime too: a chmod must send the file back through file_open() */
static int
same_file(const struct stat *a, const struct stat *b)
{
	return a->st_ino == b->st_ino && a->st_dev == b->st_dev &&
	    a->st_size == b->st_size &&
	    a->st_mtim.tv_sec == b->st_mtim.tv_sec &&
	    a->st_mtim.tv_nsec == b->st_mtim.tv_nsec &&
	    a->st_ctim.tv_sec == b->st_ctim.tv_sec &&
	    a->st_ctim.tv_nsec == b->st_ctim.tv_nsec;
}

/*
 * The watches cover the directories the path names.  A symlink on the
 * way leads through others, whose changes they would miss: such an
 * entry is not watched.  The kernel's name for the open file tells.
 */
static int
fcache_direct(const struct worker *w, int fd, const char *key)
{
	char		 buf[PATH_MAX];
	const char	*real = file_real_path(w, fd, buf, sizeof(buf));

	return real != NULL && strcmp(real, key) == 0;
}

/*
 * Watch a new entry's file and directories, or leave it to stat() on
 * every hit.  Either way its first hit stat()s: a change made before
 * the watches took hold sent no event.
 */
static void
fcache_watch_entry(struct worker *w, struct fcache_entry *e, int fd)
{
	struct fcache	*fc = w->fcache;

	if (fc->fw == NULL || !fcache_direct(w, fd, e->key) ||
	    fwatch_add(fc->fw, e->key + 1, e->wds, &e->nwd) == -1)
		e->nwd = 0;
}

/*
 * A new entry from the open file in res: a small one is read, and
 * res->fd stays the caller's; a larger one keeps res->fd.
 */
static struct fcache_entry *
fcache_load(struct worker *w, const char *key, uint32_t h,
    struct file_res *res)
{
	struct fcache		*fc = w->fcache;
	struct fcache_entry	*e;

	if ((e = calloc(1, sizeof(*e))) == NULL)
		return NULL;
	e->fd = -1;
	if ((e->key = strdup(key)) == NULL)
		goto fail;
	if (res->st.st_size > FCACHE_FILE_MAX) {
		e->fd = res->fd;
		res->fd = -1;
	} else if ((e->body = malloc(res->st.st_size ?
	    (size_t)res->st.st_size : 1)) == NULL ||
	    pread(res->fd, e->body, (size_t)res->st.st_size, 0) !=
	    res->st.st_size)
		goto fail;	/* changed under us: serve it uncached */
	e->len = (size_t)res->st.st_size;
	e->hash = h;
	e->st = res->st;
	e->type = res->type;
	fcache_watch_entry(w, e, e->fd != -1 ? e->fd : res->fd);
	etag_make(e->etag, sizeof(e->etag), (uint64_t)e->st.st_ino,
	    (uint64_t)e->st.st_size, (int64_t)e->st.st_mtim.tv_sec,
	    e->st.st_mtim.tv_nsec);
	/* make room: the least recently used goes first */
	while (fc->n >= FCACHE_ENTRIES && fc->tail != NULL)
		fcache_remove(fc, fc->tail);
	e->hnext = fc->bucket[h & (FCACHE_BUCKETS - 1)];
	fc->bucket[h & (FCACHE_BUCKETS - 1)] = e;
	lru_front(fc, e);
	fc->n++;
	return e;
fail:
	entry_free(fc, e);
	return NULL;
}

static int
cacheable(const struct file_res *res)
{
	return res->status == 200 && S_ISREG(res->st.st_mode) &&
	    !res->via_index;
}

/*
 * Is the cached entry still the file on disk?  Yes without asking when
 * inotify has said nothing since the last look.  Else stat() follows
 * symlinks without RESOLVE_BENEATH, but only to compare: any difference
 * (a file swapped for a link out of the root included) sends us back
 * through file_open(), which applies the symlink policy.
 */
static int
fcache_fresh(struct worker *w, struct fcache_entry *e)
{
	struct fcache	*fc = w->fcache;
	struct stat	 st;
	uint64_t	 now = ev_now(w->loop);

	if (e->nwd > 0 && e->gen == fc->gen &&
	    now - e->checked < FCACHE_RECHECK_MS)
		return 1;
	if (fstatat(w->docroot_fd, e->key[1] ? e->key + 1 : ".", &st, 0)
	    == -1 || !same_file(&st, &e->st))
		return 0;
	e->gen = fc->gen;
	e->checked = now;
	return 1;
}

struct fcache_entry *
fcache_get(struct worker *w, const char *path, struct file_res *res)
{
	struct fcache		*fc = w->fcache;
	struct fcache_entry	*e;
	uint32_t		 h = fcache_hash(path);

	res->status = 0;
	res->fd = -1;
	if (fc != NULL && (e = fcache_find(fc, path, h)) != NULL) {
		if (fcache_fresh(w, e))
			goto hit;
		fcache_remove(fc, e);
	}
	file_open(w, path, res);
	if (fc == NULL || !cacheable(res) ||
	    (e = fcache_load(w, path, h, res)) == NULL)
		return NULL;
	if (res->fd != -1) {
		close(res->fd);
		res->fd = -1;
	}
hit:
	lru_unlink(fc, e);
	lru_front(fc, e);
	e->refs++;
	return e;
}

int
fcache_gzip(struct fcache *fc, struct fcache_entry *e, int level)
{
	if (e->gz != NULL)
		return 0;
	if (e->gzfail || gzip_etag(e->gzetag, sizeof(e->gzetag), e->etag)
	    == -1)
		return -1;
	if (e->fd == -1) {
		if (gzip_buf(e->body, e->len, level, &e->gz, &e->gzlen) == -1)
			e->gzfail = 1;	/* don't try again on every request */
		return e->gzfail ? -1 : 0;
	}
	/* the file's size bounds its variant's, give or take the header */
	if (e->st.st_size > GZIP_FILE_MAX ||
	    fc->gzbytes + (size_t)e->st.st_size > GZIP_CACHE_MAX)
		return -1;
	if (gzip_fd(e->fd, (size_t)e->st.st_size, level, &e->gz,
	    &e->gzlen) == -1) {
		e->gzfail = 1;
		return -1;
	}
	fc->gzbytes += e->gzlen;
	return 0;
}
