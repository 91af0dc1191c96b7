/*
 * Unit tests for src/remoteip.c.
 *
 * The trusted proxies are 10.0.0.0/8, 127.0.0.1 and 2001:db8:ffff::/48;
 * 203.0.113.9 plays an untrusted client that connects directly and
 * forges the header, 198.51.100.7 the real client behind the proxies.
 * Every header value is read from a copy that ends at a PROT_NONE page,
 * so reading past a value crashes.
 */
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "remoteip.h"
#include "tap.h"

#define MAXV	3

struct rcase {
	const char	*name;
	const char	*peer;
	const char	*vals[MAXV];	/* header lines, NULL-terminated */
	const char	*want;		/* text */
	int		 ret;
	int		 port;		/* of the result, host order */
};

#define TP	"10.0.0.2"		/* a trusted proxy */
#define C	"198.51.100.7"		/* the client */
#define F	"203.0.113.9"		/* an untrusted peer */
#define H(...)	{ __VA_ARGS__ }

static const struct rcase cases[] = {
	{ "untrusted peer, no header", F, H(NULL), F, 0, 1234 },
	{ "untrusted peer: forged header ignored", F, H("6.6.6.6"), F, 0,
	    1234 },
	{ "untrusted peer: forged trusted address ignored", F,
	    H("10.0.0.1"), F, 0, 1234 },
	{ "untrusted peer: forged chain ignored", F,
	    H("6.6.6.6, " C ", 10.0.0.3"), F, 0, 1234 },
	{ "trusted peer, no header", TP, H(NULL), TP, 0, 1234 },
	{ "trusted peer, empty header", TP, H(""), TP, 0, 1234 },
	{ "trusted peer, blank header", TP, H(" \t "), TP, 0, 1234 },
	{ "trusted peer, only commas", TP, H(" , ,,"), TP, 0, 1234 },
	{ "trusted peer, one client", TP, H(C), C, 1, 0 },
	{ "chain of trusted proxies", TP, H(C ", 10.0.0.3, 127.0.0.1"),
	    C, 1, 0 },
	{ "forged left-most entry ignored", TP,
	    H("6.6.6.6, " C ", 10.0.0.3"), C, 1, 0 },
	{ "forged trusted left-most entry ignored", TP,
	    H("10.9.9.9, " C), C, 1, 0 },
	{ "all trusted: the left-most", TP, H("10.0.0.5, 10.0.0.6"),
	    "10.0.0.5", 1, 0 },
	{ "garbage stops the walk at the last good", TP,
	    H(C ", garbage, 10.0.0.3"), "10.0.0.3", 1, 0 },
	{ "garbage right-most: the peer", TP, H(C ", unknown"), TP, 0, 1234 },
	{ "garbage left of the client is never read", TP,
	    H("garbage, " C), C, 1, 0 },
	{ "host name is not an address", TP, H("example.com"), TP, 0, 1234 },
	{ "leading zero is not an address", TP, H("010.0.0.1"), TP, 0, 1234 },
	{ "IPv4 with a space inside", TP, H("1.2.3.4 5.6.7.8"), TP, 0, 1234 },
	{ "IPv4 in brackets", TP, H("[" C "]"), TP, 0, 1234 },
	{ "IPv4 port too big", TP, H(C ":65536"), TP, 0, 1234 },
	{ "IPv4 empty port", TP, H(C ":"), TP, 0, 1234 },
	{ "IPv6 zone", TP, H("fe80::1%eth0"), TP, 0, 1234 },
	{ "OWS trimmed", TP, H(" \t" C "\t,\t10.0.0.3  "), C, 1, 0 },
	{ "empty elements skipped", TP, H(C ",, ,10.0.0.3, ,"), C, 1, 0 },
	{ "IPv4 with port", TP, H(C ":4711"), C, 1, 4711 },
	{ "IPv6 client", TP, H("2001:db8::77"), "2001:db8::77", 1, 0 },
	{ "IPv6 in brackets", TP, H("[2001:db8::77]"), "2001:db8::77", 1, 0 },
	{ "IPv6 in brackets with port", TP, H("[2001:db8::77]:4711"),
	    "2001:db8::77", 1, 4711 },
	{ "bare IPv6 has no port", TP, H("2001:db8::1:80"), "2001:db8::1:80",
	    1, 0 },
	{ "IPv6 unclosed bracket", TP, H("[2001:db8::77"), TP, 0, 1234 },
	{ "IPv6 bracket junk", TP, H("[2001:db8::77]x"), TP, 0, 1234 },
	{ "IPv6 trusted peer", "2001:db8:ffff::1",
	    H("2001:db8::77, 2001:db8:ffff::2"), "2001:db8::77", 1, 0 },
	{ "IPv6 peer, IPv4 client", "2001:db8:ffff::1", H(C), C, 1, 0 },
	{ "mapped entry printed as IPv4", TP, H("::ffff:" C), C, 1, 0 },
	{ "mapped trusted entry is trusted", TP,
	    H(C ", ::ffff:10.0.0.3"), C, 1, 0 },
	{ "mapped trusted peer", "::ffff:" TP, H(C), C, 1, 0 },
	{ "mapped untrusted peer printed as IPv4", "::ffff:" F, H(C), F, 0,
	    1234 },
	{ "multiple lines: one list", TP,
	    H("6.6.6.6", C ", 10.0.0.3", "10.0.0.4"), C, 1, 0 },
	{ "multiple lines: client alone on the first", TP,
	    H(C, "10.0.0.3"), C, 1, 0 },
	{ "multiple lines: empty last line", TP, H(C, ""), C, 1, 0 },
	{ "multiple lines: garbage line stops", TP,
	    H(C, "bogus", "10.0.0.3"), "10.0.0.3", 1, 0 },
	{ "overlong entry", TP,
	    H("[ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255]:655350"),
	    TP, 0, 1234 },
};

static char	*guard;
static int	 ncalls;

/* 10.0.0.0/8, 127.0.0.1, 2001:db8:ffff::/48; counts its calls. */
static int
trusted(const struct sockaddr *sa, void *arg)
{
	static const unsigned char net6[6] = {
		0x20, 0x01, 0x0d, 0xb8, 0xff, 0xff
	};
	const unsigned char	*a;

	ncalls++;
	if (sa->sa_family == AF_INET) {
		a = (const void *)&((const struct sockaddr_in *)
		    (const void *)sa)->sin_addr;
		return a[0] == 10 || (a[0] == 127 && a[1] == 0 &&
		    a[2] == 0 && a[3] == 1);
	}
	if (sa->sa_family != AF_INET6)
		return -1000;	/* the tests look for this */
	a = ((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr.s6_addr;
	return memcmp(a, net6, sizeof(net6)) == 0;
}

static void
mkaddr(const char *s, int port, struct sockaddr_storage *ss)
{
	struct sockaddr_in	*s4 = (void *)ss;
	struct sockaddr_in6	*s6 = (void *)ss;

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, s, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons(port);
	} else if (inet_pton(AF_INET6, s, &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(port);
	} else
		abort();
}

static int
port_of(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET)
		return ntohs(((const struct sockaddr_in *)
		    (const void *)ss)->sin_port);
	return ntohs(((const struct sockaddr_in6 *)
	    (const void *)ss)->sin6_port);
}

/* Lay the values out one after the other, the last against the guard. */
static size_t
put_vals(const struct rcase *c, struct span *sp)
{
	size_t	 n = 0, i, len;
	char	*b;

	while (n < MAXV && c->vals[n] != NULL)
		n++;
	b = guard;
	for (i = n; i-- > 0; ) {
		len = strlen(c->vals[i]);
		b -= len;
		memcpy(b, c->vals[i], len);
		sp[i].p = b;
		sp[i].len = len;
		b -= 16;	/* a gap, so a value cannot run into the next */
		memset(b, 'X', 16);
	}
	return n;
}

static void
run_case(const struct rcase *c)
{
	struct sockaddr_storage	 peer;
	struct span		 sp[MAXV];
	struct remoteip		 out;
	size_t			 n;
	int			 r;

	mkaddr(c->peer, 1234, &peer);
	n = put_vals(c, sp);
	r = remoteip_client((struct sockaddr *)&peer, trusted, NULL, sp, n,
	    &out);
	tap_ok(r == c->ret && out.from_header == c->ret &&
	    strcmp(out.text, c->want) == 0 && port_of(&out.addr) == c->port,
	    "%s: %s", c->name, c->want);
	if (r != c->ret || strcmp(out.text, c->want) != 0 ||
	    port_of(&out.addr) != c->port)
		tap_diag("  got %d \"%s\" port %d", r, out.text,
		    port_of(&out.addr));
}

static void
test_format(void)
{
	struct sockaddr_storage	 ss;
	struct sockaddr_un	 un;
	char			 buf[REMOTEIP_TEXT_MAX];

	mkaddr("192.0.2.1", 80, &ss);
	tap_is_int(remoteip_format((struct sockaddr *)&ss, buf, sizeof(buf)),
	    9, "format IPv4: length");
	tap_is_str(buf, "192.0.2.1", "format IPv4: no port");
	mkaddr("2001:db8::1", 80, &ss);
	remoteip_format((struct sockaddr *)&ss, buf, sizeof(buf));
	tap_is_str(buf, "2001:db8::1", "format IPv6");
	mkaddr("::ffff:192.0.2.1", 80, &ss);
	remoteip_format((struct sockaddr *)&ss, buf, sizeof(buf));
	tap_is_str(buf, "192.0.2.1", "format IPv4-mapped as IPv4");
	mkaddr("::192.0.2.1", 80, &ss);
	remoteip_format((struct sockaddr *)&ss, buf, sizeof(buf));
	tap_is_str(buf, "::192.0.2.1", "format IPv4-compatible stays IPv6");
	mkaddr("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 0, &ss);
	tap_is_int(remoteip_format((struct sockaddr *)&ss, buf, sizeof(buf)),
	    39, "format longest IPv6 fits REMOTEIP_TEXT_MAX");
	mkaddr("192.0.2.1", 80, &ss);
	tap_is_int(remoteip_format((struct sockaddr *)&ss, buf, 9), -1,
	    "format into a short buffer: -1");
	tap_is_str(buf, "", "format into a short buffer: empty");
	tap_is_int(remoteip_format((struct sockaddr *)&ss, buf, 10), 9,
	    "format into an exact buffer");
	memset(&un, 0, sizeof(un));
	un.sun_family = AF_UNIX;
	tap_is_int(remoteip_format((struct sockaddr *)&un, buf, sizeof(buf)),
	    -1, "format AF_UNIX: -1");
}

static void
test_misc(void)
{
	struct sockaddr_storage	 ss;
	struct sockaddr		 un;
	struct remoteip		 out;
	struct span		 sp = { C, sizeof(C) - 1 };

	memset(&un, 0, sizeof(un));
	un.sa_family = AF_UNIX;
	ncalls = 0;
	tap_is_int(remoteip_client(&un, trusted, NULL, &sp, 1, &out), -1,
	    "AF_UNIX peer: -1");
	tap_ok(strcmp(out.text, "-") == 0 && ncalls == 0,
	    "AF_UNIX peer: text \"-\", trust not asked");
	mkaddr(F, 1, &ss);
	ncalls = 0;
	remoteip_client((struct sockaddr *)&ss, trusted, NULL, &sp, 1, &out);
	tap_is_int(ncalls, 1, "untrusted peer: trust asked once");
	mkaddr(TP, 1, &ss);
	ncalls = 0;
	remoteip_client((struct sockaddr *)&ss, trusted, NULL, NULL, 0, &out);
	tap_ok(ncalls == 1 && strcmp(out.text, TP) == 0,
	    "no header lines at all: the peer");
	tap_is_int(remoteip_addr("::ffff:1.2.3.4", 14, &ss), 0,
	    "remoteip_addr: mapped");
	tap_is_int(ss.ss_family, AF_INET, "remoteip_addr: mapped is AF_INET");
	tap_is_int(remoteip_addr("1.2.3.4", 0, &ss), -1,
	    "remoteip_addr: empty");
	tap_is_int(remoteip_addr(" 1.2.3.4", 8, &ss), -1,
	    "remoteip_addr: untrimmed");
	tap_is_int(remoteip_addr("1.2.3.4:0", 9, &ss), 0,
	    "remoteip_addr: port 0");
	tap_is_int(remoteip_addr("1.2.3.4:1:2", 11, &ss), -1,
	    "remoteip_addr: two colons after IPv4");
	tap_is_int(remoteip_addr("1.2.3.4\0", 8, &ss), -1,
	    "remoteip_addr: NUL inside");
	sp.p = guard - 9;
	sp.len = 9;
	memcpy(guard - 9, C "\0", 9);
	mkaddr(TP, 1, &ss);
	remoteip_client((struct sockaddr *)&ss, trusted, NULL, &sp, 1, &out);
	tap_is_str(out.text, TP, "NUL inside an entry stops the walk");
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
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		run_case(&cases[i]);
	test_format();
	test_misc();
	return tap_done();
}
