/*
 * gzip content coding (RFC 9110 section 8.4.1.3) for static files:
 * compression into memory with zlib, the compressed variant of an
 * open-file-cache entry, and precompressed "file.gz" siblings.
 */
#ifndef HEARTH_GZIP_H
#define HEARTH_GZIP_H

#include <sys/stat.h>
#include <stddef.h>

#include "hearth.h"
#include "http_cond.h"

#define GZIP_ETAG_MAX	(ETAG_MAX + GZIP_ETAG_EXTRA)

struct worker;
struct fcache_entry;

/*
 * The gzip variant's ETag: etag with GZIP_ETAG_SUFFIX inside the
 * quotes, so a cache never mixes the two (section 8.8.3).  buf holds
 * GZIP_ETAG_MAX bytes.  Returns the length, or -1.
 */
int	 gzip_etag(char *buf, size_t sz, const char *etag);

/* Compress len bytes into *out (malloc'd); 0, or -1 with errno. */
int	 gzip_buf(const char *in, size_t len, int level, char **out,
	    size_t *outlen);

/* Read size bytes of fd and compress them; 0, or -1 with errno. */
int	 gzip_fd(int fd, size_t size, int level, char **out, size_t *outlen);

/*
 * The precompressed sibling of the file at the normalised URL path:
 * "path.gz", opened under the symlink policy, when it is a regular
 * file not older than the original (st).  Returns the fd with *gst
 * filled, or -1.
 */
int	 gzip_sibling(struct worker *, const char *path,
	    const struct stat *st, struct stat *gst);

#endif
