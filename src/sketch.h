/*
 * Top-N heavy hitters over short strings: the space-saving algorithm
 * (Metwally, Agrawal, El Abbadi, "Efficient Computation of Frequent and
 * Top-k Elements in Data Streams", ICDT 2005).  Pure: libc only.
 *
 * The struct is plain data with no pointers, and all zero bytes is an
 * empty sketch, so it can live in MAP_ANONYMOUS shared memory as is.
 *
 * Error bound, with N the sum of all counts added (s->total) and
 * SKETCH_CAP counters:
 *   - every reported count is an upper bound on the key's true count,
 *     and count - error is a lower bound;
 *   - error <= N / SKETCH_CAP for every key (it is at most the smallest
 *     counter at the time the key was admitted, and the counters never
 *     sum to more than N);
 *   - so every key whose true count exceeds N / SKETCH_CAP is present;
 *   - while fewer than SKETCH_CAP distinct keys were seen, nothing was
 *     evicted and every count is exact (error 0).
 * The bounds hold after sketch_merge() too, with N the merged total.
 *
 * Keys longer than SKETCH_KEY_MAX bytes are cut to SKETCH_KEY_MAX, so
 * two long keys sharing that prefix count as one.
 */
#ifndef HEARTH_SKETCH_H
#define HEARTH_SKETCH_H

#include <stddef.h>
#include <stdint.h>

#define SKETCH_CAP	64	/* counters */
#define SKETCH_KEY_MAX	128	/* bytes kept of each key */

/*
 * Structure of arrays: the hot path scans hash[] (4 cache lines) and,
 * when full, count[], not 64 strided key slots.
 */
struct sketch {
	uint64_t	 total;			/* sum of counts added */
	uint32_t	 n;			/* counters in use */
	uint32_t	 hash[SKETCH_CAP];
	uint64_t	 count[SKETCH_CAP];
	uint64_t	 error[SKETCH_CAP];	/* count overestimates by <= */
	uint16_t	 len[SKETCH_CAP];
	char		 key[SKETCH_CAP][SKETCH_KEY_MAX];
};

/* One result of sketch_top(); key is NUL-terminated for convenience. */
struct sketch_item {
	uint64_t	 count;			/* upper bound */
	uint64_t	 error;			/* count - error: lower bound */
	size_t		 len;
	char		 key[SKETCH_KEY_MAX + 1];
};

/* Make s empty (equivalent to zeroing it). */
void	 sketch_init(struct sketch *s);

/* Count count more occurrences of key (len bytes, cut as above). */
void	 sketch_add(struct sketch *s, const char *key, size_t len,
	    uint64_t count);

/*
 * Copy up to n of the largest counters into out, by count descending
 * (ties by key, so the order is stable).  Returns how many were stored.
 */
size_t	 sketch_top(const struct sketch *s, struct sketch_item *out,
	    size_t n);

/*
 * Add src into dst, as for the union of both streams ("parallel space
 * saving", Cafaro, Pulimeno, Tempesta 2016): a key missing from a full
 * sketch is credited with that sketch's smallest count, then the
 * SKETCH_CAP largest are kept.  Uses about 15 KiB of stack; dst and
 * src may be the same sketch.
 */
void	 sketch_merge(struct sketch *dst, const struct sketch *src);

#endif
