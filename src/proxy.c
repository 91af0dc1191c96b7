/*
 * HAProxy PROXY protocol header parser (haproxy doc/proxy-protocol.txt).
 * Pure: libc only.  inet_pton() is a libc text parser, not a syscall.
 *
 * The parser decides as early as it can.  Each version 1 field is
 * checked when its terminator arrives, and the field still arriving
 * must be a possible prefix of a valid one (its characters and length),
 * so "PROXY TCP4 10.0.0.x" is refused at the "x".  Version 2 is refused
 * at the first signature byte that differs, and its version, command,
 * family and length are each judged as soon as their byte arrives.
 */
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "proxy.h"

#define V1_SIG		"PROXY "
#define V1_SIG_LEN	(sizeof(V1_SIG) - 1)
#define V1_ADDR4_MAX	15	/* "255.255.255.255" */
#define V1_ADDR6_MAX	45	/* INET6_ADDRSTRLEN - 1, with embedded IPv4 */
#define V1_PORT_MAX	5	/* "65535" */

/* Section 2.2: "\x0D\x0A\x0D\x0A\x00\x0D\x0A\x51\x55\x49\x54\x0A" */
static const unsigned char v2_sig[12] = {
	0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a
};

#define V2_CMD_LOCAL	0x0
#define V2_CMD_PROXY	0x1

static enum proxy_result
proxy_fail(struct proxy_hdr *out, const char *why)
{
	out->error = why;
	return PROXY_ERROR;
}

static size_t
proxy_min(size_t a, size_t b)
{
	return a < b ? a : b;
}

/* ------------------------------------------------------------ version 1 */

/* A field runs to the next SP, CR or LF, or to lim (then it is partial). */
static size_t
v1_field(const unsigned char *buf, size_t pos, size_t lim)
{
	while (pos < lim && buf[pos] != ' ' && buf[pos] != '\r' &&
	    buf[pos] != '\n')
		pos++;
	return pos;
}

/* Could s[0 .. n) begin the literal lit (or be all of it, when whole)? */
static int
v1_lit(const unsigned char *s, size_t n, const char *lit, int whole)
{
	size_t	ll = strlen(lit);

	if (n > ll || (whole && n != ll))
		return 0;
	return memcmp(s, lit, n) == 0;
}

/*
 * An address of the family: whole, it must convert with inet_pton();
 * partial, its characters and length must allow it to.
 */
static int
v1_addr(const unsigned char *s, size_t n, int af, int whole, void *dst)
{
	char	 tmp[V1_ADDR6_MAX + 1];
	size_t	 i, max = af == AF_INET ? V1_ADDR4_MAX : V1_ADDR6_MAX;
	int	 c;

	if (n > max)
		return 0;
	for (i = 0; i < n; i++) {
		c = s[i];
		if (!(c >= '0' && c <= '9') && c != '.' && (af == AF_INET ||
		    (c != ':' && !(c >= 'a' && c <= 'f') &&
		    !(c >= 'A' && c <= 'F'))))
			return 0;
	}
	if (!whole)
		return 1;
	memcpy(tmp, s, n);
	tmp[n] = '\0';
	return inet_pton(af, tmp, dst) == 1;
}

/* A port: 0-65535, decimal, no leading zero but in "0" itself. */
static int
v1_port(const unsigned char *s, size_t n, int whole, uint16_t *port)
{
	uint32_t	v = 0;
	size_t		i;

	if (n > V1_PORT_MAX || (whole && n == 0) || (n > 1 && s[0] == '0'))
		return 0;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return 0;
		v = v * 10 + (uint32_t)(s[i] - '0');
	}
	if (v > 65535)
		return 0;
	*port = (uint16_t)v;
	return 1;
}

/*
 * The line ends at pos with CRLF.  AGAIN while it may still come within
 * PROXY_V1_MAX bytes.
 */
static enum proxy_result
v1_crlf(const unsigned char *buf, size_t len, size_t pos,
    struct proxy_hdr *out)
{
	if (pos + 2 > PROXY_V1_MAX)
		return proxy_fail(out, "PROXY v1 line longer than 107 bytes");
	if (pos < len && buf[pos] != '\r')
		return proxy_fail(out, "PROXY v1 line not ended by CRLF");
	if (pos + 1 >= len)
		return PROXY_AGAIN;
	if (buf[pos + 1] != '\n')
		return proxy_fail(out, "PROXY v1 CR not followed by LF");
	out->len = pos + 2;
	return PROXY_DONE;
}

/* "PROXY UNKNOWN" then CRLF, or SP and bytes to ignore up to CRLF. */
static enum proxy_result
v1_unknown(const unsigned char *buf, size_t len, size_t pos,
    struct proxy_hdr *out)
{
	size_t	lim = proxy_min(len, PROXY_V1_MAX);

	out->local = 1;
	if (buf[pos] == ' ') {
		for (pos++; pos < lim && buf[pos] != '\r'; pos++)
			if (buf[pos] == '\n')
				return proxy_fail(out,
				    "PROXY v1 bare LF in UNKNOWN line");
		if (pos == lim && lim < len)
			return proxy_fail(out,
			    "PROXY v1 line longer than 107 bytes");
	}
	return v1_crlf(buf, len, pos, out);
}

/* Where the address of the family goes in ss. */
static void *
v1_inaddr(struct sockaddr_storage *ss, int af)
{
	if (af == AF_INET)
		return &((struct sockaddr_in *)(void *)ss)->sin_addr;
	return &((struct sockaddr_in6 *)(void *)ss)->sin6_addr;
}

/* Family and port (host order) of an address already stored in ss. */
static void
v1_finish(struct sockaddr_storage *ss, int af, uint16_t port)
{
	if (af == AF_INET) {
		((struct sockaddr_in *)(void *)ss)->sin_port = htons(port);
		ss->ss_family = AF_INET;
	} else {
		((struct sockaddr_in6 *)(void *)ss)->sin6_port = htons(port);
		ss->ss_family = AF_INET6;
	}
}

/*
 * The four fields after TCP4/TCP6: src, dst, sport, dport.  Each but the
 * last ends with SP; the last is followed by CRLF.
 */
static enum proxy_result
v1_tcp(const unsigned char *buf, size_t len, size_t pos, int af,
    struct proxy_hdr *out)
{
	static const char *const why[4] = {
		"PROXY v1 bad source address",
		"PROXY v1 bad destination address",
		"PROXY v1 bad source port",
		"PROXY v1 bad destination port",
	};
	size_t		 lim = proxy_min(len, PROXY_V1_MAX), end, n;
	uint16_t	 port[2];
	int		 f, whole, ok;

	for (f = 0; ; f++, pos = end + 1) {
		end = v1_field(buf, pos, lim);
		whole = end < lim;
		n = end - pos;
		if (f < 2)
			ok = v1_addr(buf + pos, n, af, whole,
			    v1_inaddr(f ? &out->dst : &out->src, af));
		else
			ok = v1_port(buf + pos, n, whole, &port[f - 2]);
		if (!ok)
			return proxy_fail(out, why[f]);
		/* at least CRLF must still fit */
		if (!whole && end + 2 > PROXY_V1_MAX)
			return proxy_fail(out,
			    "PROXY v1 line longer than 107 bytes");
		if (!whole)
			return PROXY_AGAIN;
		if (f == 3)
			break;
		if (buf[end] != ' ')
			return proxy_fail(out, "PROXY v1 field not followed "
			    "by a single space");
	}
	v1_finish(&out->src, af, port[0]);
	v1_finish(&out->dst, af, port[1]);
	return v1_crlf(buf, len, end, out);
}

/* Section 2.1: "PROXY" SP ( "TCP4" | "TCP6" | "UNKNOWN" ) ... CRLF */
static enum proxy_result
v1_parse(const unsigned char *buf, size_t len, struct proxy_hdr *out)
{
	size_t	pos = V1_SIG_LEN, end, n;
	int	whole;

	if (memcmp(buf, V1_SIG, proxy_min(len, V1_SIG_LEN)) != 0)
		return proxy_fail(out, "not a PROXY header");
	out->version = 1;
	if (len <= V1_SIG_LEN)
		return PROXY_AGAIN;
	end = v1_field(buf, pos, len);
	whole = end < len;
	n = end - pos;
	if (v1_lit(buf + pos, n, "UNKNOWN", whole))
		return whole ? v1_unknown(buf, len, end, out) : PROXY_AGAIN;
	if (!v1_lit(buf + pos, n, "TCP4", whole) &&
	    !v1_lit(buf + pos, n, "TCP6", whole))
		return proxy_fail(out, "PROXY v1 unknown protocol");
	if (!whole)
		return PROXY_AGAIN;
	if (buf[end] != ' ')
		return proxy_fail(out, "PROXY v1 protocol not followed by "
		    "a single space");
	return v1_tcp(buf, len, end + 1,
	    buf[pos + 3] == '4' ? AF_INET : AF_INET6, out);
}

/* ------------------------------------------------------------ version 2 */

/*
 * Bytes of the address block for a family byte (section 2.2, "the
 * 14th byte"), or -1 for a value the spec does not define.
 */
static int
v2_addr_len(unsigned int fam)
{
	switch (fam) {
	case 0x00:		/* UNSPEC */
		return 0;
	case 0x11:		/* TCP over IPv4 */
	case 0x12:		/* UDP over IPv4 */
		return 12;
	case 0x21:		/* TCP over IPv6 */
	case 0x22:		/* UDP over IPv6 */
		return 36;
	case 0x31:		/* UNIX stream */
	case 0x32:		/* UNIX datagram */
		return 216;
	default:
		return -1;
	}
}

/* Section 2.2.7: type, length_hi, length_lo, value; exactly to the end. */
static int
v2_tlvs_fit(const unsigned char *p, size_t n)
{
	size_t	vlen;

	while (n > 0) {
		if (n < 3)
			return 0;
		vlen = (size_t)p[1] << 8 | p[2];
		if (vlen > n - 3)
			return 0;
		p += 3 + vlen;
		n -= 3 + vlen;
	}
	return 1;
}

/* Section 2.2: proxy_addr.ipv4_addr / ipv6_addr, in network order. */
static void
v2_addrs(const unsigned char *p, unsigned int fam, struct proxy_hdr *out)
{
	struct sockaddr_in	*s4 = (struct sockaddr_in *)&out->src;
	struct sockaddr_in	*d4 = (struct sockaddr_in *)&out->dst;
	struct sockaddr_in6	*s6 = (struct sockaddr_in6 *)&out->src;
	struct sockaddr_in6	*d6 = (struct sockaddr_in6 *)&out->dst;

	if (fam == 0x11) {
		s4->sin_family = d4->sin_family = AF_INET;
		memcpy(&s4->sin_addr, p, 4);
		memcpy(&d4->sin_addr, p + 4, 4);
		memcpy(&s4->sin_port, p + 8, 2);
		memcpy(&d4->sin_port, p + 10, 2);
	} else {
		s6->sin6_family = d6->sin6_family = AF_INET6;
		memcpy(&s6->sin6_addr, p, 16);
		memcpy(&d6->sin6_addr, p + 16, 16);
		memcpy(&s6->sin6_port, p + 32, 2);
		memcpy(&d6->sin6_port, p + 34, 2);
	}
}

/*
 * The 16 fixed bytes, judged byte by byte as they arrive.  DONE here
 * means they are all present and valid.
 */
static enum proxy_result
v2_fixed(const unsigned char *buf, size_t len, struct proxy_hdr *out)
{
	size_t	plen;
	int	alen;

	if (memcmp(buf, v2_sig, proxy_min(len, sizeof(v2_sig))) != 0)
		return proxy_fail(out, "not a PROXY header");
	out->version = 2;
	if (len > 12 && (buf[12] >> 4) != 2)
		return proxy_fail(out, "PROXY v2 version is not 2");
	if (len > 12 && (buf[12] & 0xf) > V2_CMD_PROXY)
		return proxy_fail(out, "PROXY v2 unknown command");
	if (len <= 13)
		return PROXY_AGAIN;
	if ((alen = v2_addr_len(buf[13])) == -1)
		return proxy_fail(out, "PROXY v2 unknown address family");
	if ((buf[12] & 0xf) == V2_CMD_PROXY &&
	    (buf[13] == 0x12 || buf[13] == 0x22))
		return proxy_fail(out, "PROXY v2 UDP on a stream connection");
	if (len < PROXY_V2_HDR)
		return PROXY_AGAIN;
	plen = (size_t)buf[14] << 8 | buf[15];
	if (plen > PROXY_V2_LEN_MAX)
		return proxy_fail(out, "PROXY v2 header too long");
	if ((buf[12] & 0xf) == V2_CMD_PROXY && plen < (size_t)alen)
		return proxy_fail(out, "PROXY v2 length shorter than the "
		    "addresses");
	return PROXY_DONE;
}

static enum proxy_result
v2_parse(const unsigned char *buf, size_t len, struct proxy_hdr *out)
{
	enum proxy_result	 r;
	size_t			 plen, alen;
	unsigned int		 fam;

	if ((r = v2_fixed(buf, len, out)) != PROXY_DONE)
		return r;
	plen = (size_t)buf[14] << 8 | buf[15];
	if (len < PROXY_V2_HDR + plen)
		return PROXY_AGAIN;
	/* LOCAL: "the receiver must ... ignore the protocol and address" */
	if ((buf[12] & 0xf) == V2_CMD_LOCAL) {
		out->local = 1;
		out->len = PROXY_V2_HDR + plen;
		return PROXY_DONE;
	}
	fam = buf[13];
	alen = (size_t)v2_addr_len(fam);
	if (!v2_tlvs_fit(buf + PROXY_V2_HDR + alen, plen - alen))
		return proxy_fail(out, "PROXY v2 TLV overruns the header");
	out->len = PROXY_V2_HDR + plen;
	if (fam == 0x11 || fam == 0x21)
		v2_addrs(buf + PROXY_V2_HDR, fam, out);
	else
		out->local = 1;		/* UNSPEC or AF_UNIX: no IP client */
	return PROXY_DONE;
}

/* ------------------------------------------------------------------ */

enum proxy_result
proxy_parse(const unsigned char *buf, size_t len, struct proxy_hdr *out)
{
	memset(out, 0, sizeof(*out));
	if (len == 0)
		return PROXY_AGAIN;
	if (buf[0] == V1_SIG[0])
		return v1_parse(buf, len, out);
	if (buf[0] == v2_sig[0])
		return v2_parse(buf, len, out);
	return proxy_fail(out, "not a PROXY header");
}
