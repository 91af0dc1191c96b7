/*
 * HTTP/1.1 request head parser and chunked body decoder (RFC 9112).
 *
 * Pure: libc only, no syscalls, no allocation, no mutable globals.  The
 * character tables below are const.
 *
 * Line endings.  RFC 9112 section 2.2 lets a recipient take a bare LF as
 * a line terminator; we do, in the head and in chunked framing alike, so
 * one rule covers the whole message.  A CR is only ever accepted right
 * before LF: a bare CR anywhere is 400, because some peers treat it as a
 * line break and that difference is what request smuggling feeds on.
 *
 * Incremental parsing.  Lines are checked in stream order, each as soon
 * as its LF arrives, and the unfinished last line is checked against the
 * length limits.  The same code runs for a whole buffer and for one that
 * arrives a byte at a time, so a request gets the same status however it
 * is split; an error may only be noticed sooner.  Lines that ended before
 * prev_len passed these checks in an earlier call and are not rescanned.
 * Once the head is complete it is parsed again from the start to fill in
 * the request and to do the checks that need every field at once.
 */
#include <string.h>

#include "http_parse.h"

#define BLANK_LINES_MAX	8	/* leading empty lines we skip (RFC 9112 2.2) */

#define C_TCHAR		0x01	/* token character, RFC 9110 section 5.6.2 */
#define C_VCHAR		0x02	/* field-vchar or SP/HTAB, RFC 9110 5.5 */
#define C_HOST		0x04	/* unreserved / sub-delims, RFC 3986 3.2.2 */
#define C_HEX		0x08

static const unsigned char ctype[256] = {
	['\t'] = C_VCHAR,
	[' '] = C_VCHAR,
	['!'] = C_TCHAR | C_VCHAR | C_HOST,
	['"'] = C_VCHAR,
	['#'] = C_TCHAR | C_VCHAR,
	['$'] = C_TCHAR | C_VCHAR | C_HOST,
	['%'] = C_TCHAR | C_VCHAR,
	['&'] = C_TCHAR | C_VCHAR | C_HOST,
	['\''] = C_TCHAR | C_VCHAR | C_HOST,
	['('] = C_VCHAR | C_HOST,
	[')'] = C_VCHAR | C_HOST,
	['*'] = C_TCHAR | C_VCHAR | C_HOST,
	['+'] = C_TCHAR | C_VCHAR | C_HOST,
	[','] = C_VCHAR | C_HOST,
	['-'] = C_TCHAR | C_VCHAR | C_HOST,
	['.'] = C_TCHAR | C_VCHAR | C_HOST,
	['/'] = C_VCHAR,
	['0'] = C_TCHAR | C_VCHAR | C_HOST | C_HEX,
	['1'] = C_TCHAR | C_VCHAR | C_HOST | C_HEX,
	['2'] = C_TCHAR | C_VCHAR | C_HOST | C_HEX,
	['3'] = C_TCHAR | C_VCHAR | C_HOST | C_HEX,
	['4'] = C_TCHAR | C_VCHAR | C_HOST | C_HEX,
	['5'] = C_TCHAR | C_VCHAR | C_HOST | C_HEX,
	['6'] = C_TCHAR | C_VCHAR | C_HOST | C_HEX,
	['7'] = C_TCHAR | C_VCHAR | C_HOST | C_HEX,
	['8'] = C_TCHAR | C_VCHAR | C_HOST | C_HEX,
	['9'] = C_TCHAR | C_VCHAR | C_HOST | C_HEX,
	[':'] = C_VCHAR,
	[';'] = C_VCHAR | C_HOST,
	['<'] = C_VCHAR,
	['='] = C_VCHAR | C_HOST,
	['>'] = C_VCHAR,
	['?'] = C_VCHAR,
	['@'] = C_VCHAR,
	['A'] = C_TCHAR | C_VCHAR | C_HOST | C_HEX,
	['B'] = C_TCHAR | C_VCHAR | C_HOST | C_HEX,
	['C'] = C_TCHAR | C_VCHAR | C_HOST | C_HEX,
	['D'] = C_TCHAR | C_VCHAR | C_HOST | C_HEX,
	['E'] = C_TCHAR | C_VCHAR | C_HOST | C_HEX,
	['F'] = C_TCHAR | C_VCHAR | C_HOST | C_HEX,
	['G'] = C_TCHAR | C_VCHAR | C_HOST,
	['H'] = C_TCHAR | C_VCHAR | C_HOST,
	['I'] = C_TCHAR | C_VCHAR | C_HOST,
	['J'] = C_TCHAR | C_VCHAR | C_HOST,
	['K'] = C_TCHAR | C_VCHAR | C_HOST,
	['L'] = C_TCHAR | C_VCHAR | C_HOST,
	['M'] = C_TCHAR | C_VCHAR | C_HOST,
	['N'] = C_TCHAR | C_VCHAR | C_HOST,
	['O'] = C_TCHAR | C_VCHAR | C_HOST,
	['P'] = C_TCHAR | C_VCHAR | C_HOST,
	['Q'] = C_TCHAR | C_VCHAR | C_HOST,
	['R'] = C_TCHAR | C_VCHAR | C_HOST,
	['S'] = C_TCHAR | C_VCHAR | C_HOST,
	['T'] = C_TCHAR | C_VCHAR | C_HOST,
	['U'] = C_TCHAR | C_VCHAR | C_HOST,
	['V'] = C_TCHAR | C_VCHAR | C_HOST,
	['W'] = C_TCHAR | C_VCHAR | C_HOST,
	['X'] = C_TCHAR | C_VCHAR | C_HOST,
	['Y'] = C_TCHAR | C_VCHAR | C_HOST,
	['Z'] = C_TCHAR | C_VCHAR | C_HOST,
	['['] = C_VCHAR,
	['\\'] = C_VCHAR,
	[']'] = C_VCHAR,
	['^'] = C_TCHAR | C_VCHAR,
	['_'] = C_TCHAR | C_VCHAR | C_HOST,
	['`'] = C_TCHAR | C_VCHAR,
	['a'] = C_TCHAR | C_VCHAR | C_HOST | C_HEX,
	['b'] = C_TCHAR | C_VCHAR | C_HOST | C_HEX,
	['c'] = C_TCHAR | C_VCHAR | C_HOST | C_HEX,
	['d'] = C_TCHAR | C_VCHAR | C_HOST | C_HEX,
	['e'] = C_TCHAR | C_VCHAR | C_HOST | C_HEX,
	['f'] = C_TCHAR | C_VCHAR | C_HOST | C_HEX,
	['g'] = C_TCHAR | C_VCHAR | C_HOST,
	['h'] = C_TCHAR | C_VCHAR | C_HOST,
	['i'] = C_TCHAR | C_VCHAR | C_HOST,
	['j'] = C_TCHAR | C_VCHAR | C_HOST,
	['k'] = C_TCHAR | C_VCHAR | C_HOST,
	['l'] = C_TCHAR | C_VCHAR | C_HOST,
	['m'] = C_TCHAR | C_VCHAR | C_HOST,
	['n'] = C_TCHAR | C_VCHAR | C_HOST,
	['o'] = C_TCHAR | C_VCHAR | C_HOST,
	['p'] = C_TCHAR | C_VCHAR | C_HOST,
	['q'] = C_TCHAR | C_VCHAR | C_HOST,
	['r'] = C_TCHAR | C_VCHAR | C_HOST,
	['s'] = C_TCHAR | C_VCHAR | C_HOST,
	['t'] = C_TCHAR | C_VCHAR | C_HOST,
	['u'] = C_TCHAR | C_VCHAR | C_HOST,
	['v'] = C_TCHAR | C_VCHAR | C_HOST,
	['w'] = C_TCHAR | C_VCHAR | C_HOST,
	['x'] = C_TCHAR | C_VCHAR | C_HOST,
	['y'] = C_TCHAR | C_VCHAR | C_HOST,
	['z'] = C_TCHAR | C_VCHAR | C_HOST,
	['{'] = C_VCHAR,
	['|'] = C_TCHAR | C_VCHAR,
	['}'] = C_VCHAR,
	['~'] = C_TCHAR | C_VCHAR | C_HOST,
	/* obs-text is allowed in field values (RFC 9110 section 5.5) */
	[0x80] = C_VCHAR, [0x81] = C_VCHAR, [0x82] = C_VCHAR, [0x83] = C_VCHAR,
	[0x84] = C_VCHAR, [0x85] = C_VCHAR, [0x86] = C_VCHAR, [0x87] = C_VCHAR,
	[0x88] = C_VCHAR, [0x89] = C_VCHAR, [0x8a] = C_VCHAR, [0x8b] = C_VCHAR,
	[0x8c] = C_VCHAR, [0x8d] = C_VCHAR, [0x8e] = C_VCHAR, [0x8f] = C_VCHAR,
	[0x90] = C_VCHAR, [0x91] = C_VCHAR, [0x92] = C_VCHAR, [0x93] = C_VCHAR,
	[0x94] = C_VCHAR, [0x95] = C_VCHAR, [0x96] = C_VCHAR, [0x97] = C_VCHAR,
	[0x98] = C_VCHAR, [0x99] = C_VCHAR, [0x9a] = C_VCHAR, [0x9b] = C_VCHAR,
	[0x9c] = C_VCHAR, [0x9d] = C_VCHAR, [0x9e] = C_VCHAR, [0x9f] = C_VCHAR,
	[0xa0] = C_VCHAR, [0xa1] = C_VCHAR, [0xa2] = C_VCHAR, [0xa3] = C_VCHAR,
	[0xa4] = C_VCHAR, [0xa5] = C_VCHAR, [0xa6] = C_VCHAR, [0xa7] = C_VCHAR,
	[0xa8] = C_VCHAR, [0xa9] = C_VCHAR, [0xaa] = C_VCHAR, [0xab] = C_VCHAR,
	[0xac] = C_VCHAR, [0xad] = C_VCHAR, [0xae] = C_VCHAR, [0xaf] = C_VCHAR,
	[0xb0] = C_VCHAR, [0xb1] = C_VCHAR, [0xb2] = C_VCHAR, [0xb3] = C_VCHAR,
	[0xb4] = C_VCHAR, [0xb5] = C_VCHAR, [0xb6] = C_VCHAR, [0xb7] = C_VCHAR,
	[0xb8] = C_VCHAR, [0xb9] = C_VCHAR, [0xba] = C_VCHAR, [0xbb] = C_VCHAR,
	[0xbc] = C_VCHAR, [0xbd] = C_VCHAR, [0xbe] = C_VCHAR, [0xbf] = C_VCHAR,
	[0xc0] = C_VCHAR, [0xc1] = C_VCHAR, [0xc2] = C_VCHAR, [0xc3] = C_VCHAR,
	[0xc4] = C_VCHAR, [0xc5] = C_VCHAR, [0xc6] = C_VCHAR, [0xc7] = C_VCHAR,
	[0xc8] = C_VCHAR, [0xc9] = C_VCHAR, [0xca] = C_VCHAR, [0xcb] = C_VCHAR,
	[0xcc] = C_VCHAR, [0xcd] = C_VCHAR, [0xce] = C_VCHAR, [0xcf] = C_VCHAR,
	[0xd0] = C_VCHAR, [0xd1] = C_VCHAR, [0xd2] = C_VCHAR, [0xd3] = C_VCHAR,
	[0xd4] = C_VCHAR, [0xd5] = C_VCHAR, [0xd6] = C_VCHAR, [0xd7] = C_VCHAR,
	[0xd8] = C_VCHAR, [0xd9] = C_VCHAR, [0xda] = C_VCHAR, [0xdb] = C_VCHAR,
	[0xdc] = C_VCHAR, [0xdd] = C_VCHAR, [0xde] = C_VCHAR, [0xdf] = C_VCHAR,
	[0xe0] = C_VCHAR, [0xe1] = C_VCHAR, [0xe2] = C_VCHAR, [0xe3] = C_VCHAR,
	[0xe4] = C_VCHAR, [0xe5] = C_VCHAR, [0xe6] = C_VCHAR, [0xe7] = C_VCHAR,
	[0xe8] = C_VCHAR, [0xe9] = C_VCHAR, [0xea] = C_VCHAR, [0xeb] = C_VCHAR,
	[0xec] = C_VCHAR, [0xed] = C_VCHAR, [0xee] = C_VCHAR, [0xef] = C_VCHAR,
	[0xf0] = C_VCHAR, [0xf1] = C_VCHAR, [0xf2] = C_VCHAR, [0xf3] = C_VCHAR,
	[0xf4] = C_VCHAR, [0xf5] = C_VCHAR, [0xf6] = C_VCHAR, [0xf7] = C_VCHAR,
	[0xf8] = C_VCHAR, [0xf9] = C_VCHAR, [0xfa] = C_VCHAR, [0xfb] = C_VCHAR,
	[0xfc] = C_VCHAR, [0xfd] = C_VCHAR, [0xfe] = C_VCHAR, [0xff] = C_VCHAR,
};

#define IS(c, cl)	(ctype[(unsigned char)(c)] & (cl))

static const char *const method_names[] = {
	[HTTP_M_GET] = "GET",
	[HTTP_M_HEAD] = "HEAD",
	[HTTP_M_POST] = "POST",
	[HTTP_M_PUT] = "PUT",
	[HTTP_M_DELETE] = "DELETE",
	[HTTP_M_OPTIONS] = "OPTIONS",
	[HTTP_M_TRACE] = "TRACE",
	[HTTP_M_CONNECT] = "CONNECT",
	[HTTP_M_PATCH] = "PATCH",
};
#define NMETHODS	(sizeof(method_names) / sizeof(method_names[0]))

static enum http_parse_result
fail(struct http_request *req, int status, const char *why)
{
	req->status = status;
	req->error = why;
	return HTTP_PARSE_ERROR;
}

static int
lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

static int
is_ows(int c)
{
	return c == ' ' || c == '\t';
}

int
span_eq(struct span s, const char *lit)
{
	size_t	i, n;

	n = strlen(lit);
	if (s.len != n)
		return 0;
	for (i = 0; i < n; i++)
		if (lower((unsigned char)s.p[i]) !=
		    lower((unsigned char)lit[i]))
			return 0;
	return 1;
}

static struct span
trim_ows(const char *p, size_t n)
{
	struct span	s;

	while (n > 0 && is_ows(p[0])) {
		p++;
		n--;
	}
	while (n > 0 && is_ows(p[n - 1]))
		n--;
	s.p = p;
	s.len = n;
	return s;
}

/*
 * Take the next element off a comma-separated list (RFC 9110 section
 * 5.6.1), OWS trimmed.  Empty elements are returned too; callers skip
 * them, as the RFC says recipients must accept them.
 */
static int
list_next(struct span *list, struct span *elem)
{
	const char	*comma;
	size_t		 n;

	/*
	 * p == NULL means no elements are left; p != NULL with len 0 is one
	 * empty element, so "5," yields "5" and "" and can be refused.
	 */
	if (list->p == NULL)
		return 0;
	comma = memchr(list->p, ',', list->len);
	n = comma != NULL ? (size_t)(comma - list->p) : list->len;
	*elem = trim_ows(list->p, n);
	if (comma != NULL) {
		list->p = comma + 1;
		list->len -= n + 1;
	} else {
		list->p = NULL;
		list->len = 0;
	}
	return 1;
}

int
http_list_has(struct span list, const char *token)
{
	struct span	e;

	while (list_next(&list, &e))
		if (span_eq(e, token))
			return 1;
	return 0;
}

const char *
http_method_name(enum http_method m)
{
	if ((size_t)m >= NMETHODS || m == HTTP_M_UNKNOWN)
		return NULL;
	return method_names[m];
}

static enum http_method
method_lookup(const char *p, size_t n)
{
	size_t	i;

	/* Method names are case-sensitive (RFC 9110 section 9.1). */
	for (i = 1; i < NMETHODS; i++)
		if (strlen(method_names[i]) == n &&
		    memcmp(method_names[i], p, n) == 0)
			return (enum http_method)i;
	return HTTP_M_UNKNOWN;
}

/*
 * uri-host [ ":" port ] (RFC 9112 section 3.2, RFC 3986 section 3.2).
 * An empty host passes here; callers that need one check the length.
 * Returns the host length without the port, or -1.
 */
static long
authority_check(const char *p, size_t n, int *has_port)
{
	size_t	i = 0, hlen;

	*has_port = 0;
	if (n > 0 && p[0] == '[') {
		/* IP-literal: IPv6address or IPvFuture, loosely */
		for (i = 1; i < n && p[i] != ']'; i++)
			if (!IS(p[i], C_HOST) && p[i] != ':')
				return -1;
		if (i == n || i == 1)
			return -1;
		i++;
	} else {
		for (; i < n && p[i] != ':'; i++) {
			if (IS(p[i], C_HOST))
				continue;
			if (p[i] == '%' && i + 2 < n && IS(p[i + 1], C_HEX) &&
			    IS(p[i + 2], C_HEX)) {
				i += 2;
				continue;
			}
			return -1;
		}
	}
	hlen = i;
	if (i < n) {
		if (p[i] != ':')
			return -1;
		*has_port = 1;
		for (i++; i < n; i++)
			if (p[i] < '0' || p[i] > '9')
				return -1;
	}
	return (long)hlen;
}

/*
 * absolute-form (RFC 9112 section 3.2.2): only http and https, and the
 * host it names replaces any Host field.
 */
static enum http_parse_result
target_absolute(const char *t, size_t n, struct http_request *req)
{
	const char	*auth, *end = t + n, *q;
	size_t		 slen;
	int		 has_port;

	if (n > 8 && lower(t[0]) == 'h' && lower(t[1]) == 't' &&
	    lower(t[2]) == 't' && lower(t[3]) == 'p' && lower(t[4]) == 's' &&
	    memcmp(t + 5, "://", 3) == 0)
		slen = 8;
	else if (n > 7 && lower(t[0]) == 'h' && lower(t[1]) == 't' &&
	    lower(t[2]) == 't' && lower(t[3]) == 'p' &&
	    memcmp(t + 4, "://", 3) == 0)
		slen = 7;
	else
		return fail(req, 400, "bad request-target");
	auth = t + slen;
	for (q = auth; q < end && *q != '/' && *q != '?'; q++)
		;
	/* userinfo is deprecated and a phishing aid (RFC 9110 4.2.4) */
	if (memchr(auth, '@', q - auth) != NULL)
		return fail(req, 400, "userinfo in request-target");
	/* an empty host is invalid for http URIs (RFC 9110 4.2.1) */
	if (authority_check(auth, q - auth, &has_port) <= 0)
		return fail(req, 400, "bad authority in request-target");
	req->form = HTTP_FORM_ABSOLUTE;
	req->host.p = auth;
	req->host.len = q - auth;
	if (q == end || *q == '?') {
		/*
		 * An empty path means "/" (RFC 9110 4.2.1).  The last '/' of
		 * "://" is such a byte, so the span stays inside the buffer.
		 */
		req->path.p = auth - 1;
		req->path.len = 1;
	} else {
		req->path.p = q;
		q = memchr(q, '?', end - q);
		if (q == NULL)
			q = end;
		req->path.len = q - req->path.p;
	}
	if (q < end) {
		req->query.p = q + 1;
		req->query.len = end - q - 1;
	}
	return HTTP_PARSE_DONE;
}

static enum http_parse_result
target_parse(struct http_request *req)
{
	const char	*t = req->target.p, *q;
	size_t		 n = req->target.len;
	int		 has_port;

	/* A fragment is never sent (RFC 9112 section 3.2). */
	if (memchr(t, '#', n) != NULL)
		return fail(req, 400, "fragment in request-target");
	if (req->method_id == HTTP_M_CONNECT) {
		/* authority-form, port required (RFC 9110 section 9.3.6) */
		if (authority_check(t, n, &has_port) <= 0 || !has_port ||
		    t[n - 1] == ':')
			return fail(req, 400, "bad CONNECT target");
		req->form = HTTP_FORM_AUTHORITY;
		req->path = req->target;
		return HTTP_PARSE_DONE;
	}
	if (t[0] == '*') {
		/* asterisk-form is for server-wide OPTIONS (9112 3.2.4) */
		if (n != 1 || req->method_id != HTTP_M_OPTIONS)
			return fail(req, 400, "bad asterisk-form");
		req->form = HTTP_FORM_ASTERISK;
		req->path = req->target;
		return HTTP_PARSE_DONE;
	}
	if (t[0] != '/')
		return target_absolute(t, n, req);
	req->form = HTTP_FORM_ORIGIN;
	req->path.p = t;
	q = memchr(t, '?', n);
	if (q == NULL) {
		req->path.len = n;
		return HTTP_PARSE_DONE;
	}
	req->path.len = q - t;
	req->query.p = q + 1;
	req->query.len = n - req->path.len - 1;
	return HTTP_PARSE_DONE;
}

/*
 * request-line = method SP request-target SP HTTP-version
 * (RFC 9112 section 3).  We take single SPs only: the lenient whitespace
 * parsing the RFC permits is another place for two parsers to disagree.
 * p/n is the line without its terminator.
 */
static enum http_parse_result
request_line(const char *p, size_t n, struct http_request *req)
{
	const char	*v;
	size_t		 i, t;

	/* RFC 9113 section 3.4: the preface must not look like a 400 */
	if (n == 14 && memcmp(p, "PRI * HTTP/2.0", 14) == 0)
		return fail(req, 505, "HTTP/2 preface");
	for (i = 0; i < n && IS(p[i], C_TCHAR); i++)
		;
	if (i == 0 || i == n || p[i] != ' ')
		return fail(req, 400, i == 0 ? "empty method" :
		    i < n && p[i] == '\0' ? "NUL in request line" :
		    "bad method");
	req->method.p = p;
	req->method.len = i;
	req->method_id = method_lookup(p, i);

	/* visible ASCII only; no CTL, SP, DEL or 8-bit bytes */
	for (t = ++i; i < n && p[i] > ' ' && p[i] < 0x7f; i++)
		;
	if (i == t || i == n || p[i] != ' ')
		return fail(req, 400, i == t ? "extra space" :
		    i < n && p[i] == '\0' ? "NUL in request line" :
		    "bad request-target");
	req->target.p = p + t;
	req->target.len = i - t;

	/* HTTP-version = "HTTP/" DIGIT "." DIGIT (RFC 9112 2.3) */
	v = p + i + 1;
	if (n - i - 1 != 8 || memcmp(v, "HTTP/", 5) != 0 ||
	    v[5] < '0' || v[5] > '9' || v[6] != '.' ||
	    v[7] < '0' || v[7] > '9')
		return fail(req, 400, "bad HTTP version");
	if (v[5] != '1' || (v[7] != '0' && v[7] != '1'))
		return fail(req, 505, "unsupported HTTP version");
	req->version = v[7] == '1' ? 11 : 10;
	return target_parse(req);
}

/*
 * field-line = field-name ":" OWS field-value OWS (RFC 9112 section 5).
 * p/n is the line without its terminator.  hdr is NULL when we only
 * check syntax.
 */
static enum http_parse_result
field_line(const char *p, size_t n, struct http_request *req,
    struct http_header *hdr)
{
	size_t	i;

	if (is_ows(p[0]))	/* obs-fold, RFC 9112 section 5.2 */
		return fail(req, 400, "obs-fold");
	for (i = 0; i < n && IS(p[i], C_TCHAR); i++)
		;
	if (i == n || p[i] != ':')
		return fail(req, 400, i < n && is_ows(p[i]) ?
		    "whitespace before colon" : i < n && p[i] == '\r' ?
		    "bare CR" : i < n && p[i] == '\0' ? "NUL in field" :
		    "bad field name");
	if (i == 0)
		return fail(req, 400, "empty field name");
	if (hdr != NULL) {
		hdr->name.p = p;
		hdr->name.len = i;
	}
	for (i++; i < n; i++)
		if (!IS(p[i], C_VCHAR))
			return fail(req, 400, p[i] == '\r' ? "bare CR" :
			    p[i] == '\0' ? "NUL in field" : "bad field value");
	if (hdr != NULL)
		hdr->value = trim_ows(hdr->name.p + hdr->name.len + 1,
		    n - hdr->name.len - 1);
	return HTTP_PARSE_DONE;
}

/* Length of the unfinished line at p, not counting a CR that may be the
 * first half of its CRLF. */
static size_t
partial_len(const char *p, const char *end)
{
	size_t	n = end - p;

	return n > 0 && p[n - 1] == '\r' ? n - 1 : n;
}

/*
 * Walk the field lines from line start pos.  Every complete line is
 * checked; with fill, it is also stored.  Returns DONE at the empty line
 * that ends the head, AGAIN when the last line is unfinished and within
 * the limits.
 */
static enum http_parse_result
fields_walk(const char *buf, size_t len, size_t hs, size_t pos,
    const struct http_limits *lim, struct http_request *req, int fill)
{
	const char	*p, *lf, *end = buf + len;
	size_t		 n, cap;

	cap = lim->header_count < HTTP_MAX_HEADERS ? lim->header_count :
	    HTTP_MAX_HEADERS;
	for (p = buf + pos; p < end; p = lf + 1) {
		lf = memchr(p, '\n', end - p);
		if (lf == NULL)
			break;
		n = lf - p;
		if (n > 0 && p[n - 1] == '\r')
			n--;
		if ((size_t)(lf + 1 - buf) - hs > lim->headers_total)
			return fail(req, 431, "header section too large");
		if (n == 0) {
			req->header_len = lf + 1 - buf;
			return HTTP_PARSE_DONE;
		}
		if (n > lim->header_field)
			return fail(req, 431, "header field too large");
		/* the count is checked after the walk, see head_finish() */
		if (field_line(p, n, req, fill && req->nheaders < cap ?
		    &req->headers[req->nheaders] : NULL) != HTTP_PARSE_DONE)
			return HTTP_PARSE_ERROR;
		req->nheaders++;
	}
	if (partial_len(p, end) > lim->header_field)
		return fail(req, 431, "header field too large");
	if (len - hs > lim->headers_total)
		return fail(req, 431, "header section too large");
	return HTTP_PARSE_AGAIN;
}

/* Content-Length = 1*DIGIT, or a list of one repeated value (9110 8.6). */
static int
content_length(struct span v, int64_t *cl)
{
	struct span	e;
	int64_t		n;
	size_t		i;
	int		seen = 0;

	while (list_next(&v, &e)) {
		if (e.len == 0)
			return -1;
		for (n = 0, i = 0; i < e.len; i++) {
			if (e.p[i] < '0' || e.p[i] > '9')
				return -1;
			if (n > (INT64_MAX - (e.p[i] - '0')) / 10)
				return -1;
			n = n * 10 + (e.p[i] - '0');
		}
		if ((seen || *cl != -1) && n != *cl)
			return -1;
		*cl = n;
		seen = 1;
	}
	return seen ? 0 : -1;
}

/*
 * Transfer-Encoding, all field lines in order (RFC 9112 sections 6.1,
 * 6.3 and 7).  Chunked must be last and appear once, else the body
 * length is unknowable: 400.  Any other coding is one we lack: 501.
 */
static enum http_parse_result
transfer_coding(struct http_request *req)
{
	struct span	 v, e, name;
	size_t		 i, k;
	int		 nchunked = 0, other = 0, last_chunked = 0;

	for (i = 0; i < req->nheaders; i++) {
		if (!span_eq(req->headers[i].name, "transfer-encoding"))
			continue;
		v = req->headers[i].value;
		while (list_next(&v, &e)) {
			if (e.len == 0)
				continue;
			for (k = 0; k < e.len && IS(e.p[k], C_TCHAR); k++)
				;
			if (k == 0)
				return fail(req, 400, "bad Transfer-Encoding");
			name.p = e.p;
			name.len = k;
			/* chunked takes no parameters (9112 section 7) */
			last_chunked = k == e.len && span_eq(name, "chunked");
			if (last_chunked)
				nchunked++;
			else
				other = 1;
		}
	}
	if (!last_chunked || nchunked != 1)
		return fail(req, 400, "chunked not once and last");
	if (other)
		return fail(req, 501, "unsupported transfer coding");
	req->chunked = 1;
	return HTTP_PARSE_DONE;
}

/* Expect (RFC 9110 section 10.1.1): only 100-continue is defined. */
static enum http_parse_result
expectation(struct http_request *req)
{
	struct span	 v, e;
	size_t		 i;

	for (i = 0; i < req->nheaders; i++) {
		if (!span_eq(req->headers[i].name, "expect"))
			continue;
		v = req->headers[i].value;
		while (list_next(&v, &e)) {
			if (e.len == 0)
				continue;
			if (!span_eq(e, "100-continue"))
				return fail(req, 417, "unknown expectation");
			/* and an HTTP/1.0 server MUST ignore it */
			if (req->version == 11)
				req->expect_continue = 1;
		}
	}
	return HTTP_PARSE_DONE;
}

static void
keep_first(struct span *field, struct span v)
{
	if (field->p == NULL)
		*field = v;
}

/*
 * Checks that need all fields: Host, message framing, Connection,
 * Expect.  The first line of a repeated field fills the span; the
 * server reads req->headers for the others.
 */
static enum http_parse_result
head_finish(const struct http_limits *lim, struct http_request *req)
{
	struct http_header	*h;
	struct span		 host = { NULL, 0 };
	size_t			 i;
	int			 has_port, want_close = 0, want_ka = 0;

	if (req->nheaders > lim->header_count ||
	    req->nheaders > HTTP_MAX_HEADERS)
		return fail(req, 431, "too many header fields");
	for (i = 0; i < req->nheaders; i++) {
		h = &req->headers[i];
		if (span_eq(h->name, "host")) {
			/* RFC 9112 section 3.2 */
			if (host.p != NULL)
				return fail(req, 400, "duplicate Host");
			if (authority_check(h->value.p, h->value.len,
			    &has_port) < 0)
				return fail(req, 400, "bad Host");
			host = h->value;
		} else if (span_eq(h->name, "content-length")) {
			if (content_length(h->value,
			    &req->content_length) == -1)
				return fail(req, 400, "bad Content-Length");
		} else if (span_eq(h->name, "transfer-encoding"))
			keep_first(&req->transfer_encoding, h->value);
		else if (span_eq(h->name, "connection")) {
			keep_first(&req->connection, h->value);
			want_close |= http_list_has(h->value, "close");
			want_ka |= http_list_has(h->value, "keep-alive");
		} else if (span_eq(h->name, "expect"))
			keep_first(&req->expect, h->value);
		else if (span_eq(h->name, "user-agent"))
			keep_first(&req->user_agent, h->value);
		else if (span_eq(h->name, "referer"))
			keep_first(&req->referer, h->value);
		else if (span_eq(h->name, "content-type"))
			keep_first(&req->content_type, h->value);
		else if (span_eq(h->name, "if-match"))
			keep_first(&req->if_match, h->value);
		else if (span_eq(h->name, "if-none-match"))
			keep_first(&req->if_none_match, h->value);
		else if (span_eq(h->name, "if-modified-since"))
			keep_first(&req->if_modified_since, h->value);
		else if (span_eq(h->name, "if-unmodified-since"))
			keep_first(&req->if_unmodified_since, h->value);
		else if (span_eq(h->name, "range"))
			keep_first(&req->range, h->value);
		else if (span_eq(h->name, "if-range"))
			keep_first(&req->if_range, h->value);
	}
	if (req->version == 11 && host.p == NULL)
		return fail(req, 400, "missing Host");
	if (req->form != HTTP_FORM_ABSOLUTE)
		req->host = host;

	if (req->transfer_encoding.p != NULL) {
		/*
		 * Both framings at once is the classic smuggling request,
		 * and a 1.0 peer cannot have meant chunked (9112 6.1, 6.3).
		 */
		if (req->content_length != -1)
			return fail(req, 400, "Transfer-Encoding and "
			    "Content-Length");
		if (req->version == 10)
			return fail(req, 400, "Transfer-Encoding in HTTP/1.0");
		if (transfer_coding(req) != HTTP_PARSE_DONE)
			return HTTP_PARSE_ERROR;
	}

	/* RFC 9112 section 9.3 */
	if (req->version == 11)
		req->keep_alive = !want_close;
	else
		req->keep_alive = want_ka && !want_close;
	return expectation(req);
}

static void
req_reset(struct http_request *req)
{
	/* The header array is 8k; only the part before it needs clearing. */
	memset(req, 0, offsetof(struct http_request, headers));
	memset(&req->nheaders, 0, sizeof(*req) -
	    offsetof(struct http_request, nheaders));
	req->content_length = -1;
}

enum http_parse_result
http_parse_request(const char *buf, size_t len, size_t prev_len,
    const struct http_limits *lim, struct http_request *req)
{
	const char		*end = buf + len, *p, *lf;
	enum http_parse_result	 r;
	size_t			 pos, hs, n, win, i;
	int			 blank;

	req_reset(req);
	if (prev_len > len)
		prev_len = 0;

	/* Leading empty lines are skipped, a few (RFC 9112 section 2.2). */
	for (p = buf, blank = 0; p < end && (*p == '\r' || *p == '\n');
	    blank++) {
		if (blank == BLANK_LINES_MAX)
			return fail(req, 400, "too many empty lines");
		if (*p == '\r') {
			if (p + 1 == end)
				return HTTP_PARSE_AGAIN;
			if (p[1] != '\n')
				return fail(req, 400, "bare CR");
			p++;
		}
		p++;
	}

	/*
	 * The request line may not exceed its limit, so look no further
	 * than that for its end: a long line is refused before it ends.
	 */
	win = end - p;
	if (win > lim->request_line + 2)
		win = lim->request_line + 2;
	lf = memchr(p, '\n', win);
	if (lf == NULL) {
		if (partial_len(p, p + win) > lim->request_line)
			return fail(req, 414, "request line too long");
		return HTTP_PARSE_AGAIN;
	}
	n = lf - p;
	if (n > 0 && p[n - 1] == '\r')
		n--;
	if (n > lim->request_line)
		return fail(req, 414, "request line too long");
	hs = lf + 1 - buf;
	if (hs > prev_len || prev_len == 0) {
		r = request_line(p, n, req);
		if (r != HTTP_PARSE_DONE)
			return r;
	}

	if (prev_len > hs) {
		/*
		 * Lines ending before prev_len were checked by an earlier
		 * call.  Start at the line that was unfinished then; it was
		 * within the field limit, which bounds the look back.
		 */
		pos = hs;
		for (i = prev_len; i > hs; i--) {
			if (buf[i - 1] == '\n') {
				pos = i;
				break;
			}
			if (prev_len - i > lim->header_field + 2)
				break;	/* not as promised: check it all */
		}
		r = fields_walk(buf, len, hs, pos, lim, req, 0);
		if (r != HTTP_PARSE_DONE)
			return r;
		/* complete now: parse it all again, this time filling req */
		return http_parse_request(buf, len, 0, lim, req);
	}

	r = fields_walk(buf, len, hs, hs, lim, req, prev_len == 0);
	if (r != HTTP_PARSE_DONE)
		return r;
	if (prev_len != 0)
		return http_parse_request(buf, len, 0, lim, req);
	return head_finish(lim, req);
}

/*
 * Chunked decoder (RFC 9112 section 7.1).
 */
enum {
	CH_SIZE = 0,	/* chunk-size hex digits */
	CH_SIZE_BWS,	/* BWS after the size, before ';' */
	CH_EXT,		/* chunk-ext, skipped */
	CH_SIZE_LF,	/* CR seen ending the size line */
	CH_DATA,
	CH_DATA_CR,	/* CRLF after chunk-data */
	CH_DATA_LF,
	CH_TRAILER_START,	/* start of a trailer line or the final CRLF */
	CH_TRAILER,
	CH_TRAILER_LF,
	CH_FINAL_LF,
	CH_DONE,
	CH_ERROR
};

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = lower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* A line ended: a size line opens data or, for size 0, the trailers. */
static int
size_line_done(struct http_chunked *st)
{
	st->line = 0;
	return st->remaining == 0 ? CH_TRAILER_START : CH_DATA;
}

enum http_chunk_result
http_chunked_decode(struct http_chunked *st, char *buf, size_t len,
    size_t *out, size_t *used)
{
	size_t	 r = 0, w = 0, n;
	int	 c, h;

	while (r < len && st->state != CH_DONE && st->state != CH_ERROR) {
		if (st->state == CH_DATA) {
			n = len - r;
			if (n > st->remaining)
				n = st->remaining;
			memmove(buf + w, buf + r, n);
			w += n;
			r += n;
			st->remaining -= n;
			if (st->remaining == 0)
				st->state = CH_DATA_CR;
			continue;
		}
		c = (unsigned char)buf[r++];
		switch (st->state) {
		case CH_SIZE:
			if ((h = hexval(c)) >= 0) {
				if (++st->digits > HTTP_CHUNK_DIGITS_MAX)
					st->state = CH_ERROR;
				else
					st->remaining = st->remaining << 4 | h;
			} else if (st->digits == 0)
				st->state = CH_ERROR;
			else if (c == ';')
				st->state = CH_EXT;
			else if (is_ows(c))
				st->state = CH_SIZE_BWS;
			else if (c == '\r')
				st->state = CH_SIZE_LF;
			else if (c == '\n')
				st->state = size_line_done(st);
			else
				st->state = CH_ERROR;
			break;
		case CH_SIZE_BWS:
			/* BWS only leads into an extension (9112 7.1.1) */
			if (c == ';')
				st->state = CH_EXT;
			else if (!is_ows(c))
				st->state = CH_ERROR;
			break;
		case CH_EXT:
			if (c == '\r')
				st->state = CH_SIZE_LF;
			else if (c == '\n')
				st->state = size_line_done(st);
			else if (!IS(c, C_VCHAR) ||
			    ++st->line > HTTP_CHUNK_LINE_MAX)
				st->state = CH_ERROR;
			break;
		case CH_SIZE_LF:
			st->state = c == '\n' ? size_line_done(st) : CH_ERROR;
			break;
		case CH_DATA_CR:
			if (c == '\r')
				st->state = CH_DATA_LF;
			else if (c == '\n')
				st->state = CH_SIZE;
			else
				st->state = CH_ERROR;
			st->digits = 0;
			break;
		case CH_DATA_LF:
			st->state = c == '\n' ? CH_SIZE : CH_ERROR;
			break;
		case CH_TRAILER_START:
			if (c == '\r')
				st->state = CH_FINAL_LF;
			else if (c == '\n')
				st->state = CH_DONE;
			else if (!IS(c, C_TCHAR))	/* incl. obs-fold */
				st->state = CH_ERROR;
			else {
				st->line = 1;
				st->state = CH_TRAILER;
			}
			break;
		case CH_TRAILER:
			if (c == '\r')
				st->state = CH_TRAILER_LF;
			else if (c == '\n')
				st->state = CH_TRAILER_START;
			else if (!IS(c, C_VCHAR))
				st->state = CH_ERROR;
			else if (++st->line > HTTP_CHUNK_LINE_MAX)
				st->state = CH_ERROR;
			break;
		case CH_TRAILER_LF:
			st->state = c == '\n' ? CH_TRAILER_START : CH_ERROR;
			break;
		case CH_FINAL_LF:
			st->state = c == '\n' ? CH_DONE : CH_ERROR;
			break;
		}
		/* trailers are discarded, so cap them or they never end */
		if (st->state >= CH_TRAILER_START && st->state < CH_DONE &&
		    ++st->total > HTTP_CHUNK_TRAILER_MAX)
			st->state = CH_ERROR;
	}
	*out = w;
	*used = r;
	if (st->state == CH_DONE)
		return HTTP_CHUNK_DONE;
	if (st->state == CH_ERROR)
		return HTTP_CHUNK_ERROR;
	return HTTP_CHUNK_AGAIN;
}
