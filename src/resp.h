/*
 * Response heads and built-in error bodies.  Pure.
 */
#ifndef HEARTH_RESP_H
#define HEARTH_RESP_H

#include <stddef.h>
#include <stdint.h>

/* Reason phrase for a status code; "Unknown" for codes we never send. */
const char	*resp_reason(int status);

/* A small fixed builder over a caller buffer; overflow is sticky. */
struct resp_buf {
	char	*p;
	size_t	 len, cap;
	int	 overflow;
};

void	 resp_init(struct resp_buf *, char *buf, size_t cap);
void	 resp_add(struct resp_buf *, const char *s, size_t len);
void	 resp_str(struct resp_buf *, const char *s);
void	 resp_fmt(struct resp_buf *, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
/* v in decimal */
void	 resp_num(struct resp_buf *, uint64_t v);
/* "HTTP/1.1 200 OK\r\nDate: ...\r\nServer: ...\r\n" */
void	 resp_status(struct resp_buf *, int status, const char *date,
	    const char *server);
void	 resp_header(struct resp_buf *, const char *name, const char *value);
/* "Name: 1234\r\n" */
void	 resp_header_num(struct resp_buf *, const char *name, uint64_t v);

/*
 * The built-in HTML body for an error status.  Fixed text per status:
 * nothing from the request is echoed, so nothing leaks or needs escaping.
 * Returns its length; buf is NUL-terminated, and a body longer than
 * cap - 1 bytes is cut short.
 */
size_t	 resp_error_body(int status, char *buf, size_t cap);

#endif
