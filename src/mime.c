/*
 * MIME type table: a sorted array of (extension, type) searched with
 * bsearch().  The Content-Type strings, charset included, are built once
 * here so that serving a file does no string work.
 */
#include "config.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mime.h"

#define MIME_EXT_MAX	32

struct mime_entry {
	char		 ext[MIME_EXT_MAX];
	const char	*type;		/* into the table's string pool */
	size_t		 seq;		/* order in the file */
};

struct mime_table {
	struct mime_entry	*v;
	size_t			 n, cap;
	char			**types;	/* owned Content-Type strings */
	size_t			 ntypes, captypes;
};

static const char builtin_types[] =
	"text/html html htm\n"
	"text/css css\n"
	"text/javascript js mjs\n"
	"application/json json map\n"
	"text/plain txt text log conf\n"
	"text/csv csv\n"
	"text/markdown md\n"
	"application/xml xml\n"
	"image/svg+xml svg svgz\n"
	"image/png png\n"
	"image/jpeg jpg jpeg\n"
	"image/gif gif\n"
	"image/webp webp\n"
	"image/avif avif\n"
	"image/x-icon ico\n"
	"font/woff woff\n"
	"font/woff2 woff2\n"
	"font/ttf ttf\n"
	"font/otf otf\n"
	"application/pdf pdf\n"
	"application/zip zip\n"
	"application/gzip gz\n"
	"application/x-tar tar\n"
	"application/wasm wasm\n"
	"audio/mpeg mp3\n"
	"audio/ogg ogg oga\n"
	"video/mp4 mp4\n"
	"video/webm webm\n";

/* Text types are served as UTF-8, the encoding of every file we ship. */
static int
mime_is_text(const char *type)
{
	return strncmp(type, "text/", 5) == 0 ||
	    strcmp(type, "application/javascript") == 0 ||
	    strcmp(type, "application/json") == 0 ||
	    strcmp(type, "application/xml") == 0 ||
	    strcmp(type, "image/svg+xml") == 0;
}

static const char *
mime_intern(struct mime_table *t, const char *type, size_t len)
{
	char	*s, **v;
	size_t	 i, extra;

	for (i = 0; i < t->ntypes; i++)
		if (strncmp(t->types[i], type, len) == 0 &&
		    (t->types[i][len] == '\0' || t->types[i][len] == ';'))
			return t->types[i];
	if (t->ntypes == t->captypes) {
		t->captypes = t->captypes ? t->captypes * 2 : 64;
		if ((v = realloc(t->types, t->captypes * sizeof(*v))) == NULL)
			return NULL;
		t->types = v;
	}
	extra = sizeof("; charset=utf-8");
	if ((s = malloc(len + extra)) == NULL)
		return NULL;
	memcpy(s, type, len);
	s[len] = '\0';
	if (mime_is_text(s))
		strcat(s, "; charset=utf-8");
	t->types[t->ntypes++] = s;
	return s;
}

static int
mime_add(struct mime_table *t, const char *type, const char *ext,
    size_t extlen)
{
	struct mime_entry	*v;
	size_t			 i;

	if (extlen == 0 || extlen >= MIME_EXT_MAX)
		return 0;
	if (t->n == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 256;
		if ((v = realloc(t->v, t->cap * sizeof(*v))) == NULL)
			return -1;
		t->v = v;
	}
	for (i = 0; i < extlen; i++)
		t->v[t->n].ext[i] = (char)tolower((unsigned char)ext[i]);
	t->v[t->n].ext[extlen] = '\0';
	t->v[t->n].type = type;
	t->v[t->n].seq = t->n;
	t->n++;
	return 0;
}

static int
mime_cmp(const void *a, const void *b)
{
	return strcmp(((const struct mime_entry *)a)->ext,
	    ((const struct mime_entry *)b)->ext);
}

/*
 * qsort() need not be stable (musl's and the BSDs' are not), so break
 * ties by file order: the first mapping of an extension must sort first.
 */
static int
mime_cmp_seq(const void *a, const void *b)
{
	const struct mime_entry	*ea = a, *eb = b;
	int			 d;

	if ((d = strcmp(ea->ext, eb->ext)) != 0)
		return d;
	return ea->seq < eb->seq ? -1 : ea->seq > eb->seq;
}

/* One line: "type/subtype ext ext ..."; '#' starts a comment. */
static int
mime_line(struct mime_table *t, const char *p, const char *end)
{
	const char	*w, *type = NULL;
	size_t		 wl;

	while (p < end) {
		while (p < end && (*p == ' ' || *p == '\t'))
			p++;
		if (p == end || *p == '#')
			break;
		w = p;
		while (p < end && *p != ' ' && *p != '\t' && *p != '#')
			p++;
		wl = (size_t)(p - w);
		if (type == NULL) {
			if (memchr(w, '/', wl) == NULL)
				return 0;	/* not a type: skip line */
			if ((type = mime_intern(t, w, wl)) == NULL)
				return -1;
		} else if (mime_add(t, type, w, wl) == -1)
			return -1;
	}
	return 0;
}

struct mime_table *
mime_parse(const char *text, size_t len)
{
	struct mime_table	*t;
	const char		*p = text, *end = text + len, *nl;
	size_t			 i, o;

	if ((t = calloc(1, sizeof(*t))) == NULL)
		return NULL;
	while (p < end) {
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;
		if (mime_line(t, p, nl) == -1) {
			mime_free(t);
			return NULL;
		}
		p = nl + 1;
	}
	if (t->n > 1)	/* qsort(NULL, 0, ...) is undefined */
		qsort(t->v, t->n, sizeof(*t->v), mime_cmp_seq);
	/* the first mapping of an extension wins, as in Debian's file */
	for (i = o = 0; i < t->n; i++)
		if (o == 0 || strcmp(t->v[o - 1].ext, t->v[i].ext) != 0)
			t->v[o++] = t->v[i];
	t->n = o;
	return t;
}

struct mime_table *
mime_builtin(void)
{
	return mime_parse(builtin_types, sizeof(builtin_types) - 1);
}

void
mime_free(struct mime_table *t)
{
	size_t	i;

	if (t == NULL)
		return;
	for (i = 0; i < t->ntypes; i++)
		free(t->types[i]);
	free(t->types);
	free(t->v);
	free(t);
}

size_t
mime_count(const struct mime_table *t)
{
	return t->n;
}

const char *
mime_lookup(const struct mime_table *t, const char *name)
{
	struct mime_entry	 key, *hit;
	const char		*dot, *slash;
	size_t			 i, len;

	slash = strrchr(name, '/');
	dot = strrchr(slash ? slash : name, '.');
	if (t == NULL || t->n == 0 || dot == NULL || dot[1] == '\0')
		return MIME_DEFAULT;	/* and no bsearch() of a NULL array */
	len = strlen(dot + 1);
	if (len >= MIME_EXT_MAX)
		return MIME_DEFAULT;
	for (i = 0; i <= len; i++)
		key.ext[i] = (char)tolower((unsigned char)dot[1 + i]);
	hit = bsearch(&key, t->v, t->n, sizeof(*t->v), mime_cmp);
	return hit ? hit->type : MIME_DEFAULT;
}
