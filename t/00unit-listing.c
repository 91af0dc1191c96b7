/*
 * Unit tests for src/listing.c.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "listing.h"
#include "tap.h"
#include "tmpl.h"

/* ------------------------------------------- a tiny JSON validator */

/*
 * RFC 8259, strictly enough to catch what an escaper can get wrong:
 * raw control characters, bad escapes, invalid UTF-8, trailing junk.
 */
struct js {
	const unsigned char	*p, *end;
};

static int	js_value(struct js *);

static void
js_ws(struct js *j)
{
	while (j->p < j->end && (*j->p == ' ' || *j->p == '\t' ||
	    *j->p == '\n' || *j->p == '\r'))
		j->p++;
}

static int
js_lit(struct js *j, const char *s)
{
	size_t	n = strlen(s);

	if ((size_t)(j->end - j->p) < n || memcmp(j->p, s, n) != 0)
		return 0;
	j->p += n;
	return 1;
}

/* One UTF-8 sequence (RFC 3629), at least one byte long. */
static int
js_utf8(struct js *j)
{
	const unsigned char	*p = j->p;
	unsigned int		 c = p[0], n, i, cp;

	if (c < 0x80)
		n = 1, cp = c;
	else if (c >= 0xc2 && c <= 0xdf)
		n = 2, cp = c & 0x1f;
	else if (c >= 0xe0 && c <= 0xef)
		n = 3, cp = c & 0x0f;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 4, cp = c & 0x07;
	else
		return 0;
	if ((size_t)(j->end - p) < n)
		return 0;
	for (i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (p[i] & 0x3f);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	j->p += n;
	return 1;
}

static int
js_string(struct js *j)
{
	int	i;

	if (!js_lit(j, "\""))
		return 0;
	while (j->p < j->end && *j->p != '"') {
		if (*j->p < 0x20)
			return 0;
		if (*j->p != '\\') {
			if (!js_utf8(j))
				return 0;
			continue;
		}
		if (++j->p == j->end)
			return 0;
		if (strchr("\"\\/bfnrt", *j->p) != NULL && *j->p != '\0') {
			j->p++;
			continue;
		}
		if (*j->p++ != 'u')
			return 0;
		for (i = 0; i < 4; i++, j->p++)
			if (j->p == j->end || strchr("0123456789abcdefABCDEF",
			    *j->p) == NULL || *j->p == '\0')
				return 0;
	}
	return js_lit(j, "\"");
}

static int
js_number(struct js *j)
{
	const unsigned char	*s;

	js_lit(j, "-");
	s = j->p;
	while (j->p < j->end && *j->p >= '0' && *j->p <= '9')
		j->p++;
	if (j->p == s || (*s == '0' && j->p - s > 1))
		return 0;
	return 1;	/* our listings have no fractions or exponents */
}

/* '[' or '{' already consumed; items until close. */
static int
js_items(struct js *j, int obj, const char *close)
{
	js_ws(j);
	if (js_lit(j, close))
		return 1;
	for (;;) {
		js_ws(j);
		if (obj && (!js_string(j) || (js_ws(j), !js_lit(j, ":"))))
			return 0;
		if (!js_value(j))
			return 0;
		js_ws(j);
		if (js_lit(j, close))
			return 1;
		if (!js_lit(j, ","))
			return 0;
	}
}

static int
js_value(struct js *j)
{
	js_ws(j);
	if (j->p == j->end)
		return 0;
	if (js_lit(j, "["))
		return js_items(j, 0, "]");
	if (js_lit(j, "{"))
		return js_items(j, 1, "}");
	if (*j->p == '"')
		return js_string(j);
	if (js_lit(j, "true") || js_lit(j, "false") || js_lit(j, "null"))
		return 1;
	return js_number(j);
}

static int
json_valid(const char *p, size_t len)
{
	struct js	j = { (const unsigned char *)p,
			      (const unsigned char *)p + len };

	if (!js_value(&j))
		return 0;
	js_ws(&j);
	return j.p == j.end;
}

static int
utf8_valid(const char *p, size_t len)
{
	struct js	j = { (const unsigned char *)p,
			      (const unsigned char *)p + len };

	while (j.p < j.end)
		if (!js_utf8(&j))
			return 0;
	return 1;
}

/* ------------------------------------------------------- helpers */

#define E(n, d, s, t)	{ n, sizeof(n) - 1, d, s, t }

/* Names that break naive escapers, in one directory. */
static const struct listing_entry odd[] = {
	E("a b", 0, 1234, 1795787159),
	E("#frag", 0, 0, 0),
	E("q?x=1&y", 0, 1, 0),
	E("100%", 0, 2, 0),
	E("quote\"d", 0, 3, 0),
	E("<script>alert(1)</script>", 0, 4, 0),
	E("it's", 0, 5, 0),
	E("\xff\xfe", 0, 6, 0),
	E("new\nline", 0, 7, 0),
	E("tab\tcr\r", 0, 8, 0),
	E("a:b", 0, 9, 0),
	E("caf\xc3\xa9", 0, 10, 0),
	E("del\x7f", 0, 11, 0),
	E("back\\slash", 0, 12, 0),
	E("sub dir", 1, 4096, 0),
	E("\xed\xa0\x80surrogate", 0, 13, 0),
	E("\xc0\xafoverlong", 0, 14, 0),
};
#define NODD	(sizeof(odd) / sizeof(odd[0]))

static char *
render(enum listing_format f, const char *dir,
    const struct listing_entry *e, size_t n, enum listing_key key, int desc)
{
	struct tmpl_out	 out = { NULL, 0, 0 };
	char		*s = NULL;

	if (listing_render(&out, f, dir, strlen(dir), e, n, key, desc) == 0 &&
	    (s = malloc(out.len + 1)) != NULL) {
		memcpy(s, out.p, out.len);
		s[out.len] = '\0';
	}
	tmpl_out_free(&out);
	return s;
}

static int
has(const char *hay, const char *needle)
{
	return hay != NULL && strstr(hay, needle) != NULL;
}

/* ------------------------------------------------------------ tests */

static void
test_html(void)
{
	char	*s;

	s = render(LISTING_HTML, "/files/x y/", odd, NODD, LISTING_NAME, 0);
	tap_ok(s != NULL && utf8_valid(s, strlen(s)),
	    "HTML: renders, valid UTF-8");
	tap_ok(has(s, "<title>Index of /files/x y/</title>"), "HTML: title");
	tap_ok(has(s, "<a href=\"../\">../</a>"), "HTML: parent link");
	tap_ok(has(s, "<a href=\"a%20b\">a b</a>"), "HTML: space");
	tap_ok(has(s, "<a href=\"%23frag\">#frag</a>"), "HTML: #");
	tap_ok(has(s, "<a href=\"q%3Fx%3D1%26y\">q?x=1&amp;y</a>"),
	    "HTML: ? = &");
	tap_ok(has(s, "<a href=\"100%25\">100%</a>"), "HTML: %%");
	tap_ok(has(s, "<a href=\"quote%22d\">quote&quot;d</a>"), "HTML: \"");
	tap_ok(has(s, "<a href=\"%3Cscript%3Ealert%281%29%3C%2Fscript%3E\">"
	    "&lt;script&gt;alert(1)&lt;/script&gt;</a>"), "HTML: <script>");
	tap_ok(!has(s, "<script"), "HTML: no raw <script anywhere");
	tap_ok(has(s, "<a href=\"it%27s\">it&#39;s</a>"), "HTML: '");
	tap_ok(has(s, "<a href=\"%FF%FE\">\xef\xbf\xbd\xef\xbf\xbd</a>"),
	    "HTML: non-UTF-8 bytes: exact href, U+FFFD shown");
	tap_ok(has(s, "<a href=\"new%0Aline\">new\xef\xbf\xbdline</a>"),
	    "HTML: newline");
	tap_ok(has(s, "<a href=\"tab%09cr%0D\">tab\xef\xbf\xbd" "cr"
	    "\xef\xbf\xbd</a>"), "HTML: tab and CR");
	tap_ok(has(s, "<a href=\"a%3Ab\">a:b</a>"),
	    "HTML: ':' encoded so the href is not a scheme");
	tap_ok(has(s, "<a href=\"caf%C3%A9\">caf\xc3\xa9</a>"),
	    "HTML: UTF-8 shown as is");
	tap_ok(has(s, "<a href=\"del%7F\">del\xef\xbf\xbd</a>"), "HTML: DEL");
	tap_ok(has(s, "<a href=\"back%5Cslash\">back\\slash</a>"),
	    "HTML: backslash");
	tap_ok(has(s, "<a href=\"sub%20dir/\">sub dir/</a></td><td>-</td>"),
	    "HTML: directory with '/' and no size");
	tap_ok(has(s, "<td>1.2 KiB</td><td>2026-11-27 13:45</td>"),
	    "HTML: human size and time");
	tap_ok(has(s, "<a href=\"%ED%A0%80surrogate\">\xef\xbf\xbd\xef\xbf\xbd"
	    "\xef\xbf\xbdsurrogate"), "HTML: encoded surrogate is invalid");
	tap_ok(has(s, "<th aria-sort=\"ascending\"><a href=\"?sort=name&amp;"
	    "order=desc\">Name</a></th>"), "HTML: sorted column links desc");
	tap_ok(has(s, "<th><a href=\"?sort=size&amp;order=asc\">Size</a>"),
	    "HTML: other columns link asc");
	tap_ok(has(s, "a%20b") && strstr(s, "a%20b") < strstr(s, "sub%20dir/"),
	    "HTML: keeps the caller's order");
	free(s);

	s = render(LISTING_HTML, "/", odd, 1, LISTING_SIZE, 1);
	tap_ok(s != NULL && !has(s, "../"), "HTML: no parent at /");
	tap_ok(has(s, "<th aria-sort=\"descending\"><a href=\"?sort=size&amp;"
	    "order=asc\">Size</a>"), "HTML: descending column links asc");
	free(s);

	s = render(LISTING_HTML, "/<b>\xff/", NULL, 0, LISTING_NAME, 0);
	tap_ok(has(s, "<h1>Index of /&lt;b&gt;\xef\xbf\xbd/</h1>") &&
	    has(s, "<tbody>\n<tr><td><a href=\"../\">../</a></td><td>-</td>"
	    "<td></td></tr>\n</tbody>"), "HTML: empty directory, odd path");
	free(s);
}

static void
test_json(void)
{
	const char	*good;
	char		*s;

	s = render(LISTING_JSON, "/files/", odd, NODD, LISTING_NAME, 0);
	tap_ok(s != NULL && json_valid(s, strlen(s)), "JSON: valid");
	tap_ok(has(s, "{\"name\":\"a b\",\"href\":\"a%20b\",\"type\":\"file\","
	    "\"size\":1234,\"mtime\":1795787159}"), "JSON: one object");
	tap_ok(has(s, "\"name\":\"quote\\\"d\""), "JSON: quote");
	tap_ok(has(s, "\"name\":\"back\\\\slash\""), "JSON: backslash");
	tap_ok(has(s, "\"name\":\"new\\u000Aline\""), "JSON: newline");
	tap_ok(has(s, "\"name\":\"tab\\u0009cr\\u000D\""), "JSON: tab, CR");
	tap_ok(has(s, "\"name\":\"del\\u007F\""), "JSON: DEL");
	tap_ok(has(s, "\"name\":\"\\ufffd\\ufffd\",\"href\":\"%FF%FE\""),
	    "JSON: non-UTF-8 as U+FFFD, exact bytes in href");
	tap_ok(has(s, "\"name\":\"caf\xc3\xa9\""), "JSON: UTF-8 as is");
	tap_ok(has(s, "\"name\":\"<script>alert(1)</script>\""),
	    "JSON: '<' needs no escape in JSON");
	tap_ok(has(s, "\"name\":\"sub dir\",\"href\":\"sub%20dir/\","
	    "\"type\":\"dir\""), "JSON: directory");
	tap_ok(has(s, "\"name\":\"\\ufffd\\ufffd\\ufffdsurrogate\""),
	    "JSON: encoded surrogate replaced");
	tap_ok(has(s, "\"name\":\"\\ufffd\\ufffdoverlong\""),
	    "JSON: overlong replaced");
	free(s);

	s = render(LISTING_JSON, "/", NULL, 0, LISTING_NAME, 0);
	tap_is_str(s, "[\n]\n", "JSON: empty directory");
	tap_ok(s != NULL && json_valid(s, strlen(s)), "JSON: empty is valid");
	free(s);

	good = "{\"a\":[1,\"\\u00e9\",true]}";
	tap_ok(!json_valid("[\"a\nb\"]", 7) && !json_valid("[\"\xff\"]", 5) &&
	    !json_valid("[1,]", 4) && json_valid(good, strlen(good)),
	    "the JSON checker itself rejects bad JSON");
}

static void
test_text(void)
{
	char	*s;
	size_t	 lines = 0;
	char	*p;

	s = render(LISTING_TEXT, "/", odd, NODD, LISTING_NAME, 0);
	for (p = s; p != NULL && (p = strchr(p, '\n')) != NULL; p++)
		lines++;
	tap_is_int(lines, NODD, "text: one line per entry");
	tap_ok(has(s, "\nnew\\nline\n"), "text: newline escaped");
	tap_ok(has(s, "\ntab\\tcr\\r\n"), "text: tab and CR escaped");
	tap_ok(has(s, "\n\\xFF\\xFE\n"), "text: non-UTF-8 as \\xHH");
	tap_ok(has(s, "\nback\\\\slash\n"), "text: backslash doubled");
	tap_ok(has(s, "\ndel\\x7F\n"), "text: DEL");
	tap_ok(has(s, "\nsub dir/\n"), "text: directory has '/'");
	tap_ok(has(s, "\ncaf\xc3\xa9\n") && has(s, "\nquote\"d\n"),
	    "text: UTF-8 and quotes as is");
	tap_ok(s != NULL && strncmp(s, "a b\n", 4) == 0, "text: first line");
	free(s);
}

static void
is_order(struct listing_entry *e, size_t n, enum listing_key key, int desc,
    const char *want)
{
	char	got[256];
	size_t	i, off = 0;

	listing_sort(e, n, key, desc);
	got[0] = '\0';
	for (i = 0; i < n && off < sizeof(got); i++)
		off += snprintf(got + off, sizeof(got) - off, "%s%.*s",
		    i ? " " : "", (int)e[i].name_len, e[i].name);
	tap_is_str(got, want, "sort by %d%s", key, desc ? " desc" : "");
}

static void
test_sort(void)
{
	struct listing_entry	e[] = {
		E("b", 0, 10, 300),
		E("D", 1, 4096, 100),
		E("a", 0, 30, 100),
		E("c", 1, 4096, 200),
		E("ab", 0, 10, 200),
		E("\xc3\xa9", 0, 20, 50),
		E("B", 0, 30, 300),
	};
	size_t			n = sizeof(e) / sizeof(e[0]);

	is_order(e, n, LISTING_NAME, 0, "D c B a ab b \xc3\xa9");
	is_order(e, n, LISTING_NAME, 1, "c D \xc3\xa9 b ab a B");
	is_order(e, n, LISTING_SIZE, 0, "D c ab b \xc3\xa9 B a");
	is_order(e, n, LISTING_SIZE, 1, "c D a B \xc3\xa9 b ab");
	is_order(e, n, LISTING_MTIME, 0, "D c \xc3\xa9 a ab B b");
	is_order(e, n, LISTING_MTIME, 1, "c D b B ab a \xc3\xa9");
	is_order(e, 1, LISTING_SIZE, 1, "c");
	listing_sort(NULL, 0, LISTING_NAME, 1);
	tap_ok(1, "sorting nothing is fine");
}

static void
is_size(uint64_t v, const char *want)
{
	char	buf[LISTING_SIZE_LEN + 1];

	listing_human_size(v, buf);
	tap_is_str(buf, want, "size %llu", (unsigned long long)v);
}

static void
is_time(time_t t, const char *want)
{
	char	buf[LISTING_TIME_LEN + 1];

	listing_time(t, buf);
	tap_is_str(buf, want, "time %lld", (long long)t);
}

static void
test_units(void)
{
	is_size(0, "0 B");
	is_size(1023, "1023 B");
	is_size(1024, "1.0 KiB");
	is_size(1234, "1.2 KiB");
	is_size(1048524, "1023.9 KiB");
	is_size(1048575, "1.0 MiB");
	is_size(3565158, "3.4 MiB");
	is_size((uint64_t)5 << 30, "5.0 GiB");
	is_size(UINT64_MAX, "16.0 EiB");

	is_time(0, "1970-01-01 00:00");
	is_time(1795787159, "2026-11-27 13:45");
	is_time(-1, "1969-12-31 23:59");
	is_time(951782400, "2000-02-29 00:00");
	if (sizeof(time_t) > 4) {
		is_time((time_t)253402300800LL, "9999-12-31 23:59");
		is_time((time_t)-62167219201LL, "0000-01-01 00:00");
	}
}

static void
is_query(const char *q, enum listing_key wkey, int wdesc)
{
	enum listing_key	key = 99;
	int			desc = 99;

	listing_parse_query(q, q ? strlen(q) : 0, &key, &desc);
	tap_ok(key == wkey && desc == wdesc, "query \"%s\": %d %d (got %d %d)",
	    q ? q : "(null)", wkey, wdesc, key, desc);
}

static void
test_query(void)
{
	is_query(NULL, LISTING_NAME, 0);
	is_query("", LISTING_NAME, 0);
	is_query("sort=size", LISTING_SIZE, 0);
	is_query("sort=mtime&order=desc", LISTING_MTIME, 1);
	is_query("order=desc&sort=name", LISTING_NAME, 1);
	is_query("sort=bogus&order=sideways", LISTING_NAME, 0);
	is_query("sort=SIZE&order=DESC", LISTING_NAME, 0);
	is_query("x=1&&sort&sort=size&=desc&order=desc&", LISTING_SIZE, 1);
	is_query("sort=size&sort=mtime", LISTING_MTIME, 0);
	is_query("sort=size&sort=bad", LISTING_SIZE, 0);
	is_query("sorting=size&xorder=desc", LISTING_NAME, 0);
}

static void
is_neg(const char *accept, enum listing_format want)
{
	enum listing_format	got;

	got = listing_negotiate(accept, accept ? strlen(accept) : 0);
	tap_is_int(got, want, "Accept: %s", accept ? accept : "(none)");
}

static void
test_negotiate(void)
{
	is_neg(NULL, LISTING_HTML);
	is_neg("", LISTING_HTML);
	is_neg("application/json", LISTING_JSON);
	is_neg("text/plain", LISTING_TEXT);
	is_neg("text/html", LISTING_HTML);
	is_neg("*/*", LISTING_HTML);
	is_neg("text/html,application/xhtml+xml,application/xml;q=0.9,"
	    "*/*;q=0.8", LISTING_HTML);
	is_neg("APPLICATION/JSON", LISTING_JSON);
	is_neg("application/*", LISTING_JSON);
	is_neg("text/*", LISTING_HTML);
	is_neg("text/plain, text/html;q=0.9", LISTING_TEXT);
	is_neg("application/json;q=0.5, text/html;q=0.4", LISTING_JSON);
	is_neg("text/plain;q=1.0, application/json;q=0.999", LISTING_TEXT);
	is_neg("application/json;q=0", LISTING_HTML);
	is_neg("application/json;q=2", LISTING_HTML);
	is_neg("application/json;q=0.5x", LISTING_HTML);
	is_neg("*/*;q=0.1, application/json", LISTING_JSON);
	is_neg("text/html;q=0, */*", LISTING_JSON);
	is_neg("application/json; charset=\"a,b\"; Q=0.9, text/html;q=0.8",
	    LISTING_JSON);
	is_neg("garbage, text/plain", LISTING_TEXT);
	is_neg("text/plain junk, application/json;q=0.1", LISTING_JSON);
	is_neg(" , ,application/json , ", LISTING_JSON);
	is_neg("image/png", LISTING_HTML);

	tap_is_str(listing_content_type(LISTING_JSON), "application/json",
	    "JSON content type");
	tap_is_str(listing_content_type(LISTING_TEXT),
	    "text/plain; charset=utf-8", "text content type");
	tap_is_str(listing_content_type(LISTING_HTML),
	    "text/html; charset=utf-8", "HTML content type");
}

static void
test_hidden(void)
{
	tap_ok(listing_hidden(".") && listing_hidden("..") &&
	    listing_hidden(".git") && listing_hidden(".htaccess"),
	    "dotfiles, . and .. hidden");
	tap_ok(!listing_hidden("a.b") && !listing_hidden("index.html") &&
	    !listing_hidden("a."), "other names shown");
}

static double
ms_since(const struct timespec *a)
{
	struct timespec	b;

	clock_gettime(CLOCK_MONOTONIC, &b);
	return (b.tv_sec - a->tv_sec) * 1e3 + (b.tv_nsec - a->tv_nsec) / 1e6;
}

/* 10,000 entries: sort and render each format, as one request would. */
static void
test_perf(void)
{
	static const enum listing_format	 fmt[] = {
		LISTING_HTML, LISTING_JSON, LISTING_TEXT
	};
	static const char			*fname[] = {
		"HTML", "JSON", "text"
	};
	struct listing_entry	*e;
	struct tmpl_out		 out = { NULL, 0, 0 };
	struct timespec		 t0;
	char			*names;
	size_t			 n = 10000, i, f;
	uint32_t		 r = 12345;
	double			 ms, worst = 0;
	int			 rc;

	e = calloc(n, sizeof(*e));
	names = malloc(n * 32);
	if (e == NULL || names == NULL)
		return;
	for (i = 0; i < n; i++) {
		r = r * 1103515245 + 12345;
		e[i].name = names + i * 32;
		e[i].name_len = snprintf(names + i * 32, 32, "file %u & <%zu>",
		    r >> 8, i);
		e[i].is_dir = i % 10 == 0;
		e[i].size = r % 100000000;
		e[i].mtime = 1700000000 + (time_t)(r % 100000000);
	}
	for (f = 0; f < 3; f++) {
		clock_gettime(CLOCK_MONOTONIC, &t0);
		listing_sort(e, n, (enum listing_key)f, (int)f & 1);
		out.len = 0;
		rc = listing_render(&out, fmt[f], "/files/", 7, e, n,
		    (enum listing_key)f, (int)f & 1);
		ms = ms_since(&t0);
		worst = ms > worst ? ms : worst;
		tap_diag("10,000 entries: sort by %s + %s: %.2f ms, %zu bytes",
		    f == 0 ? "name" : f == 1 ? "size" : "mtime", fname[f], ms,
		    out.len);
		tap_ok(rc == 0 && (fmt[f] != LISTING_JSON ||
		    json_valid(out.p, out.len)), "10,000 entries as %s",
		    fname[f]);
	}
	tap_ok(worst < 100, "10,000 entries in under 100 ms (worst %.2f ms)",
	    worst);
	tmpl_out_free(&out);
	free(names);
	free(e);
}

int
main(void)
{
	test_html();
	test_json();
	test_text();
	test_sort();
	test_units();
	test_query();
	test_negotiate();
	test_hidden();
	test_perf();
	return tap_done();
}
