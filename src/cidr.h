/*
 * Client network rules in CIDR notation, IPv4 and IPv6.  Pure: libc
 * only (inet_pton, no lookups).
 *
 * An IPv4 client that reaches a dual-stack socket shows up as an
 * IPv4-mapped IPv6 address (::ffff:a.b.c.d, RFC 4291 section 2.5.5.2).
 * It is matched as the IPv4 address it is, and as that IPv6 address, so
 * "127.0.0.1/32" and "::ffff:127.0.0.0/104" both match it, and so does
 * "::/0".
 */
#ifndef HEARTH_CIDR_H
#define HEARTH_CIDR_H

#include <sys/socket.h>

#include <stddef.h>
#include <stdint.h>

/* Longest rule text: an IPv6 address with embedded IPv4, "/128", NUL. */
#define CIDR_STR_MAX	(46 + 4 + 1)

struct cidr {
	int		 family;	/* AF_INET or AF_INET6 */
	unsigned	 prefix;	/* 0..32 or 0..128 */
	uint8_t		 addr[16];	/* network, in network byte order */
};

/*
 * Parse "10.0.0.0/8", "::1/128", or a bare address (a host: /32 or
 * /128).  The prefix is decimal without sign or leading zeros.  Host
 * bits set below the prefix ("10.0.0.1/8") are refused rather than
 * masked: in an access list that is more often a typo for /32 than a
 * shorthand, and guessing wrong opens the door to a whole network.
 * Returns 0, or -1 with a message naming the input in errbuf.
 */
int	 cidr_parse(const char *s, struct cidr *r, char *errbuf,
	    size_t errlen);

/* Does the client address sa (AF_INET or AF_INET6) fall in r?  1 or 0. */
int	 cidr_match(const struct cidr *r, const struct sockaddr *sa);

/* The same for a textual address; -1 if addr is not one. */
int	 cidr_match_str(const struct cidr *r, const char *addr);

/* Does sa fall in any of the n rules?  1 or 0. */
int	 cidr_match_any(const struct cidr *r, size_t n,
	    const struct sockaddr *sa);

/* Rule as text, "10.0.0.0/8"; buf holds CIDR_STR_MAX.  Returns buf. */
char	*cidr_format(const struct cidr *r, char *buf, size_t len);

#endif
