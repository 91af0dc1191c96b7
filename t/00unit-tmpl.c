/*
 * Unit tests for src/tmpl.c.
 */
#include <sys/mman.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tap.h"
#include "tmpl.h"

/* Names the lookup knows; "empty" is known and empty. */
static const char *vars[][2] = {
	{ "name", "world" },
	{ "a", "A" },
	{ "b", "B" },
	{ "amp", "&" },
	{ "lt", "<" },
	{ "gt", ">" },
	{ "dq", "\"" },
	{ "sq", "'" },
	{ "all", "a&b<c>d\"e'f" },
	{ "xss", "<script>alert(1)</script>" },
	{ "html", "<b>bold</b>" },
	{ "utf8", "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x94\xa5" },
	{ "request.path", "/a b/" },
	{ "query.q", "x=1&y=2" },
	{ "under_score-dash.9", "ok" },
	{ "empty", "" },
	{ "braces", "{{name}}" },
};

static int
lookup(const char *name, size_t len, void *arg, const char **val,
    size_t *vlen)
{
	size_t	i;

	for (i = 0; i < sizeof(vars) / sizeof(vars[0]); i++)
		if (strlen(vars[i][0]) == len &&
		    memcmp(vars[i][0], name, len) == 0) {
			*val = vars[i][1];
			*vlen = strlen(vars[i][1]);
			return 1;
		}
	return 0;
}

/* Unknown names as "name@line#id," in order. */
struct unk {
	char	 buf[1024];
	size_t	 len;
};

static void
unknown(const char *name, size_t len, unsigned int line, size_t id,
    void *arg)
{
	struct unk	*u = arg;
	int		 n;

	n = snprintf(u->buf + u->len, sizeof(u->buf) - u->len, "%.*s@%u#%zu,",
	    (int)len, name, line, id);
	if (n > 0 && (size_t)n < sizeof(u->buf) - u->len)
		u->len += n;
}

/* lookup() ignores arg, so the unknown-list can ride on it. */
static char *
render(const char *src, struct unk *u, int *missing)
{
	struct tmpl	*t;
	struct tmpl_out	 out = { NULL, 0, 0 };
	char		 err[128], *s;
	int		 rc;

	if ((t = tmpl_compile(src, strlen(src), err, sizeof(err))) == NULL) {
		tap_diag("compile \"%s\": %s", src, err);
		return NULL;
	}
	if (u != NULL)
		memset(u, 0, sizeof(*u));
	rc = tmpl_render_warn(t, lookup, u ? unknown : NULL, u, &out);
	tmpl_free(t);
	if (missing != NULL)
		*missing = rc;
	if (rc == -1 || (s = malloc(out.len + 1)) == NULL) {
		tmpl_out_free(&out);
		return NULL;
	}
	if (out.len > 0)
		memcpy(s, out.p, out.len);
	s[out.len] = '\0';
	tmpl_out_free(&out);
	return s;
}

static void
is_render(const char *src, const char *want)
{
	char	*got;

	got = render(src, NULL, NULL);
	tap_is_str(got, want, "render \"%s\"", src);
	free(got);
}

static void
is_error(const char *src, const char *want)
{
	struct tmpl	*t;
	char		 err[128];

	t = tmpl_compile(src, strlen(src), err, sizeof(err));
	if (t != NULL) {
		tmpl_free(t);
		tap_ok(0, "compile error for \"%s\"", src);
		return;
	}
	tap_is_str(err, want, "error for \"%s\"", src);
}

static void
test_escape(void)
{
	char	buf[64];
	size_t	n;

	is_render("{{amp}}", "&amp;");
	is_render("{{lt}}", "&lt;");
	is_render("{{gt}}", "&gt;");
	is_render("{{dq}}", "&quot;");
	is_render("{{sq}}", "&#39;");
	is_render("{{all}}", "a&amp;b&lt;c&gt;d&quot;e&#39;f");
	is_render("<p>{{xss}}</p>",
	    "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>");
	is_render("<a title=\"{{xss}}\">", "<a title=\"&lt;script&gt;"
	    "alert(1)&lt;/script&gt;\">");

	n = tmpl_html_escape(NULL, 0, "a<b", 3);
	tap_is_int(n, 6, "tmpl_html_escape measures with dst NULL");
	n = tmpl_html_escape(buf, sizeof(buf), "x'y\"", 4);
	buf[n] = '\0';
	tap_is_str(buf, "x&#39;y&quot;", "tmpl_html_escape quotes");
	memset(buf, '#', sizeof(buf));
	n = tmpl_html_escape(buf, 3, "&&", 2);
	tap_is_int(n, 10, "truncated escape still returns the full length");
	tap_ok(buf[3] == '#', "nothing written past cap");
	n = tmpl_html_escape(buf, sizeof(buf), "", 0);
	tap_is_int(n, 0, "empty input");
	n = tmpl_html_escape(buf, sizeof(buf), "a\0<", 3);
	tap_ok(n == 6 && memcmp(buf, "a\0&lt;", 6) == 0, "NUL byte copied");
}

static void
test_syntax(void)
{
	is_render("", "");
	is_render("plain text", "plain text");
	is_render("Hello, {{name}}!", "Hello, world!");
	is_render("{{{html}}}", "<b>bold</b>");
	is_render("{{html}}", "&lt;b&gt;bold&lt;/b&gt;");
	is_render("{{{xss}}}", "<script>alert(1)</script>");
	is_render("{{ name }}", "world");
	is_render("{{\tname\t}}", "world");
	is_render("{{\nname\n}}", "world");
	is_render("{{{ html }}}", "<b>bold</b>");
	is_render("a{{!comment}}b", "ab");
	is_render("a{{! a\nmulti-line\ncomment }}b", "ab");
	is_render("{{!}}", "");
	is_render("{{! {{name}} }}x", " }}x");
	is_render("{{a}}{{b}}", "AB");
	is_render("{{a}}{{{html}}}{{b}}", "A<b>bold</b>B");
	is_render("{{request.path}} {{query.q}}", "/a b/ x=1&amp;y=2");
	is_render("{{under_score-dash.9}}", "ok");
	is_render("[{{empty}}]", "[]");
	is_render("{{braces}}", "{{name}}");
	is_render("{{utf8}}", "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x94\xa5");
	is_render("\xc3\xa9t\xc3\xa9 {{name}} \xff\xfe", "\xc3\xa9t\xc3\xa9 "
	    "world \xff\xfe");
	is_render("x\r\n{{name}}\r\n", "x\r\nworld\r\n");
}

static void
test_literal(void)
{
	is_render("{ } }} {a} { {", "{ } }} {a} { {");
	is_render("function() { return 1; }", "function() { return 1; }");
	is_render("\\{{name}}", "{{name}}");
	is_render("\\{{{html}}}", "{{{html}}}");
	is_render("\\{{", "{{");
	is_render("a\\{{b\\{{c", "a{{b{{c");
	is_render("\\\\{{name}}", "\\world");
	is_render("C:\\dir {{name}}", "C:\\dir world");
	is_render("{{a}}\\{{b}}", "A{{b}}");
	is_render("\\{{a}}{{b}}", "{{a}}B");
	is_render("{{name}}}", "world}");
	is_render("\\", "\\");
}

static void
test_errors(void)
{
	struct tmpl	*t;
	char		 err[8];

	is_error("{{", "line 1: unterminated {{");
	is_error("{{name", "line 1: unterminated {{");
	is_error("one\ntwo\n{{name }\n", "line 3: unterminated {{");
	is_error("{{a}}\n{{b\n{{c}}", "line 2: unterminated {{");
	is_error("{{{name}}", "line 1: {{{ closed by }} instead of }}}");
	is_error("x\n{{{name", "line 2: unterminated {{{");
	is_error("\n\n{{!comment", "line 3: unterminated {{!");
	is_error("{{}}", "line 1: empty tag");
	is_error("{{  }}", "line 1: empty tag");
	is_error("{{{}}}", "line 1: empty tag");
	is_error("{{a b}}", "line 1: invalid character 'b' in tag");
	is_error("\n{{a<b}}", "line 2: invalid character '<' in tag");
	is_error("{{{{name}}", "line 1: invalid character '{' in tag");
	is_error("{{#if}}", "line 1: invalid character '#' in tag");
	is_error("{{caf\xc3\xa9}}", "line 1: invalid byte 0xc3 in tag");
	is_error("{{!a\nb}}\n{{\n\nx y}}", "line 3: invalid character 'y' "
	    "in tag");

	t = tmpl_compile("{{", 2, err, sizeof(err));
	tap_ok(t == NULL && strlen(err) == sizeof(err) - 1,
	    "error truncated to errbuf");
	t = tmpl_compile("{{", 2, NULL, 0);
	tap_ok(t == NULL, "errlen 0 is allowed");
	/* Not NUL-terminated: len is the end. */
	t = tmpl_compile("{{a}}{{", 5, err, sizeof(err));
	tap_ok(t != NULL, "compile stops at len");
	tmpl_free(t);
	tmpl_free(NULL);
}

static void
test_unknown(void)
{
	struct unk	 u;
	char		*got;
	int		 missing;

	got = render("a{{nope}}b", &u, &missing);
	tap_is_str(got, "ab", "unknown renders empty");
	tap_is_int(missing, 1, "one unknown");
	tap_is_str(u.buf, "nope@1#0,", "unknown reported with line");
	free(got);

	got = render("{{name}}\n{{x}}\n\n{{{y}}}\n{{!\n}}{{x}}{{ name }}", &u,
	    &missing);
	tap_is_str(got, "world\n\n\n\nworld", "unknowns among knowns");
	tap_is_int(missing, 3, "three unknown placeholders");
	tap_is_str(u.buf, "x@2#1,y@4#2,x@6#1,",
	    "lines, and one id per distinct name");
	free(got);

	got = render("{{!\n\n}}\\{{\n}}{{\nz\n}}", &u, &missing);
	tap_is_str(u.buf, "z@4#0,", "line of the opening {{");
	free(got);

	got = render("{{name}}", &u, &missing);
	tap_is_int(missing, 0, "no unknowns gives 0");
	tap_is_int(u.len, 0, "and no callback");
	free(got);
}

static void
test_names(void)
{
	struct tmpl	*t;
	const char	*s = "{{a}}{{b}}{{a}}{{{b}}}{{c}}";
	const char	*n;
	size_t		 len;

	t = tmpl_compile(s, strlen(s), NULL, 0);
	tap_is_int(tmpl_nnames(t), 3, "three distinct names");
	n = tmpl_name(t, 2, &len);
	tap_ok(n != NULL && len == 1 && *n == 'c', "name 2 is c");
	tap_ok(tmpl_name(t, 3, &len) == NULL && len == 0,
	    "out of range name");
	tmpl_free(t);
}

static void
test_out(void)
{
	struct tmpl_out	 out = { NULL, 0, 0 };
	struct tmpl	*t;
	int		 rc;

	t = tmpl_compile("{{a}}", 5, NULL, 0);
	tap_ok(tmpl_out_str(&out, "pre:") == 0, "tmpl_out_str");
	rc = tmpl_render(t, lookup, NULL, &out);
	tap_ok(rc == 0 && out.len == 5 && memcmp(out.p, "pre:A", 5) == 0,
	    "render appends to existing output");
	rc = tmpl_render(t, lookup, NULL, &out);
	tap_ok(out.len == 6 && memcmp(out.p, "pre:AA", 6) == 0,
	    "a template renders again");
	tap_ok(out.cap >= out.len, "cap covers len");
	tap_ok(tmpl_out_reserve(&out, SIZE_MAX) == -1,
	    "reserve refuses an overflowing size");
	tap_ok(out.len == 6, "and leaves the buffer alone");
	tmpl_out_free(&out);
	tap_ok(out.p == NULL && out.len == 0 && out.cap == 0, "out freed");
	tmpl_free(t);
}

static double
ms_since(const struct timespec *a)
{
	struct timespec	b;

	clock_gettime(CLOCK_MONOTONIC, &b);
	return (b.tv_sec - a->tv_sec) * 1e3 + (b.tv_nsec - a->tv_nsec) / 1e6;
}

/* 1 MiB of mixed text and tags, compiled and rendered. */
static void
test_huge(void)
{
	static const char	 piece[] = "<li>{{name}} &amp; {{xss}} "
	    "{ lone } {{!c}}\\{{x}} {{{html}}}</li>\n";
	struct tmpl_out		 out = { NULL, 0, 0 };
	struct timespec		 t0;
	struct tmpl		*t;
	size_t			 len = 1 << 20, i;
	size_t			 plen = sizeof(piece) - 1;
	char			*src, err[64];
	double			 ms;
	int			 rc;

	if ((src = malloc(len)) == NULL)
		return;
	for (i = 0; i < len; i++)
		src[i] = piece[i % plen];
	/* Cut at a whole piece so no tag is split. */
	len -= len % plen;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	t = tmpl_compile(src, len, err, sizeof(err));
	rc = t ? tmpl_render(t, lookup, NULL, &out) : -1;
	ms = ms_since(&t0);
	tap_ok(t != NULL && rc == 0, "1 MiB template compiles and renders");
	tap_is_int(out.len, len / plen * 86, "1 MiB output length");
	tap_diag("1 MiB template: compile + render %.2f ms, %zu bytes out",
	    ms, out.len);
	tap_ok(ms < 500, "1 MiB in under 500 ms (%.2f)", ms);
	tmpl_out_free(&out);
	tmpl_free(t);
	free(src);
}

/* 10,000 placeholders over 10,000 distinct unknown names, plus knowns. */
static void
test_many(void)
{
	struct tmpl_out	 out = { NULL, 0, 0 };
	struct timespec	 t0;
	struct tmpl	*t;
	char		*src;
	size_t		 cap = 10000 * 24, len = 0, i;
	double		 ms;
	int		 rc;

	if ((src = malloc(cap)) == NULL)
		return;
	for (i = 0; i < 10000; i++)
		len += snprintf(src + len, cap - len, i % 2 ? "{{v%zu}}\n" :
		    "{{ name }}", i);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	t = tmpl_compile(src, len, NULL, 0);
	rc = t ? tmpl_render(t, lookup, NULL, &out) : -1;
	ms = ms_since(&t0);
	tap_ok(t != NULL, "10,000 placeholders compile");
	tap_is_int(rc, 5000, "5,000 of them unknown");
	tap_is_int(t ? tmpl_nnames(t) : 0, 5001, "5,001 distinct names");
	tap_is_int(out.len, 5000 * 5 + 5000, "output of 10,000 placeholders");
	tap_diag("10,000 placeholders: compile + render %.2f ms", ms);
	tap_ok(ms < 100, "10,000 placeholders in under 100 ms (%.2f)", ms);
	tmpl_out_free(&out);
	tmpl_free(t);
	free(src);
}

/*
 * Every prefix of some tricky templates, copied to end right at a
 * PROT_NONE page: a read past len faults instead of passing.
 */
static void
test_guard(void)
{
	static const char	*in[] = {
		"a{{ name }}b", "{{{html}}}", "{{!x}}", "\\\\{{a}}",
		"\\{{", "{{a}}}", "x{", "{{ a\n}}", "{{{a}}",
	};
	struct tmpl_out	 out = { NULL, 0, 0 };
	struct tmpl	*t;
	size_t		 pg, i, n, len, ok;
	char		*m, *b;

	pg = (size_t)sysconf(_SC_PAGESIZE);
	m = mmap(NULL, pg * 2, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED || mprotect(m + pg, pg, PROT_NONE) == -1) {
		tap_ok(0, "guard page");
		return;
	}
	for (i = 0; i < sizeof(in) / sizeof(in[0]); i++) {
		len = strlen(in[i]);
		for (n = 0, ok = 0; n <= len; n++) {
			b = memcpy(m + pg - n, in[i], n);
			if ((t = tmpl_compile(b, n, NULL, 0)) == NULL) {
				ok++;
				continue;
			}
			out.len = 0;
			ok += tmpl_render(t, lookup, NULL, &out) >= 0;
			tmpl_free(t);
		}
		tap_is_int(ok, len + 1, "every prefix of \"%s\" at guard page",
		    in[i]);
	}
	tmpl_out_free(&out);
	munmap(m, pg * 2);
}

int
main(void)
{
	test_escape();
	test_syntax();
	test_literal();
	test_errors();
	test_unknown();
	test_names();
	test_out();
	test_huge();
	test_many();
	test_guard();
	return tap_done();
}
