/*
 * Live reload (issue 10), the I/O half: the master's one watcher over
 * document_root and the sockets that carry each changed path to every
 * worker; a worker's side of those sockets; the /.hearth/live event
 * streams it keeps open; and reading an HTML file into memory with the
 * script tag inserted.  The pure rules are in inject.[ch] and the
 * watcher in watch.[ch].
 */
#ifndef HEARTH_LIVE_H
#define HEARTH_LIVE_H

#include <sys/types.h>
#include <sys/stat.h>

#include <stddef.h>

struct config;
struct conn;
struct ev_loop;
struct tmpl_out;
struct worker;

/* ---- master */

struct live_master;

struct live_master	*live_master_new(struct ev_loop *);
/*
 * Start, keep or stop the watcher for this config: reopened when
 * document_root or the ignore globs changed, closed when disabled.
 * Logs what it does and the watcher's warnings.
 */
void	 live_master_configure(struct live_master *, const struct config *);
/*
 * Before forking a worker: a socket pair, sv[0] for the master and
 * sv[1] for the worker.  Both -1 (and 0 returned) when live reload is
 * off; -1 on error, logged.
 */
int	 live_master_pair(struct live_master *, int sv[2]);
/* In the forked child: close the master's descriptors, sv0 among them. */
void	 live_master_forked(struct live_master *, int sv0);
/* In the master after fork: pid's end is fd (-1: nothing to do). */
void	 live_master_add(struct live_master *, pid_t pid, int fd);
/* The worker exited: close its end. */
void	 live_master_gone(struct live_master *, pid_t pid);
void	 live_master_free(struct live_master *);

/* ---- worker */

/* Watch fd (from live_master_pair, or -1) in the worker's loop. */
int	 live_worker_init(struct worker *, int fd);

/* A change from the master: drop caches, tell every stream. */
void	 live_worker_change(struct worker *, const char *path);

/* ---- /.hearth/live and /.hearth/live.js */

enum live_endpoint {
	LIVE_EP_NONE = 0,
	LIVE_EP_STREAM,		/* /.hearth/live */
	LIVE_EP_SCRIPT		/* /.hearth/live.js */
};

/* Which endpoint a request path names; NONE when live reload is off. */
enum live_endpoint live_endpoint(const struct config *, const char *path,
	    size_t len);

/* The script's body and its strong ETag (quoted), built once. */
const char	*live_script(size_t *len);
const char	*live_script_etag(void);

/*
 * The response head and "retry:" are out: the connection becomes an
 * event stream (CONN_STREAM) on the worker's list.
 */
int	 live_stream_start(struct conn *);
/* Readable or writable in CONN_STREAM. */
void	 live_stream_event(struct conn *, int events);
/* The ping timer fired: queue a comment so proxies keep it open. */
void	 live_stream_ping(struct conn *);
/* Off the worker's list (conn_close). */
void	 live_stream_unlink(struct conn *);

/* ---- injection */

/*
 * Read the regular file fd (st) into memory with the script inserted
 * (inject_offset()).  Returns a malloc'd body of *len bytes, or NULL
 * with errno set (EFBIG past LIVE_INJECT_MAX, EAGAIN when the file
 * changed size while read).
 */
char	*live_read_injected(int fd, const struct stat *st, size_t *len);

/* Insert the script into a generated body; -1 when out of memory. */
int	 live_inject_out(struct tmpl_out *);

/*
 * Insert the script into buf (len bytes, cap bytes of room); returns
 * the new length, or len unchanged when it does not fit.
 */
size_t	 live_inject_buf(char *buf, size_t len, size_t cap);

#endif
