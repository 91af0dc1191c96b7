/*
 * CGI (RFC 3875), the pure parts: the meta-variables a script gets, the
 * header section it answers with, and which script a URL path names.
 * libc only: no I/O, no logging, no globals.
 */
#ifndef HEARTH_CGI_PARSE_H
#define HEARTH_CGI_PARSE_H

#include <stddef.h>
#include <stdint.h>

#include "hearth.h"
#include "http_parse.h"

/* ---------------------------------------------------------- environment */

/* "NAME=value\0" strings in one growing buffer; oom is sticky. */
struct cgi_env {
	char		*buf;
	size_t		 len, cap;
	size_t		 n;		/* variables */
	int		 oom;
};

/* Add NAME=value; a CR, LF or NUL in value becomes a space. */
void	 cgi_env_add(struct cgi_env *, const char *name, const char *value,
	    size_t vlen);
void	 cgi_env_adds(struct cgi_env *, const char *name, const char *value);

/*
 * HTTP_* variables for the request's header fields (RFC 3875 section
 * 4.1.18): the name upper-cased with '-' as '_', repeated fields joined
 * with ", ".  Left out: Content-Length and Content-Type (section 4.1.2,
 * 4.1.3 give them), Authorization and Proxy-Authorization (section
 * 4.1.18 lets the server keep credentials), Proxy (no HTTP_PROXY:
 * "httpoxy", CVE-2016-5385), and any name with a byte other than a
 * letter, digit or '-', so "X_Foo" cannot pose as "X-Foo".
 */
void	 cgi_env_headers(struct cgi_env *, const struct http_header *,
	    size_t n);

/* A NULL-terminated vector into env->buf (malloc'd); NULL on oom. */
char	**cgi_env_vector(const struct cgi_env *);
void	 cgi_env_free(struct cgi_env *);

/* ---------------------------------------------------------- response */

enum cgi_head_result {
	CGI_HEAD_DONE = 0,	/* the header section is complete */
	CGI_HEAD_AGAIN,		/* need more output */
	CGI_HEAD_ERROR		/* malformed: 502; error says why */
};

/* What the response is (RFC 3875 section 6.2). */
enum cgi_kind {
	CGI_DOCUMENT = 0,	/* 6.2.1: Content-Type, maybe Status */
	CGI_LOCAL_REDIRECT,	/* 6.2.2: Location: /path, nothing else */
	CGI_CLIENT_REDIRECT	/* 6.2.3, 6.2.4: Location: scheme:... */
};

struct cgi_field {
	struct span	 name;
	struct span	 value;
};

struct cgi_head {
	enum cgi_kind	 kind;
	int		 status;	/* Status:, or what the kind implies */
	struct span	 reason;	/* p == NULL when not given */
	struct span	 location;
	struct span	 content_type;
	int64_t		 content_length;	/* -1: absent or not valid */
	struct cgi_field fields[CGI_FIELDS_MAX];	/* to pass on */
	size_t		 nfields;
	size_t		 head_len;	/* up to and including the empty line */
	const char	*error;		/* static, on CGI_HEAD_ERROR */
};

/*
 * Parse the header section at the start of the script's output (RFC
 * 3875 section 6.3): lines end in LF or CRLF, and an empty line ends the
 * section.  AGAIN until the empty line has come, or ERROR once len
 * reaches max without it.  Fields that describe the connection rather
 * than the document (Connection, Keep-Alive, Transfer-Encoding, TE,
 * Trailer, Upgrade, Proxy-Connection) and ones the server sends itself
 * (Date, Server) are dropped; the rest are in fields[].
 */
enum cgi_head_result
	 cgi_parse_head(const char *buf, size_t len, size_t max,
	    struct cgi_head *);

/* ---------------------------------------------------------- mapping */

/*
 * Does the normalised path fall under the URL prefix (which ends in
 * '/')?  Returns the length of the prefix, or 0.
 */
size_t	 cgi_url_match(const char *prefix, const char *path);

/* Does name end in one of the n extensions (".cgi")?  n == 0: yes. */
int	 cgi_ext_ok(const char *name, char *const *ext, int n);

#endif
