/*
 * The client behind trusted proxies, as Apache mod_remoteip decides it
 * from X-Forwarded-For.  Pure: libc only, no syscalls, no allocation.
 */
#ifndef HEARTH_REMOTEIP_H
#define HEARTH_REMOTEIP_H

#include <sys/socket.h>
#include <netinet/in.h>

#include <stddef.h>

#include "http_parse.h"		/* struct span */

/* Room for remoteip_format()'s longest output and its NUL. */
#define REMOTEIP_TEXT_MAX	INET6_ADDRSTRLEN

struct remoteip {
	struct sockaddr_storage	 addr;		/* the client */
	char			 text[REMOTEIP_TEXT_MAX]; /* %h: no port */
	int			 from_header;	/* 0: it is the peer itself */
};

/*
 * Who the client is.  peer is the TCP peer, or the PROXY header's
 * source.  vals[0 .. nvals) are the raw values of each forwarding header
 * line (X-Forwarded-For), in the order they came; they are one
 * comma-separated list (RFC 9110 section 5.3).  trusted(sa, arg) says
 * whether a proxy at sa is believed.
 *
 * As mod_remoteip's remoteip_modify_request(): if the peer is not
 * trusted, it is the client and the header is not read, so a client
 * that forges the header gains nothing.  Otherwise the list is walked
 * from the right: while the address at hand is trusted, the next entry
 * to its left takes its place.  The client is the first untrusted
 * entry, or the left-most one when all are trusted.  An entry that is
 * not an IP address ("unknown", a host name, a typo) stops the walk,
 * and the last address reached (trusted, or the peer) is the client:
 * nothing to the left of a bad entry can be believed.
 *
 * An entry is trimmed of OWS (SP, HTAB) and is one of
 *     192.0.2.1            198.51.100.7:4711
 *     2001:db8::1          [2001:db8::1]        [2001:db8::1]:4711
 * (RFC 7239 section 6 node forms; Azure Application Gateway appends
 * ports).  mod_remoteip takes only the bare forms; the port is kept in
 * addr, never in text.  A bare IPv6 entry never has a port:
 * "2001:db8::1:80" is that address.  Addresses are numeric (inet_pton:
 * IPv4 as a dotted quad without leading zeros, no IPv6 zone).  Empty list
 * elements ("a, , b") are skipped, as RFC 9110 section 5.6.1 asks,
 * where mod_remoteip stops at them.
 *
 * IPv4-mapped IPv6 addresses (::ffff:192.0.2.1, from the header or a
 * dual-stack peer) become AF_INET before trusted() sees them and in the
 * result, so one IPv4 trust list serves both (mod_remoteip does the
 * same for header entries).
 *
 * Returns 1 when the client came from the header, 0 when it is the
 * (possibly unmapped) peer, and -1 when the peer is neither AF_INET nor
 * AF_INET6; out is then zeroed and out->text is "-".
 */
int	 remoteip_client(const struct sockaddr *peer,
	    int (*trusted)(const struct sockaddr *, void *), void *arg,
	    const struct span *vals, size_t nvals, struct remoteip *out);

/*
 * One entry as above, already trimmed, into ss (port 0 when it has
 * none; IPv4-mapped made AF_INET).  Returns 0, or -1 if it is not one.
 */
int	 remoteip_addr(const char *p, size_t len, struct sockaddr_storage *ss);

/*
 * The address of sa as text, without a port, for %h and REMOTE_ADDR:
 * IPv4-mapped IPv6 is printed as plain IPv4 ("192.0.2.1", not
 * "::ffff:192.0.2.1").  Returns the length written (NUL-terminated), or
 * -1 if sa is not AF_INET/AF_INET6 or buf is too small (then buf, if
 * len > 0, holds "").  REMOTEIP_TEXT_MAX bytes always suffice.
 */
int	 remoteip_format(const struct sockaddr *sa, char *buf, size_t len);

/* The port of an IPv4 or IPv6 address, in host order. */
unsigned remoteip_port(const struct sockaddr *sa);

#endif
