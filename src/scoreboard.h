/*
 * The scoreboard: what every worker is doing and what the server has
 * served, in shared memory (as Apache's scoreboard.h).  I/O module: it
 * maps memory and reads the clock; it never logs.
 *
 * Layout.  One global area and nslots worker slots in one
 * MAP_SHARED | MAP_ANONYMOUS mapping that the master makes before the
 * first fork, so every worker inherits it at the same address.  All
 * zero bytes is a valid empty state, which is what mmap gives us.
 *
 * Writers.  A worker writes only its own slot, and only the master
 * writes the global area and the identity of a slot (pid, generation).
 * So the request path takes no lock and shares no cache line with other
 * workers.
 *
 * Torn reads.  Each slot has a sequence counter (a seqlock): the worker
 * makes it odd, updates, makes it even.  A reader copies the slot and
 * retries if the counter was odd or moved, so the counters, sketches
 * and histogram it adds up are from one moment (the two sketches are
 * copied on their own, so they may be a request or two apart from the
 * counters).  A worker killed in the
 * middle of an update would leave the counter odd forever; readers give
 * up once it has stayed odd for SB_STUCK_MS (a live writer waiting for a
 * CPU is back long before) and take the copy as it is (at worst one
 * request half counted) until the master retires the slot.  pid,
 * generation and state are single atomic words read on their own.
 *
 * Retiring.  When a worker exits, the master folds its slot into the
 * global "retired" counters and clears the slot (scoreboard_retire), so
 * totals survive respawns and graceful reloads.  The fold and the clear
 * happen under a global seqlock that readers also check, so a reader
 * never sees the counts in both places or in neither: a total never
 * goes backwards.  Graceful reloads keep the old workers' slots until
 * they exit, so size the board at 2 x workers.
 *
 * Rates.  Each slot keeps a ring of per-second request and byte counts,
 * written by the worker in sb_pending_flush(), keyed by CLOCK_MONOTONIC
 * seconds (shared by all processes, immune to clock steps).  Readers add
 * the last SB_RATE_WINDOW seconds (the current one included) over all
 * slots and the retired ring.  Per-slot rings cost no cross-process
 * writes, and are right even if nobody read for an hour, which a ring
 * sampled by readers from the totals would not be.  The current second
 * is partial, so a steady rate reads up to 1/60 low.
 */
#ifndef HEARTH_SCOREBOARD_H
#define HEARTH_SCOREBOARD_H

#include <sys/types.h>

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "histo.h"
#include "sketch.h"

#define SB_MAX_SLOTS		1024
#define SB_SUM_TRIES		(1 << 20)	/* see scoreboard_sum() */
#define SB_REQLINE_MAX		128	/* bytes of the request line kept */
#define SB_CLIENT_MAX		48	/* INET6_ADDRSTRLEN, rounded up */
#define SB_STATUS_CLASSES	5	/* 1xx .. 5xx */
#define SB_RATE_RING		64	/* seconds, > SB_RATE_WINDOW */
#define SB_RATE_WINDOW		60
#define SB_READ_TRIES		1000	/* seqlock retries before giving up */
#define SB_STUCK_MS		200	/* an odd counter this still: dead */

enum sb_state {
	SB_STARTING = 0,	/* forked, not reported yet */
	SB_IDLE,		/* waiting for connections */
	SB_READING,		/* reading a request head or body */
	SB_WRITING,		/* sending a response */
	SB_KEEPALIVE,		/* waiting for the next request */
	SB_CLOSING,		/* lingering close */
	SB_GRACEFUL		/* draining before exit */
};

struct sb_rate_sec {
	int64_t		 sec;		/* CLOCK_MONOTONIC second */
	uint64_t	 requests;
	uint64_t	 bytes;
};

/* What a slot counts, and what the global area accumulates. */
struct sb_counters {
	uint64_t		 connections;
	uint64_t		 requests;
	uint64_t		 bytes;
	uint64_t		 status[SB_STATUS_CLASSES];
	uint64_t		 log_dropped;	/* access lines syslog lost */
	uint64_t		 refused_max;	/* 503: limits.max_connections */
	uint64_t		 refused_client; /* 503: limits.per_client */
	uint64_t		 tls_requests;	/* requests over HTTPS */
	uint64_t		 tls_handshakes;	/* completed */
	uint64_t		 tls_resumed;	/* of those, resumed sessions */
	uint64_t		 tls_failed;	/* failed or timed out */
	struct histo		 latency;	/* microseconds */
	struct sb_rate_sec	 rate[SB_RATE_RING];
	/* Readers copy the sketches apart from the rest: see scoreboard.c. */
	struct sketch		 paths;
	struct sketch		 notfound;	/* paths answered 404 */
};

struct sb_slot {
	_Atomic uint32_t	 seq;		/* odd while being written */
	_Atomic int32_t		 pid;		/* 0: slot unused */
	_Atomic uint32_t	 generation;
	_Atomic int32_t		 state;		/* enum sb_state */
	uint64_t		 last_us;	/* its start, CLOCK_MONOTONIC */
	char			 request[SB_REQLINE_MAX];	/* NUL-term */
	char			 client[SB_CLIENT_MAX];		/* NUL-term */
	struct sb_counters	 c;
};

struct scoreboard {
	uint32_t		 magic;
	uint32_t		 nslots;
	size_t			 size;		/* of the mapping */
	int64_t			 start_mono;	/* CLOCK_MONOTONIC seconds */
	int64_t			 start_wall;	/* time(NULL) at creation */
	_Atomic uint32_t	 seq;		/* odd during a retire */
	_Atomic int32_t		 crash_loop;	/* the master is backing off */
	struct sb_counters	 retired;
	struct sb_slot		 slot[];
};

/* One worker, as the status pages list it. */
struct sb_worker {
	pid_t			 pid;
	uint32_t		 generation;
	enum sb_state		 state;
	uint64_t		 connections;
	uint64_t		 requests;
	uint64_t		 bytes;
	int64_t			 last_request;	/* 0: none yet */
	char			 request[SB_REQLINE_MAX];
	char			 client[SB_CLIENT_MAX];
};

/* Everything added up.  About 40 KiB: allocate it, or make it static. */
struct sb_totals {
	struct sb_counters	 c;		/* c.rate is left zero */
	unsigned		 workers;	/* slots with a process */
	unsigned		 busy;		/* reading, writing, closing */
	int64_t			 uptime;	/* seconds */
	unsigned		 window;	/* seconds the rates cover */
	uint64_t		 recent_requests;	/* in the window */
	uint64_t		 recent_bytes;
	double			 requests_per_sec;
	double			 bytes_per_sec;
	int			 crash_loop;
};

/* --- master */

/* Bytes the mapping takes for nslots slots (before page rounding). */
size_t	 scoreboard_size(unsigned nslots);

/* Map a zeroed board; NULL with errno set (EINVAL: nslots 0 or too big). */
struct scoreboard *scoreboard_create(unsigned nslots);
void	 scoreboard_destroy(struct scoreboard *sb);

/* First slot with no process, or -1. */
int	 scoreboard_free_slot(const struct scoreboard *sb);

/* After fork(): slot i belongs to pid, of this config generation. */
void	 scoreboard_assign(struct scoreboard *sb, unsigned i, pid_t pid,
	    uint32_t generation);

/*
 * After the process of slot i was reaped: add its counters to the
 * retired totals and clear it for the next worker.  Only for a slot
 * whose process is gone (or never was): the master cannot fence a live
 * writer.  Harmless on an empty slot.
 */
void	 scoreboard_retire(struct scoreboard *sb, unsigned i);

/* --- readers (any process) */

/* Add up every slot and the retired totals into t. */
void	 scoreboard_sum(const struct scoreboard *sb, struct sb_totals *t);

/* Slot i's worker; 0 if the slot has a process, -1 if it is free. */
int	 scoreboard_worker(const struct scoreboard *sb, unsigned i,
	    struct sb_worker *w);

unsigned scoreboard_nslots(const struct scoreboard *sb);

/* "idle", "reading", "keepalive"...; for pages and JSON. */
const char *sb_state_name(enum sb_state st);

/* --- worker, its own slot only */

/* Slot i, or NULL if out of range. */
struct sb_slot *scoreboard_slot(struct scoreboard *sb, unsigned i);

/* A connection was accepted. */
void	 sb_connection(struct sb_slot *s);
/* A connection refused at a limit: which is 0 (max_connections) or 1. */
void	 sb_refused(struct sb_slot *s, int which);
/* A TLS handshake ended: ok or not, and whether it resumed a session. */
void	 sb_tls_handshake(struct sb_slot *s, int ok, int resumed);
/* The master: workers keep dying and respawns are being delayed. */
void	 scoreboard_crash_loop(struct scoreboard *sb, int on);
/* Access-log lines a syslog receiver did not take, since the last call. */
void	 sb_log_dropped(struct sb_slot *s, uint64_t n);

/*
 * Finished requests, gathered by a worker in its own memory and added to
 * its slot once per event-loop iteration: one seqlock section, and one
 * sketch update per distinct path, instead of one of each per request.
 * The request being served is still written at once (sb_request_begin),
 * so crash forensics always sees it.  Its end state (keep-alive, idle)
 * waits for the flush too: a busy worker shows "writing" until its loop
 * iteration ends instead of flipping twice a request.  All zero bytes
 * is an empty batch.
 */
#define SB_PEND_PATHS	16
#define SB_PEND_LAT	64

struct sb_pend_path {
	uint32_t		 count;
	uint32_t		 notfound;
	uint16_t		 len;
	char			 key[SKETCH_KEY_MAX];
};

struct sb_pending {
	uint32_t		 requests;	/* one latency each in lat[] */
	uint32_t		 tls_requests;
	uint64_t		 bytes;
	uint32_t		 status[SB_STATUS_CLASSES];
	int64_t			 sec;		/* the rate ring's second */
	uint64_t		 lat[SB_PEND_LAT];
	uint32_t		 npath;
	struct sb_pend_path	 path[SB_PEND_PATHS];
	enum sb_state		 state;		/* to show */
	enum sb_state		 shown;		/* what the slot shows */
};

/* A finished request, for sb_pending_add(). */
struct sb_done {
	int			 status;	/* 100..599, else in no class */
	uint64_t		 bytes;		/* of the body */
	uint64_t		 start_us;	/* as sb_request_begin() got */
	uint64_t		 end_us;	/* CLOCK_MONOTONIC */
	const char		*path;		/* without the query; or NULL */
	size_t			 len;
	enum sb_state		 next;		/* SB_KEEPALIVE or SB_IDLE */
	int			 tls;		/* it came over HTTPS */
};

/* Show state st now: started, draining. */
void	 sb_state(struct sb_slot *s, struct sb_pending *p, enum sb_state st);

/*
 * A request head was read at start_us (CLOCK_MONOTONIC microseconds, the
 * reading its latency starts from): show the worker writing it, with
 * its request line (cut to SB_REQLINE_MAX - 1 bytes, unescaped: the
 * pages escape it) and the client address text (cut likewise).
 */
void	 sb_request_begin(struct sb_slot *s, struct sb_pending *p,
	    const char *reqline, size_t len, const char *client,
	    size_t client_len, uint64_t start_us);

/*
 * A response was sent: add to p its status class, body bytes, latency,
 * and its path to the top paths and, for 404, the top 404s.  Flushes p
 * into s first when p is full or d ends in a new second.
 */
void	 sb_pending_add(struct sb_slot *s, struct sb_pending *p,
	    const struct sb_done *d);
void	 sb_pending_flush(struct sb_slot *s, struct sb_pending *p);
/* Show st at the next flush, for a request that is not counted. */
void	 sb_pending_state(struct sb_pending *p, enum sb_state st);

#endif
