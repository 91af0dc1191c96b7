/*
 * Validators and conditional requests (RFC 9110 sections 8.8 and 13).
 * Pure: libc only.
 */
#include <inttypes.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "date.h"
#include "http_cond.h"

/* One entity-tag, as spans into the caller's text. */
struct etag_tok {
	const char	*opaque;	/* from the opening DQUOTE */
	size_t		 len;		/* through the closing DQUOTE */
	int		 weak;
};

int
etag_make(char *buf, size_t sz, uint64_t ino, uint64_t size,
    int64_t mtime_sec, long mtime_nsec)
{
	int	len;

	if (mtime_nsec < 0)
		mtime_nsec = 0;
	if (mtime_nsec > 999999999)
		mtime_nsec = 999999999;
	len = snprintf(buf, sz, "\"%" PRIx64 "-%" PRIx64 "-%" PRIx64 "%08lx\"",
	    ino, size, (uint64_t)mtime_sec, (unsigned long)mtime_nsec);
	return len < 0 || (size_t)len >= sz ? -1 : len;
}

/* etagc = %x21 / %x23-7E / obs-text (section 8.8.3) */
static int
etag_c(unsigned char c)
{
	return c == 0x21 || (c >= 0x23 && c <= 0x7e) || c >= 0x80;
}

/*
 * entity-tag = [ "W/" ] DQUOTE *etagc DQUOTE at p.  Returns the end of
 * the tag, or NULL.  W/ is case-sensitive (%s"W/" in section 8.8.3).
 */
static const char *
etag_tok(const char *p, const char *end, struct etag_tok *t)
{
	t->weak = 0;
	if (end - p >= 2 && p[0] == 'W' && p[1] == '/') {
		t->weak = 1;
		p += 2;
	}
	if (p == end || *p != '"')
		return NULL;
	t->opaque = p++;
	while (p < end && etag_c((unsigned char)*p))
		p++;
	if (p == end || *p != '"')
		return NULL;
	p++;
	t->len = (size_t)(p - t->opaque);
	return p;
}

/* Our own tag, from a C string; 0 when it is not a valid entity-tag. */
static int
etag_own(const char *etag, struct etag_tok *t)
{
	const char	*end;

	if (etag == NULL)
		return 0;
	end = etag + strlen(etag);
	return etag_tok(etag, end, t) == end;
}

static const char *
cond_ows(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	return p;
}

/* Strong or weak comparison function of section 8.8.3.2. */
static int
etag_cmp(const struct etag_tok *a, const struct etag_tok *b, int strong)
{
	if (strong && (a->weak || b->weak))
		return 0;
	return a->len == b->len && memcmp(a->opaque, b->opaque, a->len) == 0;
}

static int
etag_list_match(const char *p, size_t len, const char *etag, int strong)
{
	const char	*end, *q;
	struct etag_tok	 mine, t;
	int		 have, found = 0;

	if (p == NULL)
		return 0;
	end = p + len;
	have = etag_own(etag, &mine);

	/* "*" stands alone; it is not a list member (section 13.1.1). */
	q = cond_ows(p, end);
	if (q < end && *q == '*') {
		if (cond_ows(q + 1, end) != end)
			return 0;
		return etag != NULL;
	}

	/* #entity-tag: OWS around commas, empty elements allowed. */
	for (q = p;;) {
		q = cond_ows(q, end);
		if (q == end)
			break;
		if (*q == ',') {
			q++;
			continue;
		}
		if ((q = etag_tok(q, end, &t)) == NULL)
			return 0;
		if (have && etag_cmp(&mine, &t, strong))
			found = 1;
		q = cond_ows(q, end);
		if (q != end && *q != ',')
			return 0;
	}
	return found;
}

int
etag_list_match_weak(const char *list, size_t len, const char *etag)
{
	return etag_list_match(list, len, etag, 0);
}

int
etag_list_match_strong(const char *list, size_t len, const char *etag)
{
	return etag_list_match(list, len, etag, 1);
}

time_t
cond_last_modified(time_t mtime, time_t now)
{
	return mtime > now ? now : mtime;
}

/*
 * Section 13.2.2, steps 1 to 4; step 5 (If-Range) is cond_if_range(),
 * called by whoever handles Range.
 */
int
cond_evaluate(const struct cond_request *req, const char *etag,
    time_t mtime)
{
	const struct span	*s;
	time_t			 t;

	/* 1. If-Match: strong comparison (section 13.1.1). */
	s = &req->if_match;
	if (s->p != NULL && !etag_list_match_strong(s->p, s->len, etag))
		return COND_FAILED;

	/*
	 * 2. If-Unmodified-Since, only without If-Match; an invalid date
	 * is ignored (section 13.1.4).
	 */
	s = &req->if_unmodified_since;
	if (req->if_match.p == NULL && s->p != NULL &&
	    date_parse_http_at(s->p, s->len, req->now, &t) == 0 && mtime > t)
		return COND_FAILED;

	/* 3. If-None-Match: weak comparison (section 13.1.2). */
	s = &req->if_none_match;
	if (s->p != NULL) {
		if (etag_list_match_weak(s->p, s->len, etag))
			return req->get_or_head ? COND_NOT_MODIFIED :
			    COND_FAILED;
		return COND_PROCEED;
	}

	/*
	 * 4. If-Modified-Since, GET and HEAD only (section 13.1.3).  A date
	 * later than our clock cannot come from a Last-Modified we sent,
	 * so, as RFC 2616 section 14.25 put it, it is invalid: ignore it
	 * rather than answer 304 for a file that may change before then.
	 */
	s = &req->if_modified_since;
	if (s->p != NULL && req->get_or_head &&
	    date_parse_http_at(s->p, s->len, req->now, &t) == 0 &&
	    t <= req->now && mtime <= t)
		return COND_NOT_MODIFIED;
	return COND_PROCEED;
}

int
cond_if_range(const char *p, size_t len, const char *etag, time_t mtime)
{
	const char	*end;
	struct etag_tok	 mine, t;
	time_t		 d;

	if (p == NULL)
		return 1;
	end = p + len;

	/*
	 * If-Range = entity-tag / HTTP-date.  No day name starts "W/" or
	 * with a DQUOTE, so the first bytes tell the two apart.
	 */
	if (len > 0 && (p[0] == '"' || (len >= 2 && p[0] == 'W' &&
	    p[1] == '/'))) {
		/* Strong comparison: a weak tag never matches. */
		if (etag_tok(p, end, &t) != end || !etag_own(etag, &mine))
			return 0;
		return etag_cmp(&mine, &t, 1);
	}
	/*
	 * An exact match of Last-Modified.  The date is only as good as a
	 * strong validator if the file did not change twice in that second
	 * (section 8.8.2.2); clients send a date only without an ETag, and
	 * ours always has one.
	 */
	return date_parse_http(p, len, &d) == 0 && d == mtime;
}
