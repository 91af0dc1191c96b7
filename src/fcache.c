/*
 * Open-file cache.  A hash table of small files' contents with an LRU
 * list for eviction.  Entries still being sent (refs > 0) are never
 * freed under the response: when replaced or evicted they leave the
 * table and are freed by the last fcache_put().
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fcache.h"
#include "worker.h"

#define FCACHE_BUCKETS	512	/* a power of two */

struct fcache {
	struct fcache_entry	*bucket[FCACHE_BUCKETS];
	struct fcache_entry	*head, *tail;	/* LRU */
	size_t			 n;
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
	return calloc(1, sizeof(struct fcache));
}

static void
entry_free(struct fcache_entry *e)
{
	free(e->key);
	free(e->body);
	free(e->gz);
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
		entry_free(e);
}

void
fcache_free(struct fcache *fc)
{
	if (fc == NULL)
		return;
	while (fc->head != NULL)
		fcache_remove(fc, fc->head);
	free(fc);
}

void
fcache_put(struct fcache *fc, struct fcache_entry *e)
{
	(void)fc;
	if (--e->refs == 0 && e->dead)
		entry_free(e);
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

static int
same_file(const struct stat *a, const struct stat *b)
{
	return a->st_ino == b->st_ino && a->st_dev == b->st_dev &&
	    a->st_size == b->st_size &&
	    a->st_mtim.tv_sec == b->st_mtim.tv_sec &&
	    a->st_mtim.tv_nsec == b->st_mtim.tv_nsec;
}

/* A new entry from the open file in res (which stays open). */
static struct fcache_entry *
fcache_load(struct fcache *fc, const char *key, uint32_t h,
    const struct file_res *res)
{
	struct fcache_entry	*e;

	if ((e = calloc(1, sizeof(*e))) == NULL ||
	    (e->key = strdup(key)) == NULL ||
	    (e->body = malloc(res->st.st_size ? (size_t)res->st.st_size : 1))
	    == NULL)
		goto fail;
	if (pread(res->fd, e->body, (size_t)res->st.st_size, 0) !=
	    res->st.st_size)
		goto fail;	/* changed under us: serve it uncached */
	e->len = (size_t)res->st.st_size;
	e->hash = h;
	e->st = res->st;
	e->type = res->type;
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
	if (e != NULL)
		entry_free(e);
	return NULL;
}

static int
cacheable(const struct file_res *res)
{
	return res->status == 200 && S_ISREG(res->st.st_mode) &&
	    !res->via_index && res->st.st_size <= FCACHE_FILE_MAX;
}

/*
 * Is the cached entry still the file on disk?  stat() follows symlinks
 * without RESOLVE_BENEATH, but only to compare: any difference (a file
 * swapped for a link out of the root included) sends us back through
 * file_open(), which applies the symlink policy.
 */
static int
fcache_fresh(struct worker *w, const struct fcache_entry *e)
{
	struct stat	st;

	return fstatat(w->docroot_fd, e->key[1] ? e->key + 1 : ".", &st, 0)
	    == 0 && same_file(&st, &e->st);
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
	    (e = fcache_load(fc, path, h, res)) == NULL)
		return NULL;
	close(res->fd);
	res->fd = -1;
hit:
	lru_unlink(fc, e);
	lru_front(fc, e);
	e->refs++;
	return e;
}
