/*
 * HTTPS with OpenSSL 3 (issue 9).
 *
 * conf_load() builds a tls_server from the tls group: one SSL_CTX for
 * the default certificate and one per SNI name.  The master does this
 * before it forks, so every worker of a generation shares the session
 * ticket keys OpenSSL drew for those contexts (a client resumes on
 * whichever worker the kernel hands it to), and a graceful reload,
 * which loads the config again, reads the certificates again and draws
 * new ticket keys.
 *
 * Per connection the calls follow the system calls they stand in for:
 * -1 with errno EAGAIN when the socket would block (*want says whether
 * to wait for EV_READ or EV_WRITE: a TLS read can need to write, and
 * the reverse), 0 for an orderly close, -1 with another errno for an
 * error.
 */
#ifndef HEARTH_TLS_H
#define HEARTH_TLS_H

#include <sys/types.h>
#include <stddef.h>
#include <time.h>

struct conf_tls;
struct ssl_st;
struct tls_server;

/*
 * A problem with one setting of the tls group: sni is -1 for the
 * default certificate, else the index in tls.sni; key names the
 * setting ("certificate", "key", "ciphers", "ciphersuites").
 */
typedef void	tls_err_fn(void *arg, int sni, const char *key,
		    const char *msg);

/* NULL after reporting every problem through err. */
struct tls_server	*tls_server_new(const struct conf_tls *,
			    tls_err_fn *err, void *arg);
void			 tls_server_free(struct tls_server *);

/*
 * Report each certificate (of the default and the SNI ones) that is
 * not valid at now, or expires before now + warn_days, as a message
 * "certificate ... expired on ..." or "... expires in N days".
 * Returns how many have expired (the soon-to-expire ones are warnings).
 */
int	tls_server_expiry(const struct tls_server *, time_t now,
	    int warn_days, tls_err_fn *err, void *arg);

/*
 * A server-side TLS connection on a connected, non-blocking socket.
 * prefix holds len bytes already read from it (what followed a PROXY
 * header): OpenSSL reads them first.
 */
struct ssl_st	*tls_conn_new(struct tls_server *, int fd,
		    const void *prefix, size_t len);
void		 tls_conn_free(struct ssl_st *);

/*
 * Drive the handshake: 1 done, -1 with errno EAGAIN and *want, or -1
 * with errno EPROTO and why set ("no shared protocol version", ...).
 */
int		 tls_handshake(struct ssl_st *, int *want, char *why,
		    size_t whylen);
ssize_t		 tls_read(struct ssl_st *, void *, size_t, int *want);
ssize_t		 tls_write(struct ssl_st *, const void *, size_t, int *want);
/* Are decrypted bytes held in OpenSSL that epoll cannot see? */
int		 tls_pending(struct ssl_st *);

/* Kernel TLS: can the file go out with tls_sendfile()? */
int		 tls_can_sendfile(struct ssl_st *);
ssize_t		 tls_sendfile(struct ssl_st *, int fd, off_t off, size_t len,
		    int *want);

/* Send close_notify if the socket takes it now; never waits. */
void		 tls_shutdown(struct ssl_st *);

/* For the logs and the status page. */
const char	*tls_version(struct ssl_st *);	/* "TLSv1.3" */
const char	*tls_cipher(struct ssl_st *);	/* "TLS_AES_256_GCM_SHA384" */
int		 tls_resumed(struct ssl_st *);

/* Does the first byte of a connection start a TLS handshake record? */
int		 tls_looks_like_hello(unsigned char first);

/* The protocol list of the tls group: 0, or -1 with errbuf. */
int		 tls_parse_protocols(const char *, int *min, int *max,
		    char *errbuf, size_t errlen);

#endif
