/*
 * Unit tests for src/proxy.c.
 *
 * Every case is parsed whole and as every prefix (which is what a split
 * at that position, or a byte-at-a-time sender, shows the parser: it
 * keeps no state between calls).  A valid header answers AGAIN for each
 * prefix and DONE only at its last byte; an invalid one answers AGAIN
 * up to the byte that gives it away and ERROR from there on, and that
 * byte is checked, so garbage is known to be refused at once.  Every
 * call reads a copy that ends where a PROT_NONE page begins, so reading
 * one byte past the input crashes (picohttpparser test.c).
 */
#include <sys/mman.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "proxy.h"
#include "tap.h"

#define D	PROXY_DONE
#define A	PROXY_AGAIN
#define E	PROXY_ERROR

struct pcase {
	const char	*name;
	const char	*in;
	size_t		 n;
	int		 res;
	size_t		 err_at;	/* E: shortest prefix that is ERROR */
	int		 local;
	const char	*src;		/* D && !local: addresses and ports */
	int		 sport;
	const char	*dst;
	int		 dport;
};

#define R(s)	s, sizeof(s) - 1
#define OK(nm, s, src, sp, dst, dp)	{ nm, R(s), D, 0, 0, src, sp, dst, dp }
#define LOCAL(nm, s)	{ nm, R(s), D, 0, 1, NULL, 0, NULL, 0 }
#define ERR(nm, s, at)	{ nm, R(s), E, at, 0, NULL, 0, NULL, 0 }

/* haproxy doc/proxy-protocol.txt section 2.2 */
#define SIG	"\r\n\r\n\0\r\nQUIT\n"
#define V2(cmd, fam, hi, lo)	SIG cmd fam hi lo
/* 127.0.0.7:54321 -> 10.0.0.1:443 */
#define A4	"\x7f\x00\x00\x07" "\x0a\x00\x00\x01" "\xd4\x31" "\x01\xbb"
/* 2001:db8::7:54321 -> ::1:8443 */
#define A6	"\x20\x01\x0d\xb8" "\0\0\0\0" "\0\0\0\0" "\0\0\0\x07"	\
		"\0\0\0\0" "\0\0\0\0" "\0\0\0\0" "\0\0\0\x01"		\
		"\xd4\x31" "\x20\xfb"
#define TLV_ALPN	"\x01" "\x00\x02" "h2"
#define TLV_NOOP	"\x04" "\x00\x00"
#define TLV_AUTH	"\x02" "\x00\x0b" "example.com"
#define F8	"ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"
#define M6	"ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255"

static const struct pcase cases[] = {
	/* version 1, section 2.1 */
	OK("v1 TCP4", "PROXY TCP4 192.168.0.1 10.0.0.1 56324 443\r\n",
	    "192.168.0.1", 56324, "10.0.0.1", 443),
	OK("v1 TCP4 extremes", "PROXY TCP4 0.0.0.0 255.255.255.255 0 65535\r\n",
	    "0.0.0.0", 0, "255.255.255.255", 65535),
	OK("v1 TCP6", "PROXY TCP6 2001:db8::1 ::1 1 8443\r\n",
	    "2001:db8::1", 1, "::1", 8443),
	OK("v1 TCP6 upper case", "PROXY TCP6 2001:DB8::A ::1 1 2\r\n",
	    "2001:db8::a", 1, "::1", 2),
	OK("v1 TCP6 mapped", "PROXY TCP6 ::ffff:127.0.0.7 ::1 9 80\r\n",
	    "::ffff:127.0.0.7", 9, "::1", 80),
	OK("v1 TCP6 longest (104 bytes)",
	    "PROXY TCP6 " F8 " " F8 " 65535 65535\r\n",
	    F8, 65535, F8, 65535),
	LOCAL("v1 UNKNOWN", "PROXY UNKNOWN\r\n"),
	LOCAL("v1 UNKNOWN with addresses",
	    "PROXY UNKNOWN " F8 " " F8 " 65535 65535\r\n"),
	LOCAL("v1 UNKNOWN with junk", "PROXY UNKNOWN \x01zz\t\r\n"),
	LOCAL("v1 UNKNOWN of 107 bytes", "PROXY UNKNOWN "
	    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxx\r\n"),
	ERR("v1 UNKNOWN of 108 bytes", "PROXY UNKNOWN "
	    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\r\n", 106),
	ERR("v1 TCP6 mapped, both longest (116 bytes)",
	    "PROXY TCP6 " M6 " " M6 " 65535 65535\r\n", 106),
	ERR("v1 lower case", "proxy TCP4 1.2.3.4 5.6.7.8 1 2\r\n", 1),
	ERR("v1 no space", "PROXYTCP4 1.2.3.4 5.6.7.8 1 2\r\n", 6),
	ERR("v1 two spaces", "PROXY  TCP4 1.2.3.4 5.6.7.8 1 2\r\n", 7),
	ERR("v1 tab", "PROXY\tTCP4 1.2.3.4 5.6.7.8 1 2\r\n", 6),
	ERR("v1 TCP5", "PROXY TCP5 1.2.3.4 5.6.7.8 1 2\r\n", 10),
	ERR("v1 tcp4", "PROXY tcp4 1.2.3.4 5.6.7.8 1 2\r\n", 7),
	ERR("v1 UDP4", "PROXY UDP4 1.2.3.4 5.6.7.8 1 2\r\n", 8),
	ERR("v1 TCP4 then CRLF", "PROXY TCP4\r\n", 11),
	ERR("v1 UNKNOWNX", "PROXY UNKNOWNX\r\n", 14),
	ERR("v1 UNKNOWN bare LF", "PROXY UNKNOWN\n", 14),
	ERR("v1 UNKNOWN junk bare LF", "PROXY UNKNOWN x\ny\r\n", 16),
	ERR("v1 UNKNOWN CR CR", "PROXY UNKNOWN\r\r\n", 15),
	ERR("v1 two spaces between addresses",
	    "PROXY TCP4 1.2.3.4  5.6.7.8 1 2\r\n", 20),
	ERR("v1 tab between addresses",
	    "PROXY TCP4 1.2.3.4\t5.6.7.8 1 2\r\n", 19),
	ERR("v1 bare LF", "PROXY TCP4 1.2.3.4 5.6.7.8 1 2\n", 31),
	ERR("v1 CR CR", "PROXY TCP4 1.2.3.4 5.6.7.8 1 2\r\r", 32),
	ERR("v1 trailing space", "PROXY TCP4 1.2.3.4 5.6.7.8 1 2 \r\n", 31),
	ERR("v1 missing dport", "PROXY TCP4 1.2.3.4 5.6.7.8 1\r\n", 29),
	ERR("v1 extra field", "PROXY TCP4 1.2.3.4 5.6.7.8 1 2 3\r\n", 31),
	ERR("v1 TCP4 with IPv6", "PROXY TCP4 ::1 ::1 1 2\r\n", 12),
	ERR("v1 TCP6 with IPv4", "PROXY TCP6 1.2.3.4 ::1 1 2\r\n", 19),
	ERR("v1 octet 256", "PROXY TCP4 256.1.1.1 5.6.7.8 1 2\r\n", 21),
	ERR("v1 octet leading zero", "PROXY TCP4 01.2.3.4 5.6.7.8 1 2\r\n",
	    20),
	ERR("v1 three octets", "PROXY TCP4 1.2.3 5.6.7.8 1 2\r\n", 17),
	ERR("v1 IPv4 too long", "PROXY TCP4 1.2.3.4.5.6.7.8.9 5.6.7.8 1 2\r\n",
	    27),
	ERR("v1 host name", "PROXY TCP4 localhost 5.6.7.8 1 2\r\n", 12),
	ERR("v1 bad dst", "PROXY TCP4 1.2.3.4 5.6.7 1 2\r\n", 25),
	ERR("v1 IPv6 triple colon", "PROXY TCP6 1:::2 ::1 1 2\r\n", 17),
	ERR("v1 IPv6 zone", "PROXY TCP6 fe80::1%eth0 ::1 1 2\r\n", 19),
	ERR("v1 port 65536", "PROXY TCP4 1.2.3.4 5.6.7.8 65536 2\r\n", 32),
	ERR("v1 port leading zero", "PROXY TCP4 1.2.3.4 5.6.7.8 080 2\r\n",
	    29),
	ERR("v1 port 00", "PROXY TCP4 1.2.3.4 5.6.7.8 1 00\r\n", 31),
	ERR("v1 port six digits", "PROXY TCP4 1.2.3.4 5.6.7.8 1 000001\r\n",
	    31),
	ERR("v1 port negative", "PROXY TCP4 1.2.3.4 5.6.7.8 -1 2\r\n", 28),
	ERR("v1 port hex", "PROXY TCP4 1.2.3.4 5.6.7.8 1 0x50\r\n", 31),
	ERR("v1 port empty", "PROXY TCP4 1.2.3.4 5.6.7.8  2\r\n", 28),
	ERR("v1 NUL", "PROXY TCP4 1.2.3.4\0 5.6.7.8 1 2\r\n", 19),

	/* version 2, section 2.2 */
	OK("v2 TCP4", V2("\x21", "\x11", "\x00", "\x0c") A4,
	    "127.0.0.7", 54321, "10.0.0.1", 443),
	OK("v2 TCP4 with TLVs",
	    V2("\x21", "\x11", "\x00", "\x22") A4 TLV_ALPN TLV_NOOP TLV_AUTH,
	    "127.0.0.7", 54321, "10.0.0.1", 443),
	OK("v2 TCP6", V2("\x21", "\x21", "\x00", "\x24") A6,
	    "2001:db8::7", 54321, "::1", 8443),
	OK("v2 TCP6 with TLVs",
	    V2("\x21", "\x21", "\x00", "\x2c") A6 TLV_ALPN TLV_NOOP,
	    "2001:db8::7", 54321, "::1", 8443),
	LOCAL("v2 LOCAL UNSPEC (health check)",
	    V2("\x20", "\x00", "\x00", "\x00")),
	LOCAL("v2 LOCAL TCP4, addresses ignored",
	    V2("\x20", "\x11", "\x00", "\x0c") A4),
	LOCAL("v2 LOCAL short TCP4 block ignored",
	    V2("\x20", "\x11", "\x00", "\x02") "\x01\x02"),
	LOCAL("v2 LOCAL UDP4 ignored", V2("\x20", "\x12", "\x00", "\x00")),
	LOCAL("v2 LOCAL junk TLVs ignored",
	    V2("\x20", "\x00", "\x00", "\x02") "\xff\xff"),
	LOCAL("v2 PROXY UNSPEC", V2("\x21", "\x00", "\x00", "\x00")),
	LOCAL("v2 PROXY UNSPEC with TLVs",
	    V2("\x21", "\x00", "\x00", "\x08") TLV_ALPN TLV_NOOP),
	ERR("v2 QUIX", "\r\n\r\n\0\r\nQUIX\n\x21\x11\x00\x0c" A4, 11),
	ERR("v2 version 1", V2("\x11", "\x11", "\x00", "\x0c") A4, 13),
	ERR("v2 version 3", V2("\x31", "\x11", "\x00", "\x0c") A4, 13),
	ERR("v2 version 0", V2("\x01", "\x00", "\x00", "\x00"), 13),
	ERR("v2 command 2", V2("\x22", "\x11", "\x00", "\x0c") A4, 13),
	ERR("v2 command 15", V2("\x2f", "\x11", "\x00", "\x0c") A4, 13),
	ERR("v2 family 0x13", V2("\x21", "\x13", "\x00", "\x0c") A4, 14),
	ERR("v2 family 0x41", V2("\x21", "\x41", "\x00", "\x0c") A4, 14),
	ERR("v2 family 0x01", V2("\x20", "\x01", "\x00", "\x00"), 14),
	ERR("v2 PROXY UDP4", V2("\x21", "\x12", "\x00", "\x0c") A4, 14),
	ERR("v2 PROXY UDP6", V2("\x21", "\x22", "\x00", "\x24") A6, 14),
	ERR("v2 TCP4 length 11", V2("\x21", "\x11", "\x00", "\x0b") A4, 16),
	ERR("v2 TCP4 length 0", V2("\x21", "\x11", "\x00", "\x00"), 16),
	ERR("v2 TCP6 length 12", V2("\x21", "\x21", "\x00", "\x0c") A4, 16),
	ERR("v2 TCP6 length 35", V2("\x21", "\x21", "\x00", "\x23") A6, 16),
	ERR("v2 UNIX length 215", V2("\x21", "\x31", "\x00", "\xd7"), 16),
	ERR("v2 length 1241", V2("\x21", "\x11", "\x04", "\xd9") A4, 16),
	ERR("v2 length 65535", V2("\x20", "\x00", "\xff", "\xff"), 16),
	ERR("v2 stray byte after addresses",
	    V2("\x21", "\x11", "\x00", "\x0d") A4 "\x04", 29),
	ERR("v2 TLV header cut",
	    V2("\x21", "\x11", "\x00", "\x0e") A4 "\x04\x00", 30),
	ERR("v2 TLV value overruns",
	    V2("\x21", "\x11", "\x00", "\x11") A4 "\x01\x00\x03" "h2", 33),
	ERR("v2 UNSPEC TLV overruns",
	    V2("\x21", "\x00", "\x00", "\x03") "\x01\x00\x01", 19),

	/* garbage: refused at the first byte that gives it away */
	ERR("HTTP request line", "GET / HTTP/1.1\r\nHost: h\r\n\r\n", 1),
	ERR("HTTP/2 preface", "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", 3),
	ERR("POST", "POST / HTTP/1.1\r\n", 2),
	ERR("PUT", "PUT / HTTP/1.1\r\n", 2),
	ERR("TLS ClientHello", "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03",
	    1),
	ERR("blank line, then GET", "\r\nGET / HTTP/1.1\r\n", 3),
	ERR("SSH banner", "SSH-2.0-OpenSSH_9.2\r\n", 1),
	ERR("NUL", "\0\0\0\0", 1),
	ERR("space first", " PROXY TCP4 1.2.3.4 5.6.7.8 1 2\r\n", 1),
};

static char	*guard;		/* first byte of the PROT_NONE page */

/* Copy in so that it ends right at the guard page. */
static const unsigned char *
at_guard(const void *in, size_t n)
{
	char	*b = guard - n;

	memcpy(b, in, n);
	return (const unsigned char *)b;
}

static enum proxy_result
run(const void *in, size_t n, struct proxy_hdr *h)
{
	return proxy_parse(at_guard(in, n), n, h);
}

static int
addr_is(const struct sockaddr_storage *ss, const char *want, int port)
{
	char		 buf[INET6_ADDRSTRLEN];
	const void	*a;
	int		 p;

	if (ss->ss_family == AF_INET) {
		a = &((const struct sockaddr_in *)ss)->sin_addr;
		p = ntohs(((const struct sockaddr_in *)ss)->sin_port);
	} else if (ss->ss_family == AF_INET6) {
		a = &((const struct sockaddr_in6 *)ss)->sin6_addr;
		p = ntohs(((const struct sockaddr_in6 *)ss)->sin6_port);
	} else
		return 0;
	if (inet_ntop(ss->ss_family, a, buf, sizeof(buf)) == NULL)
		return 0;
	if (strcmp(buf, want) != 0 || p != port) {
		tap_diag("  got %s port %d, want %s port %d", buf, p,
		    want, port);
		return 0;
	}
	return 1;
}

/*
 * Every prefix, shortest first: the first that is not AGAIN.  Returns
 * its length (n + 1 if none) and its result in *res; checks that every
 * longer prefix agrees.
 */
static size_t
first_answer(const struct pcase *c, int *res, int *monotone)
{
	struct proxy_hdr	 h;
	size_t			 k, at = c->n + 1;
	int			 r;

	*res = A;
	*monotone = 1;
	for (k = 0; k <= c->n; k++) {
		r = run(c->in, k, &h);
		if (at > c->n && r != A) {
			at = k;
			*res = r;
		} else if (at <= c->n && r != *res)
			*monotone = 0;
	}
	return at;
}

static void
run_case(const struct pcase *c)
{
	struct proxy_hdr	 h;
	char			 more[PROXY_MAX + 64];
	size_t			 at;
	int			 r, first, mono;

	r = run(c->in, c->n, &h);
	tap_is_int(r, c->res, "%s: result", c->name);
	at = first_answer(c, &first, &mono);
	tap_ok(mono, "%s: a longer prefix never changes the answer", c->name);
	if (c->res == E) {
		tap_ok(h.error != NULL && h.len == 0, "%s: reason \"%s\"",
		    c->name, h.error ? h.error : "(null)");
		if (c->err_at != 0)
			tap_is_int(at, c->err_at, "%s: refused after byte",
			    c->name);
		return;
	}
	tap_ok(at == c->n && first == D && h.len == c->n,
	    "%s: AGAIN at every split, DONE at the last byte", c->name);
	/* What follows the header is not read: the TLS or HTTP bytes. */
	memcpy(more, c->in, c->n);
	memcpy(more + c->n, "GET / HTTP/1.1\r\n", 16);
	r = run(more, c->n + 16, &h);
	tap_ok(r == D && h.len == c->n, "%s: stops at its end", c->name);
	if (c->local) {
		tap_ok(h.local, "%s: keep the peer's address", c->name);
		return;
	}
	tap_ok(!h.local && addr_is(&h.src, c->src, c->sport) &&
	    addr_is(&h.dst, c->dst, c->dport), "%s: src %s:%d dst %s:%d",
	    c->name, c->src, c->sport, c->dst, c->dport);
}

/* TCP4 with one TLV making len exactly lenfield. */
static size_t
v2_with_len(unsigned char *b, size_t lenfield)
{
	static const unsigned char hdr[] = SIG "\x21\x11";
	size_t	 tlv = lenfield - 12 - 3;

	memcpy(b, hdr, 14);
	b[14] = (unsigned char)(lenfield >> 8);
	b[15] = (unsigned char)lenfield;
	memcpy(b + 16, A4, 12);
	b[28] = 0xea;		/* PP2_TYPE_AWS */
	b[29] = (unsigned char)(tlv >> 8);
	b[30] = (unsigned char)tlv;
	memset(b + 31, 'v', tlv);
	return 16 + lenfield;
}

static void
test_limits(void)
{
	unsigned char		 b[PROXY_MAX + 2];
	struct proxy_hdr	 h;
	size_t			 n, k;
	int			 again = 1;

	n = v2_with_len(b, PROXY_V2_LEN_MAX);
	tap_is_int(n, PROXY_MAX, "PROXY_MAX is the longest v2 header");
	tap_is_int(run(b, n, &h), D, "v2 with len PROXY_V2_LEN_MAX: DONE");
	tap_is_int(h.len, PROXY_MAX, "v2 longest: consumes PROXY_MAX");
	for (k = 0; k < n; k++)
		if (run(b, k, &h) != A)
			again = 0;
	tap_ok(again, "v2 longest: AGAIN for every prefix");
	b[14] = (PROXY_V2_LEN_MAX + 1) >> 8;
	b[15] = (PROXY_V2_LEN_MAX + 1) & 0xff;
	tap_is_int(run(b, 16, &h), E, "v2 len PROXY_V2_LEN_MAX + 1: ERROR "
	    "from the fixed part");
	tap_ok(PROXY_V1_MAX < PROXY_MAX, "a PROXY_MAX buffer holds v1");
}

/* Deterministic random bytes (a 64-bit LCG, Knuth MMIX). */
static uint64_t	rnd_state = 13;

static unsigned char
rnd(void)
{
	rnd_state = rnd_state * 6364136223846793005ULL + 1442695040888963407ULL;
	return (unsigned char)(rnd_state >> 56);
}

static void
test_random(void)
{
	unsigned char		 b[128];
	struct proxy_hdr	 h;
	size_t			 i, j, done = 0, late = 0, n = 20000;

	for (i = 0; i < n; i++) {
		for (j = 0; j < sizeof(b); j++)
			b[j] = rnd();
		if (run(b, sizeof(b), &h) == D)
			done++;
		if (b[0] != 'P' && b[0] != '\r' && run(b, 1, &h) != E)
			late++;
	}
	tap_is_int(done, 0, "%zu random 128-byte inputs: none is a header", n);
	tap_is_int(late, 0, "random inputs: refused at the first byte");

	/* random bytes after each signature */
	for (i = late = 0; i < n; i++) {
		memcpy(b, i & 1 ? "PROXY " : SIG, i & 1 ? 6 : 12);
		for (j = i & 1 ? 6 : 12; j < sizeof(b); j++)
			b[j] = rnd();
		if (run(b, sizeof(b), &h) == A)
			late++;
	}
	tap_is_int(late, 0, "random bytes after a signature: decided "
	    "within 128 bytes");
}

static void
test_again(void)
{
	struct proxy_hdr	 h;

	tap_is_int(run("", 0, &h), A, "empty input: AGAIN");
	tap_is_int(run("P", 1, &h), A, "\"P\": AGAIN");
	tap_is_int(run("\r", 1, &h), A, "CR: AGAIN");
	tap_is_int(run("PROXY TCP4 1.2.3.4 5.6.7.8 1 2\r", 31, &h), A,
	    "v1 without LF: AGAIN");
	tap_is_int(run(SIG "\x21\x11\x00\x0c" "\x7f\x00", 18, &h), A,
	    "v2 cut in the addresses: AGAIN");
	tap_ok(h.error == NULL, "AGAIN leaves no reason");
	tap_is_int(run("PROXY TCP4 1.2.3.4 5.6.7.8 1 2\r\n", 32, &h), D,
	    "v1: DONE");
	tap_is_int(h.version, 1, "v1: version 1");
	tap_is_int(run(SIG "\x20\x00\x00\x00", 16, &h), D, "v2: DONE");
	tap_is_int(h.version, 2, "v2: version 2");
}

int
main(void)
{
	size_t	 i;
	long	 pg = sysconf(_SC_PAGESIZE);
	char	*m;

	m = mmap(NULL, pg * 2, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED || mprotect(m + pg, pg, PROT_NONE) == -1) {
		perror("mmap");
		return 1;
	}
	guard = m + pg;
	if ((size_t)pg < PROXY_MAX + 64) {
		fprintf(stderr, "page too small\n");
		return 1;
	}

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		run_case(&cases[i]);
	test_limits();
	test_again();
	test_random();
	return tap_done();
}
