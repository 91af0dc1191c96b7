/*
 * Combined log format.  Every client byte goes through logfmt_escape(),
 * so no request can forge or split a line: the only '"' in the output
 * are our own delimiters and the only '\n' is the terminator.
 */
#include "config.h"

#include <string.h>

#include "logfmt.h"

static const char hexdig[] = "0123456789abcdef";

/*
 * What each byte becomes: 0, itself; 'x', \xhh; any other letter, that
 * letter after a backslash.  A table, so the common byte costs a load.
 */
static const char logfmt_esc[256] = {
	[0x00 ... 0x07] = 'x',
	['\b'] = 'b', ['\t'] = 't', ['\n'] = 'n', ['\v'] = 'v',
	['\f'] = 'x', ['\r'] = 'r',
	[0x0e ... 0x1f] = 'x',
	['"'] = '"', ['\\'] = '\\',
	[0x7f ... 0xff] = 'x',
};

size_t
logfmt_escape(char *out, size_t max, const char *in, size_t len, size_t *used)
{
	size_t		i, o = 0;
	unsigned char	c;
	char		k;

	for (i = 0; i < len; i++) {
		c = (unsigned char)in[i];
		if ((k = logfmt_esc[c]) == 0) {
			if (o == max)
				break;
			out[o++] = (char)c;
			continue;
		}
		if (o + (k == 'x' ? 4 : 2) > max)
			break;
		out[o++] = '\\';
		out[o++] = k;
		if (k == 'x') {
			out[o++] = hexdig[c >> 4];
			out[o++] = hexdig[c & 0xf];
		}
	}
	if (used != NULL)
		*used = i;
	return o;
}

/* v in decimal, at least width digits; returns the length. */
static size_t
put_num(char *p, uint64_t v, size_t width)
{
	char	tmp[24];
	size_t	n = 0, i;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0 || n < width);
	for (i = 0; i < n; i++)
		p[i] = tmp[n - 1 - i];
	return n;
}

static size_t
put_str(char *p, const char *s, size_t max)
{
	size_t	n = strnlen(s, max);

	memcpy(p, s, n);
	return n;
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

/* memcpy and put_num(), not snprintf(): this runs for every request */
size_t
logfmt_combined(char *buf, const struct logfmt_entry *e)
{
	size_t	n = 0;

	/* the host is ours (an address), but escape it like a client byte */
	if (e->host != NULL)
		n += logfmt_escape(buf, 64, e->host, strlen(e->host), NULL);
	else
		buf[n++] = '-';
	memcpy(buf + n, " - ", 3);
	n += 3;
	if (e->user != NULL && *e->user != '\0')
		n += logfmt_escape(buf + n, 256, e->user, strlen(e->user),
		    NULL);
	else
		buf[n++] = '-';
	memcpy(buf + n, " [", 2);
	n += 2;
	n += put_str(buf + n, e->time, 59);
	memcpy(buf + n, "] ", 2);
	n += 2;
	n += put_quoted(buf + n, e->request, e->request_len,
	    LOGFMT_REQUEST_MAX);
	buf[n++] = ' ';
	n += put_num(buf + n, e->status < 0 ? 0 : (uint64_t)e->status, 3);
	buf[n++] = ' ';
	if (e->bytes == 0)
		buf[n++] = '-';
	else
		n += put_num(buf + n, e->bytes, 1);
	buf[n++] = ' ';
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
	size_t	n = 0;

	buf[n++] = '[';
	n += put_str(buf + n, e->time, 59);
	memcpy(buf + n, "] ", 2);
	n += 2;
	if (e->host != NULL)
		n += logfmt_escape(buf + n, 64, e->host, strlen(e->host), NULL);
	else
		buf[n++] = '-';
	buf[n++] = ' ';
	n += logfmt_escape(buf + n, 32, protocol, strlen(protocol), NULL);
	buf[n++] = ' ';
	n += logfmt_escape(buf + n, 128, cipher, strlen(cipher), NULL);
	buf[n++] = ' ';
	n += put_quoted(buf + n, e->request, e->request_len,
	    LOGFMT_REQUEST_MAX);
	buf[n++] = ' ';
	if (e->bytes == 0)
		buf[n++] = '-';
	else
		n += put_num(buf + n, e->bytes, 1);
	buf[n++] = '\n';
	return n;
}
