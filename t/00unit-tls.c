/*
 * The pure part of tls.c: the protocols setting.
 */
#include "config.h"

#include <openssl/ssl.h>
#include <string.h>

#include "tap.h"
#include "tls.h"

static void
proto(const char *in, int min, int max, const char *what)
{
	char	err[256];
	int	lo, hi;

	err[0] = '\0';
	tap_is_int(tls_parse_protocols(in, &lo, &hi, err, sizeof(err)), 0,
	    "%s: accepted", what);
	tap_is_int(lo, min, "%s: minimum", what);
	tap_is_int(hi, max, "%s: maximum", what);
}

static void
bad(const char *in, const char *want, const char *what)
{
	char	err[256];
	int	lo, hi;

	err[0] = '\0';
	tap_is_int(tls_parse_protocols(in, &lo, &hi, err, sizeof(err)), -1,
	    "%s: refused", what);
	tap_ok(strstr(err, want) != NULL, "%s: says \"%s\" (%s)", what, want,
	    err);
}

int
main(void)
{
	proto("TLSv1.2 TLSv1.3", TLS1_2_VERSION, TLS1_3_VERSION, "both");
	proto("TLSv1.3", TLS1_3_VERSION, TLS1_3_VERSION, "1.3 only");
	proto("tlsv1.2", TLS1_2_VERSION, TLS1_2_VERSION, "any case");
	proto(" TLSv1.3, TLSv1.2 ", TLS1_2_VERSION, TLS1_3_VERSION,
	    "commas, spaces, any order");
	proto("TLSv1.2:TLSv1.3", TLS1_2_VERSION, TLS1_3_VERSION, "colons");
	bad("TLSv1.1 TLSv1.2", "no longer secure", "1.1");
	bad("TLSv1", "no longer secure", "1.0");
	bad("SSLv3", "no longer secure", "SSLv3");
	bad("TLSv1.4", "unknown protocol \"TLSv1.4\"", "unknown");
	bad("", "at least one", "empty");
	bad(" , ", "at least one", "separators only");
	tap_ok(tls_looks_like_hello(0x16), "0x16 starts a handshake");
	tap_ok(!tls_looks_like_hello('G'), "'G' does not");
	return tap_done();
}
