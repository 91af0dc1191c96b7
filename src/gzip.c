/*
 * gzip with zlib.  Whole bodies are compressed in one deflate() call
 * into a buffer of deflateBound() bytes, so the length is known and
 * the response carries Content-Length: no chunked coding, and HEAD
 * can say what GET would send.  Callers keep inputs under
 * GZIP_FILE_MAX, which bounds the time spent here.
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "fcache.h"
#include "file.h"
#include "gzip.h"
#include "worker.h"

int
gzip_etag(char *buf, size_t sz, const char *etag)
{
	size_t	len = strlen(etag);
	int	n;

	if (len < 2 || etag[len - 1] != '"')
		return -1;
	n = snprintf(buf, sz, "%.*s%s\"", (int)(len - 1), etag,
	    GZIP_ETAG_SUFFIX);
	return n < 0 || (size_t)n >= sz ? -1 : n;
}

int
gzip_buf(const char *in, size_t len, int level, char **out, size_t *outlen)
{
	z_stream	 zs;
	char		*p = NULL;
	uLong		 cap;
	int		 rc = -1;

	memset(&zs, 0, sizeof(zs));
	/* windowBits 15 + 16: a gzip wrapper (RFC 1952), not zlib's */
	if (deflateInit2(&zs, level, Z_DEFLATED, 15 + 16, 8,
	    Z_DEFAULT_STRATEGY) != Z_OK) {
		errno = ENOMEM;
		return -1;
	}
	cap = deflateBound(&zs, (uLong)len);
	if ((p = malloc(cap)) == NULL)
		goto done;
	zs.next_in = (Bytef *)(uintptr_t)in;
	zs.avail_in = (uInt)len;
	zs.next_out = (Bytef *)p;
	zs.avail_out = (uInt)cap;
	if (deflate(&zs, Z_FINISH) != Z_STREAM_END) {
		errno = EIO;
		goto done;
	}
	*out = p;
	*outlen = zs.total_out;
	p = NULL;
	rc = 0;
done:
	deflateEnd(&zs);
	free(p);
	return rc;
}

int
gzip_fd(int fd, size_t size, int level, char **out, size_t *outlen)
{
	char	*in;
	ssize_t	 n;
	int	 rc;

	if ((in = malloc(size ? size : 1)) == NULL)
		return -1;
	if ((n = pread(fd, in, size, 0)) != (ssize_t)size) {
		free(in);
		if (n >= 0)
			errno = EAGAIN;	/* changed under us */
		return -1;
	}
	rc = gzip_buf(in, size, level, out, outlen);
	free(in);
	return rc;
}

static int
not_older(const struct timespec *a, const struct timespec *b)
{
	return a->tv_sec > b->tv_sec ||
	    (a->tv_sec == b->tv_sec && a->tv_nsec >= b->tv_nsec);
}

int
gzip_sibling(struct worker *w, const char *path, const struct stat *st,
    struct stat *gst)
{
	char	rel[PATH_MAX];
	int	fd, n;

	/* a directory's index file has a name we don't know here */
	if (path[0] != '/' || path[1] == '\0' || path[strlen(path) - 1] == '/')
		return -1;
	n = snprintf(rel, sizeof(rel), "%s.gz", path + 1);
	if (n < 0 || (size_t)n >= sizeof(rel))
		return -1;
	if ((fd = file_openat(w, rel)) == -1)
		return -1;
	/* a stale .gz would serve yesterday's file: the original wins */
	if (fstat(fd, gst) == -1 || !S_ISREG(gst->st_mode) ||
	    !not_older(&gst->st_mtim, &st->st_mtim)) {
		close(fd);
		return -1;
	}
	return fd;
}
