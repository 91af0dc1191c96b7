/*
 * HAProxy PROXY protocol header parser, versions 1 and 2
 * (haproxy doc/proxy-protocol.txt, "The PROXY protocol", 2020/03/05).
 * Pure: libc only, no syscalls, no allocation, no globals.
 */
#ifndef HEARTH_PROXY_H
#define HEARTH_PROXY_H

#include <sys/socket.h>

#include <stddef.h>

/* Version 1 line, CRLF included (section 2.1: "107 bytes"). */
#define PROXY_V1_MAX		107

/* Version 2 fixed part: signature, ver_cmd, fam, len (section 2.2). */
#define PROXY_V2_HDR		16

/*
 * Largest version 2 "len" we accept: the biggest address block (216 for
 * AF_UNIX, section 2.2) plus 1 KiB of TLVs.  The spec lets len reach
 * 65535, but what HAProxy and the cloud load balancers send (ALPN,
 * authority, unique id, SSL, AWS/Azure/GCP endpoint ids) fits with room
 * to spare, and a connection must not make us buffer 64 KiB before we
 * know who it is.  A larger len is an error as soon as the 16 bytes
 * that carry it arrive.
 */
#define PROXY_V2_LEN_MAX	(216 + 1024)

/* Longest header either version can be: what a read buffer must hold. */
#define PROXY_MAX		(PROXY_V2_HDR + PROXY_V2_LEN_MAX)

enum proxy_result {
	PROXY_DONE = 0,		/* out is filled in; out->len bytes consumed */
	PROXY_AGAIN,		/* a valid prefix: need more bytes */
	PROXY_ERROR		/* not a PROXY header: close; see out->error */
};

struct proxy_hdr {
	size_t			 len;		/* header bytes, on DONE */
	int			 version;	/* 1, 2; 0: no signature */
	int			 local;		/* keep the peer's address */
	struct sockaddr_storage	 src;		/* client, if !local */
	struct sockaddr_storage	 dst;		/* proxy listener, if !local */
	const char		*error;		/* static, on ERROR */
};

/*
 * Parse the PROXY header at the start of buf[0 .. len).  Bytes after it
 * (the TLS ClientHello or the HTTP request) are not looked at.
 *
 * The answer is decided as early as the bytes allow: a first byte that
 * starts neither signature ("PROXY " or "\r\n\r\n\0\r\nQUIT\n") is an
 * ERROR at once, and so is any prefix that no valid header starts with,
 * so garbage and plain HTTP are refused without waiting for a timeout.
 * However the bytes are split, a prefix answers AGAIN or what the whole
 * answers; DONE comes only with the last byte of the header.  There is
 * no prev_len as in http_parse_request(): a header is at most
 * PROXY_MAX bytes, and a version 2 header is only walked once it is
 * complete, so rescanning costs little.
 *
 * Version 1 (section 2.1) is checked strictly: "PROXY", one space, TCP4
 * or TCP6, single spaces, numeric addresses of that family (inet_pton:
 * dotted quad without leading zeros; RFC 4291 section 2.2 text for
 * TCP6), ports 0-65535 in decimal without leading zeros, CRLF, and at
 * most PROXY_V1_MAX bytes.  "PROXY UNKNOWN" is followed by CRLF, or by a
 * space and anything up to CRLF, which the spec says to ignore; it sets
 * local.
 *
 * Version 2 (section 2.2): the version nibble must be 2 and the command
 * LOCAL (0) or PROXY (1); fam must be one of the seven the spec lists
 * (others "must be rejected as invalid by receivers").  len is at most
 * PROXY_V2_LEN_MAX.  LOCAL (health checks) sets local and skips len
 * bytes unread, as the spec says to ignore them.  For PROXY:
 *   - TCP4 (0x11) and TCP6 (0x21) fill src and dst, with ports; len must
 *     cover the 12- or 36-byte address block;
 *   - UNSPEC (0x00) and AF_UNIX (0x31, 0x32) set local: there is no IP
 *     client to take (for AF_UNIX, len must still cover 216 bytes);
 *   - UDP (0x12, 0x22) is an error: a stream connection cannot carry it.
 * The TLVs after the address block are skipped, but each must fit:
 * a type, a 2-byte length and that many value bytes, ending exactly at
 * len (section 2.2.7; no CRC32C check).
 *
 * A TCP6 address that is IPv4-mapped stays AF_INET6 here; see
 * remoteip_format() to print it as IPv4.
 */
enum proxy_result
	 proxy_parse(const unsigned char *buf, size_t len,
	    struct proxy_hdr *out);

#endif
