/*
 * MIME types by file extension, from a file in Debian's /etc/mime.types
 * format, with a built-in table as the fallback.  Pure: the caller reads
 * the file and hands over its bytes.
 */
#ifndef HEARTH_MIME_H
#define HEARTH_MIME_H

#include <stddef.h>

#define MIME_DEFAULT	"application/octet-stream"

struct mime_table;

/* Parse mime.types text; NULL on allocation failure only. */
struct mime_table	*mime_parse(const char *text, size_t len);
/* The built-in table (used when no file is configured or readable). */
struct mime_table	*mime_builtin(void);
void			 mime_free(struct mime_table *);
size_t			 mime_count(const struct mime_table *);

/*
 * The Content-Type for a file name, by its last extension, case
 * insensitive; text types get "; charset=utf-8".  Never NULL.
 */
const char		*mime_lookup(const struct mime_table *,
			    const char *name);

#endif
