/*
 * HTTP Basic authentication (RFC 7617) against an Apache htpasswd file.
 *
 * htpasswd_load() reads the file (the only I/O here); htpasswd_verify()
 * checks a password with crypt_r() from libxcrypt.  basic_auth_parse()
 * is pure and could live anywhere; it is here because it feeds verify.
 *
 * Accepted hashes: bcrypt "$2y$" and "$2b$" (htpasswd -B) and SHA-512
 * crypt "$6$".  Refused, each with a reason: Apache MD5 "$apr1$", MD5
 * crypt "$1$", "{SHA}", SHA-256 crypt "$5$", DES crypt, plain text.
 * MD5 and DES are too fast to survive a leaked file; plain text is
 * worse.
 *
 * Cost: a bcrypt check runs for the file's cost factor (htpasswd -B
 * default 5: about 2 ms; 10: about 60 ms) and blocks the caller.
 */
#ifndef HEARTH_HTPASSWD_H
#define HEARTH_HTPASSWD_H

#include <stddef.h>

#define HTPASSWD_USER_MAX	255	/* bytes, without the NUL */
#define HTPASSWD_HASH_MAX	255
#define HTPASSWD_LINE_MAX	1024	/* longer lines are bad lines */
#define HTPASSWD_ENTRIES_MAX	10000	/* duplicate check is quadratic */

struct htpasswd_entry {
	char	 user[HTPASSWD_USER_MAX + 1];
	char	 hash[HTPASSWD_HASH_MAX + 1];
};

struct htpasswd {
	struct htpasswd_entry	*e;
	size_t			 n;
	size_t			 cap;
};

enum htpasswd_result {
	HTPASSWD_OK = 0,
	HTPASSWD_BAD_PASSWORD,
	HTPASSWD_NO_USER,
	HTPASSWD_UNSUPPORTED,	/* the stored hash is of a refused kind */
	HTPASSWD_ERROR		/* crypt_r() failed on the stored hash */
};

/*
 * Read path into hp (initialised here; free with htpasswd_free() in
 * every case).  Blank lines and lines starting with '#' (after
 * blanks) are skipped; a trailing CR is dropped.
 *
 * Returns the number of bad lines (0: the file is clean), each kept
 * out of hp and described in errbuf as "path:N: reason", one per line,
 * so the caller can log every one and decide whether to refuse the
 * file.  Bad lines: no ':', empty or overlong user or hash, a user seen
 * before, a refused hash kind, an overlong line.  If errbuf fills up it
 * ends with "...".
 *
 * Returns -1 with errbuf set if the file cannot be opened or read, or
 * memory runs out.
 */
int	 htpasswd_load(const char *path, struct htpasswd *hp, char *errbuf,
	    size_t errlen);
void	 htpasswd_free(struct htpasswd *hp);

/*
 * Why a stored hash is refused ("MD5 ($apr1$) ..."), or NULL if it is
 * one we accept.
 */
const char *htpasswd_hash_refused(const char *hash);

/*
 * Check user's password.  The hash comparison takes the same time
 * wherever the first difference is, and an unknown user still costs one
 * crypt_r() (with the first entry's hash, so the same algorithm and
 * cost as real users), so neither timing tells an attacker which users
 * exist.  Scratch memory holding hash output is wiped before return.
 */
enum htpasswd_result
	 htpasswd_verify(const struct htpasswd *hp, const char *user,
	    const char *password);

/* "ok", "bad password", "unknown user", ... for the error log. */
const char *htpasswd_result_str(enum htpasswd_result r);

/*
 * An Authorization field value "Basic <token68>" (RFC 7617 section 2;
 * the scheme is case-insensitive, RFC 9110 section 11.1).  The base64
 * (RFC 4648 section 4, padding required) is decoded into buf, split at
 * the first ':' and NUL-terminated: *user and *password point into buf.
 * buf needs (len / 4) * 3 + 1 bytes for any value of length len.
 * Refused, with the reason in errbuf: another scheme, bad base64, no
 * ':', NUL or other control characters in the credentials (RFC 7617
 * section 2), or a value that does not fit buf.  Returns 0 or -1.  The
 * caller should explicit_bzero() buf when done.
 */
int	 basic_auth_parse(const char *value, size_t len, char *buf,
	    size_t bufsz, const char **user, const char **password,
	    char *errbuf, size_t errlen);

#endif
