/*
 * CGI scripts (RFC 3875): start one for a request, stream the request
 * body to its stdin and its stdout back to the client, all through the
 * worker's event loop, and reap it.
 */
#ifndef HEARTH_CGI_H
#define HEARTH_CGI_H

struct config;
struct conf_cgi;
struct conn;

/* The cgi entry whose url prefixes the normalised path, or NULL. */
const struct conf_cgi	*cgi_lookup(const struct config *, const char *path);

/*
 * Find the script for path under g and start it.  Returns 0 with the
 * connection in CONN_CGI, or the status to answer (403, 404, 500, 503);
 * the reason is logged.  The request's parsed head (w->req) is read
 * here and not after.
 */
int	 cgi_start(struct conn *, const struct conf_cgi *g, const char *path);

/* Once the request head is dealt with: start moving bytes. */
void	 cgi_resume(struct conn *);

/* Client socket readiness and its timer, in CONN_CGI. */
void	 cgi_conn_event(struct conn *, int events);
void	 cgi_conn_timeout(struct conn *);

/* The connection is closing: let go of the script and stop it. */
void	 cgi_detach(struct conn *);

/* The worker is exiting: kill every script it still has. */
void	 cgi_kill_all(void);

#endif
