/*
 * Latency histogram with log-spaced buckets.  Pure: libc only.
 *
 * HISTO_PER_DOUBLING buckets per power of two: bucket i holds values v
 * (microseconds) with bound(i - 1) < v <= bound(i), bound(i) =
 * 2^(i / 4) us, from bucket 0 (v <= 1 us, including 0) to bucket 104
 * (bound 2^26 us, about 67 s).  The last bucket takes everything
 * longer.  Bounds are kept in 16-bit fixed point, so the math is
 * integer and needs no libm.
 *
 * Relative error: histo_quantile() picks the bucket holding the sample
 * of the wanted rank and interpolates linearly inside it, so the answer
 * and the exact quantile share a bucket whose bounds differ by a factor
 * 2^(1/4).  The error is therefore at most 2^(1/4) - 1 < 19% of the
 * exact value, plus 0.5 us of rounding.  Answers are also clamped to the
 * smallest and largest values seen, which only brings them closer.  Past
 * the last bound the answer is the largest value seen.
 *
 * Plain data, all zero bytes is an empty histogram: fit for shared
 * memory.  Counters are uint64_t, so nothing wraps in practice.
 */
#ifndef HEARTH_HISTO_H
#define HEARTH_HISTO_H

#include <stddef.h>
#include <stdint.h>

#define HISTO_PER_DOUBLING	4
#define HISTO_LAST_BOUNDED	104		/* bound 2^26 us */
#define HISTO_BUCKETS		(HISTO_LAST_BOUNDED + 2)	/* + overflow */

struct histo {
	uint64_t	 count;
	uint64_t	 sum;		/* of all values, for the mean */
	uint64_t	 min;		/* meaningful when count > 0 */
	uint64_t	 max;
	uint64_t	 bucket[HISTO_BUCKETS];
};

void	 histo_init(struct histo *h);
void	 histo_add(struct histo *h, uint64_t usec);
/* The n values at usec, as n calls of histo_add() but in one. */
void	 histo_add_n(struct histo *h, const uint64_t *usec, size_t n);
void	 histo_merge(struct histo *dst, const struct histo *src);

/* Bucket a value falls in: 0 .. HISTO_BUCKETS - 1. */
size_t	 histo_bucket(uint64_t usec);

/*
 * Upper bound of bucket i in microseconds, rounded up to an integer;
 * UINT64_MAX for the overflow bucket.
 */
uint64_t histo_bound(size_t i);

/*
 * The q-quantile (0 <= q <= 1; out-of-range q is clamped) in
 * microseconds, within the error above: the value of rank
 * ceil(q * count), so q = 0.5 of {1, 2, 3, 4} is 2.  0 when empty.
 */
uint64_t histo_quantile(const struct histo *h, double q);

#endif
