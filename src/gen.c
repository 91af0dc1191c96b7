/*
 * Directory listings and templates, on top of the pure listing and tmpl
 * modules: this file does the reading, stat()ing, caching and logging.
 */
#include "config.h"

#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "file.h"
#include "gen.h"
#include "hearth.h"
#include "listing.h"
#include "log.h"
#include "path.h"
#include "worker.h"

#define LISTING_MAX_ENTRIES	100000	/* beyond this, 500 and a log line */

struct gen_tmpl {
	dev_t		 dev;
	ino_t		 ino;
	off_t		 size;
	struct timespec	 mtime;
	struct tmpl	*t;
	unsigned char	*warned;	/* one bit per name id */
	char		*file;		/* for warnings */
	uint64_t	 used;		/* for eviction */
};

struct gen_cache {
	struct gen_tmpl	 e[TMPL_CACHE];
	uint64_t	 tick;
};

int
gen_listing_enabled(const struct worker *w, const char *path)
{
	int	i;

	for (i = 0; i < w->conf->nlisting; i++)
		if (strncmp(path, w->conf->listing[i],
		    strlen(w->conf->listing[i])) == 0)
			return 1;
	return 0;
}

/* Open the directory under the same symlink rules as files. */
static DIR *
gen_opendir(struct worker *w, const char *path)
{
	struct stat	st;
	DIR		*d;
	int		fd;

	if ((fd = file_openat(w, path[1] ? path + 1 : ".")) == -1)
		return NULL;
	if (fstat(fd, &st) == -1 || !S_ISDIR(st.st_mode) ||
	    (d = fdopendir(fd)) == NULL) {
		close(fd);
		errno = ENOTDIR;
		return NULL;
	}
	return d;
}

/*
 * A symlink is listed only if serving it would work: without
 * follow_symlinks, not when it leads out of the root.
 */
static int
gen_entry_stat(struct worker *w, DIR *d, const char *dirpath,
    const char *name, struct stat *st)
{
	char	rel[PATH_MAX];
	int	fd;

	if (fstatat(dirfd(d), name, st, AT_SYMLINK_NOFOLLOW) == -1)
		return -1;
	if (!S_ISLNK(st->st_mode))
		return 0;
	if (snprintf(rel, sizeof(rel), "%s%s", dirpath + 1, name) >=
	    (int)sizeof(rel))
		return -1;
	if ((fd = file_openat(w, rel)) == -1)
		return -1;
	if (fstat(fd, st) == -1) {
		close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

static void
gen_entries_free(struct listing_entry *v, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		free((char *)v[i].name);
	free(v);
}

static int
gen_read_dir(struct worker *w, DIR *d, const char *path,
    struct listing_entry **out, size_t *nout)
{
	struct listing_entry	*v = NULL, *nv;
	struct dirent		*de;
	struct stat		 st;
	size_t			 n = 0, cap = 0;

	while ((de = readdir(d)) != NULL) {
		if (listing_hidden(de->d_name) ||
		    gen_entry_stat(w, d, path, de->d_name, &st) == -1 ||
		    !(S_ISREG(st.st_mode) || S_ISDIR(st.st_mode)))
			continue;
		if (n == LISTING_MAX_ENTRIES)
			goto fail;
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			if ((nv = realloc(v, cap * sizeof(*v))) == NULL)
				goto fail;
			v = nv;
		}
		v[n].name_len = strlen(de->d_name);
		if ((v[n].name = strdup(de->d_name)) == NULL)
			goto fail;
		v[n].is_dir = S_ISDIR(st.st_mode);
		v[n].size = (uint64_t)st.st_size;
		v[n].mtime = st.st_mtime;
		n++;
	}
	*out = v;
	*nout = n;
	return 0;
fail:
	gen_entries_free(v, n);
	return -1;
}

int
gen_listing(struct worker *w, const struct gen_request *r,
    struct tmpl_out *out, const char **type)
{
	struct listing_entry	*v;
	enum listing_format	 fmt;
	enum listing_key	 key;
	size_t			 n;
	DIR			*d;
	int			 desc, rc;

	if ((d = gen_opendir(w, r->path)) == NULL)
		return errno == ENOENT || errno == ENOTDIR ? 404 : 403;
	rc = gen_read_dir(w, d, r->path, &v, &n);
	closedir(d);
	if (rc == -1) {
		log_warnx("listing %s: too many entries or out of memory",
		    r->path);
		return 500;
	}
	listing_parse_query(r->query.p, r->query.p ? r->query.len : 0, &key,
	    &desc);
	listing_sort(v, n, key, desc);
	fmt = listing_negotiate(r->accept.p, r->accept.p ? r->accept.len : 0);
	rc = listing_render(out, fmt, r->path, strlen(r->path), v, n, key,
	    desc);
	gen_entries_free(v, n);
	*type = listing_content_type(fmt);
	return rc == -1 ? 500 : 0;
}

int
gen_is_template(const struct worker *w, const char *path)
{
	const char	*base = strrchr(path, '/');
	int		 i;

	base = base ? base + 1 : path;
	for (i = 0; i < w->conf->templates.npatterns; i++)
		if (fnmatch(w->conf->templates.patterns[i], base, 0) == 0)
			return 1;
	return 0;
}

/* ---------------------------------------------------------- templates */

struct gen_lookup {
	struct worker			*w;
	const struct gen_request	*r;
	struct gen_tmpl			*e;
	char				 buf[256];
};

/* query.NAME: the first NAME=value in the query, form-decoded. */
static int
gen_query(struct gen_lookup *lk, const char *name, size_t nlen,
    const char **val, size_t *vlen)
{
	const char	*p = lk->r->query.p, *end, *amp, *eq;
	size_t		 o = 0;

	end = p + (p ? lk->r->query.len : 0);
	for (; p < end; p = amp + 1) {
		if ((amp = memchr(p, '&', end - p)) == NULL)
			amp = end;
		eq = memchr(p, '=', amp - p);
		if ((size_t)((eq ? eq : amp) - p) != nlen ||
		    memcmp(p, name, nlen) != 0)
			continue;
		for (p = eq ? eq + 1 : amp; p < amp && o < sizeof(lk->buf);
		    p++) {
			if (*p == '+')
				lk->buf[o++] = ' ';
			else if (*p == '%' && amp - p > 2 && path_hexval(p[1]) >= 0 &&
			    path_hexval(p[2]) >= 0) {
				lk->buf[o++] = (char)(path_hexval(p[1]) * 16 +
				    path_hexval(p[2]));
				p += 2;
			} else
				lk->buf[o++] = *p;
		}
		*val = lk->buf;
		*vlen = o;
		return 1;
	}
	*val = "";	/* a query variable that is absent is empty, known */
	*vlen = 0;
	return 1;
}

static int
gen_builtin(struct gen_lookup *lk, const char *name, const char **val)
{
	struct tm	tm;
	time_t		now = time(NULL);
	long		up;

	localtime_r(&now, &tm);
	if (strcmp(name, "date") == 0)
		strftime(lk->buf, sizeof(lk->buf), "%Y-%m-%d", &tm);
	else if (strcmp(name, "time") == 0)
		strftime(lk->buf, sizeof(lk->buf), "%H:%M:%S", &tm);
	else if (strcmp(name, "uptime") == 0) {
		up = (long)(now - lk->w->server_start);
		snprintf(lk->buf, sizeof(lk->buf), "%ldd %02ldh %02ldm %02lds",
		    up / 86400, up / 3600 % 24, up / 60 % 60, up % 60);
	} else if (strcmp(name, "server_version") == 0)
		*val = HEARTH_SERVER;
	else if (strcmp(name, "request.path") == 0)
		*val = lk->r->path;
	else if (strcmp(name, "request.method") == 0)
		*val = lk->r->method;
	else if (strcmp(name, "client.ip") == 0)
		*val = lk->r->client;
	else
		return 0;
	if (*val == NULL)
		*val = lk->buf;
	return 1;
}

static int
gen_lookup(const char *name, size_t len, void *arg, const char **val,
    size_t *vlen)
{
	struct gen_lookup	*lk = arg;
	const struct config	*conf = lk->w->conf;
	char			 key[TMPL_NAME_MAX + 1];
	int			 i;

	if (len > TMPL_NAME_MAX)
		return 0;
	memcpy(key, name, len);
	key[len] = '\0';
	if (len > 6 && strncmp(key, "query.", 6) == 0)
		return gen_query(lk, key + 6, len - 6, val, vlen);
	*val = NULL;
	if (gen_builtin(lk, key, val)) {
		*vlen = strlen(*val);
		return 1;
	}
	for (i = 0; i < conf->templates.nvars; i++)
		if (strcmp(conf->templates.vars[i].name, key) == 0) {
			*val = conf->templates.vars[i].value;
			*vlen = strlen(*val);
			return 1;
		}
	return 0;
}

/* Warn once per (file, name) in this worker, with file and line. */
static void
gen_unknown(const char *name, size_t len, unsigned int line, size_t id,
    void *arg)
{
	struct gen_lookup	*lk = arg;
	struct gen_tmpl		*e = lk->e;

	if (e->warned[id / 8] & (1 << (id % 8)))
		return;
	e->warned[id / 8] |= (unsigned char)(1 << (id % 8));
	log_warnx("%s:%u: unknown template variable \"%.*s\"", e->file, line,
	    (int)len, name);
}

static void
gen_tmpl_clear(struct gen_tmpl *e)
{
	tmpl_free(e->t);
	free(e->warned);
	free(e->file);
	memset(e, 0, sizeof(*e));
}

/* The cache entry for this file, compiling it when new or changed. */
static struct gen_tmpl *
gen_compile(struct worker *w, int fd, const struct stat *st,
    const char *path)
{
	struct gen_cache	*c = w->tmpl_cache;
	struct gen_tmpl		*e = NULL;
	char			*buf, err[256];
	ssize_t			 n;
	int			 i;

	if (c == NULL && (c = w->tmpl_cache = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	for (i = 0; i < TMPL_CACHE; i++)
		if (c->e[i].t != NULL && c->e[i].dev == st->st_dev &&
		    c->e[i].ino == st->st_ino) {
			e = &c->e[i];
			if (e->size == st->st_size && e->mtime.tv_sec ==
			    st->st_mtim.tv_sec && e->mtime.tv_nsec ==
			    st->st_mtim.tv_nsec) {
				e->used = ++c->tick;
				return e;
			}
			break;		/* changed: rebuild in place */
		}
	if (e == NULL) {		/* the least recently used slot */
		e = &c->e[0];
		for (i = 1; i < TMPL_CACHE; i++)
			if (c->e[i].used < e->used)
				e = &c->e[i];
	}
	gen_tmpl_clear(e);
	if (st->st_size > TMPL_FILE_MAX ||
	    (buf = malloc((size_t)st->st_size + 1)) == NULL) {
		log_warnx("template %s: larger than %d bytes", path,
		    TMPL_FILE_MAX);
		return NULL;
	}
	n = pread(fd, buf, (size_t)st->st_size, 0);
	if (n != st->st_size) {
		log_warn("template %s: read", path);
		free(buf);
		return NULL;
	}
	e->t = tmpl_compile(buf, (size_t)n, err, sizeof(err));
	free(buf);
	if (e->t == NULL) {
		log_warnx("template %s: %s", path, err);
		return NULL;
	}
	e->warned = calloc(tmpl_nnames(e->t) / 8 + 1, 1);
	if (asprintf(&e->file, "%s%s", w->conf->document_root, path) == -1)
		e->file = NULL;
	if (e->warned == NULL || e->file == NULL) {
		gen_tmpl_clear(e);
		return NULL;
	}
	e->dev = st->st_dev;
	e->ino = st->st_ino;
	e->size = st->st_size;
	e->mtime = st->st_mtim;
	e->used = ++c->tick;
	return e;
}

int
gen_template(struct worker *w, int fd, const struct stat *st,
    const struct gen_request *r, struct tmpl_out *out)
{
	struct gen_lookup	lk;

	memset(&lk, 0, sizeof(lk));
	if ((lk.e = gen_compile(w, fd, st, r->path)) == NULL)
		return 500;
	lk.w = w;
	lk.r = r;
	if (tmpl_render_warn(lk.e->t, gen_lookup, gen_unknown, &lk, out) ==
	    -1)
		return 500;
	return 0;
}

void
gen_cache_invalidate(struct worker *w, const char *path)
{
	struct gen_cache	*c = w->tmpl_cache;
	size_t			 rlen = strlen(w->conf->document_root);
	size_t			 plen = strlen(path);
	const char		*f;
	int			 i;

	if (c == NULL)
		return;
	/* "/" and "/dir/" cover everything below them */
	while (plen > 0 && path[plen - 1] == '/')
		plen--;
	for (i = 0; i < TMPL_CACHE; i++) {
		if (c->e[i].t == NULL || (f = c->e[i].file) == NULL)
			continue;
		if (strncmp(f, w->conf->document_root, rlen) != 0) {
			gen_tmpl_clear(&c->e[i]);	/* cannot tell */
			continue;
		}
		f += rlen;
		if (strncmp(f, path, plen) == 0 &&
		    (f[plen] == '\0' || f[plen] == '/'))
			gen_tmpl_clear(&c->e[i]);
	}
}

void
gen_cache_free(struct worker *w)
{
	struct gen_cache	*c = w->tmpl_cache;
	int			 i;

	if (c == NULL)
		return;
	for (i = 0; i < TMPL_CACHE; i++)
		gen_tmpl_clear(&c->e[i]);
	free(c);
	w->tmpl_cache = NULL;
}
