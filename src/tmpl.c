/*
 * {{placeholder}} templates.  Pure: libc only.
 *
 * A compiled template is an array of nodes over one text buffer that
 * holds the literal text (escapes already resolved) and each distinct
 * name once.  Rendering is then a walk over the nodes with no parsing,
 * which matters because a cached template is rendered per request.
 */
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tmpl.h"

enum tmpl_kind {
	TMPL_LIT,		/* text[off .. off + len) */
	TMPL_ESC,		/* name id off, HTML-escaped */
	TMPL_RAW		/* name id off, as is */
};

struct tmpl_node {
	enum tmpl_kind	 kind;
	unsigned int	 line;		/* of the opening "{{" */
	size_t		 off, len;
};

struct tmpl_name {
	size_t		 off, len;	/* in text */
};

struct tmpl {
	char		*text;
	size_t		 textlen;
	struct tmpl_node *node;
	size_t		 nnode, nodecap;
	struct tmpl_name *name;
	size_t		 nname, namecap;
};

/* Compiler state; the hash only lives while compiling. */
struct tmpl_cc {
	struct tmpl	*t;
	const char	*end;
	unsigned int	 line;
	size_t		*hash;		/* name id + 1, 0 = empty */
	size_t		 hcap;		/* a power of two */
	char		*errbuf;
	size_t		 errlen;
};

static void	tmpl_err(struct tmpl_cc *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));

static void
tmpl_err(struct tmpl_cc *cc, const char *fmt, ...)
{
	va_list	ap;

	if (cc->errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(cc->errbuf, cc->errlen, fmt, ap);
	va_end(ap);
}

static unsigned int
tmpl_count_lines(const char *p, const char *end)
{
	unsigned int	n = 0;

	while ((p = memchr(p, '\n', end - p)) != NULL) {
		n++;
		p++;
	}
	return n;
}

/* [A-Za-z0-9_.-] */
static int
tmpl_namechar(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-';
}

static int
tmpl_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Double the array at *p (n used, *cap allocated) when it is full. */
static int
tmpl_grow(void **p, size_t n, size_t *cap, size_t size)
{
	void	*np;
	size_t	 ncap;

	if (n < *cap)
		return 0;
	ncap = *cap ? *cap * 2 : 16;
	if (ncap < *cap || ncap > SIZE_MAX / size)
		return -1;
	if ((np = realloc(*p, ncap * size)) == NULL)
		return -1;
	*p = np;
	*cap = ncap;
	return 0;
}

/*
 * Append literal bytes.  The text buffer was sized to the source, and
 * every byte put here stands for at least one byte of source, so it
 * cannot overflow.  Adjacent literals (split by a comment or an escape)
 * become one node.
 */
static int
tmpl_lit(struct tmpl *t, const char *p, size_t len)
{
	struct tmpl_node	*last;

	if (len == 0)
		return 0;
	last = t->nnode ? &t->node[t->nnode - 1] : NULL;
	memcpy(t->text + t->textlen, p, len);
	if (last != NULL && last->kind == TMPL_LIT &&
	    last->off + last->len == t->textlen) {
		last->len += len;
		t->textlen += len;
		return 0;
	}
	if (tmpl_grow((void **)&t->node, t->nnode, &t->nodecap,
	    sizeof(*t->node)) == -1)
		return -1;
	t->node[t->nnode++] = (struct tmpl_node){ TMPL_LIT, 0, t->textlen,
	    len };
	t->textlen += len;
	return 0;
}

/* FNV-1a: short names, no adversary worth a keyed hash at compile time. */
static uint32_t
tmpl_hash(const char *p, size_t len)
{
	uint32_t	h = 2166136261u;

	while (len-- > 0)
		h = (h ^ (unsigned char)*p++) * 16777619u;
	return h;
}

/* Keep the table at most half full so probes stay short. */
static int
tmpl_rehash(struct tmpl_cc *cc)
{
	struct tmpl	*t = cc->t;
	size_t		*nh, ncap, i, j;

	if (t->nname < cc->hcap / 2)
		return 0;
	ncap = cc->hcap ? cc->hcap * 2 : 64;
	if (ncap < cc->hcap || (nh = calloc(ncap, sizeof(*nh))) == NULL)
		return -1;
	for (i = 0; i < t->nname; i++) {
		j = tmpl_hash(t->text + t->name[i].off, t->name[i].len) &
		    (ncap - 1);
		while (nh[j] != 0)
			j = (j + 1) & (ncap - 1);
		nh[j] = i + 1;
	}
	free(cc->hash);
	cc->hash = nh;
	cc->hcap = ncap;
	return 0;
}

/* The id of name, adding it to the name table if it is new; -1 on ENOMEM. */
static long
tmpl_intern(struct tmpl_cc *cc, const char *p, size_t len)
{
	struct tmpl	*t = cc->t;
	size_t		 j, id;

	if (tmpl_rehash(cc) == -1)
		return -1;
	j = tmpl_hash(p, len) & (cc->hcap - 1);
	for (; cc->hash[j] != 0; j = (j + 1) & (cc->hcap - 1)) {
		id = cc->hash[j] - 1;
		if (t->name[id].len == len &&
		    memcmp(t->text + t->name[id].off, p, len) == 0)
			return (long)id;
	}
	if (tmpl_grow((void **)&t->name, t->nname, &t->namecap,
	    sizeof(*t->name)) == -1)
		return -1;
	memcpy(t->text + t->textlen, p, len);
	t->name[t->nname] = (struct tmpl_name){ t->textlen, len };
	t->textlen += len;
	cc->hash[j] = t->nname + 1;
	return (long)t->nname++;
}

static int
tmpl_var(struct tmpl_cc *cc, enum tmpl_kind kind, const char *p, size_t len)
{
	struct tmpl	*t = cc->t;
	long		 id;

	if ((id = tmpl_intern(cc, p, len)) == -1)
		return -1;
	if (tmpl_grow((void **)&t->node, t->nnode, &t->nodecap,
	    sizeof(*t->node)) == -1)
		return -1;
	t->node[t->nnode++] = (struct tmpl_node){ kind, cc->line,
	    (size_t)id, len };
	return 0;
}

/*
 * The first "cc" (a doubled c) in [p, end), or NULL.  memchr keeps the
 * scan of long literal runs fast; memmem(3) would need _GNU_SOURCE.
 */
static const char *
tmpl_find2(const char *p, const char *end, char c)
{
	while ((p = memchr(p, c, end - p)) != NULL) {
		if (p + 1 < end && p[1] == c)
			return p;
		p++;
	}
	return NULL;
}

/*
 * Check the inside of a tag, [s, e): optional space, a name, optional
 * space.  Sets the name span, or fills errbuf and returns -1.
 */
static int
tmpl_tag_name(struct tmpl_cc *cc, const char *s, const char *e,
    const char **name, size_t *len)
{
	unsigned char	c;

	while (s < e && tmpl_space(*s))
		s++;
	for (*name = s; s < e && tmpl_namechar(*s); s++)
		;
	*len = s - *name;
	while (s < e && tmpl_space(*s))
		s++;
	if (s < e) {
		c = *s;
		if (c > ' ' && c < 0x7f)
			tmpl_err(cc, "line %u: invalid character '%c' in tag",
			    cc->line, c);
		else
			tmpl_err(cc, "line %u: invalid byte 0x%02x in tag",
			    cc->line, c);
		return -1;
	}
	if (*len == 0) {
		tmpl_err(cc, "line %u: empty tag", cc->line);
		return -1;
	}
	if (*len > TMPL_NAME_MAX) {
		tmpl_err(cc, "line %u: name longer than %d bytes", cc->line,
		    TMPL_NAME_MAX);
		return -1;
	}
	return 0;
}

/*
 * One tag starting at q ("{{").  Returns the first byte after it, or
 * NULL with errbuf filled.  The tag ends at the first "}}": a name
 * cannot contain braces, so any other reading would only move the
 * error somewhere less obvious.
 */
static const char *
tmpl_tag(struct tmpl_cc *cc, const char *q)
{
	const char	*s = q + 2, *close, *name;
	size_t		 len;
	int		 raw;

	if (s < cc->end && *s == '!') {
		if ((close = tmpl_find2(s, cc->end, '}')) == NULL) {
			tmpl_err(cc, "line %u: unterminated {{!", cc->line);
			return NULL;
		}
		return close + 2;
	}
	if ((raw = s < cc->end && *s == '{'))
		s++;
	close = tmpl_find2(s, cc->end, '}');
	if (close == NULL || tmpl_find2(s, close, '{') != NULL) {
		tmpl_err(cc, "line %u: unterminated %s", cc->line,
		    raw ? "{{{" : "{{");
		return NULL;
	}
	if (tmpl_tag_name(cc, s, close, &name, &len) == -1)
		return NULL;
	if (raw && (close + 2 == cc->end || close[2] != '}')) {
		tmpl_err(cc, "line %u: {{{ closed by }} instead of }}}",
		    cc->line);
		return NULL;
	}
	if (tmpl_var(cc, raw ? TMPL_RAW : TMPL_ESC, name, len) == -1) {
		tmpl_err(cc, "out of memory");
		return NULL;
	}
	return close + 2 + raw;
}

/*
 * The main loop: literal text up to each "{{", then the tag.  lit is
 * where the pending literal starts, so a backslash before "{{" is only
 * an escape when it belongs to literal text, not to the tag before it.
 */
static int
tmpl_parse(struct tmpl_cc *cc, const char *p)
{
	const char	*lit = p, *q, *next;
	int		 nbs;

	while ((q = tmpl_find2(p, cc->end, '{')) != NULL) {
		/* Backslashes right before "{{" in this literal: 0, 1 or 2. */
		nbs = 0;
		if (q > lit && q[-1] == '\\')
			nbs = q - 1 > lit && q[-2] == '\\' ? 2 : 1;
		/* "\{{" is a literal "{{"; "\\{{" a backslash, then a tag. */
		if (tmpl_lit(cc->t, lit, q - lit - (nbs > 0)) == -1)
			goto nomem;
		cc->line += tmpl_count_lines(lit, q);
		if (nbs == 1) {
			lit = q;	/* the "{{" starts the next literal */
			p = q + 2;
			continue;
		}
		if ((next = tmpl_tag(cc, q)) == NULL)
			return -1;
		cc->line += tmpl_count_lines(q, next);
		lit = p = next;
	}
	if (tmpl_lit(cc->t, lit, cc->end - lit) == -1)
		goto nomem;
	return 0;
nomem:
	tmpl_err(cc, "out of memory");
	return -1;
}

struct tmpl *
tmpl_compile(const char *src, size_t len, char *errbuf, size_t errlen)
{
	struct tmpl_cc	 cc;
	struct tmpl	*t;

	memset(&cc, 0, sizeof(cc));
	cc.errbuf = errbuf;
	cc.errlen = errlen;
	if (errlen > 0)
		errbuf[0] = '\0';
	if ((t = calloc(1, sizeof(*t))) == NULL ||
	    (t->text = malloc(len ? len : 1)) == NULL) {
		tmpl_err(&cc, "out of memory");
		goto fail;
	}
	cc.t = t;
	cc.end = src + len;
	cc.line = 1;
	if (tmpl_parse(&cc, src) == -1)
		goto fail;
	free(cc.hash);
	return t;
fail:
	free(cc.hash);
	tmpl_free(t);
	return NULL;
}

void
tmpl_free(struct tmpl *t)
{
	if (t == NULL)
		return;
	free(t->text);
	free(t->node);
	free(t->name);
	free(t);
}

size_t
tmpl_nnames(const struct tmpl *t)
{
	return t->nname;
}

const char *
tmpl_name(const struct tmpl *t, size_t id, size_t *len)
{
	if (id >= t->nname) {
		*len = 0;
		return NULL;
	}
	*len = t->name[id].len;
	return t->text + t->name[id].off;
}

int
tmpl_render(const struct tmpl *t, tmpl_lookup_fn *lookup, void *arg,
    struct tmpl_out *out)
{
	return tmpl_render_warn(t, lookup, NULL, arg, out);
}

int
tmpl_render_warn(const struct tmpl *t, tmpl_lookup_fn *lookup,
    tmpl_unknown_fn *unknown, void *arg, struct tmpl_out *out)
{
	const struct tmpl_node	*n;
	const struct tmpl_name	*nm;
	const char		*val;
	size_t			 i, vlen;
	int			 missing = 0, rc;

	for (i = 0; i < t->nnode; i++) {
		n = &t->node[i];
		if (n->kind == TMPL_LIT) {
			if (tmpl_out_add(out, t->text + n->off, n->len) == -1)
				return -1;
			continue;
		}
		nm = &t->name[n->off];
		val = NULL;
		vlen = 0;
		if (!lookup(t->text + nm->off, nm->len, arg, &val, &vlen)) {
			if (missing < INT_MAX)
				missing++;
			if (unknown != NULL)
				unknown(t->text + nm->off, nm->len, n->line,
				    n->off, arg);
			continue;
		}
		if (n->kind == TMPL_RAW)
			rc = tmpl_out_add(out, val, vlen);
		else
			rc = tmpl_out_html(out, val, vlen);
		if (rc == -1)
			return -1;
	}
	return missing;
}

size_t
tmpl_html_escape(char *dst, size_t cap, const char *src, size_t len)
{
	const char	*ent;
	size_t		 o = 0, i;

	for (i = 0; i < len; i++) {
		switch (src[i]) {
		case '&':
			ent = "&amp;";
			break;
		case '<':
			ent = "&lt;";
			break;
		case '>':
			ent = "&gt;";
			break;
		case '"':
			ent = "&quot;";
			break;
		case '\'':
			/* &apos; is not HTML 4; the number works everywhere. */
			ent = "&#39;";
			break;
		default:
			if (o < cap)
				dst[o] = src[i];
			o++;
			continue;
		}
		for (; *ent != '\0'; ent++, o++)
			if (o < cap)
				dst[o] = *ent;
	}
	return o;
}

int
tmpl_out_reserve(struct tmpl_out *out, size_t more)
{
	char	*np;
	size_t	 need, ncap;

	if (out->cap - out->len >= more)
		return 0;
	if (more > SIZE_MAX - out->len)
		return -1;
	need = out->len + more;
	for (ncap = out->cap ? out->cap : 256; ncap < need; ncap *= 2)
		if (ncap > SIZE_MAX / 2) {
			ncap = need;
			break;
		}
	if ((np = realloc(out->p, ncap)) == NULL)
		return -1;
	out->p = np;
	out->cap = ncap;
	return 0;
}

int
tmpl_out_add(struct tmpl_out *out, const char *p, size_t len)
{
	if (len == 0)
		return 0;
	if (tmpl_out_reserve(out, len) == -1)
		return -1;
	memcpy(out->p + out->len, p, len);
	out->len += len;
	return 0;
}

int
tmpl_out_str(struct tmpl_out *out, const char *s)
{
	return tmpl_out_add(out, s, strlen(s));
}

/* Two passes (measure, then write) beat growing inside the loop. */
int
tmpl_out_html(struct tmpl_out *out, const char *p, size_t len)
{
	size_t	n;

	n = tmpl_html_escape(NULL, 0, p, len);
	if (n == len)
		return tmpl_out_add(out, p, len);
	if (tmpl_out_reserve(out, n) == -1)
		return -1;
	out->len += tmpl_html_escape(out->p + out->len, n, p, len);
	return 0;
}

void
tmpl_out_free(struct tmpl_out *out)
{
	free(out->p);
	out->p = NULL;
	out->len = out->cap = 0;
}
