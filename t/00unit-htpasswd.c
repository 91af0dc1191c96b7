/*
 * Unit tests for src/htpasswd.c: loading (bad lines with their numbers),
 * verifying bcrypt and SHA-512 crypt hashes made here with crypt_r(),
 * and parsing Basic credentials.
 */
#include <crypt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "htpasswd.h"
#include "tap.h"

static char	tmpdir[] = "/tmp/hearth-htpasswd-XXXXXX";

/* crypt_r() of pw with a fresh salt for prefix ("$2y$", "$6$"). */
static void
make_hash(const char *prefix, unsigned long cost, const char *pw,
    char *out, size_t len)
{
	struct crypt_data	cd;
	char			salt[CRYPT_GENSALT_OUTPUT_SIZE];
	const char		*h;

	memset(&cd, 0, sizeof(cd));
	if (crypt_gensalt_rn(prefix, cost, NULL, 0, salt, sizeof(salt)) ==
	    NULL || (h = crypt_r(pw, salt, &cd)) == NULL || h[0] == '*') {
		fprintf(stderr, "crypt %s failed\n", prefix);
		exit(1);
	}
	snprintf(out, len, "%s", h);
}

/* "user:hash" from apache2-utils' htpasswd -B, or "" if not installed. */
static void
apache_line(char *out, size_t len)
{
	FILE	*fp;

	out[0] = '\0';
	if (access("/usr/bin/htpasswd", X_OK) != 0 ||
	    (fp = popen("/usr/bin/htpasswd -nbB -C 4 webadmin 's3cret pw' "
	    "2>/dev/null", "r")) == NULL)
		return;
	if (fgets(out, (int)len, fp) == NULL)
		out[0] = '\0';
	out[strcspn(out, "\n")] = '\0';
	pclose(fp);
}

static void
write_file(const char *path, const char *text)
{
	FILE	*fp;

	if ((fp = fopen(path, "w")) == NULL || fputs(text, fp) == EOF ||
	    fclose(fp) != 0) {
		perror(path);
		exit(1);
	}
}

static char	path[256];
static char	apache[512];

/* The file: good lines, and bad ones on known line numbers. */
static void
make_file(void)
{
	char	y[128], b[128], six[160], text[8192], longline[1200];

	make_hash("$2y$", 4, "wonderland", y, sizeof(y));
	make_hash("$2b$", 4, "secret:with:colons", b, sizeof(b));
	make_hash("$6$", 0, "builder", six, sizeof(six));
	apache_line(apache, sizeof(apache));
	memset(longline, 'x', sizeof(longline) - 1);
	longline[sizeof(longline) - 1] = '\0';
	longline[3] = ':';
	snprintf(text, sizeof(text),
	    "# admins\n"				/* 1 */
	    "   # indented comment\n"			/* 2 */
	    "\n"					/* 3 */
	    "alice:%s\n"				/* 4 */
	    "bob:%s\r\n"				/* 5 */
	    "carol:%s\n"				/* 6 */
	    "nocolon\n"					/* 7 */
	    ":%s\n"					/* 8 */
	    "dave:\n"					/* 9 */
	    "eve:$apr1$Zburt9Iw$pZ6qtU/AxDI4nSGhCpkX70\n"	/* 10 */
	    "frank:{SHA}lcsL/Sl3x2EpjZYk5LTUxyo5l0o=\n"	/* 11 */
	    "grace:plaintext\n"				/* 12 */
	    "alice:%s\n"				/* 13 */
	    "mallory:$2y$05$tooshort\n"			/* 14 */
	    "%s\n"					/* 15 */
	    "oscar:$1$abc$def\n"			/* 16 */
	    "\t\n"					/* 17 */
	    "%s\n",					/* 18 */
	    y, six, b, y, y, longline, apache[0] ? apache : "# no htpasswd");
	snprintf(path, sizeof(path), "%s/htpasswd", tmpdir);
	write_file(path, text);
}

static void
test_load(struct htpasswd *hp)
{
	static const char	*want[] = {
		":7: missing ':'",
		":8: empty user name",
		":9: empty hash",
		":10: Apache MD5 ($apr1$)",
		":11: unsalted SHA-1",
		":12: DES crypt or plain-text",
		":13: user listed twice",
		":14: malformed bcrypt hash",
		":15: line too long",
		":16: MD5 crypt ($1$)",
	};
	char			err[4096], needle[300];
	size_t			i;
	int			bad;

	make_file();
	bad = htpasswd_load(path, hp, err, sizeof(err));
	tap_is_int(bad, 10, "10 bad lines counted");
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		snprintf(needle, sizeof(needle), "%s%s", path, want[i]);
		if (!tap_ok(strstr(err, needle) != NULL, "reported: %s",
		    want[i]))
			tap_diag("  errbuf: %s", err);
	}
	tap_ok(strstr(err, "re-create it with htpasswd -B") != NULL,
	    "the reason says how to fix it");
	tap_is_int(hp->n, apache[0] ? 4 : 3, "good lines loaded");
	tap_ok(strchr(err, '\r') == NULL, "CRLF line accepted");
}

static void
test_verify(const struct htpasswd *hp)
{
	tap_is_int(htpasswd_verify(hp, "alice", "wonderland"), HTPASSWD_OK,
	    "bcrypt $2y$: good password");
	tap_is_int(htpasswd_verify(hp, "alice", "Wonderland"),
	    HTPASSWD_BAD_PASSWORD, "bcrypt $2y$: bad password");
	tap_is_int(htpasswd_verify(hp, "alice", ""), HTPASSWD_BAD_PASSWORD,
	    "empty password");
	tap_is_int(htpasswd_verify(hp, "carol", "secret:with:colons"),
	    HTPASSWD_OK, "bcrypt $2b$: good password with colons");
	tap_is_int(htpasswd_verify(hp, "bob", "builder"), HTPASSWD_OK,
	    "SHA-512 $6$ (CRLF line): good password");
	tap_is_int(htpasswd_verify(hp, "bob", "builder "),
	    HTPASSWD_BAD_PASSWORD, "SHA-512 $6$: bad password");
	tap_is_int(htpasswd_verify(hp, "nobody", "wonderland"),
	    HTPASSWD_NO_USER, "unknown user");
	tap_is_int(htpasswd_verify(hp, "eve", "y"), HTPASSWD_NO_USER,
	    "a refused line's user is unknown");
	tap_is_int(htpasswd_verify(hp, "Alice", "wonderland"),
	    HTPASSWD_NO_USER, "user names are case-sensitive");
	if (apache[0])
		tap_is_int(htpasswd_verify(hp, "webadmin", "s3cret pw"),
		    HTPASSWD_OK, "hash written by htpasswd -B");
	else
		tap_diag("htpasswd (apache2-utils) not installed: skipped");
	tap_is_str(htpasswd_result_str(HTPASSWD_NO_USER), "unknown user",
	    "result names");
}

static double
elapsed(const struct htpasswd *hp, const char *user)
{
	struct timespec	a, b;
	double		best = 1e9, t;
	int		i;

	for (i = 0; i < 5; i++) {
		clock_gettime(CLOCK_MONOTONIC, &a);
		(void)htpasswd_verify(hp, user, "guess");
		clock_gettime(CLOCK_MONOTONIC, &b);
		t = (double)(b.tv_sec - a.tv_sec) +
		    (double)(b.tv_nsec - a.tv_nsec) / 1e9;
		best = t < best ? t : best;
	}
	return best;
}

/* An unknown user costs a crypt too: same order of time as a real one. */
static void
test_timing(void)
{
	struct htpasswd	hp;
	char		h[128], text[256], err[256];
	double		known, unknown;

	make_hash("$2y$", 8, "pw", h, sizeof(h));
	snprintf(text, sizeof(text), "u:%s\n", h);
	write_file(path, text);
	htpasswd_load(path, &hp, err, sizeof(err));
	known = elapsed(&hp, "u");
	unknown = elapsed(&hp, "someone-else");
	tap_ok(unknown > known * 0.5 && unknown < known * 2,
	    "unknown user %.1f ms vs known %.1f ms", unknown * 1e3,
	    known * 1e3);
	htpasswd_free(&hp);

	write_file(path, "# nobody yet\n");
	tap_is_int(htpasswd_load(path, &hp, err, sizeof(err)), 0,
	    "an empty file is clean");
	unknown = elapsed(&hp, "u");
	tap_ok(unknown > 0.0005, "empty file: unknown user still costs a "
	    "crypt (%.2f ms)", unknown * 1e3);
	htpasswd_free(&hp);
}

static void
test_load_errors(void)
{
	struct htpasswd	hp;
	char		err[256], small[40], p[300];

	snprintf(p, sizeof(p), "%s/missing", tmpdir);
	tap_is_int(htpasswd_load(p, &hp, err, sizeof(err)), -1,
	    "missing file: -1");
	tap_ok(strstr(err, p) != NULL && strstr(err, "No such file"),
	    "and says so: %s", err);
	htpasswd_free(&hp);

	write_file(path, "a\nb\nc\nd\ne\n");
	tap_is_int(htpasswd_load(path, &hp, small, sizeof(small)), 5,
	    "5 bad lines with a small errbuf");
	tap_ok(strlen(small) < sizeof(small) &&
	    strcmp(small + strlen(small) - 3, "...") == 0,
	    "errbuf ends with ...: \"%s\"", small);
	htpasswd_free(&hp);

	write_file(path, "a:b\0c\n");
	tap_is_int(htpasswd_load(path, &hp, err, sizeof(err)), 1,
	    "NUL byte: bad line");
	htpasswd_free(&hp);
	tap_ok(htpasswd_hash_refused("$5$rounds=5000$abc$def") != NULL,
	    "SHA-256 crypt refused");
	tap_ok(htpasswd_hash_refused("$2a$05$abcdefghijklmnopqrstuu"
	    "abcdefghijklmnopqrstuvwxyz01234") != NULL, "$2a$ refused");
	tap_ok(htpasswd_hash_refused("$6$salt$short") != NULL,
	    "truncated $6$ refused");
}

static void
b64(const char *in, size_t len, char *out)
{
	static const char	a[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789+/";
	const unsigned char	*p = (const unsigned char *)in;
	uint32_t		v;
	size_t			i, o = 0;

	for (i = 0; i < len; i += 3) {
		v = (uint32_t)p[i] << 16 | (i + 1 < len ? p[i + 1] << 8 : 0) |
		    (i + 2 < len ? p[i + 2] : 0);
		out[o++] = a[v >> 18 & 63];
		out[o++] = a[v >> 12 & 63];
		out[o++] = i + 1 < len ? a[v >> 6 & 63] : '=';
		out[o++] = i + 2 < len ? a[v & 63] : '=';
	}
	out[o] = '\0';
}

/* value -> "user|password", or "ERR: reason". */
static void
is_basic(const char *value, const char *want)
{
	char		buf[128], err[128], got[300];
	const char	*u, *pw;

	if (basic_auth_parse(value, strlen(value), buf, sizeof(buf), &u, &pw,
	    err, sizeof(err)) == 0)
		snprintf(got, sizeof(got), "%s|%s", u, pw);
	else
		snprintf(got, sizeof(got), "ERR: %s", err);
	tap_is_str(got, want, "Authorization: %.60s", value);
}

/* Credentials as raw bytes, base64-encoded here. */
static void
is_basic_raw(const char *cred, size_t len, const char *want)
{
	char	v[256];

	memcpy(v, "Basic ", 6);
	b64(cred, len, v + 6);
	is_basic(v, want);
}

static void
test_basic(void)
{
	char	big[512];

	/* RFC 7617 section 2 example. */
	is_basic("Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==", "Aladdin|open sesame");
	is_basic("basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==", "Aladdin|open sesame");
	is_basic("BASIC   QWxhZGRpbjpvcGVuIHNlc2FtZQ==  ",
	    "Aladdin|open sesame");
	is_basic_raw("a:b:c", 5, "a|b:c");
	is_basic_raw("user:", 5, "user|");
	is_basic_raw(":pw", 3, "|pw");
	is_basic_raw("us\xc3\xa9r:p\xc3\xa4ss", 11, "us\xc3\xa9r|p\xc3\xa4ss");
	is_basic("Bearer abc", "ERR: not Basic credentials");
	is_basic("Basic", "ERR: bad base64 in credentials");
	is_basic("Basicx YTpi", "ERR: not Basic credentials");
	is_basic("Basic ", "ERR: bad base64 in credentials");
	is_basic("Basic !!!!", "ERR: bad base64 in credentials");
	is_basic("Basic YTpiYw", "ERR: bad base64 in credentials");
	is_basic("Basic YT=i", "ERR: bad base64 in credentials");
	is_basic("Basic =Tpi", "ERR: bad base64 in credentials");
	is_basic("Basic YTpi YTpi", "ERR: bad base64 in credentials");
	is_basic("Basic YWJj", "ERR: no ':' between user and password");
	is_basic_raw("a\x01:b", 4, "ERR: control character in credentials");
	is_basic_raw("a:b\n", 4, "ERR: control character in credentials");
	is_basic_raw("a\0:b", 4, "ERR: control character in credentials");
	memset(big, 'A', sizeof(big));
	memcpy(big, "Basic ", 6);
	big[sizeof(big) - 1] = '\0';
	is_basic(big, "ERR: credentials too long");
}

int
main(void)
{
	struct htpasswd	hp;
	char		cmd[300];

	if (mkdtemp(tmpdir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	test_load(&hp);
	test_verify(&hp);
	htpasswd_free(&hp);
	tap_ok(hp.e == NULL && hp.n == 0, "free clears the table");
	test_timing();
	test_load_errors();
	test_basic();
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	if (system(cmd) != 0)
		tap_diag("could not remove %s", tmpdir);
	return tap_done();
}
