/*
 * The client address behind trusted proxies (Apache mod_remoteip,
 * remoteip_modify_request()).  Pure: libc only.  inet_pton() and
 * inet_ntop() are libc text conversions, not syscalls.
 */
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "remoteip.h"

/* Longest entry worth parsing: "[" IPv6 "]:" port. */
#define RIP_ENTRY_MAX	(INET6_ADDRSTRLEN + 8)

/* The list elements of vals, right to left (RFC 9110 section 5.6.1). */
struct rip_list {
	const struct span	*vals;
	size_t			 nvals;	/* values not yet finished */
	size_t			 end;	/* of the unread part of the last */
};

static int
rip_ows(int c)
{
	return c == ' ' || c == '\t';
}

/*
 * The next element to the left, OWS trimmed; empty ones are skipped.
 * Returns 0 when the list is used up.
 */
static int
rip_prev(struct rip_list *l, const char **p, size_t *n)
{
	const char	*s, *e;
	size_t		 start;

	while (l->nvals > 0) {
		if (l->end == 0) {
			if (--l->nvals > 0)
				l->end = l->vals[l->nvals - 1].len;
			continue;
		}
		s = l->vals[l->nvals - 1].p;
		for (start = l->end; start > 0 && s[start - 1] != ','; start--)
			;
		e = s + l->end;
		s += start;
		l->end = start > 0 ? start - 1 : 0;
		while (s < e && rip_ows((unsigned char)*s))
			s++;
		while (e > s && rip_ows((unsigned char)e[-1]))
			e--;
		if (e > s) {
			*p = s;
			*n = (size_t)(e - s);
			return 1;
		}
	}
	return 0;
}

/*
 * Copy sa into ss, making an IPv4-mapped IPv6 address (RFC 4291
 * section 2.5.5.2) plain AF_INET with the same port.  -1 if sa is not
 * an IP address.
 */
static int
rip_unmap(const struct sockaddr *sa, struct sockaddr_storage *ss)
{
	const struct sockaddr_in6	*s6 = (const void *)sa;
	struct sockaddr_in		*s4 = (void *)ss;

	memset(ss, 0, sizeof(*ss));
	if (sa->sa_family == AF_INET) {
		memcpy(ss, sa, sizeof(struct sockaddr_in));
		return 0;
	}
	if (sa->sa_family != AF_INET6)
		return -1;
	if (!IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr)) {
		memcpy(ss, sa, sizeof(struct sockaddr_in6));
		return 0;
	}
	s4->sin_family = AF_INET;
	s4->sin_port = s6->sin6_port;
	memcpy(&s4->sin_addr, &s6->sin6_addr.s6_addr[12], 4);
	return 0;
}

/* ":" 1*5DIGIT, at most 65535, in network order. */
static int
rip_port(const char *p, size_t n, uint16_t *port)
{
	uint32_t	v = 0;
	size_t		i;

	if (n < 2 || n > 6 || p[0] != ':')
		return -1;
	for (i = 1; i < n; i++) {
		if (p[i] < '0' || p[i] > '9')
			return -1;
		v = v * 10 + (uint32_t)(p[i] - '0');
	}
	if (v > 65535)
		return -1;
	*port = htons((uint16_t)v);
	return 0;
}

/* A numeric address of family af, p[0 .. n) exactly. */
static int
rip_pton(int af, const char *p, size_t n, void *dst)
{
	char	tmp[INET6_ADDRSTRLEN];

	if (n == 0 || n >= sizeof(tmp) || memchr(p, '\0', n) != NULL)
		return -1;
	memcpy(tmp, p, n);
	tmp[n] = '\0';
	return inet_pton(af, tmp, dst) == 1 ? 0 : -1;
}

int
remoteip_addr(const char *p, size_t len, struct sockaddr_storage *ss)
{
	struct sockaddr_storage	 raw;
	struct sockaddr_in	*s4 = (void *)&raw;
	struct sockaddr_in6	*s6 = (void *)&raw;
	const char		*rb, *colon;
	uint16_t		 port = 0;

	memset(&raw, 0, sizeof(raw));
	if (len == 0 || len > RIP_ENTRY_MAX)
		return -1;
	colon = memchr(p, ':', len);
	if (p[0] == '[') {
		/* "[" IPv6 "]" [ ":" port ] */
		if ((rb = memchr(p, ']', len)) == NULL ||
		    rip_pton(AF_INET6, p + 1, (size_t)(rb - p - 1),
		    &s6->sin6_addr) == -1 || (rb + 1 < p + len &&
		    rip_port(rb + 1, (size_t)(p + len - rb - 1), &port) == -1))
			return -1;
		s6->sin6_family = AF_INET6;
		s6->sin6_port = port;
	} else if (colon == NULL || (memchr(colon + 1, ':',
	    (size_t)(p + len - colon - 1)) == NULL && memchr(p, '.',
	    (size_t)(colon - p)) != NULL)) {
		/* IPv4 [ ":" port ]: one colon after a dotted quad */
		if (colon == NULL)
			colon = p + len;
		if (rip_pton(AF_INET, p, (size_t)(colon - p),
		    &s4->sin_addr) == -1 || (colon < p + len &&
		    rip_port(colon, (size_t)(p + len - colon), &port) == -1))
			return -1;
		s4->sin_family = AF_INET;
		s4->sin_port = port;
	} else {
		if (rip_pton(AF_INET6, p, len, &s6->sin6_addr) == -1)
			return -1;
		s6->sin6_family = AF_INET6;
	}
	return rip_unmap((struct sockaddr *)&raw, ss);
}

int
remoteip_format(const struct sockaddr *sa, char *buf, size_t len)
{
	struct sockaddr_storage	 ss;
	const void		*a;

	if (len > 0)
		buf[0] = '\0';
	if (rip_unmap(sa, &ss) == -1 || len > (size_t)INT32_MAX)
		return -1;
	if (ss.ss_family == AF_INET)
		a = &((struct sockaddr_in *)(void *)&ss)->sin_addr;
	else
		a = &((struct sockaddr_in6 *)(void *)&ss)->sin6_addr;
	if (inet_ntop(ss.ss_family, a, buf, (socklen_t)len) == NULL) {
		if (len > 0)
			buf[0] = '\0';
		return -1;
	}
	return (int)strlen(buf);
}

/*
 * mod_remoteip's loop: while the address at hand is trusted, step to
 * the next entry to the left; stop at the first untrusted one, at the
 * end of the list, or at an entry that is not an address.  Returns
 * whether cur was replaced.
 */
static int
rip_walk(struct sockaddr_storage *cur,
    int (*trusted)(const struct sockaddr *, void *), void *arg,
    const struct span *vals, size_t nvals)
{
	struct rip_list		 l;
	struct sockaddr_storage	 next;
	const char		*p;
	size_t			 n;
	int			 moved = 0;

	l.vals = vals;
	l.nvals = nvals;
	l.end = nvals > 0 ? vals[nvals - 1].len : 0;
	while (trusted((struct sockaddr *)cur, arg) &&
	    rip_prev(&l, &p, &n) &&
	    remoteip_addr(p, n, &next) == 0) {
		*cur = next;
		moved = 1;
	}
	return moved;
}

int
remoteip_client(const struct sockaddr *peer,
    int (*trusted)(const struct sockaddr *, void *), void *arg,
    const struct span *vals, size_t nvals, struct remoteip *out)
{
	memset(out, 0, sizeof(*out));
	if (rip_unmap(peer, &out->addr) == -1) {
		memset(&out->addr, 0, sizeof(out->addr));
		out->text[0] = '-';
		return -1;
	}
	out->from_header = rip_walk(&out->addr, trusted, arg, vals, nvals);
	/* cannot fail: an IP address always fits REMOTEIP_TEXT_MAX */
	(void)remoteip_format((struct sockaddr *)&out->addr, out->text,
	    sizeof(out->text));
	return out->from_header;
}

unsigned
remoteip_port(const struct sockaddr *sa)
{
	if (sa->sa_family == AF_INET6)
		return ntohs(((const struct sockaddr_in6 *)(const void *)sa)->
		    sin6_port);
	return ntohs(((const struct sockaddr_in *)(const void *)sa)->
	    sin_port);
}
