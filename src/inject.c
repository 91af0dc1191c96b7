/*
 * Live reload script injection.  Pure: libc only.
 *
 * Development servers that inject a reload script are known to skip
 * pages without "</body>" and to send the old Content-Length; here the
 * fallbacks are explicit and the length and validator are derived in
 * one place.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "inject.h"

static int
inject_lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
}

/* HTML whitespace: tab, LF, FF, CR, space (WHATWG "ASCII whitespace"). */
static int
inject_space(int c)
{
	return c == '\t' || c == '\n' || c == '\f' || c == '\r' || c == ' ';
}

/*
 * Is there an end tag "</name" at p, followed by something that ends a
 * tag name?  name is lowercase; end bounds the buffer.
 */
static int
inject_end_tag(const char *p, const char *end, const char *name)
{
	size_t	n = strlen(name), i;

	if ((size_t)(end - p) < n + 3 || p[0] != '<' || p[1] != '/')
		return 0;
	for (i = 0; i < n; i++)
		if (inject_lower((unsigned char)p[2 + i]) != name[i])
			return 0;
	p += 2 + n;
	return *p == '>' || *p == '/' || inject_space((unsigned char)*p);
}

size_t
inject_offset(const char *body, size_t len)
{
	const char	*end = body + len, *p;
	size_t		 head = len;
	int		 have_head = 0;

	/*
	 * One pass from the end: the first "</body" met is the last one in
	 * the document; remember the last "</head" on the way in case there
	 * is no "</body" at all.
	 */
	for (p = end; p-- > body; ) {
		if (*p != '<')
			continue;
		if (inject_end_tag(p, end, "body"))
			return (size_t)(p - body);
		if (!have_head && inject_end_tag(p, end, "head")) {
			head = (size_t)(p - body);
			have_head = 1;
		}
	}
	return head;
}

int
inject_applies(int status, int method_is_head, const char *content_type)
{
	static const char	 html[] = "text/html";
	const char		*p;
	size_t			 i;

	if (method_is_head || content_type == NULL)
		return 0;
	if (status != 200 && (status < 400 || status > 599))
		return 0;
	for (i = 0; i < sizeof(html) - 1; i++)
		if (inject_lower((unsigned char)content_type[i]) != html[i])
			return 0;
	/* media-type = type "/" subtype *( OWS ";" OWS parameter ) */
	for (p = content_type + i; *p == ' ' || *p == '\t'; p++)
		continue;
	return *p == '\0' || *p == ';';
}

int
inject_length(uint64_t len, uint64_t *out)
{
	if (len > UINT64_MAX - INJECT_SNIPPET_LEN)
		return -1;
	*out = len + INJECT_SNIPPET_LEN;
	return 0;
}

int
inject_etag(char *buf, size_t sz, const char *etag)
{
	const char	*q;
	size_t		 len;
	int		 n;

	if (etag == NULL)
		return -1;
	q = strncmp(etag, "W/", 2) == 0 ? etag + 2 : etag;
	len = strlen(q);
	/* entity-tag = [ weak ] opaque-tag (RFC 9110 section 8.8.3) */
	if (len < 2 || q[0] != '"' || q[len - 1] != '"' ||
	    memchr(q + 1, '"', len - 2) != NULL)
		return -1;
	n = snprintf(buf, sz, "%.*s%s\"", (int)(strlen(etag) - 1), etag,
	    INJECT_ETAG_SUFFIX);
	return n < 0 || (size_t)n >= sz ? -1 : n;
}
