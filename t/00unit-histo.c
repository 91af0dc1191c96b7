/*
 * Unit tests for src/histo.c: bucket edges, and quantiles within the
 * documented error (2^(1/4) - 1 relative, plus 0.5 us) on known
 * distributions.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "histo.h"
#include "tap.h"

#define REL_ERR	0.18921	/* 2^(1/4) - 1 */
#define N	100000

static uint64_t
rnd(uint64_t *st)
{
	*st ^= *st >> 12;
	*st ^= *st << 25;
	*st ^= *st >> 27;
	return *st * 2685821657736338717ull;
}

static double
unit(uint64_t *st)
{
	return (double)(rnd(st) >> 11) / 9007199254740992.0;
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t	x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

static void
test_buckets(void)
{
	size_t		i, bad = 0;
	uint64_t	v;

	tap_is_int(histo_bucket(0), 0, "0 us in bucket 0");
	tap_is_int(histo_bucket(1), 0, "1 us in bucket 0");
	tap_is_int(histo_bucket(2), 4, "2 us in bucket 4 (bound 2)");
	tap_is_int(histo_bucket(3), 7, "3 us in bucket 7 (bound 3.36)");
	tap_is_int(histo_bound(0), 1, "bound 0 is 1 us");
	tap_is_int(histo_bound(40), 1024, "bound 40 is 1024 us");
	tap_is_int(histo_bound(HISTO_LAST_BOUNDED), 67108864,
	    "last bound is 2^26 us");
	tap_ok(histo_bound(HISTO_LAST_BOUNDED + 1) == UINT64_MAX,
	    "overflow bucket unbounded");
	tap_is_int(histo_bucket(67108864), HISTO_LAST_BOUNDED,
	    "2^26 us in the last bounded bucket");
	tap_is_int(histo_bucket(67108865), HISTO_LAST_BOUNDED + 1,
	    "one more us overflows");
	tap_is_int(histo_bucket(UINT64_MAX), HISTO_LAST_BOUNDED + 1,
	    "UINT64_MAX overflows");
	tap_ok(histo_bound(104) >= 60000000, "60 s is covered");
	/* Every value sits at or below its bucket's bound, above the last. */
	for (v = 1; v < 5000000; v = v + 1 + v / 97) {
		i = histo_bucket(v);
		if (v > histo_bound(i) ||
		    (i > 0 && (double)v <= pow(2.0, (i - 1) / 4.0) - 1e-9))
			bad++;
	}
	tap_is_int(bad, 0, "bound(i - 1) < v <= bound(i) for 1 us .. 5 s");
	for (i = 1, bad = 0; i <= HISTO_LAST_BOUNDED; i++)
		if (histo_bound(i) < histo_bound(i - 1) ||
		    fabs((double)histo_bound(i) - pow(2.0, i / 4.0)) > 1.0 +
		    pow(2.0, i / 4.0) * 1e-4)
			bad++;
	tap_is_int(bad, 0, "bounds are 2^(i/4), rising");
}

/*
 * The bucket by definition, the slow way: the first whose bound is not
 * below v, on histo.c's 16-bit fixed-point bounds (histo_bound() rounds
 * them up, which would misplace integers just above a bound).
 */
static size_t
bucket_scan(uint64_t v)
{
	static const uint64_t	frac[4] = { 65536, 77936, 92682, 110218 };
	size_t			i;

	for (i = 0; i <= HISTO_LAST_BOUNDED; i++)
		if (v << 16 <= frac[i % 4] << (i / 4))
			break;
	return i;
}

static void
test_bucket_exact(void)
{
	size_t		i, bad = 0;
	uint64_t	v, b;

	for (v = 0; v <= 1 << 20; v++)
		if (histo_bucket(v) != bucket_scan(v))
			bad++;
	for (i = 0; i <= HISTO_LAST_BOUNDED; i++)
		for (b = histo_bound(i), v = b - 1; v <= b + 1; v++)
			if (histo_bucket(v) != bucket_scan(v))
				bad++;
	tap_is_int(bad, 0, "every value to 2^20 us and around each bound");
}

static void
test_small(void)
{
	struct histo	h;
	int		v;

	histo_init(&h);
	tap_is_int(histo_quantile(&h, 0.5), 0, "empty: 0");
	for (v = 1; v <= 4; v++)
		histo_add(&h, (uint64_t)v);
	tap_is_int(histo_quantile(&h, 0.5), 2, "p50 of 1..4 is 2");
	tap_is_int(histo_quantile(&h, 0), 1, "p0 is the minimum");
	tap_is_int(histo_quantile(&h, 1), 4, "p100 is the maximum");
	tap_is_int(histo_quantile(&h, 7), 4, "q > 1 clamps");
	tap_is_int(histo_quantile(&h, -1), 1, "q < 0 clamps");
	tap_is_int(histo_quantile(&h, NAN), 1, "NaN q is 0");
	tap_is_int(h.sum, 10, "sum");

	histo_init(&h);
	for (v = 0; v < 1000; v++)
		histo_add(&h, 5000);
	tap_is_int(histo_quantile(&h, 0.99), 5000,
	    "constant: exact (clamped to min and max)");
	histo_add(&h, 90000000);
	tap_is_int(histo_quantile(&h, 1), 90000000,
	    "past the last bucket: the maximum");
	tap_ok(histo_quantile(&h, 0.5) >= 5000 &&
	    histo_quantile(&h, 0.5) <= 5000 * (1 + REL_ERR),
	    "p50 within the bucket error despite the outlier (%llu)",
	    (unsigned long long)histo_quantile(&h, 0.5));
}

/* Quantiles of the sorted samples v[0..n-1] against the histogram. */
static void
check_quantiles(const struct histo *h, uint64_t *v, size_t n,
    const char *what)
{
	static const double	qs[] = { 0.5, 0.9, 0.99, 0.999 };
	double			got, want, err, worst = 0;
	size_t			i, rank;
	int			bad = 0;

	qsort(v, n, sizeof(*v), cmp_u64);
	for (i = 0; i < sizeof(qs) / sizeof(qs[0]); i++) {
		rank = (size_t)ceil(qs[i] * (double)n);
		want = (double)v[rank - 1];
		got = (double)histo_quantile(h, qs[i]);
		err = fabs(got - want);
		if (err > REL_ERR * want + 0.5)
			bad++;
		if (want > 0 && err / want > worst)
			worst = err / want;
	}
	tap_is_int(bad, 0, "%s: p50 p90 p99 p99.9 within 18.9%% + 0.5 us "
	    "(worst %.1f%%)", what, worst * 100);
}

static void
test_distributions(void)
{
	static uint64_t	v[N];
	struct histo	h;
	uint64_t	st = 42;
	size_t		i;

	histo_init(&h);
	for (i = 0; i < N; i++)
		histo_add(&h, v[i] = 1 + rnd(&st) % 1000000);
	check_quantiles(&h, v, N, "uniform 1 us .. 1 s");

	histo_init(&h);
	for (i = 0; i < N; i++)
		histo_add(&h, v[i] = (uint64_t)(-log(1 - unit(&st)) * 2000));
	check_quantiles(&h, v, N, "exponential, mean 2 ms");

	histo_init(&h);
	for (i = 0; i < N; i++)
		histo_add(&h, v[i] = (uint64_t)exp(log(300) + 1.5 *
		    sqrt(-2 * log(1 - unit(&st))) *
		    cos(6.283185307179586 * unit(&st))));
	check_quantiles(&h, v, N, "log-normal around 300 us");

	histo_init(&h);
	for (i = 0; i < N; i++)
		histo_add(&h, v[i] = i % 10 == 0 ? 50000 + i : 100 + i % 7);
	check_quantiles(&h, v, N, "bimodal 100 us / 50 ms");
}

static void
test_merge(void)
{
	static uint64_t	v[N];
	struct histo	a, b, all;
	uint64_t	st = 7;
	size_t		i;

	histo_init(&a);
	histo_init(&b);
	histo_init(&all);
	for (i = 0; i < N; i++) {
		v[i] = 1 + rnd(&st) % 200000;
		histo_add(i % 3 ? &a : &b, v[i]);
		histo_add(&all, v[i]);
	}
	histo_merge(&a, &b);
	tap_ok(memcmp(&a, &all, sizeof(a)) == 0,
	    "merge equals adding everything to one");
	histo_init(&b);
	histo_merge(&b, &all);
	tap_ok(memcmp(&b, &all, sizeof(b)) == 0, "merge into empty copies");
	histo_init(&b);
	histo_merge(&a, &b);
	tap_ok(memcmp(&a, &all, sizeof(a)) == 0, "merging empty is a no-op");
	check_quantiles(&a, v, N, "merged");
}

/* Batches of 0, 1, 2 .. values against the fields worked out here. */
static void
test_add_n(void)
{
	static uint64_t	v[2000];
	struct histo	h, want;
	uint64_t	st = 11;
	size_t		i, k, n;

	histo_init(&h);
	histo_init(&want);
	want.min = UINT64_MAX;
	for (i = 0; i < 2000; i++) {
		v[i] = 50 + rnd(&st) % 100000;
		want.count++;
		want.sum += v[i];
		if (v[i] < want.min)
			want.min = v[i];
		if (v[i] > want.max)
			want.max = v[i];
		want.bucket[histo_bucket(v[i])]++;
	}
	for (i = 0, k = 0; i < 2000; i += n, k++) {
		n = k < 2000 - i ? k : 2000 - i;
		histo_add_n(&h, v + i, n);
	}
	tap_ok(memcmp(&h, &want, sizeof(h)) == 0,
	    "histo_add_n in batches of 0 .. %zu", k - 1);
}

int
main(void)
{
	test_buckets();
	test_bucket_exact();
	test_small();
	test_distributions();
	test_merge();
	test_add_n();
	return tap_done();
}
