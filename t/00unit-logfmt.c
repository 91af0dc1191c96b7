/*
 * Unit tests for src/logfmt.c: exact combined lines, Apache's escapes
 * (ap_escape_logitem), truncation that never splits an escape, and a
 * property loop over random bytes: whatever the client sends, a line
 * ends in its only '\n' and has exactly six unescaped '"'.
 */
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "logfmt.h"
#include "tap.h"

#define TIME	"10/Oct/2000:13:55:36 -0700"
#define R(s)	s, sizeof(s) - 1

/* The combined format, as strict as t/lib/Hearth.pm's $COMBINED_RE. */
#define QUOTED	"\"([^\"\\\\]|\\\\.)*\""
static const char combined_re[] =
    "^[^ ]+ [^ ]+ [^ ]+ "
    "\\[[0-9]{2}/[A-Z][a-z]{2}/[0-9]{4}:[0-9]{2}:[0-9]{2}:[0-9]{2} "
    "[+-][0-9]{4}\\] " QUOTED " [0-9]{3} ([0-9]+|-) " QUOTED " " QUOTED
    "\n$";

static regex_t	combined;

static char	line[LOGFMT_LINE_MAX + 1];

static const char *
fmt(const struct logfmt_entry *e, size_t *lenp)
{
	size_t	n;

	memset(line, 'Z', sizeof(line));
	n = logfmt_combined(line, e);
	if (n > LOGFMT_LINE_MAX) {
		tap_diag("line of %zu bytes overran LOGFMT_LINE_MAX", n);
		exit(1);
	}
	line[n] = '\0';
	if (lenp != NULL)
		*lenp = n;
	return line;
}

static void
entry(struct logfmt_entry *e, const char *req, size_t reqlen)
{
	memset(e, 0, sizeof(*e));
	e->host = "127.0.0.1";
	e->time = TIME;
	e->request = req;
	e->request_len = reqlen;
	e->status = 200;
	e->bytes = 1234;
}

/* Escape one byte string, check the exact text. */
static void
esc_is(const char *in, size_t len, const char *want, const char *name)
{
	char	out[256];
	size_t	n, used;

	n = logfmt_escape(out, sizeof(out) - 1, in, len, &used);
	out[n] = '\0';
	tap_is_str(out, want, "escape %s", name);
	if (used != len)
		tap_diag("  used %zu of %zu", used, len);
}

static int
unescaped_quotes(const char *p, size_t len)
{
	size_t	i;
	int	q = 0;

	for (i = 0; i < len; i++) {
		if (p[i] == '\\')
			i++;		/* the escaped byte is not ours */
		else if (p[i] == '"')
			q++;
	}
	return q;
}

static void
test_exact(void)
{
	struct logfmt_entry	e;
	size_t			n;

	entry(&e, R("GET /index.html HTTP/1.1"));
	e.referer = "http://example.com/";
	e.referer_len = strlen(e.referer);
	e.user_agent = "curl/8.0";
	e.user_agent_len = strlen(e.user_agent);
	tap_is_str(fmt(&e, &n), "127.0.0.1 - - [" TIME "] "
	    "\"GET /index.html HTTP/1.1\" 200 1234 \"http://example.com/\" "
	    "\"curl/8.0\"\n", "normal entry");
	tap_is_int(n, strlen(line), "returned length is the line's");

	entry(&e, R("HEAD / HTTP/1.0"));
	e.bytes = 0;
	e.status = 304;
	tap_is_str(fmt(&e, NULL), "127.0.0.1 - - [" TIME "] "
	    "\"HEAD / HTTP/1.0\" 304 - \"-\" \"-\"\n",
	    "zero bytes, no referer or UA: \"-\"");

	entry(&e, NULL, 0);
	e.status = 408;
	e.bytes = 0;
	tap_is_str(fmt(&e, NULL), "127.0.0.1 - - [" TIME "] \"-\" 408 - "
	    "\"-\" \"-\"\n", "no request line: \"-\"");

	entry(&e, R(""));
	e.status = 400;
	e.host = "::1";
	e.user = "bob";
	e.bytes = 18446744073709551615ULL;
	tap_is_str(fmt(&e, NULL), "::1 - bob [" TIME "] \"\" 400 "
	    "18446744073709551615 \"-\" \"-\"\n",
	    "empty request, user, v6 host, 64-bit byte count");

	entry(&e, R("GET / HTTP/1.1"));
	e.status = 7;
	tap_ok(strstr(fmt(&e, NULL), "\" 007 1234 ") != NULL,
	    "status is three digits");
	e.user_agent = "";
	e.user_agent_len = 0;
	tap_ok(strstr(fmt(&e, NULL), " \"-\" \"\"\n") != NULL,
	    "empty User-Agent is \"\", not \"-\"");
}

static void
test_escapes(void)
{
	struct logfmt_entry	e;

	esc_is(R("plain /a?b=c&d"), "plain /a?b=c&d", "plain");
	esc_is(R("\""), "\\\"", "quote");
	esc_is(R("\\"), "\\\\", "backslash");
	esc_is(R("\n"), "\\n", "newline");
	esc_is(R("\r"), "\\r", "carriage return");
	esc_is(R("\t"), "\\t", "tab");
	esc_is(R("\b"), "\\b", "backspace");
	esc_is(R("\v"), "\\v", "vertical tab");
	esc_is(R("\x01"), "\\x01", "\\x01");
	esc_is(R("\x1b"), "\\x1b", "escape");
	esc_is(R("\x7f"), "\\x7f", "DEL");
	esc_is(R("\xc3\xa9"), "\\xc3\\xa9", "UTF-8 e-acute, bytewise");
	esc_is(R("\xff"), "\\xff", "0xff, lower-case hex");
	esc_is("a\0b", 3, "a\\x00b", "NUL in the middle");
	esc_is(R("%0d%0a"), "%0d%0a", "percent escapes are text");

	entry(&e, R("GET /\"a\\b\r\nX: y HTTP/1.1"));
	e.user_agent = "Mozilla \"evil\"\x1b[31m";
	e.user_agent_len = strlen(e.user_agent);
	e.referer = "caf\xc3\xa9";
	e.referer_len = strlen(e.referer);
	tap_is_str(fmt(&e, NULL), "127.0.0.1 - - [" TIME "] "
	    "\"GET /\\\"a\\\\b\\r\\nX: y HTTP/1.1\" 200 1234 "
	    "\"caf\\xc3\\xa9\" \"Mozilla \\\"evil\\\"\\x1b[31m\"\n",
	    "hostile fields escaped in the line");
	tap_ok(regexec(&combined, line, 0, NULL, 0) == 0,
	    "and it matches the combined format");
}

static void
test_used(void)
{
	char	out[16];
	size_t	n, used;

	n = logfmt_escape(out, sizeof(out), R("abc"), &used);
	tap_ok(n == 3 && used == 3, "used: all of a short string");
	n = logfmt_escape(out, 3, R("a\x01"), &used);
	tap_ok(n == 1 && used == 1, "used: an escape that does not fit "
	    "is left out whole");
	n = logfmt_escape(out, 4, R("\"\"\""), &used);
	tap_ok(n == 4 && used == 2, "used: two 2-byte escapes in 4 bytes");
	n = logfmt_escape(out, 5, R("\"\"\""), &used);
	tap_ok(n == 4 && used == 2, "used: not half of the third");
	n = logfmt_escape(out, 0, R("x"), &used);
	tap_ok(n == 0 && used == 0, "used: max 0 writes nothing");
	n = logfmt_escape(out, sizeof(out), "", 0, &used);
	tap_ok(n == 0 && used == 0, "used: empty input");
	n = logfmt_escape(out, 8, R("\xff\xff\xff"), NULL);
	tap_is_int(n, 8, "used may be NULL");
}

static void
test_long(void)
{
	struct logfmt_entry	 e;
	char			*req, *q, *end;
	size_t			 len = 3 * LOGFMT_REQUEST_MAX, i, n;
	int			 off;

	if ((req = malloc(len)) == NULL)
		exit(99);
	/* every offset of a 4-byte escape against the cut */
	for (off = 0; off < 4; off++) {
		memcpy(req, "GET /", 5);
		for (i = 5; i < len; i++)
			req[i] = i < (size_t)(5 + off) ? 'a' : '\x01';
		entry(&e, req, len);
		fmt(&e, &n);
		q = strchr(line, '"');
		end = strchr(q + 1, '"');
		tap_ok(q != NULL && end != NULL &&
		    (size_t)(end - q - 1) <= LOGFMT_REQUEST_MAX &&
		    (size_t)(end - q - 1) > LOGFMT_REQUEST_MAX - 4,
		    "long request line cut near LOGFMT_REQUEST_MAX (offset %d)",
		    off);
		tap_ok(end != NULL && end - 4 > q &&
		    strncmp(end - 4, "\\x01", 4) == 0,
		    "cut on an escape boundary (offset %d)", off);
		tap_ok(regexec(&combined, line, 0, NULL, 0) == 0,
		    "cut line matches the combined format (offset %d)", off);
	}
	/* 2-byte escapes: the cut may not leave a lone backslash */
	for (i = 0; i < len; i++)
		req[i] = '\\';
	entry(&e, req, len);
	fmt(&e, &n);
	tap_ok(regexec(&combined, line, 0, NULL, 0) == 0 &&
	    unescaped_quotes(line, n) == 6,
	    "request of backslashes cut between escapes");
	/* headers are cut at LOGFMT_HEADER_MAX */
	entry(&e, R("GET / HTTP/1.1"));
	e.user_agent = req;
	e.user_agent_len = len;
	fmt(&e, &n);
	tap_ok(n < 200 + LOGFMT_HEADER_MAX && regexec(&combined, line, 0,
	    NULL, 0) == 0, "long User-Agent cut at LOGFMT_HEADER_MAX");
	free(req);
}

/* Small deterministic PRNG, so a failure reproduces. */
static unsigned long long rng = 0x9e3779b97f4a7c15ULL;

static unsigned
rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (unsigned)(rng >> 32);
}

static size_t
rnd_bytes(char *buf, size_t max)
{
	static const char nasty[] = "\"\\\n\r\t\b\v\x00\x7f\x80\xff %";
	size_t	len, i;

	switch (rnd() % 4) {
	case 0:
		len = rnd() % 16;
		break;
	case 3:
		len = rnd() % max;	/* sometimes past the cut */
		break;
	default:
		len = rnd() % 300;
	}
	for (i = 0; i < len; i++)
		buf[i] = rnd() % 3 ? (char)(rnd() & 0xff) :
		    nasty[rnd() % (sizeof(nasty) - 1)];
	return len;
}

static void
test_property(void)
{
	static char		 req[3 * LOGFMT_REQUEST_MAX];
	static char		 ref[3 * LOGFMT_HEADER_MAX];
	static char		 ua[3 * LOGFMT_HEADER_MAX];
	struct logfmt_entry	 e;
	size_t			 n;
	int			 i, bad_nl = 0, bad_q = 0, bad_re = 0;

	for (i = 0; i < 10000; i++) {
		entry(&e, req, rnd_bytes(req, sizeof(req)));
		e.referer = ref;
		e.referer_len = rnd_bytes(ref, sizeof(ref));
		e.user_agent = ua;
		e.user_agent_len = rnd_bytes(ua, sizeof(ua));
		if (rnd() % 10 == 0)
			e.referer = NULL;
		fmt(&e, &n);
		if (n == 0 || line[n - 1] != '\n' ||
		    memchr(line, '\n', n - 1) != NULL ||
		    memchr(line, '\0', n) != NULL) {
			if (bad_nl++ == 0)
				tap_diag("newline: %s", line);
		}
		if (unescaped_quotes(line, n) != 6 && bad_q++ == 0)
			tap_diag("quotes: %s", line);
		if (regexec(&combined, line, 0, NULL, 0) != 0 && bad_re++ == 0)
			tap_diag("shape: %s", line);
	}
	tap_is_int(bad_nl, 0, "10000 random lines: one '\\n', at the end");
	tap_is_int(bad_q, 0, "10000 random lines: six unescaped '\"'");
	tap_is_int(bad_re, 0, "10000 random lines: combined format");
}

/* tls.request_log: mod_ssl's SSLRequestLog line, same escaping. */
static void
test_tls(void)
{
	struct logfmt_entry	e;
	char			buf[LOGFMT_LINE_MAX];
	size_t			n;

	entry(&e, R("GET /a\"b HTTP/1.1"));
	n = logfmt_tls(buf, &e, "TLSv1.3", "TLS_AES_256_GCM_SHA384");
	buf[n] = '\0';
	tap_is_str(buf, "[" TIME "] 127.0.0.1 TLSv1.3 TLS_AES_256_GCM_SHA384 "
	    "\"GET /a\\\"b HTTP/1.1\" 1234\n", "tls request log line");
	entry(&e, NULL, 0);
	e.bytes = 0;
	n = logfmt_tls(buf, &e, "TLSv1.2", "ECDHE-RSA-AES128-GCM-SHA256");
	buf[n] = '\0';
	tap_is_str(buf, "[" TIME "] 127.0.0.1 TLSv1.2 "
	    "ECDHE-RSA-AES128-GCM-SHA256 \"-\" -\n",
	    "tls line without a request or bytes");
}

int
main(void)
{
	if (regcomp(&combined, combined_re, REG_EXTENDED | REG_NOSUB) != 0) {
		printf("Bail out! bad regex\n");
		return 1;
	}
	test_exact();
	test_escapes();
	test_used();
	test_long();
	test_property();
	test_tls();
	regfree(&combined);
	return tap_done();
}
