/*
 * Unit tests for src/sketch.c: exact below capacity, the space-saving
 * bounds on a Zipf stream, and merging.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sketch.h"
#include "tap.h"

#define ZIPF_KEYS	2000
#define ZIPF_N		200000

/* xorshift64*: the same stream on every run and every libc. */
static uint64_t
rnd(uint64_t *st)
{
	*st ^= *st >> 12;
	*st ^= *st << 25;
	*st ^= *st >> 27;
	return *st * 2685821657736338717ull;
}

static size_t
key_of(char *buf, size_t sz, unsigned k)
{
	return (size_t)snprintf(buf, sz, "/files/item-%u.html", k);
}

static void
add_key(struct sketch *s, unsigned k, uint64_t count)
{
	char	buf[64];

	sketch_add(s, buf, key_of(buf, sizeof(buf), k), count);
}

/* Key number of a sketch item, or -1. */
static int
item_key(const struct sketch_item *it)
{
	unsigned	k;

	if (sscanf(it->key, "/files/item-%u.html", &k) != 1)
		return -1;
	return (int)k;
}

static void
test_empty(void)
{
	struct sketch		s;
	struct sketch_item	out[4];

	sketch_init(&s);
	tap_is_int(sketch_top(&s, out, 4), 0, "empty sketch has no top");
	sketch_add(&s, "/x", 2, 0);
	tap_is_int(sketch_top(&s, out, 4), 0, "a count of 0 adds nothing");
	tap_is_int(s.total, 0, "total stays 0");
}

/* 64 keys, key i seen i + 1 times, interleaved: all exact. */
static void
test_exact(void)
{
	struct sketch		s;
	struct sketch_item	out[SKETCH_CAP + 5];
	unsigned		round, k, bad = 0;
	size_t			n, i;

	sketch_init(&s);
	for (round = 0; round < SKETCH_CAP; round++)
		for (k = round; k < SKETCH_CAP; k++)
			add_key(&s, k, 1);
	n = sketch_top(&s, out, SKETCH_CAP + 5);
	tap_is_int(n, SKETCH_CAP, "top returns every key below capacity");
	for (i = 0; i < n; i++)
		if (item_key(&out[i]) != (int)(SKETCH_CAP - 1 - i) ||
		    out[i].count != SKETCH_CAP - i || out[i].error != 0)
			bad++;
	tap_is_int(bad, 0, "exact counts, error 0, sorted by count desc");
	tap_is_int(s.total, SKETCH_CAP * (SKETCH_CAP + 1) / 2, "total");
	n = sketch_top(&s, out, 3);
	tap_is_int(n, 3, "top 3 of 64");
	tap_is_str(out[0].key, "/files/item-63.html", "largest first");
	tap_is_int(strlen(out[0].key), out[0].len, "key NUL-terminated");
}

static void
test_ties_and_eviction(void)
{
	struct sketch		s;
	struct sketch_item	out[SKETCH_CAP];
	unsigned		k;

	sketch_init(&s);
	sketch_add(&s, "/b", 2, 5);
	sketch_add(&s, "/a", 2, 5);
	sketch_add(&s, "/c", 2, 7);
	sketch_top(&s, out, 3);
	tap_ok(strcmp(out[0].key, "/c") == 0 && strcmp(out[1].key, "/a") ==
	    0 && strcmp(out[2].key, "/b") == 0, "ties ordered by key");

	sketch_init(&s);
	for (k = 0; k < SKETCH_CAP; k++)
		add_key(&s, k, 3);
	add_key(&s, 1000, 1);
	sketch_top(&s, out, SKETCH_CAP);
	tap_is_int(item_key(&out[0]), 1000,
	    "newcomer inherits the evicted count 3 + 1 and leads");
	tap_is_int(out[0].count, 4, "its count is an upper bound");
	tap_is_int(out[0].error, 3, "its error is the evicted count");
	tap_is_int(s.n, SKETCH_CAP, "still SKETCH_CAP counters");
}

static void
test_truncation(void)
{
	struct sketch		s;
	struct sketch_item	out[4];
	char			a[300], b[300];

	memset(a, 'a', sizeof(a));
	memset(b, 'a', sizeof(b));
	b[SKETCH_KEY_MAX + 10] = 'b';	/* differs after the kept prefix */
	sketch_init(&s);
	sketch_add(&s, a, sizeof(a), 1);
	sketch_add(&s, b, sizeof(b), 1);
	tap_is_int(sketch_top(&s, out, 4), 1, "long keys cut to one key");
	tap_is_int(out[0].count, 2, "and counted together");
	tap_is_int(out[0].len, SKETCH_KEY_MAX, "cut to SKETCH_KEY_MAX");
	tap_is_int(strlen(out[0].key), SKETCH_KEY_MAX, "NUL after the cut");
}

/* Draw from Zipf(s) over n keys by inverting the cumulative weights. */
static unsigned
zipf(uint64_t *st, const double *cum, unsigned n)
{
	double		u = (double)(rnd(st) >> 11) / 9007199254740992.0;
	unsigned	lo = 0, hi = n - 1, mid;

	u *= cum[n - 1];
	while (lo < hi) {
		mid = (lo + hi) / 2;
		if (cum[mid] < u)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Feed ZIPF_N draws into a and b (alternating when b != NULL). */
static void
zipf_stream(struct sketch *a, struct sketch *b, uint64_t *truth,
    double expo)
{
	static double	cum[ZIPF_KEYS];
	uint64_t	st = 0x9e3779b97f4a7c15ull;
	unsigned	i, k;
	double		c = 0;

	for (i = 0; i < ZIPF_KEYS; i++)
		cum[i] = c += 1.0 / pow(i + 1, expo);
	memset(truth, 0, ZIPF_KEYS * sizeof(*truth));
	for (i = 0; i < ZIPF_N; i++) {
		k = zipf(&st, cum, ZIPF_KEYS);
		truth[k]++;
		add_key(b != NULL && (i & 1) ? b : a, k, 1);
	}
}

/*
 * The documented bounds against the true counts: count >= true >=
 * count - error, error <= N / cap, every key above N / cap present.
 */
static void
check_bounds(const struct sketch *s, const uint64_t *truth,
    const char *what)
{
	static struct sketch_item	out[SKETCH_CAP];
	uint64_t			bound = s->total / SKETCH_CAP;
	unsigned			i, bad = 0, missing = 0, present;
	size_t				n, j;
	int				k;

	n = sketch_top(s, out, SKETCH_CAP);
	for (j = 0; j < n; j++) {
		if ((k = item_key(&out[j])) < 0) {
			bad++;
			continue;
		}
		if (out[j].count < truth[k] ||
		    out[j].count - out[j].error > truth[k] ||
		    out[j].error > bound)
			bad++;
	}
	tap_is_int(bad, 0, "%s: count >= true >= count - error, error <= "
	    "N/%d", what, SKETCH_CAP);
	for (i = 0; i < ZIPF_KEYS; i++) {
		if (truth[i] <= bound)
			continue;
		for (present = 0, j = 0; j < n; j++)
			present |= item_key(&out[j]) == (int)i;
		missing += !present;
	}
	tap_is_int(missing, 0, "%s: every key above N/%d is present", what,
	    SKETCH_CAP);
}

/* The 10 largest true counts are the sketch's top 10. */
static void
check_top10(const struct sketch *s, const uint64_t *truth,
    const char *what)
{
	struct sketch_item	out[10];
	unsigned		bad = 0;
	size_t			j;
	int			k;

	sketch_top(s, out, 10);
	/* Zipf: key numbers are already in true-count order. */
	for (j = 0; j < 10; j++)
		if ((k = item_key(&out[j])) < 0 || k >= 10)
			bad++;
	tap_is_int(bad, 0, "%s: top 10 are the 10 heaviest keys", what);
	tap_ok(truth[0] > truth[9], "%s: stream is skewed (%llu > %llu)",
	    what, (unsigned long long)truth[0],
	    (unsigned long long)truth[9]);
}

static void
test_zipf(void)
{
	static struct sketch	s, a, b;
	static uint64_t		truth[ZIPF_KEYS];

	sketch_init(&s);
	zipf_stream(&s, NULL, truth, 1.1);
	tap_is_int(s.total, ZIPF_N, "zipf: total is N");
	check_bounds(&s, truth, "zipf 1.1");
	check_top10(&s, truth, "zipf 1.1");

	sketch_init(&s);
	zipf_stream(&s, NULL, truth, 0.8);
	check_bounds(&s, truth, "zipf 0.8 (flat, many evictions)");

	sketch_init(&a);
	sketch_init(&b);
	zipf_stream(&a, &b, truth, 1.1);
	sketch_merge(&a, &b);
	tap_is_int(a.total, ZIPF_N, "merged: total is N");
	check_bounds(&a, truth, "merged halves");
	check_top10(&a, truth, "merged halves");
}

static void
test_merge_exact(void)
{
	struct sketch		a, b;
	struct sketch_item	out[SKETCH_CAP];
	unsigned		k, bad = 0;
	size_t			n, i;

	sketch_init(&a);
	sketch_init(&b);
	for (k = 0; k < 40; k++)
		add_key(&a, k, k + 1);
	for (k = 20; k < 60; k++)
		add_key(&b, k, 100);
	sketch_merge(&a, &b);
	n = sketch_top(&a, out, SKETCH_CAP);
	tap_is_int(n, 60, "merge below capacity keeps the 60 keys");
	for (i = 0; i < n; i++) {
		k = (unsigned)item_key(&out[i]);
		if (out[i].error != 0 || out[i].count != (k < 40 ? k + 1 : 0) +
		    (k >= 20 ? 100 : 0))
			bad++;
	}
	tap_is_int(bad, 0, "merge below capacity is exact");
	tap_is_int(a.total, 40 * 41 / 2 + 40 * 100, "merged total");

	sketch_merge(&a, &a);
	n = sketch_top(&a, out, 1);
	tap_ok(n == 1 && out[0].count == 2 * (40 + 100),
	    "merge with itself doubles");

	sketch_init(&b);
	sketch_merge(&b, &a);
	tap_is_int(b.n, 60, "merge into empty copies");
	sketch_init(&b);
	sketch_merge(&a, &b);
	tap_is_int(a.n, 60, "merge of empty changes nothing");
}

/* Two full, disjoint sketches: the missing side's floor is credited. */
static void
test_merge_full(void)
{
	static struct sketch	a, b;
	struct sketch_item	out[SKETCH_CAP];
	unsigned		k;
	size_t			n;

	sketch_init(&a);
	sketch_init(&b);
	for (k = 0; k < SKETCH_CAP; k++) {
		add_key(&a, k, 10);
		add_key(&b, 1000 + k, k == 0 ? 500 : 20);
	}
	sketch_merge(&a, &b);
	n = sketch_top(&a, out, SKETCH_CAP);
	tap_is_int(n, SKETCH_CAP, "full merge keeps SKETCH_CAP");
	tap_is_int(item_key(&out[0]), 1000, "the heavy key leads");
	tap_is_int(out[0].count, 510, "credited a's floor 10 (upper bound)");
	tap_is_int(out[0].error, 10, "with that floor as error");
	tap_ok(out[0].count - out[0].error == 500, "lower bound is exact");
	tap_ok(out[SKETCH_CAP - 1].error <= a.total / SKETCH_CAP,
	    "errors within N / cap after merge");
}

int
main(void)
{
	test_empty();
	test_exact();
	test_ties_and_eviction();
	test_truncation();
	test_zipf();
	test_merge_exact();
	test_merge_full();
	return tap_done();
}
