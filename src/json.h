/*
 * A small JSON writer (RFC 8259) into a growable buffer.  Pure: libc
 * only.
 *
 * Calls return nothing; the first error (out of memory, nesting too
 * deep, a value where a key belongs, unbalanced ends) sticks, later
 * calls do nothing, and json_done() reports it.  So a page is written
 * with straight-line calls and one check at the end.
 *
 * Strings: any byte sequence in, valid JSON out.  '"', '\' and the C0
 * controls are escaped (\n, \t... or \u00XX), as are '<', '>', '&',
 * U+2028 and U+2029, so the text may also sit in an HTML <script>.  A
 * byte that is not part of well-formed UTF-8 (Unicode 15, table 3-7: no
 * overlongs, surrogates or code points past U+10FFFF) becomes one
 * U+FFFD REPLACEMENT CHARACTER, \ufffd.  We chose U+FFFD over \u00XX
 * because \u00XX would claim the byte was the Latin-1 character XX.
 */
#ifndef HEARTH_JSON_H
#define HEARTH_JSON_H

#include <stddef.h>
#include <stdint.h>

#define JSON_DEPTH_MAX	32

struct json {
	char		*buf;		/* NUL-terminated once json_done() */
	size_t		 len;
	size_t		 cap;
	int		 err;		/* sticky; see json_done() */
	unsigned	 depth;
	int		 after_key;	/* a key was written, value due */
	int		 done;		/* the top-level value is complete */
	uint8_t		 in_object[JSON_DEPTH_MAX];
	uint8_t		 members[JSON_DEPTH_MAX];	/* 0 or 1: need comma */
};

void	 json_init(struct json *j);
void	 json_free(struct json *j);

void	 json_object_begin(struct json *j);
void	 json_object_end(struct json *j);
void	 json_array_begin(struct json *j);
void	 json_array_end(struct json *j);

/* A member name; only inside an object, before each value. */
void	 json_key(struct json *j, const char *key);

void	 json_string(struct json *j, const char *s, size_t len);
void	 json_cstring(struct json *j, const char *s);	/* NUL-terminated */
void	 json_int(struct json *j, int64_t v);
void	 json_uint(struct json *j, uint64_t v);
/*
 * Fixed notation with prec (0..17) decimals; NaN and infinities have no
 * JSON form and are written as null.  Uses snprintf, so the C locale's
 * decimal point is assumed (the server never calls setlocale()).
 */
void	 json_double(struct json *j, double v, int prec);
void	 json_bool(struct json *j, int v);
void	 json_null(struct json *j);

/*
 * 0 when exactly one complete value was written: j->buf is then that
 * text, NUL-terminated, j->len bytes.  -1 otherwise, with *why (static
 * string, may be NULL) saying what went wrong.
 */
int	 json_done(struct json *j, const char **why);

#endif
