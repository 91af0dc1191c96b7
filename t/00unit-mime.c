/*
 * Unit tests for src/mime.c: the Debian mime.types format, lookups by
 * last extension, the built-in table, and the etc/mime.types we ship.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mime.h"
#include "tap.h"

#define R(s)	s, sizeof(s) - 1

/*
 * An unstable qsort(), interposed on libc's for src/mime.c: an
 * insertion sort that puts equal elements in reverse order.  glibc's
 * qsort() is a merge sort and stable in practice, which hid a reliance
 * on stability that musl or a BSD libc would expose.
 */
void
qsort(void *base, size_t n, size_t size, int (*cmp)(const void *,
    const void *))
{
	char	*v = base, tmp[256];
	size_t	 i, j;

	if (size > sizeof(tmp))
		abort();
	for (i = 1; i < n; i++) {
		memcpy(tmp, v + i * size, size);
		for (j = i; j > 0 && cmp(v + (j - 1) * size, tmp) >= 0; j--)
			memcpy(v + j * size, v + (j - 1) * size, size);
		memcpy(v + j * size, tmp, size);
	}
}

static const char sample[] =
    "# This is a comment. I love comments.\n"
    "\n"
    "   \n"
    "text/html\t\t\t\t\thtml htm shtml\n"
    "image/png\t\t\t\t\tpng\n"
    "application/gzip\t\t\t\tgz tgz\n"
    "application/x-tar tar\n"
    "application/x-nothing\n"
    "  # indented comment image/bogus bogus\n"
    "text/plain  txt asc # trailing comment not-an-ext\n"
    "audio/first dup\n"
    "audio/second dup other\n"
    "audio/dup3-first dup3\n"
    "audio/dup3-second dup3\n"
    "audio/dup3-third dup3\n"
    "IMAGE/WEIRD   UPPER\n"
    "noslash ext1 ext2\n"
    "text/last-line-without-newline lastext";

static void
test_parse(void)
{
	struct mime_table	*t;

	t = mime_parse(R(sample));
	if (!tap_ok(t != NULL, "sample parses"))
		exit(tap_done());
	tap_is_int(mime_count(t), 14, "14 extensions (duplicate dropped)");
	tap_is_str(mime_lookup(t, "index.html"), "text/html; charset=utf-8",
	    "html, text gets a charset");
	tap_is_str(mime_lookup(t, "old.htm"), "text/html; charset=utf-8",
	    "second extension on a tabbed line");
	tap_is_str(mime_lookup(t, "x.shtml"), "text/html; charset=utf-8",
	    "third extension");
	tap_is_str(mime_lookup(t, "FILE.PNG"), "image/png",
	    "upper-case name: case-insensitive");
	tap_is_str(mime_lookup(t, "a.Png"), "image/png", "mixed case");
	tap_is_str(mime_lookup(t, "a.tar.gz"), "application/gzip",
	    "last extension wins");
	tap_is_str(mime_lookup(t, "a.gz.tar"), "application/x-tar",
	    "last extension wins, other order");
	tap_is_str(mime_lookup(t, "notes.txt"), "text/plain; charset=utf-8",
	    "text/plain has a charset");
	tap_is_str(mime_lookup(t, "x.not-an-ext"), MIME_DEFAULT,
	    "words after '#' are a comment");
	tap_is_str(mime_lookup(t, "x.bogus"), MIME_DEFAULT,
	    "indented comment line ignored");
	tap_is_str(mime_lookup(t, "x.dup"), "audio/first",
	    "first mapping of a duplicate extension wins");
	tap_is_str(mime_lookup(t, "x.dup3"), "audio/dup3-first",
	    "first of three mappings wins, whatever qsort() does");
	tap_is_str(mime_lookup(t, "x.other"), "audio/second",
	    "the rest of the second line still counts");
	tap_is_str(mime_lookup(t, "x.upper"), "IMAGE/WEIRD",
	    "upper-case extension in the file");
	tap_is_str(mime_lookup(t, "x.ext1"), MIME_DEFAULT,
	    "line without a type/subtype skipped");
	tap_is_str(mime_lookup(t, "x.lastext"),
	    "text/last-line-without-newline; charset=utf-8",
	    "last line without a newline");
	tap_is_str(mime_lookup(t, "Makefile"), MIME_DEFAULT, "no extension");
	tap_is_str(mime_lookup(t, ".png"), "image/png",
	    "\".png\" is a name with extension png");
	tap_is_str(mime_lookup(t, ".htaccess"), MIME_DEFAULT,
	    "unknown dotfile");
	tap_is_str(mime_lookup(t, "file."), MIME_DEFAULT, "trailing dot");
	tap_is_str(mime_lookup(t, "/dir.png/file"), MIME_DEFAULT,
	    "a dot in a directory is not an extension");
	tap_is_str(mime_lookup(t, "/dir/a.png"), "image/png", "path with dirs");
	tap_is_str(mime_lookup(t, "x.unknown"), MIME_DEFAULT,
	    "unknown extension");
	tap_is_str(mime_lookup(t, "x.0123456789012345678901234567890123"),
	    MIME_DEFAULT, "extension longer than the table's");
	tap_is_str(mime_lookup(NULL, "x.png"), MIME_DEFAULT, "NULL table");
	mime_free(t);

	t = mime_parse("", 0);
	tap_ok(t != NULL && mime_count(t) == 0 &&
	    strcmp(mime_lookup(t, "a.html"), MIME_DEFAULT) == 0,
	    "empty text: empty table");
	mime_free(t);
}

static void
test_builtin(void)
{
	struct mime_table	*t;

	t = mime_builtin();
	if (!tap_ok(t != NULL, "builtin table"))
		return;
	tap_is_str(mime_lookup(t, "a.html"), "text/html; charset=utf-8",
	    "builtin html");
	tap_is_str(mime_lookup(t, "a.css"), "text/css; charset=utf-8",
	    "builtin css");
	tap_is_str(mime_lookup(t, "a.js"), "text/javascript; charset=utf-8",
	    "builtin js");
	tap_is_str(mime_lookup(t, "a.png"), "image/png", "builtin png");
	tap_is_str(mime_lookup(t, "a.svg"), "image/svg+xml; charset=utf-8",
	    "builtin svg");
	tap_is_str(mime_lookup(t, "a.json"), "application/json; charset=utf-8",
	    "builtin json");
	mime_free(t);
}

static void
test_shipped(void)
{
	struct mime_table	*t;
	const char		*src = getenv("HEARTH_SRCDIR");
	char			 path[4096], *buf;
	FILE			*fp;
	long			 len;

	snprintf(path, sizeof(path), "%s/etc/mime.types", src ? src : "..");
	if ((fp = fopen(path, "rb")) == NULL) {
		/* run by hand from the top of the tree */
		snprintf(path, sizeof(path), "etc/mime.types");
		fp = fopen(path, "rb");
	}
	if (!tap_ok(fp != NULL, "open %s", path))
		return;
	fseek(fp, 0, SEEK_END);
	len = ftell(fp);
	rewind(fp);
	if ((buf = malloc((size_t)len)) == NULL ||
	    fread(buf, 1, (size_t)len, fp) != (size_t)len)
		exit(99);
	fclose(fp);
	t = mime_parse(buf, (size_t)len);
	free(buf);
	if (!tap_ok(t != NULL, "shipped mime.types parses"))
		return;
	tap_ok(mime_count(t) > 100, "shipped mime.types has > 100 entries "
	    "(%zu)", mime_count(t));
	tap_is_str(mime_lookup(t, "index.html"), "text/html; charset=utf-8",
	    "shipped: html");
	tap_is_str(mime_lookup(t, "logo.PNG"), "image/png", "shipped: PNG");
	tap_is_str(mime_lookup(t, "a.css"), "text/css; charset=utf-8",
	    "shipped: css");
	mime_free(t);
}

int
main(void)
{
	test_parse();
	test_builtin();
	test_shipped();
	return tap_done();
}
