/*
 * Generated responses: directory listings and {{placeholder}} templates.
 * Both render into memory; conn sends the result.
 */
#ifndef HEARTH_GEN_H
#define HEARTH_GEN_H

#include <sys/stat.h>

#include "http_parse.h"
#include "tmpl.h"

struct worker;

/* What a template may ask about the request. */
struct gen_request {
	const char	*path;		/* normalised, decoded */
	const char	*method;
	const char	*client;
	struct span	 query;		/* raw, p == NULL when absent */
	struct span	 accept;
};

/* Is a listing on for this (normalised, '/'-terminated) path? */
int	 gen_listing_enabled(const struct worker *, const char *path);

/*
 * Render the listing of directory path into out and set *type.
 * Returns 0, or an HTTP status (403, 404, 500) on failure.
 */
int	 gen_listing(struct worker *, const struct gen_request *,
	    struct tmpl_out *out, const char **type);

/* Does the file name match one of templates.patterns? */
int	 gen_is_template(const struct worker *, const char *path);

/*
 * Render the template in the open file fd (st describes it) into out.
 * Compiled templates are cached per worker and rebuilt when the file
 * changes.  Returns 0, or 500 (logged) when the file cannot be read or
 * does not compile.
 */
int	 gen_template(struct worker *, int fd, const struct stat *st,
	    const struct gen_request *, struct tmpl_out *out);

/*
 * A file changed (live reload): drop the cached templates of path, a
 * URL-like path under document_root, and of everything below it; "/"
 * drops them all.
 */
void	 gen_cache_invalidate(struct worker *, const char *path);

/* Drop every cached template (on exit). */
void	 gen_cache_free(struct worker *);

#endif
