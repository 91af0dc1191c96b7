/*
 * Log-spaced latency histogram.  Pure: libc only.  See histo.h for the
 * bucket layout and the error bound.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "histo.h"

#define HISTO_FRAC_BITS	16

/*
 * Bound of bucket i in units of 2^-16 us: 2^(i / 4) split into the
 * power of two and one of the four fractions 2^(j / 4), j = 0..3,
 * rounded to 16 bits.  The largest, bucket 104, is 2^42: no overflow.
 */
static const uint64_t	histo_frac[HISTO_PER_DOUBLING] = {
	65536, 77936, 92682, 110218
};

static uint64_t
histo_bound_fixed(size_t i)
{
	return histo_frac[i % HISTO_PER_DOUBLING] << (i / HISTO_PER_DOUBLING);
}

/*
 * Once per request (the scoreboard), so constant time.  With 2^e <= usec
 * < 2^(e + 1), the bucket is 4e plus how many of bound(4e) .. bound(4e
 * + 3) usec is above, and usec > frac[j] * 2^e exactly when m =
 * ceil(usec * 2^16 / 2^e) > frac[j], frac[j] being an integer.
 */
size_t
histo_bucket(uint64_t usec)
{
	uint64_t	m;
	unsigned	e;

	if (usec > histo_bound_fixed(HISTO_LAST_BOUNDED) >> HISTO_FRAC_BITS)
		return HISTO_LAST_BOUNDED + 1;
	if (usec == 0)			/* __builtin_clzll(0) is undefined */
		return 0;
	e = 63 - (unsigned)__builtin_clzll(usec);
	m = ((usec << HISTO_FRAC_BITS) + ((uint64_t)1 << e) - 1) >> e;
	return (size_t)e * HISTO_PER_DOUBLING + (m > histo_frac[0]) +
	    (m > histo_frac[1]) + (m > histo_frac[2]) + (m > histo_frac[3]);
}

uint64_t
histo_bound(size_t i)
{
	uint64_t	b;

	if (i > HISTO_LAST_BOUNDED)
		return UINT64_MAX;
	b = histo_bound_fixed(i);
	return (b + (1u << HISTO_FRAC_BITS) - 1) >> HISTO_FRAC_BITS;
}

void
histo_init(struct histo *h)
{
	memset(h, 0, sizeof(*h));
}

void
histo_add(struct histo *h, uint64_t usec)
{
	histo_add_n(h, &usec, 1);
}

/* The scoreboard adds a batch of requests at a time (see scoreboard.h). */
void
histo_add_n(struct histo *h, const uint64_t *usec, size_t n)
{
	uint64_t	min, max, sum = 0;
	size_t		i;

	if (n == 0)
		return;
	min = h->count == 0 ? UINT64_MAX : h->min;
	max = h->max;
	for (i = 0; i < n; i++) {
		if (usec[i] < min)
			min = usec[i];
		if (usec[i] > max)
			max = usec[i];
		sum += usec[i];
		h->bucket[histo_bucket(usec[i])]++;
	}
	h->min = min;
	h->max = max;
	h->count += n;
	h->sum += sum;
}

void
histo_merge(struct histo *dst, const struct histo *src)
{
	size_t	i;

	if (src->count == 0)
		return;
	if (dst->count == 0 || src->min < dst->min)
		dst->min = src->min;
	if (src->max > dst->max)
		dst->max = src->max;
	dst->count += src->count;
	dst->sum += src->sum;
	for (i = 0; i < HISTO_BUCKETS; i++)
		dst->bucket[i] += src->bucket[i];
}

/* Value at position k (1-based) of the n samples in bounded bucket i. */
static double
histo_interpolate(size_t i, uint64_t k, uint64_t n)
{
	double	lo, hi, unit = (double)(1u << HISTO_FRAC_BITS);

	lo = i == 0 ? 0.0 : (double)histo_bound_fixed(i - 1) / unit;
	hi = (double)histo_bound_fixed(i) / unit;
	return lo + (hi - lo) * (double)k / (double)n;
}

uint64_t
histo_quantile(const struct histo *h, double q)
{
	uint64_t	rank, seen = 0, v;
	double		x;
	size_t		i;

	if (h->count == 0)
		return 0;
	if (!(q > 0.0))			/* also NaN */
		q = 0.0;
	if (q > 1.0)
		q = 1.0;
	x = q * (double)h->count;
	rank = (uint64_t)x;
	if ((double)rank < x)
		rank++;
	if (rank == 0)
		rank = 1;
	for (i = 0; i < HISTO_BUCKETS - 1; i++) {
		if (seen + h->bucket[i] >= rank)
			break;
		seen += h->bucket[i];
	}
	if (i == HISTO_BUCKETS - 1)
		return h->max;
	v = (uint64_t)(histo_interpolate(i, rank - seen, h->bucket[i]) + 0.5);
	if (v < h->min)
		v = h->min;
	if (v > h->max)
		v = h->max;
	return v;
}
