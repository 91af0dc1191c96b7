/*
 * A small epoll event loop that knows nothing of HTTP (after redis ae.h).
 *
 * Timers: every timeout kind has one fixed duration (the header timeout,
 * the keep-alive timeout ...), so each duration keeps its own list, and
 * appending a re-armed timer to the tail keeps that list in deadline
 * order.  Arming and cancelling are O(1); the loop only looks at the
 * head of each list.
 */
#ifndef HEARTH_EV_H
#define HEARTH_EV_H

#include <stdint.h>

#define EV_READ		0x1
#define EV_WRITE	0x2
#define EV_EDGE		0x4	/* edge-triggered */
/*
 * Called before the other ready descriptors of the same epoll_wait(),
 * for news they must not act without (fcache.c's file changes).
 */
#define EV_FIRST	0x8

struct ev_loop;
struct ev_tmr;

typedef void	ev_fn(struct ev_loop *, int fd, int events, void *arg);
typedef void	ev_tfn(struct ev_loop *, struct ev_tmr *, void *arg);

struct ev_tlist;

struct ev_tmr {
	struct ev_tmr	*prev, *next;
	struct ev_tlist	*list;		/* NULL when not armed */
	uint64_t	 deadline;	/* ms, monotonic */
	ev_tfn		*fn;
	void		*arg;
};

struct ev_loop	*ev_new(int maxfd);
void		 ev_free(struct ev_loop *);
int		 ev_add(struct ev_loop *, int fd, int mask, ev_fn *, void *arg);
int		 ev_mod(struct ev_loop *, int fd, int mask);
int		 ev_del(struct ev_loop *, int fd);
void		 ev_timer(struct ev_loop *, struct ev_tmr *, int ms, ev_tfn *,
		    void *arg);
void		 ev_timer_cancel(struct ev_tmr *);
int		 ev_timer_armed(const struct ev_tmr *);
void		 ev_set_idle(struct ev_loop *, void (*)(void *), void *arg);
int		 ev_run(struct ev_loop *);	/* until ev_stop(); -1 error */
void		 ev_stop(struct ev_loop *);
uint64_t	 ev_now(struct ev_loop *);	/* ms, cached per iteration */
uint64_t	 ev_now_us(struct ev_loop *);	/* the same, in us */
uint64_t	 ev_clock_ms(void);		/* CLOCK_MONOTONIC, read now */
uint64_t	 ev_clock_us(void);

#endif
