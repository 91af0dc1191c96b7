/*
 * HTTPS with OpenSSL 3: the contexts of one config, and the calls a
 * connection makes instead of read(), send() and sendfile().
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "conf.h"
#include "ev.h"
#include "hearth.h"
#include "tls.h"

struct tls_server {
	SSL_CTX		*def;
	SSL_CTX		*sni[MAX_TLS_SNI];
	char		*names[MAX_TLS_SNI];
	int		 nsni;
};

/* ALPN: a length-prefixed list; HTTP/1.1 is all we speak. */
static const unsigned char	alpn_list[] = "\x08http/1.1";

/*
 * "system lib", "PEM lib": a reason that only names the layer the
 * error came up through (ERR_R_SYS_LIB...), not what went wrong.
 */
static int
reason_is_layer(unsigned long e)
{
	int	r = ERR_GET_REASON(e);

	return (r & ERR_RFLAG_COMMON) != 0 &&
	    (r & ((1 << ERR_RFLAGS_OFFSET) - 1)) < 256;
}

/*
 * Why the last OpenSSL call failed, from its queue, which is emptied:
 * a system error ("No such file or directory" for a certificate that
 * is not there), else the newest reason that says more than the layer.
 */
static void
ssl_reason(char *buf, size_t len)
{
	unsigned long	 e, last = 0, sys = 0;
	const char	*r;

	while ((e = ERR_get_error()) != 0) {
		if (ERR_SYSTEM_ERROR(e)) {
			if (sys == 0)
				sys = e;
		} else if (last == 0 || !reason_is_layer(e))
			last = e;
	}
	if (sys != 0) {
		snprintf(buf, len, "%s", strerror(ERR_GET_REASON(sys)));
		return;
	}
	if (last == 0) {
		snprintf(buf, len, "unknown error");
		return;
	}
	if ((r = ERR_reason_error_string(last)) != NULL)
		snprintf(buf, len, "%s", r);
	else
		ERR_error_string_n(last, buf, len);
}

/* "label value: reason, extra", the reason from OpenSSL's queue. */
static void
report(tls_err_fn *err, void *arg, int sni, const char *key,
    const char *label, const char *value, const char *extra)
{
	char	reason[256], msg[1024];

	ssl_reason(reason, sizeof(reason));
	snprintf(msg, sizeof(msg), "%s %s: %s%s", label, value, reason,
	    extra);
	err(arg, sni, key, msg);
}

/*
 * RFC 7301: pick http/1.1, or refuse a client that offers only
 * protocols we do not speak (h2 alone, say) with no_application_protocol
 * rather than let it talk HTTP/2 to an HTTP/1.1 server.
 */
static int
alpn_select(SSL *s, const unsigned char **out, unsigned char *outlen,
    const unsigned char *in, unsigned int inlen, void *arg)
{
	unsigned char	*sel;

	(void)s;
	(void)arg;
	if (SSL_select_next_proto(&sel, outlen, alpn_list,
	    sizeof(alpn_list) - 1, in, inlen) != OPENSSL_NPN_NEGOTIATED)
		return SSL_TLSEXT_ERR_ALERT_FATAL;
	*out = sel;
	return SSL_TLSEXT_ERR_OK;
}

/* "example.org" exactly, or "*.example.org" for one more label. */
static int
sni_match(const char *pattern, const char *name)
{
	const char	*dot;

	if (pattern[0] == '*' && pattern[1] == '.') {
		if ((dot = strchr(name, '.')) == NULL || dot == name)
			return 0;
		return strcasecmp(dot, pattern + 1) == 0;
	}
	return strcasecmp(pattern, name) == 0;
}

/*
 * The servername callback: switch to the certificate for the name the
 * client asked for.  An unknown name gets the default certificate, as
 * in nginx and Apache, not an alert: the client decides what to trust.
 */
static int
sni_select(SSL *s, int *alert, void *arg)
{
	struct tls_server	*ts = arg;
	const char		*name;
	int			 i;

	(void)alert;
	name = SSL_get_servername(s, TLSEXT_NAMETYPE_host_name);
	if (name == NULL)
		return SSL_TLSEXT_ERR_NOACK;
	for (i = 0; i < ts->nsni; i++)
		if (sni_match(ts->names[i], name)) {
			SSL_set_SSL_CTX(s, ts->sni[i]);
			return SSL_TLSEXT_ERR_OK;
		}
	return SSL_TLSEXT_ERR_NOACK;
}

/* Did loading the key fail because it is not the certificate's? */
static int
key_mismatch_queued(void)
{
	unsigned long	e = ERR_peek_last_error();

	return ERR_GET_LIB(e) == ERR_LIB_X509 &&
	    ERR_GET_REASON(e) == X509_R_KEY_VALUES_MISMATCH;
}

/* A key with a passphrase cannot be used: there is nobody to ask. */
static int
no_passphrase(char *buf, int size, int rwflag, void *arg)
{
	(void)buf;
	(void)size;
	(void)rwflag;
	(void)arg;
	return 0;
}

static int
ctx_settings(SSL_CTX *ctx, const struct conf_tls *t, int sni,
    tls_err_fn *err, void *arg)
{
	uint64_t	opts = SSL_OP_NO_RENEGOTIATION |
			    SSL_OP_CIPHER_SERVER_PREFERENCE |
			    SSL_OP_NO_COMPRESSION | SSL_OP_ENABLE_KTLS |
			    SSL_OP_IGNORE_UNEXPECTED_EOF;

	if (!t->session_tickets)
		opts |= SSL_OP_NO_TICKET;
	SSL_CTX_set_options(ctx, opts);
	SSL_CTX_set_min_proto_version(ctx, t->min_version);
	SSL_CTX_set_max_proto_version(ctx, t->max_version);
	/*
	 * Partial writes and a moving buffer: a large body goes out a
	 * record at a time, and a retry after EAGAIN may pass the same
	 * bytes from another buffer.  Released buffers: an idle keep-alive
	 * connection holds no 34 KiB of record buffers.
	 */
	SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE |
	    SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER | SSL_MODE_RELEASE_BUFFERS);
	/*
	 * No server-side cache: each worker would have its own.  Tickets
	 * carry the session instead, sealed with the keys every worker of
	 * the generation shares.
	 */
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
	if (!t->session_tickets)
		SSL_CTX_set_num_tickets(ctx, 0);
	/* one read() takes what has come, not a record header at a time */
	SSL_CTX_set_read_ahead(ctx, 1);
	SSL_CTX_set_session_id_context(ctx, (const unsigned char *)
	    HEARTH_NAME, sizeof(HEARTH_NAME) - 1);
	SSL_CTX_set_alpn_select_cb(ctx, alpn_select, NULL);
	SSL_CTX_set_default_passwd_cb(ctx, no_passphrase);
	if (SSL_CTX_set_cipher_list(ctx, t->ciphers) != 1) {
		report(err, arg, sni, "ciphers", "ciphers", t->ciphers, "");
		return -1;
	}
	if (t->ciphersuites != NULL &&
	    SSL_CTX_set_ciphersuites(ctx, t->ciphersuites) != 1) {
		report(err, arg, sni, "ciphersuites", "ciphersuites",
		    t->ciphersuites, "");
		return -1;
	}
	return 0;
}

static SSL_CTX *
ctx_new(const struct conf_tls *t, const char *cert, const char *key,
    int sni, tls_err_fn *err, void *arg)
{
	SSL_CTX	*ctx;
	char	 msg[1024];

	ERR_clear_error();
	if ((ctx = SSL_CTX_new(TLS_server_method())) == NULL) {
		report(err, arg, sni, "certificate", "cannot create a",
		    "TLS context", "");
		return NULL;
	}
	if (ctx_settings(ctx, t, sni, err, arg) == -1)
		goto fail;
	if (SSL_CTX_use_certificate_chain_file(ctx, cert) != 1) {
		report(err, arg, sni, "certificate", "certificate", cert, "");
		goto fail;
	}
	if (SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1 &&
	    !key_mismatch_queued()) {
		report(err, arg, sni, "key", "key", key, " (a key with a "
		    "passphrase cannot be used)");
		goto fail;
	}
	/* OpenSSL 3 finds a mismatch as it loads the key, older ones here */
	if (SSL_CTX_check_private_key(ctx) != 1) {
		ERR_clear_error();
		snprintf(msg, sizeof(msg), "key %s does not match certificate "
		    "%s", key, cert);
		err(arg, sni, "key", msg);
		goto fail;
	}
	return ctx;
fail:
	SSL_CTX_free(ctx);
	return NULL;
}

struct tls_server *
tls_server_new(const struct conf_tls *t, tls_err_fn *err, void *arg)
{
	struct tls_server	*ts;
	int			 i, bad = 0;

	if ((ts = calloc(1, sizeof(*ts))) == NULL) {
		err(arg, -1, "certificate", "out of memory");
		return NULL;
	}
	if ((ts->def = ctx_new(t, t->certificate, t->key, -1, err, arg)) ==
	    NULL)
		bad = 1;
	for (i = 0; i < t->nsni; i++) {
		ts->sni[ts->nsni] = ctx_new(t, t->sni[i].certificate,
		    t->sni[i].key, i, err, arg);
		if (ts->sni[ts->nsni] == NULL) {
			bad = 1;
			continue;
		}
		if ((ts->names[ts->nsni] = strdup(t->sni[i].name)) == NULL) {
			SSL_CTX_free(ts->sni[ts->nsni]);
			err(arg, i, "name", "out of memory");
			bad = 1;
			continue;
		}
		ts->nsni++;
	}
	if (bad) {
		tls_server_free(ts);
		return NULL;
	}
	SSL_CTX_set_tlsext_servername_callback(ts->def, sni_select);
	SSL_CTX_set_tlsext_servername_arg(ts->def, ts);
	return ts;
}

void
tls_server_free(struct tls_server *ts)
{
	int	i;

	if (ts == NULL)
		return;
	for (i = 0; i < ts->nsni; i++) {
		SSL_CTX_free(ts->sni[i]);
		free(ts->names[i]);
	}
	SSL_CTX_free(ts->def);
	free(ts);
}

/* One certificate's validity against now; 1 if it is not valid. */
static int
cert_expiry(SSL_CTX *ctx, int sni, time_t now, int warn_days,
    tls_err_fn *err, void *arg)
{
	X509		*x = SSL_CTX_get0_certificate(ctx);
	char		 msg[512], when[64];
	BIO		*b;
	int		 days, secs, n;

	if (x == NULL)
		return 0;
	if ((b = BIO_new(BIO_s_mem())) == NULL)
		return 0;
	ASN1_TIME_print(b, X509_get0_notAfter(x));
	n = BIO_read(b, when, sizeof(when) - 1);
	when[n > 0 ? n : 0] = '\0';
	BIO_free(b);
	if (X509_cmp_time(X509_get0_notBefore(x), &now) > 0) {
		err(arg, sni, "certificate", "certificate is not valid yet "
		    "(check the clock)");
		return 1;
	}
	if (X509_cmp_time(X509_get0_notAfter(x), &now) < 0) {
		snprintf(msg, sizeof(msg), "certificate expired on %s", when);
		err(arg, sni, "certificate", msg);
		return 1;
	}
	if (warn_days > 0 && ASN1_TIME_diff(&days, &secs, NULL,
	    X509_get0_notAfter(x)) == 1 && days < warn_days) {
		snprintf(msg, sizeof(msg), "certificate expires in %d day%s, "
		    "on %s", days, days == 1 ? "" : "s", when);
		err(arg, sni, "certificate", msg);
	}
	return 0;
}

int
tls_server_expiry(const struct tls_server *ts, time_t now, int warn_days,
    tls_err_fn *err, void *arg)
{
	int	i, n;

	n = cert_expiry(ts->def, -1, now, warn_days, err, arg);
	for (i = 0; i < ts->nsni; i++)
		n += cert_expiry(ts->sni[i], i, now, warn_days, err, arg);
	return n;
}

/*
 * A read BIO that hands out bytes read before OpenSSL took over, then
 * reads the socket.  Writes go to a plain socket BIO (which kernel TLS
 * needs).
 */
struct prefix {
	int		 fd;
	size_t		 off, len;
	unsigned char	 buf[];
};

static int
prefix_read(BIO *b, char *out, int outl)
{
	struct prefix	*p = BIO_get_data(b);
	size_t		 n;
	ssize_t		 r;

	BIO_clear_retry_flags(b);
	if (outl <= 0)
		return 0;
	if (p->off < p->len) {
		n = p->len - p->off < (size_t)outl ? p->len - p->off :
		    (size_t)outl;
		memcpy(out, p->buf + p->off, n);
		p->off += n;
		return (int)n;
	}
	if ((r = read(p->fd, out, (size_t)outl)) == -1 &&
	    (errno == EAGAIN || errno == EINTR))
		BIO_set_retry_read(b);
	return (int)r;
}

static long
prefix_ctrl(BIO *b, int cmd, long num, void *ptr)
{
	struct prefix	*p = BIO_get_data(b);

	(void)num;
	(void)ptr;
	switch (cmd) {
	case BIO_CTRL_PENDING:
		return (long)(p->len - p->off);
	case BIO_CTRL_FLUSH:
		return 1;
	default:
		return 0;
	}
}

static int
prefix_destroy(BIO *b)
{
	free(BIO_get_data(b));
	BIO_set_data(b, NULL);
	return 1;
}

static BIO *
prefix_bio(int fd, const void *prefix, size_t len)
{
	static BIO_METHOD	*meth;
	struct prefix		*p;
	BIO			*b;

	if (meth == NULL) {
		if ((meth = BIO_meth_new(BIO_get_new_index() |
		    BIO_TYPE_SOURCE_SINK, "hearth prefix")) == NULL)
			return NULL;
		BIO_meth_set_read(meth, prefix_read);
		BIO_meth_set_ctrl(meth, prefix_ctrl);
		BIO_meth_set_destroy(meth, prefix_destroy);
	}
	if ((p = malloc(sizeof(*p) + len)) == NULL)
		return NULL;
	if ((b = BIO_new(meth)) == NULL) {
		free(p);
		return NULL;
	}
	p->fd = fd;
	p->off = 0;
	p->len = len;
	memcpy(p->buf, prefix, len);
	BIO_set_data(b, p);
	BIO_set_init(b, 1);
	return b;
}

struct ssl_st *
tls_conn_new(struct tls_server *ts, int fd, const void *prefix, size_t len)
{
	SSL	*s;
	BIO	*rb, *wb;

	if ((s = SSL_new(ts->def)) == NULL)
		return NULL;
	if (len == 0) {
		if (SSL_set_fd(s, fd) != 1) {
			SSL_free(s);
			return NULL;
		}
	} else {
		if ((rb = prefix_bio(fd, prefix, len)) == NULL) {
			SSL_free(s);
			return NULL;
		}
		if ((wb = BIO_new_socket(fd, BIO_NOCLOSE)) == NULL) {
			BIO_free(rb);
			SSL_free(s);
			return NULL;
		}
		SSL_set_bio(s, rb, wb);
	}
	SSL_set_accept_state(s);
	return s;
}

void
tls_conn_free(struct ssl_st *s)
{
	SSL_free(s);
	ERR_clear_error();
}

/* Map an OpenSSL result to the conventions of read() and write(). */
static ssize_t
tls_result(SSL *s, int rc, int *want)
{
	int	saved = errno;

	switch (SSL_get_error(s, rc)) {
	case SSL_ERROR_WANT_READ:
		*want = EV_READ;
		errno = EAGAIN;
		return -1;
	case SSL_ERROR_WANT_WRITE:
		*want = EV_WRITE;
		errno = EAGAIN;
		return -1;
	case SSL_ERROR_ZERO_RETURN:
		return 0;
	case SSL_ERROR_SYSCALL:
		ERR_clear_error();
		errno = saved != 0 ? saved : ECONNRESET;
		return -1;
	default:
		ERR_clear_error();
		errno = EPROTO;
		return -1;
	}
}

int
tls_handshake(struct ssl_st *s, int *want, char *why, size_t whylen)
{
	int	rc, e;

	ERR_clear_error();
	errno = 0;
	if ((rc = SSL_do_handshake(s)) == 1)
		return 1;
	switch ((e = SSL_get_error(s, rc))) {
	case SSL_ERROR_WANT_READ:
	case SSL_ERROR_WANT_WRITE:
		*want = e == SSL_ERROR_WANT_READ ? EV_READ : EV_WRITE;
		errno = EAGAIN;
		return -1;
	case SSL_ERROR_SYSCALL:
	case SSL_ERROR_ZERO_RETURN:
		snprintf(why, whylen, "%s", errno != 0 ? strerror(errno) :
		    "connection closed");
		ERR_clear_error();
		break;
	default:
		ssl_reason(why, whylen);
		break;
	}
	errno = EPROTO;
	return -1;
}

ssize_t
tls_read(struct ssl_st *s, void *buf, size_t len, int *want)
{
	int	rc;

	ERR_clear_error();
	errno = 0;
	rc = SSL_read(s, buf, len > INT_MAX ? INT_MAX : (int)len);
	if (rc > 0)
		return rc;
	return tls_result(s, rc, want);
}

ssize_t
tls_write(struct ssl_st *s, const void *buf, size_t len, int *want)
{
	int	rc;

	if (len == 0)
		return 0;
	ERR_clear_error();
	errno = 0;
	rc = SSL_write(s, buf, len > INT_MAX ? INT_MAX : (int)len);
	if (rc > 0)
		return rc;
	if (tls_result(s, rc, want) == 0)
		errno = EPIPE;		/* no "0 bytes written" for writers */
	return -1;
}

int
tls_pending(struct ssl_st *s)
{
	return SSL_has_pending(s);
}

int
tls_can_sendfile(struct ssl_st *s)
{
	return BIO_get_ktls_send(SSL_get_wbio(s));
}

ssize_t
tls_sendfile(struct ssl_st *s, int fd, off_t off, size_t len, int *want)
{
	ossl_ssize_t	n;

	ERR_clear_error();
	errno = 0;
	if ((n = SSL_sendfile(s, fd, off, len, 0)) >= 0)
		return n;
	if (tls_result(s, -1, want) == 0)
		errno = EPIPE;
	return -1;
}

void
tls_shutdown(struct ssl_st *s)
{
	if (SSL_is_init_finished(s))
		(void)SSL_shutdown(s);
	ERR_clear_error();
}

const char *
tls_version(struct ssl_st *s)
{
	return SSL_get_version(s);
}

const char *
tls_cipher(struct ssl_st *s)
{
	return SSL_get_cipher_name(s);
}

int
tls_resumed(struct ssl_st *s)
{
	return SSL_session_reused(s);
}

int
tls_looks_like_hello(unsigned char first)
{
	return first == 0x16;	/* a handshake record */
}

static int
proto_version(const char *name, size_t len, int *v)
{
	static const struct {
		const char	*name;
		int		 version;
	} ok[] = {
		{ "TLSv1.2", TLS1_2_VERSION },
		{ "TLSv1.3", TLS1_3_VERSION },
	}, old[] = {
		{ "SSLv3", SSL3_VERSION },
		{ "TLSv1", TLS1_VERSION },
		{ "TLSv1.0", TLS1_VERSION },
		{ "TLSv1.1", TLS1_1_VERSION },
	};
	size_t	i;

	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		if (strlen(ok[i].name) == len &&
		    strncasecmp(ok[i].name, name, len) == 0) {
			*v = ok[i].version;
			return 0;
		}
	for (i = 0; i < sizeof(old) / sizeof(old[0]); i++)
		if (strlen(old[i].name) == len &&
		    strncasecmp(old[i].name, name, len) == 0)
			return 1;
	return -1;
}

int
tls_parse_protocols(const char *s, int *min, int *max, char *errbuf,
    size_t errlen)
{
	static const char	sep[] = " \t,:";
	size_t			len;
	int			v, n = 0;

	*min = *max = 0;
	for (s += strspn(s, sep); *s != '\0'; s += strspn(s, sep)) {
		len = strcspn(s, sep);
		switch (proto_version(s, len, &v)) {
		case 1:
			snprintf(errbuf, errlen, "protocol %.*s is not "
			    "offered: it is no longer secure (RFC 8996); use "
			    "TLSv1.2 and TLSv1.3", (int)len, s);
			return -1;
		case -1:
			snprintf(errbuf, errlen, "unknown protocol \"%.*s\" "
			    "(want TLSv1.2, TLSv1.3 or both)", (int)len, s);
			return -1;
		}
		if (n++ == 0 || v < *min)
			*min = v;
		if (v > *max)
			*max = v;
		s += len;
	}
	if (n == 0) {
		snprintf(errbuf, errlen, "protocols must name at least one "
		    "of TLSv1.2 and TLSv1.3");
		return -1;
	}
	return 0;
}
