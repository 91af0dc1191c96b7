/*
 * Byte range requests (RFC 9110 section 14).  Pure: libc only.
 *
 * Unconstrained multiple ranges let a few header bytes cost us a lot of
 * output and work (RFC 9110 section 17.15; Apache CVE-2011-3192), so
 * range_parse() bounds the number of range-specs, refuses requests for
 * the same bytes twice, coalesces, and falls back to a plain 200 when a
 * multipart answer would be no smaller.  Ignoring Range is always
 * allowed (section 14.2), so every doubt resolves to RANGE_IGNORE.
 */
#include <inttypes.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "range.h"

/* tchar (RFC 9110 section 5.6.2) */
static int
range_tchar(int c)
{
	if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
	    (c >= 'A' && c <= 'Z'))
		return 1;
	return c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

static const char *
range_ows(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	return p;
}

/*
 * 1*DIGIT.  A value past UINT64_MAX saturates: it can only be a first-pos
 * beyond any size (unsatisfiable), or a last-pos or suffix that clamps.
 */
static const char *
range_num(const char *p, const char *end, uint64_t *v)
{
	const char	*start = p;
	uint64_t	 d;

	*v = 0;
	for (; p < end && *p >= '0' && *p <= '9'; p++) {
		d = (uint64_t)(*p - '0');
		if (*v > (UINT64_MAX - d) / 10)
			*v = UINT64_MAX;
		else
			*v = *v * 10 + d;
	}
	return p == start ? NULL : p;
}

/*
 * One range-spec (RFC 9110 section 14.1.2) at p.  Returns the end of it,
 * or NULL when it is invalid.  *sat says whether it is satisfiable; if
 * so, *r is clamped to the representation.
 */
static const char *
range_spec(const char *p, const char *end, uint64_t size,
    struct byte_range *r, int *sat)
{
	uint64_t	first, last;

	*sat = 0;
	if (p < end && *p == '-') {
		/* suffix-range = "-" suffix-length */
		if ((p = range_num(p + 1, end, &last)) == NULL)
			return NULL;
		/* A zero suffix, or any of an empty representation. */
		if (last == 0 || size == 0)
			return p;
		r->first = last >= size ? 0 : size - last;
		r->last = size - 1;
		*sat = 1;
		return p;
	}
	/* int-range = first-pos "-" [ last-pos ] */
	if ((p = range_num(p, end, &first)) == NULL || p == end || *p != '-')
		return NULL;
	p++;
	last = UINT64_MAX;
	if (p < end && *p >= '0' && *p <= '9') {
		p = range_num(p, end, &last);
		if (last < first)
			return NULL;	/* invalid: section 14.1.1 */
	}
	if (first >= size)
		return p;
	r->first = first;
	r->last = last >= size ? size - 1 : last;
	*sat = 1;
	return p;
}

/* Do a and b overlap or abut?  last < size <= UINT64_MAX, so +1 is safe. */
static int
range_touch(const struct byte_range *a, const struct byte_range *b)
{
	return a->first <= b->last + 1 && b->first <= a->last + 1;
}

/*
 * Merge overlapping and adjacent ranges in place.  A merged range stays
 * where the earlier of the two was, so the parts keep the request's
 * order (RFC 9110 section 15.3.7.2).  Repeat until nothing merges: one
 * merge can make a range reach another it skipped.
 */
static size_t
range_coalesce(struct byte_range *r, size_t n)
{
	size_t	i, j;
	int	merged;

	do {
		merged = 0;
		for (i = 0; i < n; i++)
			for (j = i + 1; j < n; ) {
				if (!range_touch(&r[i], &r[j])) {
					j++;
					continue;
				}
				if (r[j].first < r[i].first)
					r[i].first = r[j].first;
				if (r[j].last > r[i].last)
					r[i].last = r[j].last;
				memmove(&r[j], &r[j + 1],
				    (n - j - 1) * sizeof(r[0]));
				n--;
				merged = 1;
			}
	} while (merged);
	return n;
}

/*
 * Would n parts cost at least as much as the whole representation?  The
 * ranges are disjoint after coalescing, so their total is <= size.
 */
static int
range_worse_than_whole(const struct byte_range *r, size_t n, uint64_t size)
{
	uint64_t	total = 0;
	size_t		i;

	if (n < 2)
		return 0;
	for (i = 0; i < n; i++)
		total += r[i].last - r[i].first + 1;
	return size - total <= (uint64_t)n * RANGE_PART_OVERHEAD;
}

/* The unit is case-insensitive (section 14.1); no locale involved. */
static int
range_is_bytes(const char *p, size_t len)
{
	const char	*unit = "bytes";
	size_t		 i;

	if (len != 5)
		return 0;
	for (i = 0; i < len; i++)
		if ((p[i] | 0x20) != unit[i])
			return 0;
	return 1;
}

enum range_result
range_parse(const char *p, size_t len, uint64_t size,
    struct byte_range *out, size_t max, size_t *np)
{
	const char		*end, *q;
	struct byte_range	 r;
	size_t			 n = 0, specs = 0;
	uint64_t		 sum = 0;
	int			 sat;

	*np = 0;
	if (p == NULL)
		return RANGE_IGNORE;
	end = p + len;

	/* ranges-specifier = range-unit "=" range-set (section 14.1.1) */
	for (q = p; q < end && range_tchar((unsigned char)*q); q++)
		;
	if (q == end || *q != '=' || !range_is_bytes(p, (size_t)(q - p)))
		return RANGE_IGNORE;
	p = q + 1;

	/* range-set = 1#range-spec; empty list elements are allowed. */
	for (;;) {
		p = range_ows(p, end);
		if (p == end)
			break;
		if (*p == ',') {
			p++;
			continue;
		}
		if ((p = range_spec(p, end, size, &r, &sat)) == NULL)
			return RANGE_IGNORE;
		if (++specs > max)
			return RANGE_IGNORE;
		if (sat) {
			sum += r.last - r.first + 1;
			if (sum > size)
				return RANGE_IGNORE;
			out[n++] = r;
		}
		p = range_ows(p, end);
		if (p != end && *p != ',')
			return RANGE_IGNORE;
	}
	if (specs == 0)
		return RANGE_IGNORE;
	if (n == 0)
		return RANGE_UNSATISFIABLE;
	n = range_coalesce(out, n);
	if (range_worse_than_whole(out, n, size))
		return RANGE_IGNORE;
	*np = n;
	return RANGE_OK;
}

int
range_content_range(char *buf, size_t sz, const struct byte_range *r,
    uint64_t size)
{
	int	len;

	if (r == NULL)
		len = snprintf(buf, sz, "bytes */%" PRIu64, size);
	else
		len = snprintf(buf, sz, "bytes %" PRIu64 "-%" PRIu64 "/%"
		    PRIu64, r->first, r->last, size);
	return len < 0 || (size_t)len >= sz ? -1 : len;
}

void
range_boundary(char *buf, uint64_t rnd)
{
	(void)snprintf(buf, RANGE_BOUNDARY_LEN + 1, "hearth%016" PRIx64, rnd);
}

int
range_multipart_part(char *buf, size_t sz, const char *boundary,
    const char *type, const struct byte_range *r, uint64_t size)
{
	int	len;

	len = snprintf(buf, sz, "\r\n--%s\r\n%s%s%s"
	    "Content-Range: bytes %" PRIu64 "-%" PRIu64 "/%" PRIu64 "\r\n\r\n",
	    boundary, type ? "Content-Type: " : "", type ? type : "",
	    type ? "\r\n" : "", r->first, r->last, size);
	if (len < 0)
		return -1;
	if (buf == NULL && sz == 0)
		return len;
	return (size_t)len >= sz ? -1 : len;
}

int
range_multipart_end(char *buf, size_t sz, const char *boundary)
{
	int	len;

	len = snprintf(buf, sz, "\r\n--%s--\r\n", boundary);
	if (len < 0)
		return -1;
	if (buf == NULL && sz == 0)
		return len;
	return (size_t)len >= sz ? -1 : len;
}

uint64_t
range_multipart_length(const struct byte_range *r, size_t n, uint64_t size,
    const char *boundary, const char *type)
{
	uint64_t	total;
	size_t		i;

	/* Measure with the formatters themselves so the two cannot drift. */
	total = (uint64_t)range_multipart_end(NULL, 0, boundary);
	for (i = 0; i < n; i++)
		total += (uint64_t)range_multipart_part(NULL, 0, boundary,
		    type, &r[i], size) + (r[i].last - r[i].first + 1);
	return total;
}
