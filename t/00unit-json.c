/*
 * Unit tests for src/json.c: structure, escaping, invalid UTF-8, misuse.
 * Output is also checked by python3's json module when it is there.
 */
#include <inttypes.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "json.h"
#include "tap.h"

static uint64_t
rnd(uint64_t *st)
{
	*st ^= *st >> 12;
	*st ^= *st << 25;
	*st ^= *st >> 27;
	return *st * 2685821657736338717ull;
}

static int
have_python(void)
{
	return system("python3 -c '' >/dev/null 2>&1") == 0;
}

/*
 * Run python3 on the text: parse it and print it back with
 * json.dumps(ensure_ascii=True, separators=(",", ":")).  Returns the
 * output in out, or -1 if python refused the JSON.
 */
static int
python_roundtrip(const char *text, size_t len, char *out, size_t outlen)
{
	char	 path[] = "/tmp/hearth-json-XXXXXX", cmd[256];
	FILE	*fp;
	size_t	 n;
	int	 fd, st;

	if ((fd = mkstemp(path)) == -1 ||
	    write(fd, text, len) != (ssize_t)len) {
		perror("mkstemp");
		exit(1);
	}
	close(fd);
	snprintf(cmd, sizeof(cmd), "python3 -c 'import json,sys; "
	    "print(json.dumps(json.load(open(sys.argv[1], encoding=\"utf-8\"))"
	    ", separators=(\",\", \":\")), end=\"\")' %s 2>/dev/null", path);
	if ((fp = popen(cmd, "r")) == NULL)
		exit(1);
	n = fread(out, 1, outlen - 1, fp);
	out[n] = '\0';
	st = pclose(fp);
	unlink(path);
	return st == 0 ? 0 : -1;
}

/* j must be done; compare with want, and with python's reading of it. */
static void
is_json(struct json *j, const char *want, const char *pywant,
    const char *what)
{
	static char	py[1 << 20];
	const char	*why;

	if (!tap_ok(json_done(j, &why) == 0, "%s: complete", what)) {
		tap_diag("  %s", why);
		json_free(j);
		return;
	}
	if (want != NULL)
		tap_is_str(j->buf, want, "%s: text", what);
	tap_is_int(strlen(j->buf), j->len, "%s: len", what);
	if (pywant != NULL && have_python()) {
		tap_ok(python_roundtrip(j->buf, j->len, py, sizeof(py)) == 0,
		    "%s: python3 parses it", what);
		tap_is_str(py, pywant, "%s: python3 reads the same", what);
	}
	json_free(j);
}

static void
test_structure(void)
{
	struct json	j;

	json_init(&j);
	json_object_begin(&j);
	json_key(&j, "a");
	json_int(&j, 1);
	json_key(&j, "b");
	json_array_begin(&j);
	json_bool(&j, 1);
	json_bool(&j, 0);
	json_null(&j);
	json_array_end(&j);
	json_key(&j, "c");
	json_cstring(&j, "x");
	json_key(&j, "d");
	json_object_begin(&j);
	json_object_end(&j);
	json_key(&j, "e");
	json_double(&j, 1.5, 2);
	json_object_end(&j);
	is_json(&j, "{\"a\":1,\"b\":[true,false,null],\"c\":\"x\",\"d\":{},"
	    "\"e\":1.50}", "{\"a\":1,\"b\":[true,false,null],\"c\":\"x\","
	    "\"d\":{},\"e\":1.5}", "object");

	json_init(&j);
	json_array_begin(&j);
	json_array_begin(&j);
	json_array_end(&j);
	json_object_begin(&j);
	json_object_end(&j);
	json_array_begin(&j);
	json_int(&j, 1);
	json_array_begin(&j);
	json_int(&j, 2);
	json_object_begin(&j);
	json_key(&j, "k");
	json_array_begin(&j);
	json_array_end(&j);
	json_object_end(&j);
	json_array_end(&j);
	json_array_end(&j);
	json_array_end(&j);
	is_json(&j, "[[],{},[1,[2,{\"k\":[]}]]]", "[[],{},[1,[2,{\"k\":[]}]]]",
	    "nested commas");

	json_init(&j);
	json_cstring(&j, "top");
	is_json(&j, "\"top\"", "\"top\"", "a lone string");
}

static void
test_numbers(void)
{
	struct json	j;

	json_init(&j);
	json_array_begin(&j);
	json_int(&j, INT64_MIN);
	json_int(&j, INT64_MAX);
	json_uint(&j, UINT64_MAX);
	json_double(&j, -0.0, 2);
	json_double(&j, NAN, 2);
	json_double(&j, INFINITY, 2);
	json_double(&j, 2.0 / 3, 3);
	json_double(&j, 12.5, -4);
	json_double(&j, 0.1, 99);
	json_double(&j, 1e300, 0);
	json_array_end(&j);
	is_json(&j, NULL, NULL, "numbers");

	json_init(&j);
	json_array_begin(&j);
	json_int(&j, INT64_MIN);
	json_uint(&j, UINT64_MAX);
	json_double(&j, -0.0, 2);
	json_double(&j, NAN, 2);
	json_double(&j, 2.0 / 3, 3);
	json_double(&j, 12.5, -4);
	json_array_end(&j);
	is_json(&j, "[-9223372036854775808,18446744073709551615,0.00,null,"
	    "0.667,12]", "[-9223372036854775808,18446744073709551615,0.0,null,"
	    "0.667,12]", "number forms");
}

static void
is_str(const char *in, size_t len, const char *want, const char *pywant,
    const char *what)
{
	struct json	j;

	json_init(&j);
	json_string(&j, in, len);
	is_json(&j, want, pywant, what);
}

#define S(lit)	lit, sizeof(lit) - 1

static void
test_escapes(void)
{
	char	ctl[32], want[32 * 6 + 3];
	size_t	i, off = 0;

	is_str(S("a\"b\\c/d"), "\"a\\\"b\\\\c/d\"", "\"a\\\"b\\\\c/d\"",
	    "quote, backslash; slash as is");
	is_str(S("\b\f\n\r\t"), "\"\\b\\f\\n\\r\\t\"", "\"\\b\\f\\n\\r\\t\"",
	    "named escapes");
	is_str(S("nul\0x"), "\"nul\\u0000x\"", "\"nul\\u0000x\"",
	    "NUL inside a string");
	is_str(S("</script>&"), "\"\\u003c/script\\u003e\\u0026\"",
	    "\"</script>&\"", "< > & for HTML");
	is_str(S("\x7f"), "\"\x7f\"", "\"\\u007f\"", "DEL is legal as is");
	is_str(S(""), "\"\"", "\"\"", "empty string");
	for (i = 0; i < 32; i++)
		ctl[i] = (char)i;
	want[off++] = '"';
	for (i = 0; i < 32; i++) {
		switch (i) {
		case '\b': off += (size_t)sprintf(want + off, "\\b"); break;
		case '\f': off += (size_t)sprintf(want + off, "\\f"); break;
		case '\n': off += (size_t)sprintf(want + off, "\\n"); break;
		case '\r': off += (size_t)sprintf(want + off, "\\r"); break;
		case '\t': off += (size_t)sprintf(want + off, "\\t"); break;
		default:
			off += (size_t)sprintf(want + off, "\\u%04zx", i);
		}
	}
	want[off++] = '"';
	want[off] = '\0';
	is_str(ctl, 32, want, want, "every C0 control escaped");
}

static void
test_utf8(void)
{
	is_str(S("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"),
	    "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"",
	    "\"caf\\u00e9 \\u20ac \\ud83d\\ude00\"", "valid UTF-8 kept");
	is_str(S("\xef\xbf\xbf\xf4\x8f\xbf\xbf"),
	    "\"\xef\xbf\xbf\xf4\x8f\xbf\xbf\"", "\"\\uffff\\udbff\\udfff\"",
	    "U+FFFF and U+10FFFF kept");
	is_str(S("a\xffz"), "\"a\\ufffdz\"", "\"a\\ufffdz\"",
	    "0xff becomes U+FFFD");
	is_str(S("\xc0\xaf"), "\"\\ufffd\\ufffd\"", "\"\\ufffd\\ufffd\"",
	    "overlong 2-byte '/' refused");
	is_str(S("\xe0\x80\xaf"), "\"\\ufffd\\ufffd\\ufffd\"",
	    "\"\\ufffd\\ufffd\\ufffd\"", "overlong 3-byte refused");
	is_str(S("\xed\xa0\x80"), "\"\\ufffd\\ufffd\\ufffd\"",
	    "\"\\ufffd\\ufffd\\ufffd\"", "surrogate U+D800 refused");
	is_str(S("\xf4\x90\x80\x80"), "\"\\ufffd\\ufffd\\ufffd\\ufffd\"",
	    "\"\\ufffd\\ufffd\\ufffd\\ufffd\"", "past U+10FFFF refused");
	is_str(S("\xe2\x82"), "\"\\ufffd\\ufffd\"", "\"\\ufffd\\ufffd\"",
	    "sequence cut at the end");
	is_str(S("\xe2\x82" "A"), "\"\\ufffd\\ufffdA\"", "\"\\ufffd\\ufffdA\"",
	    "sequence cut by ASCII");
	is_str(S("\x80"), "\"\\ufffd\"", "\"\\ufffd\"", "lone continuation");
	is_str(S("\xe2\x80\xa8\xe2\x80\xa9"), "\"\\u2028\\u2029\"",
	    "\"\\u2028\\u2029\"", "U+2028 U+2029 escaped");
}

/* Random bytes, every string must come out as JSON python accepts. */
static void
test_random(void)
{
	struct json	j;
	char		s[64];
	uint64_t	st = 1;
	size_t		n, i, len;
	const char	*why;
	int		ok;

	json_init(&j);
	json_array_begin(&j);
	for (n = 0; n < 3000; n++) {
		len = rnd(&st) % sizeof(s);
		for (i = 0; i < len; i++)
			s[i] = (char)(rnd(&st) >> 56);
		json_string(&j, s, len);
	}
	json_array_end(&j);
	ok = json_done(&j, &why) == 0;
	tap_ok(ok, "3000 random byte strings: complete");
	if (ok && have_python()) {
		static char	py[1 << 20];

		tap_ok(python_roundtrip(j.buf, j.len, py, sizeof(py)) == 0,
		    "random bytes: python3 parses %zu bytes of JSON", j.len);
	}
	json_free(&j);
}

/* A misuse and the reason json_done() must give. */
static void
is_misuse(struct json *j, const char *want, const char *what)
{
	const char	*why = NULL;

	tap_ok(json_done(j, &why) == -1 && strcmp(why, want) == 0,
	    "%s: refused (%s)", what, why ? why : "(null)");
	json_free(j);
}

static void
test_misuse(void)
{
	struct json	j;
	int		i;

	json_init(&j);
	json_object_begin(&j);
	json_int(&j, 1);
	is_misuse(&j, "object member without a key", "value without key");

	json_init(&j);
	json_array_begin(&j);
	json_key(&j, "k");
	is_misuse(&j, "key outside an object or twice", "key in an array");

	json_init(&j);
	json_object_begin(&j);
	json_key(&j, "k");
	json_key(&j, "k");
	is_misuse(&j, "key outside an object or twice", "two keys");

	json_init(&j);
	json_object_begin(&j);
	json_key(&j, "k");
	json_object_end(&j);
	is_misuse(&j, "end without a matching begin", "key without value");

	json_init(&j);
	json_array_begin(&j);
	json_object_end(&j);
	is_misuse(&j, "end without a matching begin", "mismatched end");

	json_init(&j);
	json_array_end(&j);
	is_misuse(&j, "end without a matching begin", "end at top");

	json_init(&j);
	json_int(&j, 1);
	json_int(&j, 2);
	is_misuse(&j, "more than one top-level value", "two values");

	json_init(&j);
	json_array_begin(&j);
	is_misuse(&j, "unfinished document", "unclosed array");

	json_init(&j);
	is_misuse(&j, "unfinished document", "nothing written");

	json_init(&j);
	for (i = 0; i < JSON_DEPTH_MAX + 1; i++)
		json_array_begin(&j);
	is_misuse(&j, "nested too deep", "too deep");

	json_init(&j);
	for (i = 0; i < JSON_DEPTH_MAX; i++)
		json_array_begin(&j);
	for (i = 0; i < JSON_DEPTH_MAX; i++)
		json_array_end(&j);
	tap_ok(json_done(&j, NULL) == 0, "JSON_DEPTH_MAX levels are fine");
	json_free(&j);
}

static void
test_growth(void)
{
	struct json	j;
	char		key[32];
	int		i;

	json_init(&j);
	json_object_begin(&j);
	for (i = 0; i < 20000; i++) {
		snprintf(key, sizeof(key), "key%d", i);
		json_key(&j, key);
		json_cstring(&j, "/some/path/that/is/long/enough.html");
	}
	json_object_end(&j);
	tap_ok(json_done(&j, NULL) == 0 && j.len > 20000 * 40,
	    "buffer grows to %zu bytes", j.len);
	tap_ok(strncmp(j.buf + j.len - 40, "\"key19999\":\"/some/path/that/"
	    "is/long/enough.html\"}", 40) == 0 || strstr(j.buf,
	    "\"key19999\":\"/some/path/that/is/long/enough.html\"}") != NULL,
	    "last member intact");
	json_free(&j);
}

int
main(void)
{
	test_structure();
	test_numbers();
	test_escapes();
	test_utf8();
	test_random();
	test_misuse();
	test_growth();
	if (!have_python())
		tap_diag("python3 not found: output not cross-checked");
	return tap_done();
}
