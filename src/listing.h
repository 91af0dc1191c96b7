/*
 * Directory listings.  Pure: libc only, no globals, no logging.  The
 * caller reads the directory, stats the entries, drops the hidden ones
 * and applies the symlink policy; this module sorts and formats.
 * Output goes into the growable struct tmpl_out of tmpl.h (malloc'd).
 */
#ifndef HEARTH_LISTING_H
#define HEARTH_LISTING_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "tmpl.h"

/* The name may hold any byte but NUL and '/'. */
struct listing_entry {
	const char	*name;
	size_t		 name_len;
	int		 is_dir;
	uint64_t	 size;
	time_t		 mtime;
};

enum listing_key {
	LISTING_NAME = 0,
	LISTING_SIZE,
	LISTING_MTIME
};

enum listing_format {
	LISTING_HTML = 0,
	LISTING_JSON,
	LISTING_TEXT
};

/*
 * Directories first, always; then by key, ties broken by name.  Names
 * compare bytewise (no locale: the order must not depend on the
 * environment).  desc reverses the order within directories and within
 * files, so it is the exact mirror of ascending.
 */
void	 listing_sort(struct listing_entry *, size_t n,
	    enum listing_key key, int desc);

/*
 * Read sort=name|size|mtime and order=asc|desc from a raw query string
 * (without the '?').  *key and *desc start as name and ascending; an
 * unknown parameter or value is ignored, and the last valid one wins.
 */
void	 listing_parse_query(const char *q, size_t len,
	    enum listing_key *key, int *desc);

/* Should the caller leave this name out?  Dotfiles, "." and "..". */
int	 listing_hidden(const char *name);

/*
 * Pick a format from an Accept field value (RFC 9110 section 12.5.1):
 * each of text/html, application/json and text/plain gets the q of the
 * most specific media range that matches it (an exact type and subtype,
 * then the type with any subtype, then any type), and the highest q
 * wins.  Ties, an empty or absent Accept (p NULL) and an Accept that
 * refuses all three give HTML: a listing is a page first.  Media type
 * parameters other than q are ignored; a malformed element is skipped.
 */
enum listing_format
	 listing_negotiate(const char *p, size_t len);

/* The Content-Type to send with a format (UTF-8 throughout). */
const char *listing_content_type(enum listing_format);

/*
 * Append a listing of entries (already sorted) to out.  dir is the
 * decoded, normalised URL path of the directory, ending in '/' (as
 * path_normalize() gives it): the HTML title shows it, and there is a
 * "../" row unless it is "/".  key and desc are the current order, so
 * the HTML column headers can link to the other orders.  Returns 0,
 * or -1 when out of memory (out then holds a partial listing).
 *
 * Names in the formats:
 *   HTML  text is HTML-escaped, with bytes that are not valid UTF-8 and
 *         control characters (C0, DEL, C1) shown as U+FFFD; the href is
 *         relative: the exact name percent-encoded (every byte but
 *         A-Z a-z 0-9 - . _ ~), plus '/' for a directory, so the link
 *         works for any name, and "a:b" is not read as a scheme.
 *   JSON  [{"name", "href", "type": "file"|"dir", "size", "mtime"}],
 *         mtime in epoch seconds.  "name" escapes '"', '\' and control
 *         characters (\u00XX), and each byte that is not valid UTF-8
 *         becomes \ufffd, so the output is valid JSON whatever the
 *         name.  That is lossy, so "href" carries the exact bytes,
 *         as the HTML href does.
 *   text  one name per line, directories with a trailing '/'.  '\' is
 *         written "\\", newline, CR and tab as "\n", "\r" and "\t",
 *         and other control bytes and bytes that are not valid UTF-8
 *         as "\xHH", so every line is one entry and the name can be
 *         recovered exactly.
 */
int	 listing_render(struct tmpl_out *out, enum listing_format fmt,
	    const char *dir, size_t dir_len,
	    const struct listing_entry *entries, size_t n,
	    enum listing_key key, int desc);

/*
 * A size in binary units, one decimal: "512 B", "1.2 KiB", "3.4 MiB",
 * up to EiB.  Rounded to nearest; buf holds LISTING_SIZE_LEN + 1.
 */
#define LISTING_SIZE_LEN	12	/* "1023.9 KiB" with room */
void	 listing_human_size(uint64_t size, char *buf);

/*
 * A modification time in UTC, "2026-11-27 13:45" (the pure modules
 * have no time zone); buf holds LISTING_TIME_LEN + 1.  Years beyond
 * 9999 or before 0 are clamped.
 */
#define LISTING_TIME_LEN	16
void	 listing_time(time_t t, char *buf);

#endif
