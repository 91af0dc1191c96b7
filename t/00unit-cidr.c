/*
 * Unit tests for src/cidr.c: IPv4, IPv6, IPv4-mapped clients, prefix
 * edges and bad rules.
 */
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <stdio.h>
#include <string.h>
#include <sys/un.h>

#include "cidr.h"
#include "tap.h"

/* rule against addr: 1, 0, or -1 (bad address); -2 for a bad rule. */
static int
match(const char *rule, const char *addr)
{
	struct cidr	r;
	char		err[128];

	if (cidr_parse(rule, &r, err, sizeof(err)) == -1)
		return -2;
	return cidr_match_str(&r, addr);
}

static void
is_match(const char *rule, const char *addr, int want)
{
	tap_is_int(match(rule, addr), want, "%s %s %s", rule,
	    want == 1 ? "matches" : "does not match", addr);
}

/* A bad rule and a word its message must contain. */
static void
is_bad(const char *rule, const char *needle)
{
	struct cidr	r;
	char		err[128] = "";
	int		rc = cidr_parse(rule, &r, err, sizeof(err));

	if (!tap_ok(rc == -1 && strstr(err, needle) != NULL,
	    "\"%s\" refused: %s", rule, err))
		tap_diag("  want message with \"%s\"", needle);
}

static void
test_v4(void)
{
	is_match("10.0.0.0/8", "10.1.2.3", 1);
	is_match("10.0.0.0/8", "11.0.0.0", 0);
	is_match("10.0.0.0/8", "9.255.255.255", 0);
	is_match("192.168.1.0/24", "192.168.1.255", 1);
	is_match("192.168.1.0/24", "192.168.2.0", 0);
	is_match("172.16.0.0/12", "172.31.255.255", 1);
	is_match("172.16.0.0/12", "172.32.0.0", 0);
	is_match("127.0.0.1", "127.0.0.1", 1);
	is_match("127.0.0.1", "127.0.0.2", 0);
	is_match("127.0.0.1/32", "127.0.0.1", 1);
	is_match("0.0.0.0/0", "203.0.113.9", 1);
	is_match("0.0.0.0/0", "2001:db8::1", 0);
	is_match("128.0.0.0/1", "127.255.255.255", 0);
	is_match("128.0.0.0/1", "128.0.0.0", 1);
	is_match("255.255.255.254/31", "255.255.255.255", 1);
	is_match("10.0.0.0/8", "not-an-address", -1);
}

static void
test_v6(void)
{
	is_match("::1/128", "::1", 1);
	is_match("::1/128", "::2", 0);
	is_match("::1", "::1", 1);
	is_match("2001:db8::/32", "2001:db8:ffff::1", 1);
	is_match("2001:db8::/32", "2001:db9::1", 0);
	is_match("2001:db8:a::/47", "2001:db8:b::1", 1);
	is_match("2001:db8:a::/48", "2001:db8:b::1", 0);
	is_match("fe80::/10", "febf::1", 1);
	is_match("fe80::/10", "fec0::1", 0);
	is_match("::/0", "2001:db8::1", 1);
	is_match("::1/128", "127.0.0.1", 0);
	is_match("2001:db8::1/128", "2001:DB8:0:0:0:0:0:1", 1);
}

static void
test_mapped(void)
{
	is_match("127.0.0.0/8", "::ffff:127.0.0.1", 1);
	is_match("127.0.0.1/32", "::ffff:127.0.0.1", 1);
	is_match("10.0.0.0/8", "::ffff:11.0.0.1", 0);
	is_match("::ffff:10.0.0.0/104", "10.9.9.9", 1);
	is_match("::ffff:10.0.0.0/104", "::ffff:10.9.9.9", 1);
	is_match("::ffff:10.0.0.0/104", "11.9.9.9", 0);
	is_match("::/0", "192.0.2.1", 1);
	is_match("0.0.0.0/0", "::ffff:192.0.2.1", 1);
	/* Not mapped: IPv4-compatible (deprecated) and NAT64 stay IPv6. */
	is_match("127.0.0.0/8", "::127.0.0.1", 0);
	is_match("192.0.2.0/24", "64:ff9b::192.0.2.1", 0);
}

static void
test_sockaddr(void)
{
	struct cidr		r[2];
	struct sockaddr_in	sin;
	struct sockaddr_in6	sin6;
	struct sockaddr_un	sun;
	char			err[128];

	cidr_parse("127.0.0.1/32", &r[0], err, sizeof(err));
	cidr_parse("::1/128", &r[1], err, sizeof(err));
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	inet_pton(AF_INET, "127.0.0.1", &sin.sin_addr);
	tap_ok(cidr_match(&r[0], (struct sockaddr *)&sin) == 1,
	    "sockaddr_in 127.0.0.1");
	tap_ok(cidr_match(&r[1], (struct sockaddr *)&sin) == 0,
	    "sockaddr_in not ::1");
	memset(&sin6, 0, sizeof(sin6));
	sin6.sin6_family = AF_INET6;
	inet_pton(AF_INET6, "::ffff:127.0.0.1", &sin6.sin6_addr);
	tap_ok(cidr_match(&r[0], (struct sockaddr *)&sin6) == 1,
	    "sockaddr_in6 ::ffff:127.0.0.1 matches 127.0.0.1/32");
	inet_pton(AF_INET6, "::1", &sin6.sin6_addr);
	tap_ok(cidr_match_any(r, 2, (struct sockaddr *)&sin6) == 1,
	    "::1 matches the loopback list");
	inet_pton(AF_INET6, "2001:db8::1", &sin6.sin6_addr);
	tap_ok(cidr_match_any(r, 2, (struct sockaddr *)&sin6) == 0,
	    "2001:db8::1 does not");
	tap_ok(cidr_match_any(r, 0, (struct sockaddr *)&sin6) == 0,
	    "an empty list matches nothing");
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	tap_ok(cidr_match_any(r, 2, (struct sockaddr *)&sun) == 0,
	    "AF_UNIX matches no rule");
}

static void
test_bad(void)
{
	is_bad("", "not an IPv4 or IPv6 address");
	is_bad("garbage", "not an IPv4 or IPv6 address");
	is_bad("10.0.0.0/", "prefix length must be 0 to 32");
	is_bad("10.0.0.0/33", "0 to 32");
	is_bad("10.0.0.0/-1", "0 to 32");
	is_bad("10.0.0.0/+8", "0 to 32");
	is_bad("10.0.0.0/08", "0 to 32");
	is_bad("10.0.0.0/8x", "0 to 32");
	is_bad("10.0.0.0/8/8", "0 to 32");
	is_bad("10.0.0.0/ 8", "0 to 32");
	is_bad("10.0.0.0/0008", "0 to 32");
	is_bad("::/129", "0 to 128");
	is_bad("::1/1280", "0 to 128");
	is_bad("10.0.0.1/8", "host bits set");
	is_bad("2001:db8::1/32", "host bits set");
	is_bad("256.0.0.0/8", "not an IPv4");
	is_bad("10.0.0/8", "not an IPv4");
	is_bad(" 10.0.0.0/8", "not an IPv4");
	is_bad("10.0.0.0 /8", "not an IPv4");
	is_bad("fe80::1%eth0", "not an IPv4");
	is_bad("/8", "not an IPv4");
	is_bad("1:2:3:4:5:6:7:8:9/64", "not an IPv4");
	is_bad("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    "aaaaaaaaaaaaaaaaaa", "not an IPv4");
}

static void
test_edges(void)
{
	struct cidr	r;
	char		err[128], buf[CIDR_STR_MAX];

	tap_ok(cidr_parse("10.0.0.0/0", &r, err, sizeof(err)) == -1,
	    "10.0.0.0/0 has host bits set");
	tap_ok(cidr_parse("0.0.0.0/0", &r, err, sizeof(err)) == 0 &&
	    r.prefix == 0 && r.family == AF_INET, "0.0.0.0/0 parses");
	tap_ok(cidr_parse("::/0", &r, err, sizeof(err)) == 0 &&
	    r.prefix == 0 && r.family == AF_INET6, "::/0 parses");
	tap_ok(cidr_parse("1.2.3.4", &r, err, sizeof(err)) == 0 &&
	    r.prefix == 32, "a bare IPv4 address is /32");
	tap_ok(cidr_parse("::1", &r, err, sizeof(err)) == 0 &&
	    r.prefix == 128, "a bare IPv6 address is /128");
	cidr_parse("2001:db8::/32", &r, err, sizeof(err));
	tap_is_str(cidr_format(&r, buf, sizeof(buf)), "2001:db8::/32",
	    "format IPv6");
	cidr_parse("10.0.0.0/8", &r, err, sizeof(err));
	tap_is_str(cidr_format(&r, buf, sizeof(buf)), "10.0.0.0/8",
	    "format IPv4");
	cidr_parse("ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255/128", &r,
	    err, sizeof(err));
	tap_is_str(cidr_format(&r, buf, sizeof(buf)),
	    "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128",
	    "longest rule fits CIDR_STR_MAX");
	is_match("ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe/127",
	    "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 1);
}

int
main(void)
{
	test_v4();
	test_v6();
	test_mapped();
	test_sockaddr();
	test_bad();
	test_edges();
	return tap_done();
}
