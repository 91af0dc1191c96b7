/*
 * Byte range requests (RFC 9110 section 14).  Pure: libc only, no
 * allocation; the caller supplies the arrays and buffers.
 */
#ifndef HEARTH_RANGE_H
#define HEARTH_RANGE_H

#include <stddef.h>
#include <stdint.h>

/*
 * Bytes a multipart/byteranges part costs beyond its data: delimiter,
 * Content-Type and Content-Range, "around 80 bytes" (RFC 9110 section
 * 15.3.7.2).
 */
#define RANGE_PART_OVERHEAD	80

/* Longest boundary range_boundary() makes, without the NUL. */
#define RANGE_BOUNDARY_LEN	22	/* "hearth" + 16 hex digits */

struct byte_range {
	uint64_t	 first;		/* inclusive, < size */
	uint64_t	 last;		/* inclusive, first <= last < size */
};

enum range_result {
	RANGE_IGNORE = 0,	/* send 200 and the whole representation */
	RANGE_OK,		/* send 206 with out[0 .. *n - 1] */
	RANGE_UNSATISFIABLE	/* send 416; see range_content_range() */
};

/*
 * Parse a Range field value (RFC 9110 section 14.2) against a
 * representation of size bytes.  out has room for max ranges; on
 * RANGE_OK *n is how many were stored (1 means a single-part 206).
 *
 * RANGE_IGNORE, which a server may always choose (section 14.2), for:
 *   - a unit other than "bytes" (case-insensitive) or any syntax error,
 *     including last-pos < first-pos (section 14.1.1);
 *   - more than max range-specs, satisfiable or not;
 *   - requested ranges (clamped to the representation) summing to more
 *     than size, i.e. the client asks for some bytes twice;
 *   - more than one part after coalescing, where the parts plus
 *     RANGE_PART_OVERHEAD each would be no smaller than size.
 * RANGE_UNSATISFIABLE when the syntax is valid and no range-spec is
 * satisfiable (section 14.1.2): every first-pos >= size, suffix length
 * 0, or size 0 (an empty range cannot be written in Content-Range).
 *
 * A last-pos past the end is clamped to size - 1; a suffix longer than
 * size means the whole representation.  Overlapping or adjacent ranges
 * are coalesced (section 15.3.7.2); each part keeps the place of the
 * earliest range-spec that formed it, so parts follow the request order
 * as section 15.3.7.2 asks.  Coalescing is quadratic in max, so keep
 * max small (tens).
 */
enum range_result
	 range_parse(const char *p, size_t len, uint64_t size,
	    struct byte_range *out, size_t max, size_t *n);

/*
 * Content-Range field value (RFC 9110 section 14.4): "bytes 0-499/1234",
 * or, when r is NULL, the unsatisfied-range form a 416 carries: "bytes",
 * a space, an asterisk, a slash and the size.  Returns the length
 * written (NUL-terminated), or -1 if buf is too small.
 */
int	 range_content_range(char *buf, size_t sz, const struct byte_range *r,
	    uint64_t size);

/*
 * A multipart/byteranges boundary (RFC 9110 section 14.6) made from a
 * random value the caller supplies; buf holds RANGE_BOUNDARY_LEN + 1.
 */
void	 range_boundary(char *buf, uint64_t rnd);

/*
 * The bytes that go before the data of one part (RFC 9110 section 14.6):
 *   "\r\n--BOUNDARY\r\n"
 *   "Content-Type: TYPE\r\n"
 *   "Content-Range: bytes a-b/size\r\n\r\n"
 * The Content-Type line is left out when type is NULL.  The leading CRLF
 * belongs to the delimiter (RFC 2046 section 5.1.1), so the body can
 * start with it.  Returns the length written, or -1 if buf is too small;
 * with buf NULL and sz 0 it returns the length needed.
 */
int	 range_multipart_part(char *buf, size_t sz, const char *boundary,
	    const char *type, const struct byte_range *r, uint64_t size);

/*
 * The close delimiter after the last part: "\r\n--BOUNDARY--\r\n".
 * Same return convention as range_multipart_part().
 */
int	 range_multipart_end(char *buf, size_t sz, const char *boundary);

/*
 * Content-Length of the whole multipart body for these parts: every part
 * header, every range's data and the close delimiter, byte for byte what
 * the two functions above and the data produce.
 */
uint64_t range_multipart_length(const struct byte_range *r, size_t n,
	    uint64_t size, const char *boundary, const char *type);

#endif
