/*
 * HTTP/1.1 response head parser and chunked decoder (RFC 9112).
 * Pure: libc only, no syscalls, no allocation.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "http_resp.h"

enum {
	CH_SIZE = 0,		/* chunk-size hex digits */
	CH_EXT,			/* chunk-ext, skipped up to the line end */
	CH_SIZE_LF,		/* CR seen after the size line */
	CH_DATA,		/* chunk-data */
	CH_DATA_CR,		/* CRLF after chunk-data */
	CH_DATA_LF,
	CH_TRAILER,		/* start of a trailer line, or the final CRLF */
	CH_TRAILER_LINE,	/* inside a trailer field line */
	CH_END_LF		/* CR of the final CRLF seen */
};

static int
resp_lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

/* RFC 9110 section 5.6.2 tchar */
static int
resp_is_tchar(int c)
{
	if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
	    (c >= 'A' && c <= 'Z'))
		return 1;
	return c != 0 && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

/* Whitespace inside a value; CR and LF appear only where obs-fold was. */
static int
resp_is_ws(int c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static int
resp_hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = resp_lower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

int
resp_span_eq(struct span s, const char *lit)
{
	size_t	i;

	if (s.p == NULL || strlen(lit) != s.len)
		return 0;
	for (i = 0; i < s.len; i++)
		if (resp_lower((unsigned char)s.p[i]) !=
		    resp_lower((unsigned char)lit[i]))
			return 0;
	return 1;
}

static struct span
resp_trim(const char *p, size_t len)
{
	struct span	s;

	while (len > 0 && resp_is_ws((unsigned char)p[0])) {
		p++;
		len--;
	}
	while (len > 0 && resp_is_ws((unsigned char)p[len - 1]))
		len--;
	s.p = p;
	s.len = len;
	return s;
}

int
resp_list_has(struct span list, const char *token)
{
	size_t	i, start;

	if (list.p == NULL)
		return 0;
	for (start = i = 0; i <= list.len; i++) {
		if (i < list.len && list.p[i] != ',')
			continue;
		if (resp_span_eq(resp_trim(list.p + start, i - start), token))
			return 1;
		start = i + 1;
	}
	return 0;
}

/* Is the last coding in a Transfer-Encoding list "chunked"? */
static int
resp_last_is_chunked(struct span te)
{
	size_t	i = te.len;

	while (i > 0 && te.p[i - 1] != ',')
		i--;
	return resp_span_eq(resp_trim(te.p + i, te.len - i), "chunked");
}

/*
 * Content-Length (RFC 9110 section 8.6).  A list of identical values is
 * one value; anything else that is not 1*DIGIT is an error, because a
 * wrong length desynchronises every later response on the connection.
 */
static int
resp_content_length(struct span v, int64_t *out)
{
	size_t	 i, start, digits;
	int64_t	 n, first = -1;

	for (start = i = 0; i <= v.len; i++) {
		struct span	 e;

		if (i < v.len && v.p[i] != ',')
			continue;
		e = resp_trim(v.p + start, i - start);
		start = i + 1;
		if (e.len == 0 || e.len > 18)
			return -1;	/* 18 digits cannot overflow int64 */
		for (n = 0, digits = 0; digits < e.len; digits++) {
			if (e.p[digits] < '0' || e.p[digits] > '9')
				return -1;
			n = n * 10 + (e.p[digits] - '0');
		}
		if (first != -1 && n != first)
			return -1;
		first = n;
	}
	*out = first;
	return 0;
}

/* Find the end of the head: the empty line.  0 if not there yet. */
static size_t
resp_find_end(const char *buf, size_t len, size_t prev_len)
{
	size_t		 i = prev_len > 2 ? prev_len - 2 : 0;
	const char	*nl;

	while (i < len && (nl = memchr(buf + i, '\n', len - i)) != NULL) {
		i = nl - buf + 1;
		if (i < len && buf[i] == '\n')
			return i + 1;
		if (i + 1 < len && buf[i] == '\r' && buf[i + 1] == '\n')
			return i + 2;
	}
	return 0;
}

/* The line being received has no end yet: is it already too long? */
static int
resp_tail_too_long(const char *buf, size_t len)
{
	size_t	i, n;

	for (i = len, n = 0; i > 0 && buf[i - 1] != '\n'; i--)
		if (++n > RESP_MAX_LINE)
			return 1;
	return 0;
}

/* status-line = HTTP-version SP status-code SP [ reason-phrase ] */
static int
resp_status_line(const char *p, size_t len, struct http_response *r)
{
	size_t	i;

	if (len < 12 || memcmp(p, "HTTP/", 5) != 0 ||
	    p[5] < '0' || p[5] > '9' || p[6] != '.' ||
	    p[7] < '0' || p[7] > '9' || p[8] != ' ') {
		r->error = "malformed status line";
		return -1;
	}
	if (p[5] != '1') {
		r->error = "unsupported HTTP major version";
		return -1;
	}
	r->version = p[7] == '0' ? 10 : 11;
	for (i = 9; i < 12; i++)
		if (p[i] < '0' || p[i] > '9') {
			r->error = "malformed status code";
			return -1;
		}
	r->status = (p[9] - '0') * 100 + (p[10] - '0') * 10 + (p[11] - '0');
	if (r->status < 100 || r->status > 599) {
		r->error = "status code out of range";
		return -1;
	}
	/* RFC 9112 section 4: accept a missing SP before an empty reason. */
	if (len > 12 && p[12] != ' ') {
		r->error = "malformed status line";
		return -1;
	}
	r->reason.p = p + (len > 12 ? 13 : 12);
	r->reason.len = len > 12 ? len - 13 : 0;
	return 0;
}

static void
resp_note_field(struct http_response *r, struct resp_header *h)
{
	static const struct {
		const char	*name;
		size_t		 off;
	} known[] = {
		{ "connection", offsetof(struct http_response, connection) },
		{ "transfer-encoding",
		    offsetof(struct http_response, transfer_encoding) },
		{ "location", offsetof(struct http_response, location) },
		{ "content-type",
		    offsetof(struct http_response, content_type) },
		{ "content-range",
		    offsetof(struct http_response, content_range) },
		{ "etag", offsetof(struct http_response, etag) },
		{ "last-modified",
		    offsetof(struct http_response, last_modified) },
	};
	size_t		 i;
	struct span	*dst;

	for (i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
		if (!resp_span_eq(h->name, known[i].name))
			continue;
		dst = (struct span *)(void *)((char *)r + known[i].off);
		if (dst->p == NULL)
			*dst = h->value;
		return;
	}
}

/* field-line = field-name ":" OWS field-value OWS */
static int
resp_field_line(const char *p, size_t len, struct http_response *r)
{
	struct resp_header	*h;
	size_t			 i;

	for (i = 0; i < len && resp_is_tchar((unsigned char)p[i]); i++)
		;
	if (i == 0 || i == len || p[i] != ':') {
		/* includes "Name :" which RFC 9112 section 5.1 forbids */
		r->error = "malformed header field";
		return -1;
	}
	if (r->nheaders == RESP_MAX_HEADERS) {
		r->error = "too many header fields";
		return -1;
	}
	h = &r->headers[r->nheaders++];
	h->name.p = p;
	h->name.len = i;
	h->value = resp_trim(p + i + 1, len - i - 1);
	return 0;
}

/*
 * RFC 9110 section 5.5: CR, LF and NUL in a value are dangerous; reject
 * rather than guess.  (The line splitter has already removed the CRLF.)
 */
static int
resp_line_ok(const char *p, size_t len)
{
	return memchr(p, '\r', len) == NULL && memchr(p, '\0', len) == NULL;
}

/* Several Content-Length fields must agree, as a list must. */
static int
resp_note_length(struct http_response *r, struct span v)
{
	int64_t	n;

	if (resp_content_length(v, &n) == -1 ||
	    (r->content_length != -1 && n != r->content_length)) {
		r->error = "invalid Content-Length";
		return -1;
	}
	r->content_length = n;
	return 0;
}

static int
resp_finish(struct http_response *r)
{
	size_t	i;

	for (i = 0; i < r->nheaders; i++) {
		resp_note_field(r, &r->headers[i]);
		if (resp_span_eq(r->headers[i].name, "content-length") &&
		    resp_note_length(r, r->headers[i].value) == -1)
			return -1;
	}
	if (r->transfer_encoding.p != NULL)
		r->chunked = resp_last_is_chunked(r->transfer_encoding);
	if (r->version >= 11)
		r->keep_alive = !resp_list_has(r->connection, "close");
	else
		r->keep_alive = resp_list_has(r->connection, "keep-alive");
	/* RFC 9112 section 6.1: TE in HTTP/1.0 means faulty framing. */
	if (r->version == 10 && r->transfer_encoding.p != NULL)
		r->keep_alive = 0;
	return 0;
}

enum resp_result
resp_parse(const char *buf, size_t len, size_t prev_len,
    struct http_response *r)
{
	struct span	*prev;
	size_t		 end, pos, eol, n;

	memset(r, 0, sizeof(*r));
	r->content_length = -1;
	if ((end = resp_find_end(buf, len, prev_len)) == 0) {
		if (len >= RESP_MAX_HEAD) {
			r->error = "response head too large";
			return RESP_ERROR;
		}
		if (resp_tail_too_long(buf, len)) {
			r->error = "response line too long";
			return RESP_ERROR;
		}
		return RESP_AGAIN;
	}
	if (end > RESP_MAX_HEAD) {
		r->error = "response head too large";
		return RESP_ERROR;
	}
	for (pos = 0; ; pos = eol + 1) {
		eol = (const char *)memchr(buf + pos, '\n', end - pos) - buf;
		/* RFC 9112 section 2.2: a bare LF ends a line too. */
		n = eol - pos;
		if (n > 0 && buf[eol - 1] == '\r')
			n--;
		if (n > RESP_MAX_LINE) {
			r->error = "response line too long";
			return RESP_ERROR;
		}
		if (!resp_line_ok(buf + pos, n)) {
			r->error = "CR or NUL inside a line";
			return RESP_ERROR;
		}
		if (pos == 0) {
			if (resp_status_line(buf, n, r) == -1)
				return RESP_ERROR;
			continue;
		}
		if (n == 0)
			break;
		if (buf[pos] == ' ' || buf[pos] == '\t') {
			/*
			 * obs-fold (RFC 9112 section 5.2): the value
			 * continues; the span then holds the CRLF, which
			 * resp_is_ws() treats as the SP it stands for.
			 */
			if (r->nheaders == 0) {
				r->error = "whitespace before first field";
				return RESP_ERROR;
			}
			prev = &r->headers[r->nheaders - 1].value;
			*prev = resp_trim(prev->p, buf + pos + n - prev->p);
			continue;
		}
		if (resp_field_line(buf + pos, n, r) == -1)
			return RESP_ERROR;
	}
	r->header_len = end;
	return resp_finish(r) == -1 ? RESP_ERROR : RESP_DONE;
}

/* RFC 9112 section 6.3, in its order. */
enum resp_body
resp_body_kind(const struct http_response *r, int head)
{
	if (head || r->status < 200 || r->status == 204 || r->status == 304)
		return RESP_BODY_NONE;
	if (r->transfer_encoding.p != NULL)
		return r->chunked ? RESP_BODY_CHUNKED : RESP_BODY_CLOSE;
	if (r->content_length >= 0)
		return RESP_BODY_LENGTH;
	return RESP_BODY_CLOSE;
}

struct span
resp_header_get(const struct http_response *r, const char *name)
{
	struct span	none = { NULL, 0 };
	size_t		i;

	for (i = 0; i < r->nheaders; i++)
		if (resp_span_eq(r->headers[i].name, name))
			return r->headers[i].value;
	return none;
}

/* One byte of the chunk-size line.  -1 on error. */
static int
resp_chunk_size_byte(struct resp_chunked *st, int c)
{
	int	v;

	if (st->state == CH_SIZE && (v = resp_hexval(c)) != -1) {
		if (++st->digits > RESP_MAX_CHUNK_DIGITS)
			return -1;
		st->remaining = st->remaining << 4 | (uint64_t)v;
		return 0;
	}
	if (st->digits == 0)
		return -1;
	if (st->state == CH_SIZE_LF && c != '\n')
		return -1;
	if (c == '\r') {
		st->state = CH_SIZE_LF;
		return 0;
	}
	if (c == '\n') {
		st->state = st->remaining == 0 ? CH_TRAILER : CH_DATA;
		st->line = 0;
		return 0;
	}
	if (c == '\0' || ++st->line > RESP_MAX_CHUNK_EXT)
		return -1;
	/* chunk-ext = *( BWS ";" ... ): any other byte is ext, skipped */
	if (st->state == CH_SIZE && c != ';' && c != ' ' && c != '\t')
		return -1;
	st->state = CH_EXT;
	return 0;
}

/* One byte of the trailer section.  -1 on error, 1 when done. */
static int
resp_chunk_trailer_byte(struct resp_chunked *st, int c)
{
	if (++st->trailers > RESP_MAX_TRAILERS)
		return -1;
	switch (st->state) {
	case CH_TRAILER:
		if (c == '\n')
			return 1;
		if (c == '\r') {
			st->state = CH_END_LF;
			return 0;
		}
		st->state = CH_TRAILER_LINE;
		st->line = 1;
		return 0;
	case CH_END_LF:
		return c == '\n' ? 1 : -1;
	default:			/* CH_TRAILER_LINE */
		if (c == '\n')
			st->state = CH_TRAILER;
		else if (c == '\0' || ++st->line > RESP_MAX_LINE)
			return -1;
		return 0;
	}
}

enum resp_chunk_result
resp_chunked_decode(struct resp_chunked *st, char *buf, size_t len,
    size_t *out, size_t *used)
{
	size_t	i = 0, o = 0, n;
	int	c, rv;

	while (i < len) {
		c = (unsigned char)buf[i];
		switch (st->state) {
		case CH_SIZE:
		case CH_EXT:
		case CH_SIZE_LF:
			if (resp_chunk_size_byte(st, c) == -1)
				goto err;
			i++;
			break;
		case CH_DATA:
			n = len - i;
			if (n > st->remaining)
				n = (size_t)st->remaining;
			if (o != i)
				memmove(buf + o, buf + i, n);
			o += n;
			i += n;
			if ((st->remaining -= n) == 0)
				st->state = CH_DATA_CR;
			break;
		case CH_DATA_CR:
		case CH_DATA_LF:
			if (c == '\r' && st->state == CH_DATA_CR)
				st->state = CH_DATA_LF;
			else if (c == '\n') {
				st->state = CH_SIZE;
				st->digits = 0;
			} else
				goto err;
			i++;
			break;
		default:
			rv = resp_chunk_trailer_byte(st, c);
			i++;
			if (rv == -1)
				goto err;
			if (rv == 1) {
				*out = o;
				*used = i;
				return RESP_CHUNK_DONE;
			}
			break;
		}
	}
	*out = o;
	*used = i;
	return RESP_CHUNK_AGAIN;
err:
	*out = o;
	*used = i;
	return RESP_CHUNK_ERROR;
}
