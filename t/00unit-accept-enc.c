/*
 * Unit tests for src/accept_enc.c: Accept-Encoding negotiation
 * (RFC 9110 section 12.5.3) and the compressible-type patterns.
 */
#include <stdio.h>
#include <string.h>

#include "accept_enc.h"
#include "tap.h"

/*
 * want: "gzip" (send gzip), "identity" (send it plain) or "406" (gzip
 * not wanted and identity refused), with the q-values seen.
 */
static void
is_ae(const char *hdr, const char *want, int gzq, int idq)
{
	struct accept_enc	 ae;
	const char		*got;

	memset(&ae, 0xa5, sizeof(ae));
	accept_enc_parse(hdr, hdr ? strlen(hdr) : 0, &ae);
	if (accept_enc_gzip(&ae))
		got = "gzip";
	else if (accept_enc_identity(&ae))
		got = "identity";
	else
		got = "406";
	if (!tap_ok(strcmp(got, want) == 0 && ae.gzip_q == gzq &&
	    ae.identity_q == idq, "%s%s%s -> %s", hdr ? "\"" : "",
	    hdr ? hdr : "(absent)", hdr ? "\"" : "", want))
		tap_diag("  got %s gzip_q %d identity_q %d, want %d %d", got,
		    ae.gzip_q, ae.identity_q, gzq, idq);
}

static void
test_basic(void)
{
	/* no field: no preference, and we send identity */
	is_ae(NULL, "identity", 0, 1000);
	/* an empty field: identity only */
	is_ae("", "identity", 0, 1);
	is_ae("gzip", "gzip", 1000, 1);
	is_ae("gzip, deflate, br", "gzip", 1000, 1);
	is_ae("br, deflate, gzip", "gzip", 1000, 1);
	is_ae("deflate, br", "identity", 0, 1);
	is_ae("x-gzip", "gzip", 1000, 1);
	is_ae("identity", "identity", 0, 1000);
	is_ae("compress, gzip", "gzip", 1000, 1);
}

static void
test_case(void)
{
	/* content codings are case-insensitive (section 8.4.1) */
	is_ae("GZIP", "gzip", 1000, 1);
	is_ae("GZip;Q=0.5", "gzip", 500, 1);
	is_ae("IDENTITY;q=0, gzip", "gzip", 1000, 0);
	is_ae("X-Gzip", "gzip", 1000, 1);
}

static void
test_qvalues(void)
{
	is_ae("gzip;q=0", "identity", 0, 1);
	is_ae("gzip;q=0.0", "identity", 0, 1);
	is_ae("gzip;q=0.000", "identity", 0, 1);
	is_ae("gzip;q=0.001", "gzip", 1, 1);
	is_ae("gzip;q=1.0", "gzip", 1000, 1);
	is_ae("gzip;q=1.000", "gzip", 1000, 1);
	is_ae("gzip ; q=0.5", "gzip", 500, 1);
	is_ae("gzip;q=0.25", "gzip", 250, 1);
	/* the client ranks identity higher: honour it */
	is_ae("gzip;q=0.5, identity;q=0.8", "identity", 500, 800);
	is_ae("identity;q=0.8, gzip;q=0.9", "gzip", 900, 800);
	/* a tie: the smaller body */
	is_ae("gzip;q=0.5, identity;q=0.5", "gzip", 500, 500);
	is_ae("gzip, identity", "gzip", 1000, 1000);
	/* both gzip names: the better weight */
	is_ae("x-gzip;q=0.3, gzip;q=0.7", "gzip", 700, 1);
	is_ae("gzip;q=0, x-gzip;q=0.4", "gzip", 400, 1);
}

static void
test_refusals(void)
{
	is_ae("identity;q=0", "406", 0, 0);
	is_ae("gzip, identity;q=0", "gzip", 1000, 0);
	is_ae("gzip;q=0, identity;q=0", "406", 0, 0);
	is_ae("*;q=0", "406", 0, 0);
	is_ae("*;q=0, identity", "identity", 0, 1000);
	is_ae("*;q=0, gzip", "gzip", 1000, 0);
	is_ae("br, *;q=0", "406", 0, 0);
}

static void
test_star(void)
{
	is_ae("*", "gzip", 1000, 1000);
	is_ae("*;q=0.5", "gzip", 500, 500);
	is_ae("gzip;q=0, *", "identity", 0, 1000);
	is_ae("*, gzip;q=0.2", "identity", 200, 1000);
	is_ae("*;q=0.1, gzip", "gzip", 1000, 100);
}

static void
test_malformed(void)
{
	/* a bad qvalue drops that member only */
	is_ae("gzip;q=2", "identity", 0, 1);
	is_ae("gzip;q=1.5", "identity", 0, 1);
	is_ae("gzip;q=0.1234", "identity", 0, 1);
	is_ae("gzip;q=abc", "identity", 0, 1);
	is_ae("gzip;q=", "identity", 0, 1);
	is_ae("gzip;q=.5", "identity", 0, 1);
	is_ae("gzip;q=2, identity", "identity", 0, 1000);
	is_ae("identity;q=x, gzip", "gzip", 1000, 1);
	/* other parameters are ignored; empty list members too */
	is_ae("gzip;level=9", "gzip", 1000, 1);
	is_ae(", ,gzip,,", "gzip", 1000, 1);
	is_ae("gzip junk", "identity", 0, 1);
	is_ae("gzipx", "identity", 0, 1);
	is_ae("gzip;", "gzip", 1000, 1);
	is_ae("\tgzip\t", "gzip", 1000, 1);
}

static void
test_types(void)
{
	const char	*pats[] = { "text/*", "application/javascript",
		    "application/json", "image/svg+xml" };
	int		 n = 4;

	tap_ok(accept_enc_type_match(pats, n, "text/css"), "text/css");
	tap_ok(accept_enc_type_match(pats, n, "text/html; charset=utf-8"),
	    "text/html with a charset");
	tap_ok(accept_enc_type_match(pats, n, "Text/Plain"), "Text/Plain");
	tap_ok(accept_enc_type_match(pats, n, "application/json"),
	    "application/json");
	tap_ok(accept_enc_type_match(pats, n, "image/svg+xml"), "svg");
	tap_ok(!accept_enc_type_match(pats, n, "image/png"), "not png");
	tap_ok(!accept_enc_type_match(pats, n, "application/jsonx"),
	    "not a longer type");
	tap_ok(!accept_enc_type_match(pats, n, "application/zip"), "not zip");
	tap_ok(!accept_enc_type_match(pats, n, "text/"), "not \"text/\"");
	tap_ok(!accept_enc_type_match(pats, n, "textual/x"), "not textual/");
	tap_ok(!accept_enc_type_match(pats, n, NULL), "not NULL");
	tap_ok(!accept_enc_type_match(pats, 0, "text/css"), "no patterns");
}

int
main(void)
{
	test_basic();
	test_case();
	test_qvalues();
	test_refusals();
	test_star();
	test_malformed();
	test_types();
	return tap_done();
}
