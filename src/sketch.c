/*
 * Space-saving heavy-hitter sketch.  Pure: libc only.  See sketch.h for
 * the error bound.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sketch.h"

/* A counter of either sketch while merging. */
struct sketch_ref {
	const char	*key;
	size_t		 len;
	uint32_t	 hash;
	uint64_t	 count;
	uint64_t	 error;
};

/* FNV-1a: a cheap pre-filter, so most misses never reach memcmp(). */
static uint32_t
sketch_hash(const char *key, size_t len)
{
	uint32_t	h = 2166136261u;
	size_t		i;

	for (i = 0; i < len; i++) {
		h ^= (unsigned char)key[i];
		h *= 16777619u;
	}
	return h;
}

static size_t
sketch_cut(size_t len)
{
	return len > SKETCH_KEY_MAX ? SKETCH_KEY_MAX : len;
}

/* Index of key in s, or -1. */
static int
sketch_find(const struct sketch *s, uint32_t h, const char *key,
    size_t len)
{
	uint32_t	i;

	for (i = 0; i < s->n; i++)
		if (s->hash[i] == h && s->len[i] == len &&
		    memcmp(s->key[i], key, len) == 0)
			return (int)i;
	return -1;
}

/* Index of the smallest counter; s must not be empty. */
static uint32_t
sketch_min(const struct sketch *s)
{
	uint32_t	i, m = 0;

	for (i = 1; i < s->n; i++)
		if (s->count[i] < s->count[m])
			m = i;
	return m;
}

static void
sketch_set(struct sketch *s, uint32_t i, uint32_t h, const char *key,
    size_t len, uint64_t count, uint64_t error)
{
	s->hash[i] = h;
	s->len[i] = (uint16_t)len;
	memcpy(s->key[i], key, len);
	s->count[i] = count;
	s->error[i] = error;
}

void
sketch_init(struct sketch *s)
{
	memset(s, 0, sizeof(*s));
}

void
sketch_add(struct sketch *s, const char *key, size_t len, uint64_t count)
{
	uint32_t	h, m;
	int		i;

	if (count == 0)
		return;
	len = sketch_cut(len);
	h = sketch_hash(key, len);
	s->total += count;
	if ((i = sketch_find(s, h, key, len)) != -1) {
		s->count[i] += count;
		return;
	}
	if (s->n < SKETCH_CAP) {
		sketch_set(s, s->n++, h, key, len, count, 0);
		return;
	}
	/*
	 * The newcomer inherits the evicted count: it may have been seen
	 * that often before, and overestimating is what keeps every true
	 * heavy hitter in the table.
	 */
	m = sketch_min(s);
	sketch_set(s, m, h, key, len, s->count[m] + count, s->count[m]);
}

/* Count descending, then key, so equal counts come out in a fixed order. */
static int
sketch_ref_cmp(const void *a, const void *b)
{
	const struct sketch_ref	*x = a, *y = b;
	size_t			 l = x->len < y->len ? x->len : y->len;
	int			 c;

	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	if ((c = memcmp(x->key, y->key, l)) != 0)
		return c;
	return (x->len > y->len) - (x->len < y->len);
}

static void
sketch_ref(struct sketch_ref *r, const struct sketch *s, uint32_t i)
{
	r->key = s->key[i];
	r->len = s->len[i];
	r->hash = s->hash[i];
	r->count = s->count[i];
	r->error = s->error[i];
}

size_t
sketch_top(const struct sketch *s, struct sketch_item *out, size_t n)
{
	struct sketch_ref	r[SKETCH_CAP];
	uint32_t		i;

	for (i = 0; i < s->n && i < SKETCH_CAP; i++)
		sketch_ref(&r[i], s, i);
	qsort(r, i, sizeof(r[0]), sketch_ref_cmp);
	if (n > i)
		n = i;
	for (i = 0; i < n; i++) {
		out[i].count = r[i].count;
		out[i].error = r[i].error;
		out[i].len = r[i].len;
		memcpy(out[i].key, r[i].key, r[i].len);
		out[i].key[r[i].len] = '\0';
	}
	return n;
}

/*
 * What a sketch says about a key it does not hold: 0 if it never
 * evicted anything (not full), else at most its smallest counter.
 */
static uint64_t
sketch_floor(const struct sketch *s)
{
	return s->n < SKETCH_CAP ? 0 : s->count[sketch_min(s)];
}

/* Fill r with the union of a and b, estimates summed; returns how many. */
static size_t
sketch_union(struct sketch_ref *r, const struct sketch *a,
    const struct sketch *b)
{
	uint64_t	fa = sketch_floor(a), fb = sketch_floor(b);
	size_t		n = 0;
	uint32_t	i;
	int		j;

	for (i = 0; i < a->n; i++, n++) {
		sketch_ref(&r[n], a, i);
		j = sketch_find(b, a->hash[i], a->key[i], a->len[i]);
		r[n].count += j == -1 ? fb : b->count[j];
		r[n].error += j == -1 ? fb : b->error[j];
	}
	for (i = 0; i < b->n; i++) {
		if (sketch_find(a, b->hash[i], b->key[i], b->len[i]) != -1)
			continue;
		sketch_ref(&r[n], b, i);
		r[n].count += fa;
		r[n].error += fa;
		n++;
	}
	return n;
}

void
sketch_merge(struct sketch *dst, const struct sketch *src)
{
	struct sketch		 old = *dst;
	struct sketch_ref	 r[2 * SKETCH_CAP];
	size_t			 n, i;

	n = sketch_union(r, &old, src);
	qsort(r, n, sizeof(r[0]), sketch_ref_cmp);
	if (n > SKETCH_CAP)
		n = SKETCH_CAP;
	sketch_init(dst);
	dst->total = old.total + src->total;
	for (i = 0; i < n; i++)
		sketch_set(dst, (uint32_t)i, r[i].hash, r[i].key, r[i].len,
		    r[i].count, r[i].error);
	dst->n = (uint32_t)n;
}
