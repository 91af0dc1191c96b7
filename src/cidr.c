/*
 * CIDR rules for client addresses.  Pure: libc only.
 */
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "cidr.h"

/* A client address in both forms it may be matched as. */
struct cidr_client {
	int		 has4;
	int		 has6;
	uint8_t		 a4[4];
	uint8_t		 a6[16];
};

static const uint8_t	cidr_mapped_prefix[12] = {
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff
};

static unsigned
cidr_bits(int family)
{
	return family == AF_INET ? 32 : 128;
}

/* Do the first prefix bits of a and b agree? */
static int
cidr_prefix_eq(const uint8_t *a, const uint8_t *b, unsigned prefix)
{
	unsigned	full = prefix / 8, rest = prefix % 8;
	uint8_t		mask;

	if (memcmp(a, b, full) != 0)
		return 0;
	if (rest == 0)
		return 1;
	mask = (uint8_t)(0xff << (8 - rest));
	return (a[full] & mask) == (b[full] & mask);
}

/* Are any bits below the prefix set? */
static int
cidr_host_bits(const uint8_t *a, unsigned prefix, unsigned bits)
{
	unsigned	i;

	for (i = prefix; i < bits; i++)
		if (a[i / 8] & (0x80 >> (i % 8)))
			return 1;
	return 0;
}

/* "/len": decimal, no sign, no leading zero; -1 when bad or > max. */
static int
cidr_parse_prefix(const char *p, unsigned max)
{
	unsigned	v = 0;
	const char	*s = p;

	if (*p == '\0' || (*p == '0' && p[1] != '\0'))
		return -1;
	for (; *p != '\0'; p++) {
		if (*p < '0' || *p > '9' || p - s >= 3)
			return -1;
		v = v * 10 + (unsigned)(*p - '0');
	}
	return v > max ? -1 : (int)v;
}

/* The address part, copied out of s; -1 when it is not an address. */
static int
cidr_parse_addr(const char *s, size_t len, struct cidr *r)
{
	char	buf[INET6_ADDRSTRLEN];

	if (len == 0 || len >= sizeof(buf))
		return -1;
	memcpy(buf, s, len);
	buf[len] = '\0';
	memset(r->addr, 0, sizeof(r->addr));
	if (inet_pton(AF_INET, buf, r->addr) == 1) {
		r->family = AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, buf, r->addr) == 1) {
		r->family = AF_INET6;
		return 0;
	}
	return -1;
}

int
cidr_parse(const char *s, struct cidr *r, char *errbuf, size_t errlen)
{
	const char	*slash = strchr(s, '/');
	size_t		 alen = slash ? (size_t)(slash - s) : strlen(s);
	unsigned	 bits;
	int		 p;

	if (cidr_parse_addr(s, alen, r) == -1) {
		snprintf(errbuf, errlen, "\"%.60s\": not an IPv4 or IPv6 "
		    "address", s);
		return -1;
	}
	bits = cidr_bits(r->family);
	r->prefix = bits;
	if (slash == NULL)
		return 0;
	if ((p = cidr_parse_prefix(slash + 1, bits)) == -1) {
		snprintf(errbuf, errlen, "\"%.60s\": prefix length must be "
		    "0 to %u", s, bits);
		return -1;
	}
	r->prefix = (unsigned)p;
	if (cidr_host_bits(r->addr, r->prefix, bits)) {
		snprintf(errbuf, errlen, "\"%.60s\": host bits set after "
		    "/%u (a network address, or /%u for one host)", s,
		    r->prefix, bits);
		return -1;
	}
	return 0;
}

static void
cidr_client_v4(struct cidr_client *c, const uint8_t *a4)
{
	c->has4 = c->has6 = 1;
	memcpy(c->a4, a4, 4);
	memcpy(c->a6, cidr_mapped_prefix, 12);
	memcpy(c->a6 + 12, a4, 4);
}

static void
cidr_client_v6(struct cidr_client *c, const uint8_t *a6)
{
	if (memcmp(a6, cidr_mapped_prefix, 12) == 0) {
		cidr_client_v4(c, a6 + 12);
		return;
	}
	c->has4 = 0;
	c->has6 = 1;
	memcpy(c->a6, a6, 16);
}

static int
cidr_match_client(const struct cidr *r, const struct cidr_client *c)
{
	if (r->family == AF_INET)
		return c->has4 && cidr_prefix_eq(r->addr, c->a4, r->prefix);
	if (r->family == AF_INET6)
		return c->has6 && cidr_prefix_eq(r->addr, c->a6, r->prefix);
	return 0;
}

/* -1 for a family we cannot match (AF_UNIX clients match no rule). */
static int
cidr_client_sa(struct cidr_client *c, const struct sockaddr *sa)
{
	struct sockaddr_in	 sin;
	struct sockaddr_in6	 sin6;

	/* Copied: the caller's sockaddr need not be aligned for these. */
	if (sa->sa_family == AF_INET) {
		memcpy(&sin, sa, sizeof(sin));
		cidr_client_v4(c, (const uint8_t *)&sin.sin_addr);
		return 0;
	}
	if (sa->sa_family == AF_INET6) {
		memcpy(&sin6, sa, sizeof(sin6));
		cidr_client_v6(c, sin6.sin6_addr.s6_addr);
		return 0;
	}
	return -1;
}

int
cidr_match(const struct cidr *r, const struct sockaddr *sa)
{
	struct cidr_client	c;

	if (cidr_client_sa(&c, sa) == -1)
		return 0;
	return cidr_match_client(r, &c);
}

int
cidr_match_any(const struct cidr *r, size_t n, const struct sockaddr *sa)
{
	struct cidr_client	c;
	size_t			i;

	if (cidr_client_sa(&c, sa) == -1)
		return 0;
	for (i = 0; i < n; i++)
		if (cidr_match_client(&r[i], &c))
			return 1;
	return 0;
}

int
cidr_match_str(const struct cidr *r, const char *addr)
{
	struct cidr_client	c;
	uint8_t			a[16];

	if (inet_pton(AF_INET, addr, a) == 1)
		cidr_client_v4(&c, a);
	else if (inet_pton(AF_INET6, addr, a) == 1)
		cidr_client_v6(&c, a);
	else
		return -1;
	return cidr_match_client(r, &c);
}

char *
cidr_format(const struct cidr *r, char *buf, size_t len)
{
	char	a[INET6_ADDRSTRLEN];

	if (inet_ntop(r->family, r->addr, a, sizeof(a)) == NULL)
		snprintf(a, sizeof(a), "?");
	snprintf(buf, len, "%s/%u", a, r->prefix);
	return buf;
}
