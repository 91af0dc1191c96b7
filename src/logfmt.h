/*
 * Access log line formatting: Apache's "combined" format.  Pure.
 *
 *	%h %l %u %t "%r" %>s %b "%{Referer}i" "%{User-Agent}i"
 */
#ifndef HEARTH_LOGFMT_H
#define HEARTH_LOGFMT_H

#include <stddef.h>
#include <stdint.h>

/* Longest escaped field we write; longer ones are cut, still valid. */
#define LOGFMT_REQUEST_MAX	4096
#define LOGFMT_HEADER_MAX	1024

struct logfmt_entry {
	const char	*host;		/* client address, NUL-terminated */
	const char	*user;		/* NULL when no authenticated user */
	const char	*time;		/* "10/Oct/2000:13:55:36 -0700" */
	const char	*request;	/* raw request line; NULL: "-" */
	size_t		 request_len;
	int		 status;
	uint64_t	 bytes;		/* body bytes sent; 0 is "-" */
	const char	*referer;	/* raw header value; NULL: "-" */
	size_t		 referer_len;
	const char	*user_agent;
	size_t		 user_agent_len;
};

/*
 * Escape bytes as Apache's ap_escape_logitem() does: '"' and '\' get a
 * backslash, \b \n \r \t \v their C escapes, and any other control or
 * non-ASCII byte \xhh.  Writes at most max bytes (never half an escape)
 * and returns the number written.  *used is set to how many input bytes
 * that covered.
 */
size_t	 logfmt_escape(char *out, size_t max, const char *in, size_t len,
	    size_t *used);

/*
 * Format one line, '\n' included, into buf (at least LOGFMT_LINE_MAX
 * bytes).  Returns its length.
 */
#define LOGFMT_LINE_MAX	(LOGFMT_REQUEST_MAX + 2 * LOGFMT_HEADER_MAX + 512)
size_t	 logfmt_combined(char *buf, const struct logfmt_entry *e);

/*
 * The line of tls.request_log, as mod_ssl's SSLRequestLog example:
 *
 *	[%t] %h %{SSL_PROTOCOL}x %{SSL_CIPHER}x "%r" %b
 *
 * (the access log stays combined, for the tools that read it).  Same
 * buffer size as logfmt_combined().
 */
size_t	 logfmt_tls(char *buf, const struct logfmt_entry *e,
	    const char *protocol, const char *cipher);

#endif
