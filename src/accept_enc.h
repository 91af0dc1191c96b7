/*
 * Content-coding negotiation (RFC 9110 sections 8.4 and 12.5.3).
 * Pure: libc only, no allocation.
 */
#ifndef HEARTH_ACCEPT_ENC_H
#define HEARTH_ACCEPT_ENC_H

#include <stddef.h>

/* q-values in thousandths: 1000 is q=1, 0 is "not acceptable". */
struct accept_enc {
	int	 gzip_q;	/* gzip or x-gzip, else "*", else 0 */
	int	 identity_q;	/* identity, else "*", else implicit */
};

/* Identity nobody named: acceptable, and ranked below any coding. */
#define ACCEPT_ENC_Q_IMPLICIT	1

/*
 * Parse an Accept-Encoding field value; p == NULL means the field is
 * absent.  Members with a malformed qvalue are ignored, as if not sent.
 */
void	 accept_enc_parse(const char *p, size_t len, struct accept_enc *);

/*
 * Should the gzip coding be sent?  Only when it is acceptable and the
 * client does not rank identity above it (section 12.4.2: higher q is
 * preferred; on a tie we pick the smaller body).
 */
int	 accept_enc_gzip(const struct accept_enc *);

/* May the response go without a content coding? */
int	 accept_enc_identity(const struct accept_enc *);

/*
 * Does the media type (parameters ignored, case-insensitive) match one
 * of the patterns: "text/css", or "text/" followed by a star
 * (a whole top-level type)?
 */
int	 accept_enc_type_match(const char *const *pats, int n,
	    const char *type);

#endif
