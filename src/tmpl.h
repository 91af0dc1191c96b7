/*
 * {{placeholder}} templates.  Pure: libc only, no globals, no logging.
 *
 * Syntax:
 *   {{name}}      the value, HTML-escaped (& < > " ' become entities)
 *   {{{name}}}    the value as is ("raw")
 *   {{!text}}     a comment: dropped; it ends at the first "}}" and may
 *                 span lines
 *   \{{           a literal "{{" (the backslash is dropped), as in
 *                 Handlebars; "\{{{" is a literal "{{{".  "\\{{name}}"
 *                 is a literal backslash followed by the placeholder.
 *                 A backslash anywhere else is an ordinary byte.
 * Spaces, tabs and line breaks may surround the name: {{ name }}.
 * A name is [A-Za-z0-9_.-]+ (dotted: request.path, query.q).
 * A lone "{" or "}" is literal, and so is "}}" outside a tag.
 *
 * A template is compiled once into literal spans and variable
 * references, then rendered any number of times.  Unlike the rest of
 * the pure modules this one allocates with malloc/realloc: a compiled
 * template outlives any request arena (it is cached per file), and
 * output size depends on the values, so it goes into a growable buffer.
 */
#ifndef HEARTH_TMPL_H
#define HEARTH_TMPL_H

#include <stddef.h>

/* Longest name in a tag; longer is a compile error. */
#define TMPL_NAME_MAX	256

struct tmpl;

/*
 * Growable output buffer.  Start it as { NULL, 0, 0 } (or with a
 * malloc'd p of cap bytes); functions append at len and realloc p as
 * needed.  The caller owns p and frees it with tmpl_out_free().  Not
 * NUL-terminated.
 */
struct tmpl_out {
	char	*p;
	size_t	 len, cap;
};

/*
 * Look a name up.  Return 1 and set *val and *vlen when the name is
 * known (the value may live in transient memory: it is copied before
 * the next lookup), 0 when it is unknown.  name is not NUL-terminated.
 */
typedef int	 tmpl_lookup_fn(const char *name, size_t len, void *arg,
		    const char **val, size_t *vlen);

/*
 * Called for each placeholder whose lookup returned 0, in template
 * order, with its 1-based line.  id is the name's index in the
 * template's name table (0 .. tmpl_nnames() - 1): the same name always
 * has the same id, so a cache entry holding a bitmap of tmpl_nnames()
 * bits can warn once per (file, name) with no hashing.
 */
typedef void	 tmpl_unknown_fn(const char *name, size_t len,
		    unsigned int line, size_t id, void *arg);

/*
 * Compile len bytes of src (which need not be NUL-terminated, and may
 * be freed afterwards: the template keeps its own copy of what it
 * needs).  Returns NULL on error with a message in errbuf, such as
 * "line 3: unterminated {{", or "out of memory".
 */
struct tmpl	*tmpl_compile(const char *src, size_t len, char *errbuf,
		    size_t errlen);
void		 tmpl_free(struct tmpl *);

/* Distinct names in the template, and the one with a given id. */
size_t		 tmpl_nnames(const struct tmpl *);
const char	*tmpl_name(const struct tmpl *, size_t id, size_t *len);

/*
 * Append the rendered template to out.  Unknown placeholders render
 * empty.  Returns the number of unknown placeholders met (0 when all
 * were known), or -1 when out of memory (out then holds a partial
 * result; it is still the caller's to free).
 */
int		 tmpl_render(const struct tmpl *, tmpl_lookup_fn *lookup,
		    void *arg, struct tmpl_out *out);

/* The same, calling unknown (when not NULL) for each unknown name. */
int		 tmpl_render_warn(const struct tmpl *,
		    tmpl_lookup_fn *lookup, tmpl_unknown_fn *unknown, void *arg,
		    struct tmpl_out *out);

/*
 * HTML-escape len bytes of src into dst: & < > " ' become &amp; &lt;
 * &gt; &quot; &#39; and every other byte (UTF-8 included) is copied.
 * Safe for element text and for quoted attribute values.  Returns the
 * escaped length; dst is complete only when that is <= cap (nothing is
 * written past cap, and no NUL is added).  dst may be NULL when cap is
 * 0, to measure.
 */
size_t		 tmpl_html_escape(char *dst, size_t cap, const char *src,
		    size_t len);

/*
 * Growable buffer helpers, shared with the directory listing.  Each
 * returns 0, or -1 when out of memory (or the size would overflow), in
 * which case out is unchanged.
 */
int		 tmpl_out_reserve(struct tmpl_out *, size_t more);
int		 tmpl_out_add(struct tmpl_out *, const char *p, size_t len);
int		 tmpl_out_str(struct tmpl_out *, const char *s);
int		 tmpl_out_html(struct tmpl_out *, const char *p, size_t len);
void		 tmpl_out_free(struct tmpl_out *);

#endif
