/*
 * The open-file cache: small files held in memory with their stat and
 * validators, per worker.  A hit costs one stat() of the file, never an
 * open(): unlike nginx's open_file_cache_valid window, a file changed a
 * moment ago is never served stale.  Only files named directly are
 * cached; an index file is looked up every time, since adding a better
 * one must take effect at once.
 */
#ifndef HEARTH_FCACHE_H
#define HEARTH_FCACHE_H

#include <sys/stat.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "file.h"
#include "gzip.h"
#include "http_cond.h"

#define FCACHE_ENTRIES	256		/* per worker */
#define FCACHE_FILE_MAX	(16 * 1024)	/* larger files use sendfile */

struct worker;

struct fcache_entry {
	struct fcache_entry	*hnext;		/* hash chain */
	struct fcache_entry	*prev, *next;	/* LRU, most recent first */
	char			*key;		/* normalised URL path */
	uint32_t		 hash;
	struct stat		 st;
	const char		*type;
	char			 etag[ETAG_MAX];
	char			*body;
	size_t			 len;
	/* the gzip variant, made on first demand (gzip_cached()) */
	char			*gz;
	size_t			 gzlen;
	char			 gzetag[GZIP_ETAG_MAX];
	int			 gzfail;
	unsigned		 refs;		/* responses still sending it */
	int			 dead;		/* out of the table */
};

struct fcache;

struct fcache	*fcache_new(void);
void		 fcache_free(struct fcache *);

/*
 * The entry for path, referenced (release it with fcache_put()), or NULL
 * when the file is not cacheable: then res holds what file_open() said,
 * with res->fd open on a 200, for the caller to serve as usual.
 */
struct fcache_entry *fcache_get(struct worker *, const char *path,
		    struct file_res *res);
void		 fcache_put(struct fcache *, struct fcache_entry *);

#endif
