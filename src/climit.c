#include "config.h"

#include <sys/mman.h>
#include <netinet/in.h>

#include <stdatomic.h>
#include <stdint.h>
#include <string.h>

#include "climit.h"

struct climit {
	_Atomic uint32_t	c[CLIMIT_COUNTERS];
};

struct climit *
climit_create(void)
{
	void	*p;

	p = mmap(NULL, sizeof(struct climit), PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	return p == MAP_FAILED ? NULL : p;
}

/* The address bytes; an IPv4-mapped IPv6 address counts as the IPv4. */
static size_t
climit_key(const struct sockaddr *sa, const uint8_t **p)
{
	const struct sockaddr_in6	*s6 = (const void *)sa;
	const struct sockaddr_in	*s4 = (const void *)sa;

	if (sa->sa_family == AF_INET6) {
		if (IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr)) {
			*p = &s6->sin6_addr.s6_addr[12];
			return 4;
		}
		*p = s6->sin6_addr.s6_addr;
		return 16;
	}
	*p = (const uint8_t *)&s4->sin_addr;
	return 4;
}

static void
climit_slots(const struct sockaddr *sa, uint32_t *a, uint32_t *b)
{
	const uint8_t	*p;
	size_t		 len = climit_key(sa, &p), i;
	uint32_t	 h1 = 2166136261u, h2 = 0x9e3779b9u;

	for (i = 0; i < len; i++) {
		h1 = (h1 ^ p[i]) * 16777619u;		/* FNV-1a */
		h2 = (h2 ^ p[i]) * 0x85ebca6bu;
		h2 ^= h2 >> 13;
	}
	*a = h1 & (CLIMIT_COUNTERS - 1);
	*b = h2 & (CLIMIT_COUNTERS - 1);
	if (*b == *a)
		*b = (*a + 1) & (CLIMIT_COUNTERS - 1);
}

int
climit_acquire(struct climit *cl, const struct sockaddr *sa, long long limit)
{
	uint32_t	a, b, va, vb;

	climit_slots(sa, &a, &b);
	va = atomic_fetch_add_explicit(&cl->c[a], 1, memory_order_relaxed);
	vb = atomic_fetch_add_explicit(&cl->c[b], 1, memory_order_relaxed);
	if ((long long)(va < vb ? va : vb) < limit)
		return 0;
	atomic_fetch_sub_explicit(&cl->c[a], 1, memory_order_relaxed);
	atomic_fetch_sub_explicit(&cl->c[b], 1, memory_order_relaxed);
	return -1;
}

void
climit_release(struct climit *cl, const struct sockaddr *sa)
{
	uint32_t	a, b;

	climit_slots(sa, &a, &b);
	atomic_fetch_sub_explicit(&cl->c[a], 1, memory_order_relaxed);
	atomic_fetch_sub_explicit(&cl->c[b], 1, memory_order_relaxed);
}
