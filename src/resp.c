#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "resp.h"

static const struct {
	int		 status;
	const char	*reason;
	const char	*text;		/* for the error body */
} statuses[] = {
	{ 100, "Continue", NULL },
	{ 200, "OK", NULL },
	{ 204, "No Content", NULL },
	{ 206, "Partial Content", NULL },
	{ 301, "Moved Permanently", "The document has moved." },
	{ 302, "Found", "The document has moved." },
	{ 304, "Not Modified", NULL },
	{ 307, "Temporary Redirect", "The document has moved." },
	{ 308, "Permanent Redirect", "The document has moved." },
	{ 400, "Bad Request",
	    "Your browser sent a request that this server could not "
	    "understand." },
	{ 401, "Unauthorized", "Authentication is required." },
	{ 403, "Forbidden",
	    "You don't have permission to access this resource." },
	{ 404, "Not Found",
	    "The requested URL was not found on this server." },
	{ 405, "Method Not Allowed",
	    "The method is not allowed for the requested URL." },
	{ 408, "Request Timeout",
	    "The server timed out waiting for the request." },
	{ 411, "Length Required", "A Content-Length is required." },
	{ 412, "Precondition Failed",
	    "A precondition of the request failed." },
	{ 413, "Content Too Large",
	    "The request body is larger than this server allows." },
	{ 414, "URI Too Long",
	    "The requested URL is longer than this server allows." },
	{ 415, "Unsupported Media Type", "The media type is not supported." },
	{ 416, "Range Not Satisfiable",
	    "None of the requested ranges can be satisfied." },
	{ 417, "Expectation Failed",
	    "The expectation given in the Expect header cannot be met." },
	{ 421, "Misdirected Request", "The request was misdirected." },
	{ 429, "Too Many Requests", "Too many requests." },
	{ 431, "Request Header Fields Too Large",
	    "The request header fields are larger than this server "
	    "allows." },
	{ 500, "Internal Server Error",
	    "The server encountered an internal error." },
	{ 501, "Not Implemented",
	    "The server does not support the method of the request." },
	{ 502, "Bad Gateway",
	    "The server received an invalid response from upstream." },
	{ 503, "Service Unavailable",
	    "The server is temporarily unable to service the request." },
	{ 504, "Gateway Timeout",
	    "The server timed out waiting for upstream." },
	{ 505, "HTTP Version Not Supported",
	    "The HTTP version of the request is not supported." },
};

static int
resp_find(int status)
{
	size_t	i;

	for (i = 0; i < sizeof(statuses) / sizeof(statuses[0]); i++)
		if (statuses[i].status == status)
			return (int)i;
	return -1;
}

const char *
resp_reason(int status)
{
	int	i = resp_find(status);

	return i == -1 ? "Unknown" : statuses[i].reason;
}

void
resp_init(struct resp_buf *b, char *buf, size_t cap)
{
	b->p = buf;
	b->len = 0;
	b->cap = cap;
	b->overflow = 0;
}

void
resp_add(struct resp_buf *b, const char *s, size_t len)
{
	if (b->overflow || len > b->cap - b->len) {
		b->overflow = 1;
		return;
	}
	memcpy(b->p + b->len, s, len);
	b->len += len;
}

void
resp_str(struct resp_buf *b, const char *s)
{
	resp_add(b, s, strlen(s));
}

void
resp_fmt(struct resp_buf *b, const char *fmt, ...)
{
	va_list	ap;
	int	n;

	if (b->overflow)
		return;
	va_start(ap, fmt);
	n = vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= b->cap - b->len)
		b->overflow = 1;
	else
		b->len += (size_t)n;
}

void
resp_num(struct resp_buf *b, uint64_t v)
{
	char	tmp[20];
	size_t	n = sizeof(tmp);

	do {
		tmp[--n] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	resp_add(b, tmp + n, sizeof(tmp) - n);
}

/* Every response starts here: resp_add(), not printf, which cost more */
void
resp_status(struct resp_buf *b, int status, const char *date,
    const char *server)
{
	resp_add(b, "HTTP/1.1 ", 9);
	resp_num(b, status < 0 ? 0 : (uint64_t)status);
	resp_add(b, " ", 1);
	resp_str(b, resp_reason(status));
	resp_add(b, "\r\nDate: ", 8);
	resp_str(b, date);
	resp_add(b, "\r\nServer: ", 10);
	resp_str(b, server);
	resp_add(b, "\r\n", 2);
}

void
resp_header(struct resp_buf *b, const char *name, const char *value)
{
	resp_str(b, name);
	resp_add(b, ": ", 2);
	resp_str(b, value);
	resp_add(b, "\r\n", 2);
}

void
resp_header_num(struct resp_buf *b, const char *name, uint64_t v)
{
	resp_str(b, name);
	resp_add(b, ": ", 2);
	resp_num(b, v);
	resp_add(b, "\r\n", 2);
}

/* With resp_add(), not snprintf(): every 404 makes one. */
size_t
resp_error_body(int status, char *buf, size_t cap)
{
	struct resp_buf	 b;
	int		 i = resp_find(status);
	const char	*reason = i == -1 ? "Error" : statuses[i].reason;
	const char	*text = i == -1 || statuses[i].text == NULL ? "" :
			    statuses[i].text;

	if (cap == 0)
		return 0;
	resp_init(&b, buf, cap - 1);
	resp_str(&b, "<!DOCTYPE html>\n<html><head><title>");
	resp_num(&b, status < 0 ? 0 : (uint64_t)status);
	resp_add(&b, " ", 1);
	resp_str(&b, reason);
	resp_str(&b, "</title></head>\n<body><h1>");
	resp_str(&b, reason);
	resp_str(&b, "</h1>\n<p>");
	resp_str(&b, text);
	resp_str(&b, "</p>\n</body></html>\n");
	buf[b.len] = '\0';
	return b.len;
}
