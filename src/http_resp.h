/*
 * HTTP/1.1 response head parser and chunked decoder for the client side
 * (RFC 9112).  Pure: no syscalls, no allocation, no globals.  Parsed
 * fields are spans into the caller's buffer.
 */
#ifndef HEARTH_HTTP_RESP_H
#define HEARTH_HTTP_RESP_H

#include <stddef.h>
#include <stdint.h>

#include "http_parse.h"		/* struct span only */

#define RESP_MAX_HEAD		65536	/* status line + fields + CRLF */
#define RESP_MAX_LINE		32768	/* one status or field line */
#define RESP_MAX_HEADERS	128	/* field lines per head */
#define RESP_MAX_TRAILERS	65536	/* whole chunked trailer section */
#define RESP_MAX_CHUNK_EXT	4096	/* chunk-size line beyond the digits */
#define RESP_MAX_CHUNK_DIGITS	16	/* 64 bits of hex */

enum resp_result {
	RESP_DONE = 0,		/* resp is filled in; header_len consumed */
	RESP_AGAIN,		/* need more bytes */
	RESP_ERROR		/* resp->error says why */
};

/* How the message body is delimited (RFC 9112 section 6.3). */
enum resp_body {
	RESP_BODY_NONE = 0,	/* HEAD, 1xx, 204, 304 */
	RESP_BODY_LENGTH,	/* Content-Length bytes */
	RESP_BODY_CHUNKED,	/* chunked transfer coding */
	RESP_BODY_CLOSE		/* until the server closes */
};

struct resp_header {
	struct span	 name;
	struct span	 value;	/* OWS trimmed; may span obs-fold lines */
};

struct http_response {
	int		 version;	/* 10 or 11 (1.2 and up count as 11) */
	int		 status;	/* 100 .. 599 */
	struct span	 reason;

	struct resp_header headers[RESP_MAX_HEADERS];
	size_t		 nheaders;

	/* fields the client acts on; p == NULL when absent */
	struct span	 connection;
	struct span	 transfer_encoding;
	struct span	 location;
	struct span	 content_type;
	struct span	 content_range;
	struct span	 etag;
	struct span	 last_modified;

	int64_t		 content_length;	/* -1 when absent */
	unsigned	 chunked:1;	/* Transfer-Encoding ends in chunked */
	unsigned	 keep_alive:1;	/* per version and Connection */

	size_t		 header_len;	/* status line + fields + CRLF */
	const char	*error;		/* static, on RESP_ERROR */
};

/*
 * Parse the response head at the start of buf.  prev_len is how many of
 * these bytes an earlier call already answered AGAIN for, so a server
 * that trickles bytes is not rescanned from the start.  A head larger
 * than RESP_MAX_HEAD, or a line longer than RESP_MAX_LINE, is an error
 * as soon as it is seen, so a hostile server cannot make us buffer
 * without bound.
 */
enum resp_result
	 resp_parse(const char *buf, size_t len, size_t prev_len,
	    struct http_response *resp);

/* Body delimitation of a parsed response to a HEAD (head != 0) or not. */
enum resp_body
	 resp_body_kind(const struct http_response *resp, int head);

/* First field with this name (case-insensitive); p == NULL if none. */
struct span
	 resp_header_get(const struct http_response *resp, const char *name);

/* Case-insensitive ASCII comparison of a span with a C string. */
int	 resp_span_eq(struct span s, const char *lit);

/* Does a comma-separated list (Connection, Transfer-Encoding) hold token? */
int	 resp_list_has(struct span list, const char *token);

/*
 * Chunked transfer-coding decoder (RFC 9112 section 7.1), in place and
 * incremental; same contract as http_chunked_decode() in http_parse.h so
 * the two can merge.  It reads the len body bytes at buf, moves the chunk
 * data to the front of buf and sets *out to how many data bytes that is,
 * and *used to how many input bytes it consumed: all of them on AGAIN, up
 * to the end of the trailer section on DONE (what follows belongs to the
 * next response).  Extensions are skipped and trailers discarded; both
 * are bounded.
 */
struct resp_chunked {
	int		 state;		/* private; zero to start */
	uint64_t	 remaining;	/* private */
	size_t		 digits;	/* private */
	size_t		 line;		/* private: ext or trailer line */
	size_t		 trailers;	/* private: trailer section so far */
};

enum resp_chunk_result {
	RESP_CHUNK_AGAIN = 0,	/* all input used; more body to come */
	RESP_CHUNK_DONE,	/* last chunk and trailers read */
	RESP_CHUNK_ERROR	/* malformed or over a limit */
};

enum resp_chunk_result
	 resp_chunked_decode(struct resp_chunked *st, char *buf, size_t len,
	    size_t *out, size_t *used);

#endif
