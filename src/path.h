/*
 * Request path normalisation.  Pure: no syscalls, no allocation.
 */
#ifndef HEARTH_PATH_H
#define HEARTH_PATH_H

#include <stddef.h>

/*
 * Percent-decode the raw path (without query) into out, then remove dot
 * segments (RFC 3986 section 5.2.4) and collapse repeated slashes.
 * out must hold at least len + 1 bytes; the result is NUL-terminated and
 * always starts with '/'.  Returns the length of the result, or -1 with
 * *err set (static string) for input that must get 400: a path not
 * starting with '/', a bad or NUL (%00) escape, an encoded '/' (%2F), or
 * dot segments that climb above the root.
 */
long	 path_normalize(const char *raw, size_t len, char *out,
	    const char **err);

/* The value of one hex digit, or -1. */
int	 path_hexval(int c);

/* Does any segment of the normalised path start with '.'? */
int	 path_has_dotfile(const char *path);

#endif
