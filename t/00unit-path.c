/*
 * Unit tests for src/path.c.  The raw path ends at a PROT_NONE page so
 * an over-read crashes; out is exactly len + 1 bytes from malloc, so
 * ASan catches an over-write.
 */
#include <sys/mman.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "path.h"
#include "tap.h"

struct ncase {
	const char	*in;
	size_t		 len;
	const char	*want;		/* NULL: error */
	const char	*err;		/* expected error when want is NULL */
};

#define R(s)		s, sizeof(s) - 1
#define NOK(s, w)	{ R(s), w, NULL }
#define NERR(s, e)	{ R(s), NULL, e }

#define CLIMB	"path climbs above root"
#define BADPCT	"bad percent escape"
#define X16	"xxxxxxxxxxxxxxxx"
#define X64	X16 X16 X16 X16

static const struct ncase ncases[] = {
	/* plain paths */
	NOK("/", "/"),
	NOK("/a", "/a"),
	NOK("/a/b/c", "/a/b/c"),
	NOK("/a/b/c/", "/a/b/c/"),
	NOK("/index.html", "/index.html"),

	/* RFC 3986 section 5.4 examples, base http://a/b/c/d;p?q, made
	 * absolute by merging with /b/c/ */
	NOK("/b/c/g", "/b/c/g"),
	NOK("/b/c/./g", "/b/c/g"),
	NOK("/b/c/g/", "/b/c/g/"),
	NOK("/g", "/g"),
	NOK("/b/c/.", "/b/c/"),
	NOK("/b/c/./", "/b/c/"),
	NOK("/b/c/..", "/b/"),
	NOK("/b/c/../", "/b/"),
	NOK("/b/c/../g", "/b/g"),
	NOK("/b/c/../..", "/"),
	NOK("/b/c/../../", "/"),
	NOK("/b/c/../../g", "/g"),
	NOK("/b/c/g.", "/b/c/g."),
	NOK("/b/c/.g", "/b/c/.g"),
	NOK("/b/c/g..", "/b/c/g.."),
	NOK("/b/c/..g", "/b/c/..g"),
	NOK("/b/c/./../g", "/b/g"),
	NOK("/b/c/./g/.", "/b/c/g/"),
	NOK("/b/c/g/./h", "/b/c/g/h"),
	NOK("/b/c/g/../h", "/b/c/h"),
	NOK("/b/c/g;x=1/./y", "/b/c/g;x=1/y"),
	NOK("/b/c/g;x=1/../y", "/b/c/y"),
	/* where the RFC stops at the root, we refuse */
	NERR("/b/c/../../../g", CLIMB),
	NERR("/b/c/../../../../g", CLIMB),
	NERR("/../g", CLIMB),

	/* "." and ".." at the end keep the directory slash */
	NOK("/.", "/"),
	NOK("/a/.", "/a/"),
	NOK("/a/..", "/"),
	NOK("/a/b/..", "/a/"),
	NOK("/a/./", "/a/"),

	/* repeated slashes */
	NOK("//", "/"),
	NOK("///a///b//", "/a/b/"),
	NOK("/a//../b", "/b"),
	NOK("/a/.//./b", "/a/b"),

	/* traversal */
	NERR("/..", CLIMB),
	NERR("/../", CLIMB),
	NERR("/../etc/passwd", CLIMB),
	NERR("/a/../../b", CLIMB),
	NERR("/a/./../..", CLIMB),
	NERR("//..", CLIMB),
	NERR("/%2e%2e/etc/passwd", CLIMB),
	NERR("/%2E%2E/", CLIMB),
	NERR("/.%2e/x", CLIMB),
	NERR("/a/%2e%2e/%2e%2e/b", CLIMB),
	NOK("/a/%2e%2e/b", "/b"),
	NOK("/a/%2e/b", "/a/b"),
	NOK("/a/%2e", "/a/"),
	NOK("/%2e%2e%2e", "/..."),
	NOK("/...", "/..."),
	NOK("/a/.../b", "/a/.../b"),

	/* encoded slash, NUL, bad escapes */
	NERR("/a%2Fb", "encoded slash"),
	NERR("/a%2fb", "encoded slash"),
	NERR("/..%2f..%2fetc", "encoded slash"),
	NERR("/a%00b", "encoded NUL"),
	NERR("/a\0b", "NUL in path"),
	NERR("/a%", BADPCT),
	NERR("/a%4", BADPCT),
	NERR("/a%zz", BADPCT),
	NERR("/a%g1", BADPCT),
	NERR("/a%1g", BADPCT),
	NERR("/a%%41", BADPCT),
	NERR("/%-1", BADPCT),

	/* decoding */
	NOK("/a%20b", "/a b"),
	NOK("/%41%42%43", "/ABC"),
	NOK("/%7e%7E", "/~~"),
	NOK("/%25", "/%"),
	NOK("/%2541", "/%41"),
	NOK("/a+b", "/a+b"),
	NOK("/%5c..%5c", "/\\..\\"),

	/* UTF-8, raw and encoded; bytes pass through */
	NOK("/caf\xc3\xa9", "/caf\xc3\xa9"),
	NOK("/caf%C3%A9/", "/caf\xc3\xa9/"),
	NOK("/%ff%fe", "/\xff\xfe"),

	/* not absolute */
	NERR("", "path not absolute"),
	NERR("a/b", "path not absolute"),
	NERR("*", "path not absolute"),
	NERR("%2fetc", "path not absolute"),

	/* long paths */
	NOK("/" X64 "/" X64 "/" X64 "/" X64, "/" X64 "/" X64 "/" X64 "/" X64),
	NOK("/" X64 "/../" X64 "/./" X64 "/", "/" X64 "/" X64 "/"),
	NOK("/a/b/c/d/e/f/g/h/i/j/../../../../../../../../../..", "/"),
	NERR("/a/b/c/d/e/f/g/h/i/j/../../../../../../../../../../..", CLIMB),
};

struct dcase {
	const char	*path;
	int		 want;
};

static const struct dcase dcases[] = {
	{ "/", 0 },
	{ "/a/b", 0 },
	{ "/a.b/c.d", 0 },
	{ "/a/b.", 0 },
	{ "/.git", 1 },
	{ "/.git/config", 1 },
	{ "/a/.htaccess", 1 },
	{ "/a/.b/c", 1 },
	{ "/.well-known/acme", 1 },
	{ "/a/b/.", 1 },
	{ "/a/.../b", 1 },
	{ ".x", 1 },
};

int
main(void)
{
	long		 pg = sysconf(_SC_PAGESIZE);
	const char	*err;
	char		*m, *in, *out;
	size_t		 i;
	long		 n;
	int		 good;

	m = mmap(NULL, pg * 2, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED || mprotect(m + pg, pg, PROT_NONE) == -1) {
		perror("mmap");
		return 1;
	}
	for (i = 0; i < sizeof(ncases) / sizeof(ncases[0]); i++) {
		const struct ncase *c = &ncases[i];

		in = m + pg - c->len;
		memcpy(in, c->in, c->len);
		if ((out = malloc(c->len + 1)) == NULL)
			return 1;
		err = NULL;
		n = path_normalize(in, c->len, out, &err);
		if (c->want == NULL) {
			good = n == -1 && err != NULL &&
			    strcmp(err, c->err) == 0;
			tap_ok(good, "normalize %zu: error", i);
			if (!good)
				tap_diag("  got %ld \"%s\", want error \"%s\"",
				    n, n >= 0 ? out : err ? err : "(null)",
				    c->err);
		} else {
			good = n >= 0 && (size_t)n == strlen(c->want) &&
			    strcmp(out, c->want) == 0 && err == NULL;
			tap_ok(good, "normalize %zu: \"%s\"", i, c->want);
			if (!good)
				tap_diag("  got %ld \"%s\"", n,
				    n >= 0 ? out : err ? err : "(null)");
		}
		free(out);
	}
	tap_diag("%zu normalize cases",
	    sizeof(ncases) / sizeof(ncases[0]));

	for (i = 0; i < sizeof(dcases) / sizeof(dcases[0]); i++)
		tap_is_int(path_has_dotfile(dcases[i].path), dcases[i].want,
		    "dotfile \"%s\"", dcases[i].path);
	return tap_done();
}
