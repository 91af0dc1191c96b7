/*
 * Live reload: where and whether the script tag goes into an HTML
 * response, and the Content-Length and ETag of the result.  Pure: libc
 * only, no allocation; the caller sends body[0 .. off), the snippet,
 * then body[off .. len).
 */
#ifndef HEARTH_INJECT_H
#define HEARTH_INJECT_H

#include <stddef.h>
#include <stdint.h>

#include "hearth.h"

#define INJECT_SNIPPET \
	"<script src=\"" LIVE_JS_PATH "\"></script>"
#define INJECT_SNIPPET_LEN	(sizeof(INJECT_SNIPPET) - 1)

/* Appended inside the quotes of the plain variant's ETag. */
#define INJECT_ETAG_SUFFIX	"-lr"
#define INJECT_ETAG_EXTRA	(sizeof(INJECT_ETAG_SUFFIX) - 1)

/*
 * Does a response get the script?  Only a whole HTML body does:
 *   - status 200, or an error page (400-599), which is a whole document
 *     too and turns into the real page once the file appears;
 *   - never 206 (a part: the offsets would be wrong), 304 (no body, and
 *     the cached variant was already chosen), 1xx, 204 or other 3xx;
 *   - never for HEAD (the caller still sends the injected length);
 *   - content_type is "text/html" in any case, with or without
 *     parameters ("text/html; charset=utf-8"); NULL is no.
 * Returns 1 or 0.
 */
int	 inject_applies(int status, int method_is_head,
	    const char *content_type);

/*
 * The offset in body at which the snippet goes: before the last
 * "</body" end tag, else before the last "</head", else len (the end).
 * Tag names are matched in any case and must be followed by '>', '/' or
 * HTML whitespace, so "</body >" and "</BODY\n>" count and "</bodyx>"
 * does not.
 *
 * The last occurrence wins.  This is a scan, not an HTML parser: a
 * "</body>" inside a comment, a <script> string or a <textarea> counts
 * too.  Those nearly always come before the real end tag, which the
 * last-wins rule then picks; text after the real "</body>" (a trailing
 * comment naming it) is the rare case it gets wrong, and even then the
 * script lands in a place the browser still runs it, except inside a
 * comment.
 */
size_t	 inject_offset(const char *body, size_t len);

/*
 * The Content-Length of the injected body.  Returns 0, or -1 if it
 * would overflow.
 */
int	 inject_length(uint64_t len, uint64_t *out);

/*
 * The ETag of the injected variant, from the plain variant's etag as
 * sent (quoted, optionally W/): "abc" becomes "abc-lr" and W/"abc"
 * becomes W/"abc-lr", so a cache never answers a plain request with the
 * injected body or the other way round, and ranges of either variant
 * are never mixed.  buf needs strlen(etag) + INJECT_ETAG_EXTRA + 1
 * bytes.  Returns the length (NUL-terminated), or -1 if etag is not a
 * quoted tag or buf is too small.
 */
int	 inject_etag(char *buf, size_t sz, const char *etag);

#endif
