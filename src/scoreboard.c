/*
 * The shared-memory scoreboard.  See scoreboard.h for the design: one
 * writer per slot, seqlocks for readers, retire under a global seqlock.
 *
 * The seqlock follows Boehm, "Can Seqlocks Get Along With Programming
 * Language Memory Models?" (MSPC 2012): the writer's release fence
 * after making the counter odd, the reader's acquire fence before
 * reading it again.  The data itself is copied with plain memcpy, which
 * is a race in the C11 model but what every seqlock in practice does;
 * a torn copy is detected and thrown away.
 */
#include <sys/mman.h>
#include <sys/types.h>

#include <errno.h>
#include <sched.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include "histo.h"
#include "scoreboard.h"
#include "sketch.h"

#define SB_MAGIC	0x68736231u	/* "hsb1" */

#define SB_US		1000000

/*
 * Microseconds of CLOCK_MONOTONIC, for readers: workers pass in what
 * they read for a request's latency.  Not the coarse clock, which lags
 * by up to a tick: a reader would not count a second a worker began.
 */
static uint64_t
sb_mono_us(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * SB_US + (uint64_t)ts.tv_nsec / 1000;
}

static int64_t
sb_mono(void)
{
	return (int64_t)(sb_mono_us() / SB_US);
}

static int64_t
sb_wall(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_REALTIME_COARSE, &ts);
	return (int64_t)ts.tv_sec;
}

/* --- seqlock */

static void
sb_write_begin(_Atomic uint32_t *seq)
{
	uint32_t	q = atomic_load_explicit(seq, memory_order_relaxed);

	atomic_store_explicit(seq, q + 1, memory_order_relaxed);
	atomic_thread_fence(memory_order_release);
}

static void
sb_write_end(_Atomic uint32_t *seq)
{
	uint32_t	q = atomic_load_explicit(seq, memory_order_relaxed);

	atomic_store_explicit(seq, q + 1, memory_order_release);
}

/* Start of a read: the counter, once it is even (or we gave up). */
static uint32_t
sb_read_begin(const _Atomic uint32_t *seq)
{
	uint32_t	q = 0;
	int		i;

	for (i = 0; i < SB_READ_TRIES; i++)
		if (((q = atomic_load_explicit(seq, memory_order_acquire)) &
		    1) == 0)
			break;
	return q;
}

/* Was the read that began at q clean? */
static int
sb_read_ok(const _Atomic uint32_t *seq, uint32_t q)
{
	atomic_thread_fence(memory_order_acquire);
	return (q & 1) == 0 &&
	    atomic_load_explicit(seq, memory_order_relaxed) == q;
}

/*
 * A consistent copy of len bytes at src, or the last try's copy.  A
 * worker in a tight loop can update its slot faster than a long copy
 * completes, so sb_sum_slot() copies a slot in three parts of at most
 * 10 KiB: the smaller the copy, the likelier it fits between updates.
 */
static uint64_t
sb_mono_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void
sb_read_copy(const _Atomic uint32_t *seq, void *dst, const void *src,
    size_t len)
{
	uint64_t	since = 0;
	uint32_t	q, last = 1;
	int		i, still = 0;

	for (i = 0; i < SB_SUM_TRIES; i++) {
		q = sb_read_begin(seq);
		memcpy(dst, src, len);
		if (sb_read_ok(seq, q))
			return;
		/*
		 * A live writer moves the counter on: keep trying.  One
		 * killed mid-update leaves it odd and still: give up.  A
		 * count of tries cannot tell the two apart on a busy
		 * machine, where a writer can wait for a CPU for
		 * milliseconds in the middle of an update: a clock can.
		 */
		if (q == last) {
			if (still++ == 0)
				since = sb_mono_ms();
			else if (still % 64 == 0 &&
			    sb_mono_ms() - since >= SB_STUCK_MS)
				return;
		} else
			still = 0;
		last = q;
		if (i % 64 == 63)
			sched_yield();
	}
}

/* --- counters */

/* Fold one second of a ring into another, newer seconds winning. */
static void
sb_rate_fold(struct sb_rate_sec *dst, const struct sb_rate_sec *src)
{
	struct sb_rate_sec	*d;
	size_t			 i;

	for (i = 0; i < SB_RATE_RING; i++) {
		if (src[i].sec == 0)
			continue;
		d = &dst[src[i].sec % SB_RATE_RING];
		if (d->sec == src[i].sec) {
			d->requests += src[i].requests;
			d->bytes += src[i].bytes;
		} else if (d->sec < src[i].sec)
			*d = src[i];
	}
}

static void
sb_counters_add(struct sb_counters *dst, const struct sb_counters *src)
{
	size_t	i;

	dst->connections += src->connections;
	dst->requests += src->requests;
	dst->bytes += src->bytes;
	dst->log_dropped += src->log_dropped;
	dst->refused_max += src->refused_max;
	dst->refused_client += src->refused_client;
	dst->tls_requests += src->tls_requests;
	dst->tls_handshakes += src->tls_handshakes;
	dst->tls_resumed += src->tls_resumed;
	dst->tls_failed += src->tls_failed;
	for (i = 0; i < SB_STATUS_CLASSES; i++)
		dst->status[i] += src->status[i];
	histo_merge(&dst->latency, &src->latency);
	sketch_merge(&dst->paths, &src->paths);
	sketch_merge(&dst->notfound, &src->notfound);
}

/* Requests and bytes of a ring in the SB_RATE_WINDOW seconds to now. */
static void
sb_rate_recent(const struct sb_rate_sec *r, int64_t now, uint64_t *req,
    uint64_t *bytes)
{
	size_t	i;

	for (i = 0; i < SB_RATE_RING; i++)
		if (r[i].sec > now - SB_RATE_WINDOW && r[i].sec <= now) {
			*req += r[i].requests;
			*bytes += r[i].bytes;
		}
}

/* --- master */

size_t
scoreboard_size(unsigned nslots)
{
	return sizeof(struct scoreboard) + (size_t)nslots *
	    sizeof(struct sb_slot);
}

struct scoreboard *
scoreboard_create(unsigned nslots)
{
	struct scoreboard	*sb;
	size_t			 size;

	if (nslots == 0 || nslots > SB_MAX_SLOTS) {
		errno = EINVAL;
		return NULL;
	}
	size = scoreboard_size(nslots);
	sb = mmap(NULL, size, PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sb == MAP_FAILED)
		return NULL;
	sb->magic = SB_MAGIC;
	sb->nslots = nslots;
	sb->size = size;
	sb->start_mono = sb_mono();
	sb->start_wall = sb_wall();
	return sb;
}

void
scoreboard_destroy(struct scoreboard *sb)
{
	if (sb != NULL)
		munmap(sb, sb->size);
}

int
scoreboard_free_slot(const struct scoreboard *sb)
{
	unsigned	i;

	for (i = 0; i < sb->nslots; i++)
		if (atomic_load_explicit(&sb->slot[i].pid,
		    memory_order_relaxed) == 0)
			return (int)i;
	return -1;
}

void
scoreboard_assign(struct scoreboard *sb, unsigned i, pid_t pid,
    uint32_t generation)
{
	struct sb_slot	*s;

	if ((s = scoreboard_slot(sb, i)) == NULL)
		return;
	atomic_store_explicit(&s->generation, generation,
	    memory_order_relaxed);
	atomic_store_explicit(&s->pid, (int32_t)pid, memory_order_release);
}

/*
 * The slot's writer is gone, so the master may write it.  Its seq is
 * bumped to even whatever it was: a worker that died mid-update left it
 * odd.  Both seqlocks are held, so readers see the counts in the slot
 * or in retired, never in both or neither.
 */
void
scoreboard_retire(struct scoreboard *sb, unsigned i)
{
	struct sb_slot	*s;
	uint32_t	 q;

	if ((s = scoreboard_slot(sb, i)) == NULL)
		return;
	sb_write_begin(&sb->seq);
	q = atomic_load_explicit(&s->seq, memory_order_relaxed);
	atomic_store_explicit(&s->seq, (q | 1) + 2, memory_order_relaxed);
	atomic_thread_fence(memory_order_release);
	sb_counters_add(&sb->retired, &s->c);
	sb_rate_fold(sb->retired.rate, s->c.rate);
	memset(&s->c, 0, sizeof(s->c));
	memset(s->request, 0, sizeof(s->request));
	memset(s->client, 0, sizeof(s->client));
	s->last_us = 0;
	atomic_store_explicit(&s->state, SB_STARTING, memory_order_relaxed);
	atomic_store_explicit(&s->generation, 0, memory_order_relaxed);
	atomic_store_explicit(&s->pid, 0, memory_order_relaxed);
	atomic_store_explicit(&s->seq, (q | 1) + 3, memory_order_release);
	sb_write_end(&sb->seq);
}

/* --- readers */

unsigned
scoreboard_nslots(const struct scoreboard *sb)
{
	return sb->nslots;
}

const char *
sb_state_name(enum sb_state st)
{
	switch (st) {
	case SB_STARTING:
		return "starting";
	case SB_IDLE:
		return "idle";
	case SB_READING:
		return "reading";
	case SB_WRITING:
		return "writing";
	case SB_KEEPALIVE:
		return "keepalive";
	case SB_CLOSING:
		return "closing";
	case SB_GRACEFUL:
		return "graceful";
	}
	return "unknown";
}

static int
sb_busy(enum sb_state st)
{
	return st == SB_READING || st == SB_WRITING || st == SB_CLOSING;
}

/* One slot into t; scratch holds the copy (too big for each call). */
static void
sb_sum_slot(const struct sb_slot *s, struct sb_totals *t,
    struct sb_counters *scratch, int64_t now)
{
	enum sb_state	st;

	sb_read_copy(&s->seq, scratch, &s->c, offsetof(struct sb_counters,
	    paths));
	sb_read_copy(&s->seq, &scratch->paths, &s->c.paths,
	    sizeof(scratch->paths));
	sb_read_copy(&s->seq, &scratch->notfound, &s->c.notfound,
	    sizeof(scratch->notfound));
	sb_counters_add(&t->c, scratch);
	sb_rate_recent(scratch->rate, now, &t->recent_requests,
	    &t->recent_bytes);
	if (atomic_load_explicit(&s->pid, memory_order_acquire) == 0)
		return;
	t->workers++;
	st = (enum sb_state)atomic_load_explicit(&s->state,
	    memory_order_relaxed);
	if (sb_busy(st))
		t->busy++;
}

/* One pass over the board; 0 if no retire ran meanwhile. */
static int
sb_sum_once(const struct scoreboard *sb, struct sb_totals *t, int64_t now)
{
	struct sb_counters	scratch;
	uint32_t		q;
	unsigned		i;

	memset(t, 0, sizeof(*t));
	q = sb_read_begin(&sb->seq);
	for (i = 0; i < sb->nslots; i++)
		sb_sum_slot(&sb->slot[i], t, &scratch, now);
	sb_counters_add(&t->c, &sb->retired);
	sb_rate_recent(sb->retired.rate, now, &t->recent_requests,
	    &t->recent_bytes);
	return sb_read_ok(&sb->seq, q) ? 0 : -1;
}

void
scoreboard_sum(const struct scoreboard *sb, struct sb_totals *t)
{
	int64_t	now = sb_mono();
	int	i;

	/*
	 * The global sequence is written only by the master, whose retire
	 * takes microseconds and cannot be left half done by a crash it
	 * survives: wait it out (yielding, so a busy master gets the CPU)
	 * rather than give up after SB_READ_TRIES and report a total that
	 * counts a retired slot twice or not at all.  The bound is only a
	 * guard against a master stopped in the middle.
	 */
	for (i = 0; i < SB_SUM_TRIES; i++) {
		if (sb_sum_once(sb, t, now) == 0)
			break;
		if (i % 64 == 63)
			sched_yield();
	}
	memset(t->c.rate, 0, sizeof(t->c.rate));
	t->uptime = now - sb->start_mono;
	t->window = t->uptime + 1 < SB_RATE_WINDOW ?
	    (unsigned)t->uptime + 1 : SB_RATE_WINDOW;
	t->requests_per_sec = (double)t->recent_requests / t->window;
	t->bytes_per_sec = (double)t->recent_bytes / t->window;
	t->crash_loop = atomic_load_explicit(&sb->crash_loop,
	    memory_order_relaxed);
}

void
scoreboard_crash_loop(struct scoreboard *sb, int on)
{
	atomic_store_explicit(&sb->crash_loop, on, memory_order_relaxed);
}

void
sb_tls_handshake(struct sb_slot *s, int ok, int resumed)
{
	sb_write_begin(&s->seq);
	if (!ok)
		s->c.tls_failed++;
	else {
		s->c.tls_handshakes++;
		s->c.tls_resumed += resumed != 0;
	}
	sb_write_end(&s->seq);
}

void
sb_refused(struct sb_slot *s, int which)
{
	sb_write_begin(&s->seq);
	if (which)
		s->c.refused_client++;
	else
		s->c.refused_max++;
	sb_write_end(&s->seq);
}

/* The small fields of a slot, for one attempt of a seqlock read. */
static void
sb_worker_copy(const struct sb_slot *s, struct sb_worker *w,
    uint64_t *last_us)
{
	w->connections = s->c.connections;
	w->requests = s->c.requests;
	w->bytes = s->c.bytes;
	*last_us = s->last_us;
	memcpy(w->request, s->request, sizeof(w->request));
	memcpy(w->client, s->client, sizeof(w->client));
}

int
scoreboard_worker(const struct scoreboard *sb, unsigned i,
    struct sb_worker *w)
{
	const struct sb_slot	*s;
	uint64_t		 last_us = 0, now_us;
	uint32_t		 q;
	int			 k;

	memset(w, 0, sizeof(*w));
	if (i >= sb->nslots)
		return -1;
	s = &sb->slot[i];
	if ((w->pid = atomic_load_explicit(&s->pid, memory_order_acquire)) ==
	    0)
		return -1;
	w->generation = atomic_load_explicit(&s->generation,
	    memory_order_relaxed);
	w->state = (enum sb_state)atomic_load_explicit(&s->state,
	    memory_order_relaxed);
	for (k = 0; k < SB_READ_TRIES; k++) {
		q = sb_read_begin(&s->seq);
		sb_worker_copy(s, w, &last_us);
		if (sb_read_ok(&s->seq, q))
			break;
	}
	/*
	 * The worker keeps the monotonic time it read anyway; as "that
	 * long ago" it is right in wall time too, even across clock steps.
	 */
	if (last_us != 0) {
		now_us = sb_mono_us();
		w->last_request = sb_wall() - (int64_t)(now_us > last_us ?
		    (now_us - last_us) / SB_US : 0);
	}
	/* A torn copy may lack its NUL; the pages print these as strings. */
	w->request[sizeof(w->request) - 1] = '\0';
	w->client[sizeof(w->client) - 1] = '\0';
	return 0;
}

/* --- worker */

struct sb_slot *
scoreboard_slot(struct scoreboard *sb, unsigned i)
{
	return i < sb->nslots ? &sb->slot[i] : NULL;
}

void
sb_state(struct sb_slot *s, struct sb_pending *p, enum sb_state st)
{
	p->state = p->shown = st;
	atomic_store_explicit(&s->state, (int32_t)st, memory_order_relaxed);
}

void
sb_connection(struct sb_slot *s)
{
	sb_write_begin(&s->seq);
	s->c.connections++;
	sb_write_end(&s->seq);
}

/* The counters of p into s, under its seqlock. */
static void
sb_pending_publish(struct sb_slot *s, struct sb_pending *p)
{
	struct sb_rate_sec	*r;
	uint32_t		 i;

	sb_write_begin(&s->seq);
	s->c.requests += p->requests;
	s->c.tls_requests += p->tls_requests;
	s->c.bytes += p->bytes;
	for (i = 0; i < SB_STATUS_CLASSES; i++)
		s->c.status[i] += p->status[i];
	histo_add_n(&s->c.latency, p->lat, p->requests);
	for (i = 0; i < p->npath; i++) {
		sketch_add(&s->c.paths, p->path[i].key, p->path[i].len,
		    p->path[i].count);
		if (p->path[i].notfound)
			sketch_add(&s->c.notfound, p->path[i].key,
			    p->path[i].len, p->path[i].notfound);
	}
	r = &s->c.rate[p->sec % SB_RATE_RING];
	if (r->sec != p->sec) {
		r->sec = p->sec;
		r->requests = 0;
		r->bytes = 0;
	}
	r->requests += p->requests;
	r->bytes += p->bytes;
	sb_write_end(&s->seq);
	p->requests = 0;
	p->tls_requests = 0;
	p->bytes = 0;
	memset(p->status, 0, sizeof(p->status));
	p->npath = 0;
}

void
sb_pending_state(struct sb_pending *p, enum sb_state st)
{
	p->state = st;
}

void
sb_pending_flush(struct sb_slot *s, struct sb_pending *p)
{
	if (p->requests > 0)
		sb_pending_publish(s, p);
	if (p->state != p->shown)
		sb_state(s, p, p->state);
}

static struct sb_pend_path *
sb_pending_path(struct sb_pending *p, const char *key, size_t len)
{
	struct sb_pend_path	*e;
	uint32_t		 i;

	if (len > SKETCH_KEY_MAX)
		len = SKETCH_KEY_MAX;
	/* the most recent first: a busy connection asks for the same path */
	for (i = p->npath; i > 0; i--) {
		e = &p->path[i - 1];
		if (e->len == len && memcmp(e->key, key, len) == 0)
			return e;
	}
	if (p->npath == SB_PEND_PATHS)
		return NULL;
	e = &p->path[p->npath++];
	e->count = e->notfound = 0;
	e->len = (uint16_t)len;
	memcpy(e->key, key, len);
	return e;
}

void
sb_pending_add(struct sb_slot *s, struct sb_pending *p,
    const struct sb_done *d)
{
	struct sb_pend_path	*e;
	int64_t			 sec = (int64_t)(d->end_us / SB_US);

	/* full, or a new second for the rate ring (empty: a no-op) */
	if (p->requests == SB_PEND_LAT || p->npath == SB_PEND_PATHS ||
	    p->sec != sec)
		sb_pending_flush(s, p);
	p->sec = sec;
	p->state = d->next;
	p->lat[p->requests++] = d->end_us - d->start_us;
	p->tls_requests += d->tls != 0;
	p->bytes += d->bytes;
	if (d->status >= 100 && d->status <= 599)
		p->status[d->status / 100 - 1]++;
	if (d->path != NULL &&
	    (e = sb_pending_path(p, d->path, d->len)) != NULL) {
		e->count++;
		if (d->status == 404)
			e->notfound++;
	}
}

void
sb_log_dropped(struct sb_slot *s, uint64_t n)
{
	sb_write_begin(&s->seq);
	s->c.log_dropped += n;
	sb_write_end(&s->seq);
}

static void
sb_copy_str(char *dst, size_t size, const char *src, size_t len)
{
	if (len >= size)
		len = size - 1;
	/* readers stop at the NUL: no need to clear the rest */
	memcpy(dst, src, len);
	dst[len] = '\0';
}

void
sb_request_begin(struct sb_slot *s, struct sb_pending *p,
    const char *reqline, size_t len, const char *client, size_t client_len,
    uint64_t start_us)
{
	sb_state(s, p, SB_WRITING);
	sb_write_begin(&s->seq);
	sb_copy_str(s->request, sizeof(s->request), reqline, len);
	sb_copy_str(s->client, sizeof(s->client), client, client_len);
	s->last_us = start_us;
	sb_write_end(&s->seq);
}
