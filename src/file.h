/*
 * Mapping a normalised URL path to a file under document_root.
 */
#ifndef HEARTH_FILE_H
#define HEARTH_FILE_H

#include <sys/stat.h>

struct worker;

struct file_res {
	int		 status;	/* 200, or 301/403/404/500/503 */
	int		 fd;		/* open regular file when 200 */
	struct stat	 st;
	const char	*type;		/* Content-Type when 200 */
	int		 add_slash;	/* 301: the URL needs a trailing '/' */
	int		 noindex;	/* 403: a directory without an index */
	int		 via_index;	/* 200: the directory's index file */
	int		 error;		/* errno behind a 403/404/5xx */
};

/*
 * Open the file (or the directory's index file) for path, which is
 * normalised and starts with '/'.  Never follows a symlink out of
 * document_root unless follow_symlinks is set.
 */
void	 file_open(struct worker *, const char *path, struct file_res *);

/*
 * Open rel (relative to document_root) read-only under the symlink
 * policy; -1 with errno (EXDEV for a link that leaves the root).
 */
int	 file_openat(struct worker *, const char *rel);

/*
 * Where the open file fd really is, relative to document_root ("/a/b";
 * "" for the root itself), in buf; NULL when it is outside.
 */
const char	*file_real_path(const struct worker *, int fd, char *buf,
		    size_t len);

#endif
