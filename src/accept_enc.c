/*
 * Accept-Encoding (RFC 9110 section 12.5.3):
 *
 *   Accept-Encoding  = #( codings [ weight ] )
 *   codings          = content-coding / "identity" / "*"
 *   weight           = OWS ";" OWS "q=" qvalue
 *
 * Codings are case-insensitive tokens (section 8.4.1).  An absent field
 * means no preference: we send identity, as every server does, since
 * the client may not decode anything.  An empty field means identity
 * only.  Identity is acceptable unless "identity;q=0", or "*;q=0"
 * without an identity member, says otherwise.
 */
#include "config.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "accept_enc.h"

#define Q_UNSET	(-1)

static int
is_ows(char ch)
{
	return ch == ' ' || ch == '\t';
}

static int
is_tchar(char ch)
{
	return isalnum((unsigned char)ch) || strchr("!#$%&'*+-.^_`|~", ch)
	    != NULL;
}

/* qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] ) */
static int
parse_qvalue(const char *p, size_t len)
{
	size_t	i;
	int	q;

	if (len == 0 || (p[0] != '0' && p[0] != '1'))
		return Q_UNSET;
	q = p[0] == '1' ? 1000 : 0;
	if (len == 1)
		return q;
	if (p[1] != '.' || len > 5)
		return Q_UNSET;
	for (i = 2; i < len; i++) {
		if (!isdigit((unsigned char)p[i]) || (q == 1000 && p[i] != '0'))
			return Q_UNSET;
	}
	for (i = 2; i < 5; i++)
		q += (i < len ? p[i] - '0' : 0) *
		    (i == 2 ? 100 : i == 3 ? 10 : 1);
	return q;
}

/*
 * The weight in the parameters after a coding ("; q=0.5; x=y"): 1000
 * when there is none, Q_UNSET when it is malformed.
 */
static int
parse_weight(const char *p, size_t len)
{
	size_t	i = 0, start, end;
	int	q = 1000;

	while (i < len) {
		while (i < len && is_ows(p[i]))
			i++;
		if (i == len)
			break;
		if (p[i++] != ';')
			return Q_UNSET;
		while (i < len && is_ows(p[i]))
			i++;
		start = i;
		while (i < len && p[i] != ';')
			i++;
		end = i;
		while (end > start && is_ows(p[end - 1]))
			end--;
		if (end - start >= 2 && (p[start] == 'q' || p[start] == 'Q') &&
		    p[start + 1] == '=')
			q = parse_qvalue(p + start + 2, end - start - 2);
		if (q == Q_UNSET)
			return Q_UNSET;
	}
	return q;
}

static int
coding_is(const char *p, size_t len, const char *name)
{
	return strlen(name) == len && strncasecmp(p, name, len) == 0;
}

/* One member: "gzip;q=0.5".  Unknown codings leave *ae alone. */
static void
parse_member(const char *p, size_t len, int *gz, int *id, int *star)
{
	size_t	n = 0;
	int	q;

	while (n < len && is_tchar(p[n]))
		n++;
	if (n == 0 || (q = parse_weight(p + n, len - n)) == Q_UNSET)
		return;
	/* x-gzip is gzip (section 8.4.1.3) */
	if (coding_is(p, n, "gzip") || coding_is(p, n, "x-gzip"))
		*gz = *gz == Q_UNSET || q > *gz ? q : *gz;
	else if (coding_is(p, n, "identity"))
		*id = q;
	else if (coding_is(p, n, "*"))
		*star = q;
}

void
accept_enc_parse(const char *p, size_t len, struct accept_enc *ae)
{
	size_t	i = 0, start, end;
	int	gz = Q_UNSET, id = Q_UNSET, star = Q_UNSET;

	if (p == NULL) {
		ae->gzip_q = 0;
		ae->identity_q = 1000;
		return;
	}
	while (i < len) {
		start = i;
		while (i < len && p[i] != ',')
			i++;
		end = i++;
		while (start < end && is_ows(p[start]))
			start++;
		while (end > start && is_ows(p[end - 1]))
			end--;
		if (end > start)
			parse_member(p + start, end - start, &gz, &id, &star);
	}
	ae->gzip_q = gz != Q_UNSET ? gz : star != Q_UNSET ? star : 0;
	/*
	 * Unnamed, identity is acceptable by default but not preferred:
	 * "gzip;q=0.5" still asks for gzip.  "*" names it too, so
	 * "*;q=0" refuses it.
	 */
	ae->identity_q = id != Q_UNSET ? id : star != Q_UNSET ? star :
	    ACCEPT_ENC_Q_IMPLICIT;
}

int
accept_enc_gzip(const struct accept_enc *ae)
{
	return ae->gzip_q > 0 && ae->gzip_q >= ae->identity_q;
}

int
accept_enc_identity(const struct accept_enc *ae)
{
	return ae->identity_q > 0;
}

int
accept_enc_type_match(const char *const *pats, int n, const char *type)
{
	size_t	tlen, plen;
	int	i;

	if (type == NULL)
		return 0;
	tlen = strcspn(type, ";");
	while (tlen > 0 && is_ows(type[tlen - 1]))
		tlen--;
	for (i = 0; i < n; i++) {
		plen = strlen(pats[i]);
		if (plen >= 2 && strcmp(pats[i] + plen - 2, "/*") == 0) {
			if (tlen > plen - 1 &&
			    strncasecmp(type, pats[i], plen - 1) == 0)
				return 1;
		} else if (plen == tlen && strncasecmp(type, pats[i], tlen)
		    == 0)
			return 1;
	}
	return 0;
}
