/*
 * Unit tests for src/scoreboard.c: worker processes record requests in
 * their slots while the parent reads; the sums are exact, consistent
 * (seqlock) and never go backwards, also across scoreboard_retire().
 */
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "scoreboard.h"
#include "tap.h"

#define NREQ	20000
#define NSLOTS	4

/* Child c's request k: status, bytes, latency and path. */
static int
req_status(unsigned c, unsigned k)
{
	if (k % 10 == 0)
		return 404;
	if (k % 97 == 0)
		return 500;
	if (k % 50 == 0)
		return 304;
	return c == 1 && k % 13 == 0 ? 101 : 200;
}

static uint64_t
req_bytes(unsigned c, unsigned k)
{
	return (uint64_t)(k % 1000) + c;
}

static size_t
req_path(unsigned c, unsigned k, char *buf, size_t sz)
{
	/* Skewed: path 0 of child c is the most frequent. */
	unsigned	p = k % 16 < 8 ? 0 : k % 16 < 12 ? 1 : k % 5 + 2;

	return (size_t)snprintf(buf, sz, "/c%u/p%u", c, p);
}

static uint64_t
mono_us(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

/*
 * What a worker does: n requests of pattern c in slot s, published a
 * few at a time as event-loop iterations would.
 */
static void
work(struct sb_slot *s, unsigned c, unsigned n)
{
	struct sb_pending	p;
	struct sb_done		d;
	char			path[64], line[64];
	unsigned		k;

	memset(&p, 0, sizeof(p));
	sb_state(s, &p, SB_IDLE);
	for (k = 0; k < n; k++) {
		if (k % 10 == 0)
			sb_connection(s);
		d.len = req_path(c, k, path, sizeof(path));
		d.path = path;
		d.end_us = mono_us();
		d.start_us = d.end_us - (1000 + k % 100);
		sb_request_begin(s, &p, line, (size_t)snprintf(line,
		    sizeof(line), "GET %s HTTP/1.1", path), c ? "::1" :
		    "127.0.0.1", c ? 3 : 9, d.start_us);
		d.status = req_status(c, k);
		d.bytes = req_bytes(c, k);
		d.next = k == n - 1 ? SB_IDLE : SB_KEEPALIVE;
		sb_pending_add(s, &p, &d);
		if (k % 7 == 6)
			sb_pending_flush(s, &p);
	}
	sb_pending_flush(s, &p);
}

/* One request of 10 bytes to /x into p; returns the state shown. */
static enum sb_state
work_one(struct sb_slot *s, struct sb_pending *p)
{
	struct sb_done	d;

	d.status = 200;
	d.bytes = 10;
	d.end_us = mono_us();
	d.start_us = d.end_us - 5;
	sb_request_begin(s, p, "GET /x HTTP/1.1", 15, "::1", 3, d.start_us);
	d.path = "/x";
	d.len = 2;
	d.next = SB_KEEPALIVE;
	sb_pending_add(s, p, &d);
	return (enum sb_state)atomic_load(&s->state);
}

/* Expected totals of child c after n requests. */
static void
expect(unsigned c, unsigned n, struct sb_counters *e)
{
	char		path[64];
	unsigned	k;
	int		st;

	for (k = 0; k < n; k++) {
		st = req_status(c, k);
		e->requests++;
		e->bytes += req_bytes(c, k);
		e->status[st / 100 - 1]++;
		e->connections += k % 10 == 0;
		sketch_add(&e->paths, path, req_path(c, k, path, sizeof(path)),
		    1);
		if (st == 404)
			sketch_add(&e->notfound, path, req_path(c, k, path,
			    sizeof(path)), 1);
	}
}

/*
 * Fields that one sb_pending_flush() moves together and one seqlock
 * read copies: a consistent read has them equal.  (The sketches are
 * read apart, so paths.total may differ by a request or two.)
 * Returns 0 when they agree.
 */
static int
consistent(const struct sb_totals *t)
{
	uint64_t	classes = 0;
	int		i;

	for (i = 0; i < SB_STATUS_CLASSES; i++)
		classes += t->c.status[i];
	return classes == t->c.requests &&
	    t->c.latency.count == t->c.requests ? 0 : -1;
}

static pid_t
spawn(struct scoreboard *sb, unsigned slot, unsigned c, unsigned n)
{
	pid_t	pid;

	if ((pid = fork()) == -1) {
		perror("fork");
		exit(1);
	}
	if (pid == 0) {
		work(scoreboard_slot(sb, slot), c, n);
		_exit(0);
	}
	scoreboard_assign(sb, slot, pid, c + 1);
	return pid;
}

static int
reap(pid_t pid)
{
	int	st;

	while (waitpid(pid, &st, 0) == -1)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* Compare the top paths of t with the expected sketch, exactly. */
static int
same_top(const struct sketch *got, const struct sketch *want)
{
	static struct sketch_item	a[SKETCH_CAP], b[SKETCH_CAP];
	size_t				n, m, i;

	n = sketch_top(got, a, SKETCH_CAP);
	m = sketch_top(want, b, SKETCH_CAP);
	if (n != m)
		return 0;
	for (i = 0; i < n; i++)
		if (a[i].count != b[i].count || strcmp(a[i].key, b[i].key) != 0)
			return 0;
	return 1;
}

static void
check_totals(const struct sb_totals *t, const struct sb_counters *e,
    const char *what)
{
	int	i, bad = 0;

	tap_is_int(t->c.requests, e->requests, "%s: requests", what);
	tap_is_int(t->c.bytes, e->bytes, "%s: bytes", what);
	tap_is_int(t->c.connections, e->connections, "%s: connections",
	    what);
	for (i = 0; i < SB_STATUS_CLASSES; i++)
		bad += t->c.status[i] != e->status[i];
	tap_is_int(bad, 0, "%s: status classes 1xx..5xx", what);
	tap_is_int(t->c.latency.count, e->requests, "%s: latency count",
	    what);
	tap_ok(same_top(&t->c.paths, &e->paths), "%s: top paths exact", what);
	tap_ok(same_top(&t->c.notfound, &e->notfound), "%s: top 404s exact",
	    what);
}

static void
test_create(void)
{
	struct scoreboard	*sb;

	errno = 0;
	tap_ok(scoreboard_create(0) == NULL && errno == EINVAL,
	    "0 slots refused");
	tap_ok(scoreboard_create(SB_MAX_SLOTS + 1) == NULL && errno == EINVAL,
	    "more than SB_MAX_SLOTS refused");
	sb = scoreboard_create(NSLOTS);
	tap_ok(sb != NULL, "create %d slots", NSLOTS);
	tap_is_int(scoreboard_nslots(sb), NSLOTS, "nslots");
	tap_is_int(scoreboard_free_slot(sb), 0, "slot 0 free");
	tap_ok(scoreboard_slot(sb, NSLOTS) == NULL, "slot out of range");
	tap_diag("sizeof(struct sb_slot) %zu, global %zu, %d slots %zu bytes; "
	    "sb_totals %zu", sizeof(struct sb_slot), sizeof(struct scoreboard),
	    NSLOTS, scoreboard_size(NSLOTS), sizeof(struct sb_totals));
	scoreboard_destroy(sb);
}

/*
 * Two workers write while the parent sums: every read is consistent
 * and the request count never goes down.  Returns the board.
 */
static struct scoreboard *
test_two_workers(struct sb_counters *e)
{
	static struct sb_totals	 t;
	struct scoreboard	*sb = scoreboard_create(NSLOTS);
	pid_t			 p0, p1;
	uint64_t		 last = 0;
	int			 reads = 0, torn = 0, back = 0, done = 0;

	p0 = spawn(sb, 0, 0, NREQ);
	p1 = spawn(sb, 1, 1, NREQ);
	while (!done) {
		done = waitpid(p0, NULL, WNOHANG) != 0 &&
		    waitpid(p1, NULL, WNOHANG) != 0;
		scoreboard_sum(sb, &t);
		reads++;
		torn += consistent(&t) != 0;
		back += t.c.requests < last;
		last = t.c.requests;
	}
	tap_is_int(torn, 0, "%d reads during the writes: all consistent",
	    reads);
	tap_is_int(back, 0, "requests never went backwards");
	memset(e, 0, sizeof(*e));
	expect(0, NREQ, e);
	expect(1, NREQ, e);
	scoreboard_sum(sb, &t);
	check_totals(&t, e, "two workers");
	tap_is_int(t.workers, 2, "two workers listed until retired");
	tap_is_int(t.recent_requests, 2 * NREQ, "all requests in the window");
	tap_ok(t.window >= 1 && t.window <= SB_RATE_WINDOW &&
	    t.requests_per_sec == (double)t.recent_requests / t.window,
	    "requests/s over %u s: %.0f", t.window, t.requests_per_sec);
	tap_is_int(t.recent_bytes, t.c.bytes, "bytes in the window");
	tap_ok(histo_quantile(&t.c.latency, 0.5) >= 1000 &&
	    histo_quantile(&t.c.latency, 0.99) <= 1099, "p50 %llu p99 %llu us",
	    (unsigned long long)histo_quantile(&t.c.latency, 0.5),
	    (unsigned long long)histo_quantile(&t.c.latency, 0.99));
	return sb;
}

static void
test_worker_view(struct scoreboard *sb)
{
	struct sb_worker	w;
	char			want[96], path[64];

	tap_is_int(scoreboard_worker(sb, 0, &w), 0, "slot 0 has a worker");
	tap_ok(w.pid > 0, "pid %d", (int)w.pid);
	tap_is_int(w.generation, 1, "generation");
	tap_is_int(w.requests, NREQ, "its requests");
	tap_is_str(sb_state_name(w.state), "idle", "its state");
	req_path(0, NREQ - 1, path, sizeof(path));
	snprintf(want, sizeof(want), "GET %s HTTP/1.1", path);
	tap_is_str(w.request, want, "last request line");
	tap_is_str(w.client, "127.0.0.1", "client");
	tap_ok(w.last_request <= time(NULL) && w.last_request > time(NULL) -
	    60, "time of the last request: %lld s ago",
	    (long long)(time(NULL) - w.last_request));
	scoreboard_worker(sb, 1, &w);
	tap_is_str(w.client, "::1", "slot 1 client");
	tap_is_int(scoreboard_worker(sb, 2, &w), -1, "slot 2 is free");
	tap_is_int(scoreboard_worker(sb, 99, &w), -1, "slot 99 is none");
}

/* A reader process checks totals never fall while the parent retires. */
static pid_t
spawn_reader(struct scoreboard *sb, uint64_t want)
{
	static struct sb_totals	t;
	pid_t			pid;
	uint64_t		last = 0;
	int			i;

	if ((pid = fork()) != 0)
		return pid;
	for (i = 0; i < 20000; i++) {
		scoreboard_sum(sb, &t);
		if (t.c.requests < last || t.c.requests > want ||
		    consistent(&t) != 0)
			_exit(1);
		last = t.c.requests;
	}
	_exit(0);
}

static void
test_retire(struct scoreboard *sb, struct sb_counters *e)
{
	static struct sb_totals	 t;
	struct sb_pending	 pend;
	struct sb_slot		*s;
	pid_t			 r, p;
	int			 i;

	r = spawn_reader(sb, 3 * NREQ);
	for (i = 0; i < 200; i++) {
		scoreboard_retire(sb, 0);
		scoreboard_retire(sb, 1);
	}
	p = spawn(sb, 0, 2, NREQ);
	tap_is_int(reap(p), 0, "a new worker in retired slot 0");
	tap_is_int(reap(r), 0, "a reader saw no total fall, no torn sum, "
	    "during retires and a respawn");
	expect(2, NREQ, e);
	scoreboard_sum(sb, &t);
	check_totals(&t, e, "after retire and respawn");
	tap_is_int(t.workers, 1, "one worker listed");

	scoreboard_retire(sb, 0);
	scoreboard_sum(sb, &t);
	check_totals(&t, e, "all retired");
	tap_is_int(t.workers, 0, "no workers listed");
	tap_is_int(t.recent_requests, 3 * NREQ, "retired seconds still count "
	    "in the rate");
	tap_is_int(scoreboard_free_slot(sb), 0, "slot 0 free again");

	/* A worker killed mid-update leaves its seq odd. */
	s = scoreboard_slot(sb, 3);
	scoreboard_assign(sb, 3, 12345, 9);
	memset(&pend, 0, sizeof(pend));
	tap_is_str(sb_state_name(work_one(s, &pend)), "writing",
	    "writing until the loop iteration ends");
	sb_pending_flush(s, &pend);
	tap_is_str(sb_state_name(atomic_load(&s->state)), "keepalive",
	    "then keep-alive");
	sb_state(s, &pend, SB_GRACEFUL);
	sb_pending_flush(s, &pend);
	tap_is_str(sb_state_name(atomic_load(&s->state)), "graceful",
	    "a state set at once stays");
	sb_state(s, &pend, SB_WRITING);
	atomic_fetch_add(&s->seq, 1);
	scoreboard_sum(sb, &t);
	tap_is_int(t.c.requests, 3 * NREQ + 1, "a stuck seqlock: readers "
	    "give up waiting and count it");
	tap_is_int(t.busy, 1, "a writing worker is busy");
	scoreboard_retire(sb, 3);
	tap_ok((atomic_load(&s->seq) & 1) == 0, "retire leaves seq even");
	scoreboard_sum(sb, &t);
	tap_is_int(t.c.requests, 3 * NREQ + 1, "and keeps the count");
	tap_is_int(t.busy, 0, "nobody busy");
}

int
main(void)
{
	struct sb_counters	*e = calloc(1, sizeof(*e));
	struct scoreboard	*sb;

	test_create();
	sb = test_two_workers(e);
	test_worker_view(sb);
	test_retire(sb, e);
	tap_is_str(sb_state_name(SB_GRACEFUL), "graceful", "state names");
	scoreboard_destroy(sb);
	free(e);
	return tap_done();
}
