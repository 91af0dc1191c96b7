/*
 * Combined log format.  Every client byte goes through logfmt_escape(),
 * so no request can forge or split a line: the only '"' in the output
 * are our own delimiters and the only '\n' is the terminator.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "logfmt.h"

static const char hexdig[] = "0123456789abcdef";

size_t
logfmt_escape(char *out, size_t max, const char *in, size_t len, size_t *used)
{
	size_t		i, o = 0, need;
	unsigned char	c;
	char		esc[4];

	for (i = 0; i < len; i++) {
		c = (unsigned char)in[i];
		need = 1;
		esc[0] = (char)c;
		if (c == '"' || c == '\\') {
			esc[0] = '\\';
			esc[1] = (char)c;
			need = 2;
		} else if (c == '\b' || c == '\n' || c == '\r' || c == '\t' ||
		    c == '\v') {
			esc[0] = '\\';
			esc[1] = c == '\b' ? 'b' : c == '\n' ? 'n' :
			    c == '\r' ? 'r' : c == '\t' ? 't' : 'v';
			need = 2;
		} else if (c < 0x20 || c >= 0x7f) {
			esc[0] = '\\';
			esc[1] = 'x';
			esc[2] = hexdig[c >> 4];
			esc[3] = hexdig[c & 0xf];
			need = 4;
		}
		if (o + need > max)
			break;
		memcpy(out + o, esc, need);
		o += need;
	}
	if (used != NULL)
		*used = i;
	return o;
}

static size_t
put_quoted(char *p, const char *v, size_t len, size_t max)
{
	size_t	n = 0;

	p[n++] = '"';
	if (v == NULL)
		p[n++] = '-';
	else
		n += logfmt_escape(p + n, max, v, len, NULL);
	p[n++] = '"';
	return n;
}

size_t
logfmt_combined(char *buf, const struct logfmt_entry *e)
{
	size_t	n = 0, hl;
	char	num[24];

	/* the host is ours (an address), but escape it like a client byte */
	hl = logfmt_escape(buf, 64, e->host ? e->host : "-",
	    strlen(e->host ? e->host : "-"), NULL);
	n += hl;
	memcpy(buf + n, " - ", 3);
	n += 3;
	if (e->user != NULL && *e->user != '\0')
		n += logfmt_escape(buf + n, 256, e->user, strlen(e->user),
		    NULL);
	else
		buf[n++] = '-';
	n += (size_t)snprintf(buf + n, 64, " [%s] ", e->time);
	n += put_quoted(buf + n, e->request, e->request_len,
	    LOGFMT_REQUEST_MAX);
	if (e->bytes == 0)
		snprintf(num, sizeof(num), "-");
	else
		snprintf(num, sizeof(num), "%llu",
		    (unsigned long long)e->bytes);
	n += (size_t)snprintf(buf + n, 48, " %03d %s ", e->status, num);
	n += put_quoted(buf + n, e->referer, e->referer_len,
	    LOGFMT_HEADER_MAX);
	buf[n++] = ' ';
	n += put_quoted(buf + n, e->user_agent, e->user_agent_len,
	    LOGFMT_HEADER_MAX);
	buf[n++] = '\n';
	return n;
}

size_t
logfmt_tls(char *buf, const struct logfmt_entry *e, const char *protocol,
    const char *cipher)
{
	size_t	n;

	n = (size_t)snprintf(buf, 64, "[%s] ", e->time);
	n += logfmt_escape(buf + n, 64, e->host ? e->host : "-",
	    strlen(e->host ? e->host : "-"), NULL);
	buf[n++] = ' ';
	n += logfmt_escape(buf + n, 32, protocol, strlen(protocol), NULL);
	buf[n++] = ' ';
	n += logfmt_escape(buf + n, 128, cipher, strlen(cipher), NULL);
	buf[n++] = ' ';
	n += put_quoted(buf + n, e->request, e->request_len,
	    LOGFMT_REQUEST_MAX);
	if (e->bytes == 0)
		n += (size_t)snprintf(buf + n, 4, " -\n");
	else
		n += (size_t)snprintf(buf + n, 24, " %llu\n",
		    (unsigned long long)e->bytes);
	return n;
}
