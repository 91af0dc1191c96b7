/*
 * epoll event loop.  See ev.h for the timer design.
 */
#include "config.h"

#include <sys/epoll.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ev.h"

#define EV_MAX_EVENTS	256
#define EV_MAX_TLISTS	16	/* distinct timer durations */

struct ev_tlist {
	int		 ms;
	struct ev_tmr	*head, *tail;
};

struct ev_slot {
	ev_fn		*fn;
	void		*arg;
	int		 mask;
};

struct ev_loop {
	int		 epfd;
	int		 maxfd;
	int		 stop;
	uint64_t	 now;		/* ms */
	uint64_t	 now_us;	/* the same reading */
	struct ev_slot	*slots;
	struct ev_tlist	 tlists[EV_MAX_TLISTS];
	int		 ntlists;
	void		(*idle)(void *);
	void		*idle_arg;
};

uint64_t
ev_clock_us(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

uint64_t
ev_clock_ms(void)
{
	return ev_clock_us() / 1000;
}

static void
ev_tick(struct ev_loop *l)
{
	l->now_us = ev_clock_us();
	l->now = l->now_us / 1000;
}

struct ev_loop *
ev_new(int maxfd)
{
	struct ev_loop	*l;

	if ((l = calloc(1, sizeof(*l))) == NULL)
		return NULL;
	l->maxfd = maxfd;
	if ((l->slots = calloc(maxfd, sizeof(*l->slots))) == NULL ||
	    (l->epfd = epoll_create1(EPOLL_CLOEXEC)) == -1) {
		free(l->slots);
		free(l);
		return NULL;
	}
	ev_tick(l);
	return l;
}

void
ev_free(struct ev_loop *l)
{
	if (l == NULL)
		return;
	close(l->epfd);
	free(l->slots);
	free(l);
}

static uint32_t
ev_epoll_mask(int mask)
{
	uint32_t	e = EPOLLRDHUP;

	if (mask & EV_READ)
		e |= EPOLLIN;
	if (mask & EV_WRITE)
		e |= EPOLLOUT;
	if (mask & EV_EDGE)
		e |= EPOLLET;
	return e;
}

int
ev_add(struct ev_loop *l, int fd, int mask, ev_fn *fn, void *arg)
{
	struct epoll_event	ee;

	if (fd < 0 || fd >= l->maxfd) {
		errno = EMFILE;
		return -1;
	}
	memset(&ee, 0, sizeof(ee));
	ee.events = ev_epoll_mask(mask);
	ee.data.fd = fd;
	if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, fd, &ee) == -1)
		return -1;
	l->slots[fd].fn = fn;
	l->slots[fd].arg = arg;
	l->slots[fd].mask = mask;
	return 0;
}

int
ev_mod(struct ev_loop *l, int fd, int mask)
{
	struct epoll_event	ee;

	if (l->slots[fd].mask == mask)
		return 0;
	memset(&ee, 0, sizeof(ee));
	ee.events = ev_epoll_mask(mask);
	ee.data.fd = fd;
	if (epoll_ctl(l->epfd, EPOLL_CTL_MOD, fd, &ee) == -1)
		return -1;
	l->slots[fd].mask = mask;
	return 0;
}

int
ev_del(struct ev_loop *l, int fd)
{
	l->slots[fd].fn = NULL;
	l->slots[fd].arg = NULL;
	l->slots[fd].mask = 0;
	return epoll_ctl(l->epfd, EPOLL_CTL_DEL, fd, NULL);
}

void
ev_timer_cancel(struct ev_tmr *t)
{
	struct ev_tlist	*tl = t->list;

	if (tl == NULL)
		return;
	if (t->prev)
		t->prev->next = t->next;
	else
		tl->head = t->next;
	if (t->next)
		t->next->prev = t->prev;
	else
		tl->tail = t->prev;
	t->prev = t->next = NULL;
	t->list = NULL;
}

int
ev_timer_armed(const struct ev_tmr *t)
{
	return t->list != NULL;
}

static struct ev_tlist *
ev_tlist_get(struct ev_loop *l, int ms)
{
	int	i;

	for (i = 0; i < l->ntlists; i++)
		if (l->tlists[i].ms == ms)
			return &l->tlists[i];
	if (l->ntlists == EV_MAX_TLISTS)
		return NULL;
	l->tlists[l->ntlists].ms = ms;
	return &l->tlists[l->ntlists++];
}

/*
 * Arm (or re-arm) t to fire ms from now.  With more distinct durations
 * than lists, fall back to an insertion that keeps the list sorted.
 */
void
ev_timer(struct ev_loop *l, struct ev_tmr *t, int ms, ev_tfn *fn, void *arg)
{
	struct ev_tlist	*tl;
	struct ev_tmr	*after;

	ev_timer_cancel(t);
	t->fn = fn;
	t->arg = arg;
	t->deadline = l->now + (uint64_t)ms;
	if ((tl = ev_tlist_get(l, ms)) == NULL)
		tl = &l->tlists[EV_MAX_TLISTS - 1];
	for (after = tl->tail; after && after->deadline > t->deadline;
	    after = after->prev)
		;
	t->list = tl;
	t->prev = after;
	t->next = after ? after->next : tl->head;
	if (t->next)
		t->next->prev = t;
	else
		tl->tail = t;
	if (after)
		after->next = t;
	else
		tl->head = t;
}

void
ev_set_idle(struct ev_loop *l, void (*fn)(void *), void *arg)
{
	l->idle = fn;
	l->idle_arg = arg;
}

static int
ev_next_timeout(struct ev_loop *l)
{
	uint64_t	best = UINT64_MAX;
	int		i;

	for (i = 0; i < l->ntlists; i++)
		if (l->tlists[i].head && l->tlists[i].head->deadline < best)
			best = l->tlists[i].head->deadline;
	if (best == UINT64_MAX)
		return -1;
	if (best <= l->now)
		return 0;
	return best - l->now > 60000 ? 60000 : (int)(best - l->now);
}

static void
ev_expire(struct ev_loop *l)
{
	struct ev_tmr	*t;
	int		 i;

	for (i = 0; i < l->ntlists; i++)
		while ((t = l->tlists[i].head) != NULL &&
		    t->deadline <= l->now) {
			ev_timer_cancel(t);
			t->fn(l, t, t->arg);
		}
}

static int
ev_translate(uint32_t e)
{
	int	mask = 0;

	if (e & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR))
		mask |= EV_READ;
	if (e & (EPOLLOUT | EPOLLHUP | EPOLLERR))
		mask |= EV_WRITE;
	return mask;
}

/* Call the handlers of the ready descriptors with EV_FIRST set, or not. */
static void
ev_dispatch(struct ev_loop *l, const struct epoll_event *evs, int n,
    int first)
{
	struct ev_slot	*s;
	int		 i, fd;

	for (i = 0; i < n; i++) {
		fd = evs[i].data.fd;
		s = &l->slots[fd];
		/* an earlier callback may have closed this fd */
		if (s->fn != NULL && ((s->mask & EV_FIRST) != 0) == first)
			s->fn(l, fd, ev_translate(evs[i].events), s->arg);
	}
}

int
ev_run(struct ev_loop *l)
{
	struct epoll_event	 evs[EV_MAX_EVENTS];
	int			 n;

	l->stop = 0;
	while (!l->stop) {
		n = epoll_wait(l->epfd, evs, EV_MAX_EVENTS,
		    ev_next_timeout(l));
		if (n == -1 && errno != EINTR)
			return -1;
		ev_tick(l);
		ev_dispatch(l, evs, n, 1);
		ev_dispatch(l, evs, n, 0);
		ev_expire(l);
		if (l->idle)
			l->idle(l->idle_arg);
	}
	return 0;
}

void
ev_stop(struct ev_loop *l)
{
	l->stop = 1;
}

uint64_t
ev_now(struct ev_loop *l)
{
	return l->now;
}

uint64_t
ev_now_us(struct ev_loop *l)
{
	return l->now_us;
}
