/*
 * HTTP/1.1 request parser (RFC 9112).  Pure: no syscalls, no allocation,
 * no globals.  Parsed fields are spans into the caller's buffer, so the
 * buffer must not move while the request is in use.
 */
#ifndef HEARTH_HTTP_PARSE_H
#define HEARTH_HTTP_PARSE_H

#include <stddef.h>
#include <stdint.h>

#define HTTP_MAX_HEADERS	256	/* hard ceiling for limits.header_count */

struct span {
	const char	*p;
	size_t		 len;
};

enum http_method {
	HTTP_M_UNKNOWN = 0,	/* a valid token we do not implement: 501 */
	HTTP_M_GET,
	HTTP_M_HEAD,
	HTTP_M_POST,
	HTTP_M_PUT,
	HTTP_M_DELETE,
	HTTP_M_OPTIONS,
	HTTP_M_TRACE,
	HTTP_M_CONNECT,
	HTTP_M_PATCH
};

enum http_form {
	HTTP_FORM_ORIGIN = 0,	/* /path?query */
	HTTP_FORM_ABSOLUTE,	/* http://host/path?query */
	HTTP_FORM_ASTERISK,	/* * (OPTIONS only) */
	HTTP_FORM_AUTHORITY	/* host:port (CONNECT only) */
};

enum http_parse_result {
	HTTP_PARSE_DONE = 0,	/* req is filled in; req->header_len consumed */
	HTTP_PARSE_AGAIN,	/* need more bytes */
	HTTP_PARSE_ERROR	/* req->status and req->error say why */
};

struct http_limits {
	size_t		 request_line;	/* 414 beyond this */
	size_t		 header_field;	/* 431 for one longer field line */
	size_t		 headers_total;	/* 431 beyond this (request line excluded) */
	size_t		 header_count;	/* 431 beyond this; <= HTTP_MAX_HEADERS */
};

struct http_header {
	struct span	 name;
	struct span	 value;		/* OWS trimmed on both sides */
};

struct http_request {
	/* request line */
	struct span	 method;
	enum http_method method_id;
	struct span	 target;	/* raw request-target as sent */
	enum http_form	 form;
	struct span	 path;		/* still percent-encoded; "/" ... */
	struct span	 query;		/* after '?', p == NULL when absent */
	int		 version;	/* 10 or 11 */

	/* headers, in order */
	struct http_header headers[HTTP_MAX_HEADERS];
	size_t		 nheaders;

	/* headers the server acts on; p == NULL when absent */
	struct span	 host;		/* absolute-form host wins over Host */
	struct span	 connection;
	struct span	 transfer_encoding;
	struct span	 expect;
	struct span	 user_agent;
	struct span	 referer;
	struct span	 content_type;
	struct span	 if_match;
	struct span	 if_none_match;
	struct span	 if_modified_since;
	struct span	 if_unmodified_since;
	struct span	 range;
	struct span	 if_range;

	int64_t		 content_length;	/* -1 when absent */
	unsigned	 chunked:1;		/* body is chunked */
	unsigned	 keep_alive:1;		/* per version and Connection */
	unsigned	 expect_continue:1;	/* Expect: 100-continue */

	size_t		 header_len;	/* request line + headers + CRLF */

	/* on HTTP_PARSE_ERROR */
	int		 status;	/* 400, 414, 417, 431, 501, 505 */
	const char	*error;		/* static, for the error log */
};

/*
 * Parse the request head at the start of buf.  prev_len is how many of
 * these bytes an earlier call already saw and answered AGAIN for, so a
 * client that trickles bytes is not rescanned from the start each time;
 * req need not survive between calls.  However the bytes are split, the
 * answer is the same, except that an error may be noticed sooner: a too
 * long request line (414) or field line or header section (431) is
 * refused before its end arrives.  The field count (431) and checks
 * across fields are made once the head is complete.
 *
 * A bare LF ends a line (RFC 9112 section 2.2); a CR anywhere but just
 * before LF, or a NUL anywhere, is 400.  Up to 8 leading empty lines are
 * skipped (section 2.2) and counted in header_len.
 *
 * On DONE: status is 0 and error NULL.  method_id HTTP_M_UNKNOWN is a
 * well-formed method we do not implement: answer 501.  For asterisk- and
 * authority-form, path is the whole target ("*", "host:port"); dispatch
 * on form before treating path as a file path.  host.p != NULL with
 * host.len == 0 is an empty Host field, which RFC 9112 section 3.2
 * permits.  A repeated field fills its span from its first line only;
 * headers[] has them all.  header_len covers leading empty lines, the
 * request line, the fields and the empty line ending them; the body
 * starts at buf + header_len.  headers_total counts every byte after
 * the request line's LF up to and including that empty line.
 *
 * On ERROR, status is what to answer (417 for an unknown Expect, 501 for
 * a transfer coding other than chunked) and the connection should close
 * after the response, as the framing can no longer be trusted.
 */
enum http_parse_result
	 http_parse_request(const char *buf, size_t len, size_t prev_len,
	    const struct http_limits *lim, struct http_request *req);

/* Case-insensitive ASCII comparison of a span with a C string. */
int	 span_eq(struct span s, const char *lit);

/* Does a comma-separated list (Connection, TE ...) hold this token? */
int	 http_list_has(struct span list, const char *token);

/*
 * Chunked transfer-coding decoder (RFC 9112 section 7.1), in place and
 * incremental.  It reads the len body bytes at buf, moves the chunk data
 * to the front of buf and sets *out to how many data bytes that is, and
 * *used to how many input bytes it consumed: all of them on AGAIN, up to
 * the end of the trailer section on DONE (what follows is the next
 * pipelined request).  Extensions are skipped and trailers discarded.
 * A chunk-size of more than 16 hex digits is an error, as is a chunk-ext
 * or trailer line over HTTP_CHUNK_LINE_MAX or a trailer section over
 * HTTP_CHUNK_TRAILER_MAX.  On ERROR, *used stops just past the offending
 * byte and *out counts the data decoded before it.  A bare LF ends a
 * line here as it does in the head; a bare CR is an error.  Once DONE,
 * further calls return DONE and consume nothing.
 */
#define HTTP_CHUNK_DIGITS_MAX	16	/* chunk-size hex digits */
#define HTTP_CHUNK_LINE_MAX	4096	/* one chunk-ext or trailer line */
#define HTTP_CHUNK_TRAILER_MAX	8192	/* whole trailer section */

struct http_chunked {
	int		 state;		/* private; zero to start */
	uint64_t	 remaining;	/* private */
	size_t		 digits;	/* private */
	size_t		 line;		/* private: ext/trailer line length */
	size_t		 total;		/* private: trailer section bytes */
};

enum http_chunk_result {
	HTTP_CHUNK_AGAIN = 0,	/* all input used; more body to come */
	HTTP_CHUNK_DONE,	/* last chunk and trailers read */
	HTTP_CHUNK_ERROR	/* malformed: 400 */
};

enum http_chunk_result
	 http_chunked_decode(struct http_chunked *st, char *buf, size_t len,
	    size_t *out, size_t *used);

/* Canonical name, or NULL for HTTP_M_UNKNOWN and out-of-range values. */
const char *http_method_name(enum http_method m);

#endif
