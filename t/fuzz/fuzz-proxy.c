/*
 * libFuzzer harness for src/proxy.c.
 *
 * The input is the bytes a connection starts with.  Besides crashes and
 * sanitizer reports (the parser reads an exact-size heap copy), it
 * checks what the server relies on: every prefix answers AGAIN or what
 * the whole answers, DONE arrives exactly at the header's last byte,
 * nothing is left undecided past PROXY_MAX bytes, a DONE header says
 * where the client is, and a TCP4 line prints back as it came.
 */
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proxy.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define CHECK(c)	do { if (!(c)) abort(); } while (0)

static enum proxy_result
parse_copy(const uint8_t *data, size_t n, struct proxy_hdr *h)
{
	enum proxy_result	 r;
	unsigned char		*b = malloc(n ? n : 1);

	memcpy(b, data, n);
	r = proxy_parse(b, n, h);
	free(b);
	return r;
}

static int
sa_ok(const struct sockaddr_storage *ss)
{
	return ss->ss_family == AF_INET || ss->ss_family == AF_INET6;
}

/* "PROXY TCP4 a b p q\r\n" is the only spelling of its addresses. */
static void
check_tcp4(const uint8_t *data, const struct proxy_hdr *h)
{
	const struct sockaddr_in	*s = (const void *)&h->src;
	const struct sockaddr_in	*d = (const void *)&h->dst;
	char				 a[16], b[16], line[PROXY_V1_MAX + 1];
	int				 n;

	inet_ntop(AF_INET, &s->sin_addr, a, sizeof(a));
	inet_ntop(AF_INET, &d->sin_addr, b, sizeof(b));
	n = snprintf(line, sizeof(line), "PROXY TCP4 %s %s %u %u\r\n", a, b,
	    ntohs(s->sin_port), ntohs(d->sin_port));
	CHECK(n > 0 && (size_t)n == h->len);
	CHECK(memcmp(line, data, h->len) == 0);
}

static void
check_done(const uint8_t *data, size_t size, const struct proxy_hdr *h)
{
	CHECK(h->len > 0 && h->len <= size && h->len <= PROXY_MAX);
	CHECK(h->error == NULL);
	CHECK(h->version == 1 || h->version == 2);
	CHECK(h->version == 2 || h->len <= PROXY_V1_MAX);
	if (h->local)
		return;
	CHECK(sa_ok(&h->src) && h->src.ss_family == h->dst.ss_family);
	if (h->version == 1 && h->src.ss_family == AF_INET)
		check_tcp4(data, h);
}

/* A prefix answers AGAIN, or as the whole did (DONE: at the same end). */
static void
check_prefix(const uint8_t *data, size_t k, enum proxy_result r,
    const struct proxy_hdr *h)
{
	struct proxy_hdr	p;
	enum proxy_result	pr = parse_copy(data, k, &p);

	if (pr == PROXY_AGAIN) {
		CHECK(p.error == NULL);
		CHECK(r != PROXY_DONE || k < h->len);
		return;
	}
	CHECK(pr == r);
	if (r == PROXY_DONE)
		CHECK(p.len == h->len && k >= h->len);
	else
		CHECK(p.error != NULL);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct proxy_hdr	h;
	enum proxy_result	r;
	size_t			k;

	r = parse_copy(data, size, &h);
	if (r == PROXY_DONE)
		check_done(data, size, &h);
	if (r == PROXY_ERROR)
		CHECK(h.error != NULL);
	/* undecided only while a header could still be arriving */
	if (r == PROXY_AGAIN)
		CHECK(size < PROXY_MAX);
	if (size <= 2 * PROXY_V1_MAX) {
		for (k = 0; k < size; k++)
			check_prefix(data, k, r, &h);
	} else {
		check_prefix(data, size / 2, r, &h);
		check_prefix(data, PROXY_V2_HDR, r, &h);
		if (r == PROXY_DONE) {
			check_prefix(data, h.len - 1, r, &h);
			check_prefix(data, h.len, r, &h);
		}
	}
	return 0;
}
