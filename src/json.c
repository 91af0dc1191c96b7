/*
 * JSON writer.  Pure: libc only.  See json.h for the escaping rules.
 */
#include <inttypes.h>
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"

enum json_err {
	JSON_OK = 0,
	JSON_ENOMEM,
	JSON_EDEPTH,
	JSON_ENOKEY,
	JSON_EKEY,
	JSON_EEND,
	JSON_EMORE,
	JSON_EOPEN
};

static const char *
json_strerror(int e)
{
	switch (e) {
	case JSON_ENOMEM:
		return "out of memory";
	case JSON_EDEPTH:
		return "nested too deep";
	case JSON_ENOKEY:
		return "object member without a key";
	case JSON_EKEY:
		return "key outside an object or twice";
	case JSON_EEND:
		return "end without a matching begin";
	case JSON_EMORE:
		return "more than one top-level value";
	case JSON_EOPEN:
		return "unfinished document";
	}
	return "no error";
}

static void
json_fail(struct json *j, int e)
{
	if (j->err == JSON_OK)
		j->err = e;
}

/* Make room for n more bytes and a NUL. */
static int
json_reserve(struct json *j, size_t n)
{
	size_t	 cap;
	char	*p;

	if (j->err != JSON_OK)
		return -1;
	if (j->cap - j->len > n)
		return 0;
	cap = j->cap ? j->cap : 256;
	while (cap - j->len <= n) {
		if (cap > SIZE_MAX / 2) {
			json_fail(j, JSON_ENOMEM);
			return -1;
		}
		cap *= 2;
	}
	if ((p = realloc(j->buf, cap)) == NULL) {
		json_fail(j, JSON_ENOMEM);
		return -1;
	}
	j->buf = p;
	j->cap = cap;
	return 0;
}

static void
json_put(struct json *j, const char *s, size_t n)
{
	if (json_reserve(j, n) == -1)
		return;
	memcpy(j->buf + j->len, s, n);
	j->len += n;
	j->buf[j->len] = '\0';
}

/*
 * Before any value: check it is allowed here and write the comma that
 * separates it from the previous one.
 */
static int
json_value_begin(struct json *j)
{
	if (j->err != JSON_OK)
		return -1;
	if (j->depth == 0) {
		if (j->done)
			json_fail(j, JSON_EMORE);
		return j->err == JSON_OK ? 0 : -1;
	}
	if (j->in_object[j->depth - 1]) {
		if (!j->after_key)
			json_fail(j, JSON_ENOKEY);
		j->after_key = 0;
		return j->err == JSON_OK ? 0 : -1;
	}
	if (j->members[j->depth - 1])
		json_put(j, ",", 1);
	j->members[j->depth - 1] = 1;
	return j->err == JSON_OK ? 0 : -1;
}

/* After a scalar or a closed container. */
static void
json_value_end(struct json *j)
{
	if (j->depth == 0)
		j->done = 1;
}

void
json_init(struct json *j)
{
	memset(j, 0, sizeof(*j));
}

void
json_free(struct json *j)
{
	free(j->buf);
	json_init(j);
}

static void
json_open(struct json *j, int object)
{
	if (json_value_begin(j) == -1)
		return;
	if (j->depth == JSON_DEPTH_MAX) {
		json_fail(j, JSON_EDEPTH);
		return;
	}
	j->in_object[j->depth] = (uint8_t)object;
	j->members[j->depth] = 0;
	j->depth++;
	json_put(j, object ? "{" : "[", 1);
}

static void
json_close(struct json *j, int object)
{
	if (j->err != JSON_OK)
		return;
	if (j->depth == 0 || j->in_object[j->depth - 1] != object ||
	    j->after_key) {
		json_fail(j, JSON_EEND);
		return;
	}
	j->depth--;
	json_put(j, object ? "}" : "]", 1);
	json_value_end(j);
}

void
json_object_begin(struct json *j)
{
	json_open(j, 1);
}

void
json_object_end(struct json *j)
{
	json_close(j, 1);
}

void
json_array_begin(struct json *j)
{
	json_open(j, 0);
}

void
json_array_end(struct json *j)
{
	json_close(j, 0);
}

/*
 * Length of the well-formed UTF-8 sequence at p (Unicode table 3-7), or
 * 0 if the byte at p does not start one.
 */
static size_t
json_utf8_len(const unsigned char *p, size_t n)
{
	unsigned char	c = p[0], lo = 0x80, hi = 0xbf;
	size_t		len, i;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		len = 2;
	else if (c >= 0xe0 && c <= 0xef) {
		len = 3;
		lo = c == 0xe0 ? 0xa0 : lo;	/* overlong */
		hi = c == 0xed ? 0x9f : hi;	/* surrogates */
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4;
		lo = c == 0xf0 ? 0x90 : lo;	/* overlong */
		hi = c == 0xf4 ? 0x8f : hi;	/* past U+10FFFF */
	} else
		return 0;
	if (n < len || p[1] < lo || p[1] > hi)
		return 0;
	for (i = 2; i < len; i++)
		if (p[i] < 0x80 || p[i] > 0xbf)
			return 0;
	return len;
}

/*
 * The escape for the sequence at p of length len into esc, or 0 if it
 * goes out as is.  len 0 is an ill-formed byte.
 */
static size_t
json_escape_one(const unsigned char *p, size_t len, char *esc)
{
	static const char	hex[] = "0123456789abcdef";
	const char		*named = NULL;

	if (len == 0)
		return (size_t)snprintf(esc, 8, "\\ufffd");
	if (len == 3 && p[0] == 0xe2 && p[1] == 0x80 &&
	    (p[2] == 0xa8 || p[2] == 0xa9))
		return (size_t)snprintf(esc, 8, "\\u%s",
		    p[2] == 0xa8 ? "2028" : "2029");
	if (len > 1)
		return 0;
	switch (p[0]) {
	case '"':  named = "\\\""; break;
	case '\\': named = "\\\\"; break;
	case '\b': named = "\\b"; break;
	case '\f': named = "\\f"; break;
	case '\n': named = "\\n"; break;
	case '\r': named = "\\r"; break;
	case '\t': named = "\\t"; break;
	}
	if (named != NULL)
		return (size_t)snprintf(esc, 8, "%s", named);
	if (p[0] >= 0x20 && p[0] != '<' && p[0] != '>' && p[0] != '&')
		return 0;
	memcpy(esc, "\\u00", 4);
	esc[4] = hex[p[0] >> 4];
	esc[5] = hex[p[0] & 0xf];
	esc[6] = '\0';
	return 6;
}

/* The quoted, escaped string; runs of plain bytes are copied at once. */
static void
json_quote(struct json *j, const char *s, size_t n)
{
	const unsigned char	*p = (const unsigned char *)s;
	size_t			 i = 0, run = 0, len, elen;
	char			 esc[8];

	json_put(j, "\"", 1);
	while (i < n) {
		len = json_utf8_len(p + i, n - i);
		if ((elen = json_escape_one(p + i, len, esc)) == 0) {
			i += len;
			continue;
		}
		json_put(j, s + run, i - run);
		json_put(j, esc, elen);
		i += len ? len : 1;
		run = i;
	}
	json_put(j, s + run, i - run);
	json_put(j, "\"", 1);
}

void
json_key(struct json *j, const char *key)
{
	if (j->err != JSON_OK)
		return;
	if (j->depth == 0 || !j->in_object[j->depth - 1] || j->after_key) {
		json_fail(j, JSON_EKEY);
		return;
	}
	if (j->members[j->depth - 1])
		json_put(j, ",", 1);
	j->members[j->depth - 1] = 1;
	json_quote(j, key, strlen(key));
	json_put(j, ":", 1);
	j->after_key = 1;
}

void
json_string(struct json *j, const char *s, size_t len)
{
	if (json_value_begin(j) == -1)
		return;
	json_quote(j, s, len);
	json_value_end(j);
}

void
json_cstring(struct json *j, const char *s)
{
	json_string(j, s, strlen(s));
}

/* A scalar already formatted. */
static void
json_raw(struct json *j, const char *s, size_t len)
{
	if (json_value_begin(j) == -1)
		return;
	json_put(j, s, len);
	json_value_end(j);
}

void
json_int(struct json *j, int64_t v)
{
	char	buf[24];
	int	n = snprintf(buf, sizeof(buf), "%" PRId64, v);

	json_raw(j, buf, (size_t)n);
}

void
json_uint(struct json *j, uint64_t v)
{
	char	buf[24];
	int	n = snprintf(buf, sizeof(buf), "%" PRIu64, v);

	json_raw(j, buf, (size_t)n);
}

void
json_double(struct json *j, double v, int prec)
{
	char	buf[512];	/* DBL_MAX in %f is 309 digits + 17 */
	int	n;

	if (!isfinite(v)) {
		json_null(j);
		return;
	}
	prec = prec < 0 ? 0 : prec > 17 ? 17 : prec;
	n = snprintf(buf, sizeof(buf), "%.*f", prec, v);
	/* "-0" and "-0.00" are valid JSON, but say 0. */
	if (v == 0.0)
		n = snprintf(buf, sizeof(buf), "%.*f", prec, 0.0);
	json_raw(j, buf, (size_t)n);
}

void
json_bool(struct json *j, int v)
{
	json_raw(j, v ? "true" : "false", v ? 4 : 5);
}

void
json_null(struct json *j)
{
	json_raw(j, "null", 4);
}

int
json_done(struct json *j, const char **why)
{
	if (j->err == JSON_OK && !j->done)
		json_fail(j, JSON_EOPEN);
	if (why != NULL)
		*why = json_strerror(j->err);
	return j->err == JSON_OK ? 0 : -1;
}
