/*
 * File lookup.  Paths are opened relative to a descriptor of
 * document_root with openat2(RESOLVE_BENEATH), so the kernel refuses any
 * ".." or symlink that would leave the root, in the same single system
 * call that opens the file: there is no window between a check and the
 * open for a symlink to be swapped in.
 */
#include "config.h"

#include <sys/stat.h>
#include <sys/syscall.h>
#include <linux/openat2.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "file.h"
#include "mime.h"
#include "worker.h"

#define OPEN_FLAGS	(O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY)

/*
 * Where the open file fd really is, relative to document_root ("/a/b";
 * "" for the root itself), in buf; NULL when it is outside.  The kernel
 * tells where the descriptor points, after every symlink, so nothing
 * can be swapped in between this check and the use of fd.
 */
const char *
file_real_path(const struct worker *w, int fd, char *buf, size_t len)
{
	char	link[64];
	ssize_t	n;
	size_t	rl = strlen(w->docroot_real);

	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	if (len == 0 || (n = readlink(link, buf, len - 1)) == -1)
		return NULL;
	buf[n] = '\0';
	if (rl == 1)		/* document_root "/" */
		rl = 0;
	if (strncmp(buf, w->docroot_real, rl) != 0 ||
	    (buf[rl] != '/' && buf[rl] != '\0'))
		return NULL;
	return buf + rl;
}

int
file_openat(struct worker *w, const char *rel)
{
	struct open_how	how;
	char		real[PATH_MAX];
	int		fd;

	memset(&how, 0, sizeof(how));
	/* O_NONBLOCK: opening a FIFO must not hang the worker */
	how.flags = OPEN_FLAGS;
	how.resolve = RESOLVE_NO_MAGICLINKS;
	if (!w->conf->follow_symlinks)
		how.resolve |= RESOLVE_BENEATH;
	fd = (int)syscall(SYS_openat2, w->docroot_fd, rel, &how, sizeof(how));
	if (fd != -1 || w->conf->follow_symlinks)
		return fd;
	if (errno != EXDEV && errno != ENOSYS)
		return -1;
	/*
	 * RESOLVE_BENEATH refuses every absolute symlink, even one that
	 * points back inside the root (EXDEV), and kernels before 5.6 lack
	 * openat2 (ENOSYS).  Open normally and check where we landed.
	 */
	if ((fd = openat(w->docroot_fd, rel, OPEN_FLAGS)) == -1)
		return -1;
	if (file_real_path(w, fd, real, sizeof(real)) == NULL) {
		close(fd);
		errno = EXDEV;
		return -1;
	}
	return fd;
}

static int
errno_status(int e)
{
	switch (e) {
	case ENOENT:
	case ENOTDIR:
	case ENAMETOOLONG:
		return 404;
	case EACCES:
	case EPERM:
	case EXDEV:	/* RESOLVE_BENEATH: a symlink leaves the root */
	case ELOOP:
		return 403;
	case EMFILE:
	case ENFILE:
		return 503;
	}
	return 500;
}

/* Open rel and fill res; 0 on a regular file or directory, else -1. */
static int
file_try(struct worker *w, const char *rel, struct file_res *res)
{
	if ((res->fd = file_openat(w, rel)) == -1) {
		res->error = errno;
		res->status = errno_status(errno);
		return -1;
	}
	if (fstat(res->fd, &res->st) == -1) {
		res->error = errno;
		res->status = 500;
		goto fail;
	}
	if (S_ISREG(res->st.st_mode) || S_ISDIR(res->st.st_mode))
		return 0;
	res->error = 0;
	res->status = 403;	/* device, FIFO, socket */
fail:
	close(res->fd);
	res->fd = -1;
	return -1;
}

static void
file_index(struct worker *w, const char *rel, struct file_res *res)
{
	char	path[PATH_MAX];
	int	i;

	for (i = 0; i < w->conf->nindex; i++) {
		if (snprintf(path, sizeof(path), "%s%s", rel,
		    w->conf->index[i]) >= (int)sizeof(path))
			continue;
		if (file_try(w, path, res) == 0) {
			if (S_ISREG(res->st.st_mode)) {
				res->status = 200;
				res->via_index = 1;
				res->type = mime_lookup(w->mime, path);
				return;
			}
			close(res->fd);
			res->fd = -1;
		} else if (res->status != 404)
			return;
	}
	/* a directory without an index: 403 as Apache, unless listed */
	res->status = 403;
	res->noindex = 1;
	res->error = 0;
}

void
file_open(struct worker *w, const char *path, struct file_res *res)
{
	const char	*rel = path + 1;	/* relative to document_root */
	size_t		 len = strlen(path);

	memset(res, 0, sizeof(*res));
	res->fd = -1;
	if (*rel == '\0')
		rel = ".";
	if (file_try(w, rel, res) == -1)
		return;
	if (S_ISREG(res->st.st_mode)) {
		if (path[len - 1] == '/') {	/* "/file.html/" */
			close(res->fd);
			res->fd = -1;
			res->status = 404;
			return;
		}
		res->status = 200;
		res->type = mime_lookup(w->mime, path);
		return;
	}
	close(res->fd);
	res->fd = -1;
	if (path[len - 1] != '/') {
		res->status = 301;
		res->add_slash = 1;
		return;
	}
	file_index(w, strcmp(rel, ".") == 0 ? "" : rel, res);
}
