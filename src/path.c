/*
 * Request path normalisation.  Pure: libc only.
 *
 * We decode first and remove dot segments second, on the decoded bytes,
 * so "%2e%2e" is as much a ".." as ".." is.  Decoding cannot then make
 * a new '/', because %2F is refused: a file system path has no way to
 * say "a slash inside a segment", and letting one through would let
 * "/a%2F..%2F.." dodge the dot-segment pass.
 */
#include <string.h>

#include "path.h"

int
path_hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Percent-decode (RFC 3986 section 2.1) raw into out; -1 on error. */
static long
pct_decode(const char *raw, size_t len, char *out, const char **err)
{
	size_t	i, w = 0;
	int	hi, lo;

	for (i = 0; i < len; i++) {
		if (raw[i] == '\0') {
			*err = "NUL in path";
			return -1;
		}
		if (raw[i] != '%') {
			out[w++] = raw[i];
			continue;
		}
		if (i + 2 >= len ||
		    (hi = path_hexval((unsigned char)raw[i + 1])) < 0 ||
		    (lo = path_hexval((unsigned char)raw[i + 2])) < 0) {
			*err = "bad percent escape";
			return -1;
		}
		if (hi == 0 && lo == 0) {
			*err = "encoded NUL";
			return -1;
		}
		if (hi == 2 && lo == 0xf) {
			*err = "encoded slash";
			return -1;
		}
		out[w++] = (char)(hi << 4 | lo);
		i += 2;
	}
	return (long)w;
}

/*
 * remove_dot_segments (RFC 3986 section 5.2.4) in place, and "//" made
 * "/".  Output never outruns input, as each segment is written no
 * further right than where it was read.  Unlike the RFC, which stops at
 * the root, a ".." there is an error: such a request is an attack or a
 * bug, and 400 says so.
 */
static long
dot_segments(char *p, size_t len, const char **err)
{
	size_t	r = 1, w = 0, seg, n;
	int	trailing = 0;

	/* p[0] is '/'; each pass takes the segment after a slash */
	while (r <= len) {
		seg = r;
		while (r < len && p[r] != '/')
			r++;
		n = r - seg;
		trailing = r >= len;	/* last segment */
		r++;			/* past the slash */
		if (n == 0 || (n == 1 && p[seg] == '.')) {
			/* "//" or "/./": drop; a final one leaves a '/' */
			continue;
		}
		if (n == 2 && p[seg] == '.' && p[seg + 1] == '.') {
			if (w == 0) {
				*err = "path climbs above root";
				return -1;
			}
			while (w > 0 && p[w - 1] != '/')
				w--;
			w--;		/* and its slash */
			continue;
		}
		p[w++] = '/';
		memmove(p + w, p + seg, n);
		w += n;
		trailing = 0;
	}
	/* "/a/", "/a/." and "/a/b/.." all name a directory: keep the '/' */
	if (w == 0 || trailing)
		p[w++] = '/';
	p[w] = '\0';
	return (long)w;
}

long
path_normalize(const char *raw, size_t len, char *out, const char **err)
{
	long	n;

	*err = NULL;
	if (len == 0 || raw[0] != '/') {
		*err = "path not absolute";
		return -1;
	}
	if ((n = pct_decode(raw, len, out, err)) == -1)
		return -1;
	return dot_segments(out, (size_t)n, err);
}

int
path_has_dotfile(const char *path)
{
	if (path[0] == '.')
		return 1;
	return strstr(path, "/.") != NULL;
}
