/*
 * Tests for src/fwatch.c against a real temporary tree.  inotify queues
 * an event inside the system call that causes it, so each check reads
 * right after the change: no waiting.
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fwatch.h"
#include "tap.h"

static char	top[64];

static void
put(const char *rel, const char *data)
{
	char	path[256];
	FILE	*f;

	snprintf(path, sizeof(path), "%s/%s", top, rel);
	if ((f = fopen(path, "w")) == NULL || fputs(data, f) == EOF ||
	    fclose(f) == EOF) {
		perror(path);
		exit(1);
	}
}

static void
dir(const char *rel)
{
	char	path[256];

	snprintf(path, sizeof(path), "%s/%s", top, rel);
	if (mkdir(path, 0755) == -1) {
		perror(path);
		exit(1);
	}
}

static int
move(const char *from, const char *to)
{
	char	a[256], b[256];

	snprintf(a, sizeof(a), "%s/%s", top, from);
	snprintf(b, sizeof(b), "%s/%s", top, to);
	return rename(a, b);
}

int
main(void)
{
	struct fwatch	*fw;
	int		 dfd, wds[FWATCH_DEPTH], wds2[FWATCH_DEPTH];
	int		 deep[FWATCH_DEPTH];
	size_t		 n = 0, n2 = 0, dn = 0;
	char		 rel[128], cmd[128];
	int		 i;

	strlcpy(top, "/tmp/hearth-fwatch-XXXXXX", sizeof(top));
	if (mkdtemp(top) == NULL || (dfd = open(top, O_RDONLY |
	    O_DIRECTORY)) == -1) {
		perror("temp dir");
		return 1;
	}
	dir("a");
	dir("a/b");
	put("a/b/f.txt", "one\n");
	put("a/g.txt", "gee\n");
	put("top.txt", "top\n");
	if ((fw = fwatch_new(dfd)) == NULL) {
		printf("1..0 # SKIP inotify: %s\n", strerror(errno));
		return 0;
	}

	tap_ok(fwatch_add(fw, "a/b/f.txt", wds, &n) == 0, "add a/b/f.txt");
	tap_is_int(n, 4, "the file, a/b, a and the root");
	tap_ok(fwatch_add(fw, "a/g.txt", wds2, &n2) == 0 && n2 == 3,
	    "add a/g.txt: the file, a and the root");
	tap_ok(wds2[1] == wds[2] && wds2[2] == wds[3],
	    "directories shared by both are watched once");
	tap_is_int(fwatch_read(fw), FWATCH_NONE, "quiet tree: no news");

	put("a/b/f.txt", "two\n");
	tap_is_int(fwatch_read(fw), FWATCH_CHANGED, "rewrite: changed");
	tap_is_int(fwatch_read(fw), FWATCH_NONE, "read once, then quiet");
	put("top.txt", "TOP\n");
	tap_is_int(fwatch_read(fw), FWATCH_NONE,
	    "a file nobody watches, in a watched directory: no news");
	put("a/b/new.txt", "new\n");
	tap_is_int(fwatch_read(fw), FWATCH_NONE,
	    "a new name moves nothing, and writing it changes nothing ours");
	tap_ok(chmod(strcat(strcpy(rel, top), "/a/b"), 0700) == 0, "chmod a/b");
	tap_is_int(fwatch_read(fw), FWATCH_CHANGED,
	    "a watched directory's own attributes: changed");
	tap_ok(move("a/b/new.txt", "a/b/f.txt") == 0, "rename over");
	tap_is_int(fwatch_read(fw), FWATCH_MOVED, "rename over: moved");
	tap_ok(move("a/b", "a/c") == 0, "rename a directory");
	tap_is_int(fwatch_read(fw), FWATCH_MOVED, "a directory moved: moved");

	fwatch_drop(fw, wds, n);
	put("a/c/f.txt", "three\n");
	tap_is_int(fwatch_read(fw), FWATCH_NONE,
	    "dropped: its file and a/b are no longer watched");
	put("a/g.txt", "GEE\n");
	tap_is_int(fwatch_read(fw), FWATCH_CHANGED,
	    "a/g.txt still is, through its own and the shared watches");
	fwatch_drop(fw, wds2, n2);
	put("a/g.txt", "gee!\n");
	tap_is_int(fwatch_read(fw), FWATCH_NONE, "all dropped: quiet");

	tap_ok(fwatch_add(fw, "missing.txt", wds, &n) == -1 &&
	    errno == ENOENT, "a missing file: -1, ENOENT");
	put("top.txt", "top again\n");
	tap_is_int(fwatch_read(fw), FWATCH_NONE,
	    "a failed add leaves nothing watched (not even the root)");

	/* the root, FWATCH_DEPTH - 2 directories and a file: the most */
	rel[0] = '\0';
	for (i = 0; i < FWATCH_DEPTH - 1; i++) {
		strlcat(rel, i ? "/d" : "d", sizeof(rel));
		dir(rel);
	}
	strlcat(rel, "/x.txt", sizeof(rel));
	put(rel, "deep\n");
	tap_ok(fwatch_add(fw, rel, deep, &dn) == -1 && errno == ENAMETOOLONG,
	    "deeper than FWATCH_DEPTH: -1, ENAMETOOLONG");
	*strrchr(rel, '/') = '\0';
	*strrchr(rel, '/') = '\0';
	strlcat(rel, "/y.txt", sizeof(rel));
	put(rel, "deep\n");
	tap_ok(fwatch_add(fw, rel, deep, &dn) == 0 && dn == FWATCH_DEPTH,
	    "FWATCH_DEPTH deep: watched");
	fwatch_drop(fw, deep, dn);
	(void)fwatch_read(fw);

	fwatch_free(fw);
	close(dfd);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", top);
	if (system(cmd) != 0)
		tap_diag("could not remove %s", top);
	return tap_done();
}
