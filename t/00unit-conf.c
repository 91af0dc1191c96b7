/*
 * Unit tests for src/conf.c.  Each case writes a config into a fresh
 * temporary server root (ROOT/etc/httpd.conf, with ROOT/htdocs) and
 * loads it: defaults, path resolution, and every kind of error with
 * the line it is reported on.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"
#include "hearth.h"
#include "tap.h"

static char	root[PATH_MAX];		/* realpath of the mkdtemp dir */
static char	conf_file[PATH_MAX + 32];	/* root/etc/httpd.conf */

static void
spew(const char *path, const char *text)
{
	FILE	*fp;

	if ((fp = fopen(path, "w")) == NULL) {
		perror(path);
		exit(99);
	}
	fputs(text, fp);
	if (fclose(fp) != 0) {
		perror(path);
		exit(99);
	}
}

static void
mkdir_or_die(const char *path)
{
	if (mkdir(path, 0755) == -1) {
		perror(path);
		exit(99);
	}
}

static struct config *
load(const char *text, const char *opt, struct conf_errors *errs)
{
	spew(conf_file, text);
	return conf_load(conf_file, opt, errs);
}

/* Does errs hold "conf_file:line: " followed by msg? */
static int
has_error(const struct conf_errors *errs, int line, const char *msg)
{
	char	want[PATH_MAX + 512];

	snprintf(want, sizeof(want), "%s:%d: %s", conf_file, line, msg);
	return errs->text != NULL && strstr(errs->text, want) != NULL;
}

/* The config fails with exactly one error, at line, starting with msg. */
static void
one_error(const char *name, const char *text, int line, const char *msg)
{
	struct conf_errors	 errs;
	struct config		*c;

	c = load(text, NULL, &errs);
	tap_ok(c == NULL && errs.count == 1, "%s: rejected, one error", name);
	if (!tap_ok(has_error(&errs, line, msg), "%s: line %d: %s", name,
	    line, msg))
		tap_diag("  got: %s", errs.text ? errs.text : "(none)");
	conf_free(c);
	conf_errors_free(&errs);
}

static void
test_defaults(void)
{
	struct conf_errors	 errs;
	struct config		*c;
	char			 want[PATH_MAX + 64];

	c = load("# nothing set\n", NULL, &errs);
	if (!tap_ok(c != NULL && errs.count == 0, "empty config loads")) {
		tap_diag("  %s", errs.text ? errs.text : "");
		exit(tap_done());
	}
	tap_is_str(c->server_root, root,
	    "server_root defaults to the parent of the config's directory");
	tap_is_int(c->workers, DEF_WORKERS, "workers default");
	tap_is_int(c->workers, 2, "workers default is 2");
	tap_is_int(c->timeouts.header, DEF_TIMEOUT_HEADER, "timeouts.header");
	tap_is_int(c->timeouts.body, DEF_TIMEOUT_BODY, "timeouts.body");
	tap_is_int(c->timeouts.keepalive, DEF_TIMEOUT_KEEPALIVE,
	    "timeouts.keepalive");
	tap_is_int(c->timeouts.send, DEF_TIMEOUT_SEND, "timeouts.send");
	tap_is_int(c->timeouts.graceful, DEF_TIMEOUT_GRACEFUL,
	    "timeouts.graceful");
	tap_is_int(c->limits.request_line, DEF_LIMIT_REQUEST_LINE,
	    "limits.request_line");
	tap_is_int(c->limits.header_count, DEF_LIMIT_HEADER_COUNT,
	    "limits.header_count");
	tap_is_int(c->limits.body, DEF_LIMIT_BODY, "limits.body");
	tap_is_int(c->limits.max_connections, DEF_LIMIT_MAX_CONN,
	    "limits.max_connections");
	tap_is_int(c->follow_symlinks, 0, "follow_symlinks off");
	tap_is_str(c->log_level, "notice", "log_level default");
	tap_is_int(c->nindex, 1, "one index name");
	tap_is_str(c->index[0], "index.html", "index default");
	tap_is_int(c->nlisten, 1, "one listen address");
	tap_is_str(c->listen[0].spec, ":8080", "listen default");
	snprintf(want, sizeof(want), "%s/htdocs", root);
	tap_is_str(c->document_root, want, "document_root resolved");
	snprintf(want, sizeof(want), "%s/logs/hearthd.pid", root);
	tap_is_str(c->pid_file, want, "pid_file resolved");
	snprintf(want, sizeof(want), "%s/logs/error_log", root);
	tap_is_str(c->error_log, want, "error_log resolved");
	snprintf(want, sizeof(want), "%s/logs/access_log", root);
	tap_is_str(c->access_log, want, "access_log resolved");
	snprintf(want, sizeof(want), "%s/etc/mime.types", root);
	tap_is_str(c->mime_types, want, "mime_types resolved");
	tap_is_str(c->file, conf_file, "file is absolute");
	conf_free(c);
	conf_errors_free(&errs);

	/* set values stay, relative paths go under server_root */
	c = load("workers = 7;\n"
	    "pid_file = \"run/h.pid\";\n"
	    "error_log = \"/var/log/elsewhere\";\n"
	    "access_log = \"off\";\n"
	    "timeouts = { header = 3; keepalive = 0; };\n"
	    "limits = { body = 0; };\n", NULL, &errs);
	tap_ok(c != NULL, "config with values loads");
	if (c != NULL) {
		tap_is_int(c->workers, 7, "workers set");
		snprintf(want, sizeof(want), "%s/run/h.pid", root);
		tap_is_str(c->pid_file, want, "relative pid_file resolved");
		tap_is_str(c->error_log, "/var/log/elsewhere",
		    "absolute path kept");
		tap_is_str(c->access_log, "off", "access_log off kept");
		tap_is_int(c->timeouts.header, 3, "timeouts.header set");
		tap_is_int(c->timeouts.keepalive, 0,
		    "timeouts.keepalive 0 is allowed");
		tap_is_int(c->timeouts.body, DEF_TIMEOUT_BODY,
		    "unset timeout in a set group gets its default");
		tap_is_int(c->limits.body, 0, "limits.body 0 is allowed");
	}
	conf_free(c);
	conf_errors_free(&errs);
}

static void
test_server_root(void)
{
	struct conf_errors	 errs;
	struct config		*c;
	char			 other[PATH_MAX + 32], path[2 * PATH_MAX];

	/* another root with its own htdocs, given by -d */
	snprintf(other, sizeof(other), "%s/other", root);
	mkdir_or_die(other);
	snprintf(path, sizeof(path), "%s/htdocs", other);
	mkdir_or_die(path);

	c = load("", other, &errs);
	tap_ok(c != NULL, "-d root loads");
	if (c != NULL) {
		tap_is_str(c->server_root, other, "-d sets server_root");
		snprintf(path, sizeof(path), "%s/htdocs", other);
		tap_is_str(c->document_root, path,
		    "paths resolve against the -d root");
	}
	conf_free(c);
	conf_errors_free(&errs);

	/* the key wins over -d */
	snprintf(path, sizeof(path), "server_root = \"%s\";\n", root);
	c = load(path, other, &errs);
	tap_ok(c != NULL && strcmp(c->server_root, root) == 0,
	    "server_root key wins over -d");
	conf_free(c);
	conf_errors_free(&errs);

	one_error("server_root missing",
	    "workers = 2;\nserver_root = \"/nonexistent/hearth\";\n", 2,
	    "server_root /nonexistent/hearth: No such file or directory");
}

static void
test_errors(void)
{
	struct conf_errors	 errs;
	struct config		*c;
	char			 file[PATH_MAX + 16];

	one_error("misspelt key", "workers = 2;\n\nwrokers = 3;\n", 3,
	    "unknown key \"wrokers\" (did you mean \"workers\"?)");
	one_error("unknown key, nothing close", "zzzzzzzzzz = 1;\n", 1,
	    "unknown key \"zzzzzzzzzz\"\n");
	one_error("unknown key in timeouts",
	    "timeouts = {\n  header = 5;\n  headr = 6;\n};\n", 3,
	    "unknown key \"headr\" in timeouts (did you mean \"header\"?)");
	one_error("unknown key in limits",
	    "limits = {\n  bodyy = 5;\n};\n", 2,
	    "unknown key \"bodyy\" in limits (did you mean \"body\"?)");
	one_error("string for workers", "\nworkers = \"4\";\n", 2,
	    "workers must be an integer, not a string");
	one_error("int in listen", "listen = [ 8080 ];\n", 1,
	    "element must be a string, not an integer");
	one_error("workers 0", "workers = 0;\n", 1,
	    "workers must be between 1 and 256, not 0");
	one_error("workers 300", "workers = 300;\n", 1,
	    "workers must be between 1 and 256, not 300");
	one_error("timeouts.header 0", "timeouts = {\n\n  header = 0;\n};\n",
	    3, "header must be between 1 and 86400, not 0");
	/*
	 * libconfig 1.5 dates a string element by the token after it (it
	 * must look ahead for "a" "b" concatenation), so an element alone
	 * on its line is reported on the next line.  Keep the closing
	 * token on the element's line here.
	 */
	one_error("listen nohost", "listen = [\n  \"nohost\" ];\n", 2,
	    "bad listen address \"nohost\"");
	one_error("listen port too big", "listen = [ \"1.2.3.4:99999\" ];\n",
	    1, "bad port in listen address \"1.2.3.4:99999\"");
	one_error("listen v6 without colon", "listen = [ \"[::1]8080\" ];\n",
	    1, "bad listen address \"[::1]8080\": want \"[v6addr]:port\"");
	one_error("listen given twice",
	    "listen = [\n  \"127.0.0.1:8080\",\n  \"127.0.0.1:8080\" ];\n", 3,
	    "listen address \"127.0.0.1:8080\" given twice");
	one_error("listen as a string", "\n\nlisten = \":8080\";\n", 3,
	    "listen must be a list, for example [ \":8080\" ]");
	one_error("missing document_root",
	    "workers = 2;\ndocument_root = \"nowhere\";\n", 2,
	    "document_root ");
	c = load("workers = 2;\ndocument_root = \"nowhere\";\n", NULL, &errs);
	tap_ok(errs.text != NULL && strstr(errs.text, "/nowhere: No such "
	    "file or directory") != NULL, "missing document_root says why");
	conf_free(c);
	conf_errors_free(&errs);
	snprintf(file, sizeof(file), "%s/afile", root);
	spew(file, "x");
	one_error("document_root is a file",
	    "document_root = \"afile\";\n", 1,
	    "document_root ");
	c = load("document_root = \"afile\";\n", NULL, &errs);
	tap_ok(errs.text != NULL && strstr(errs.text, "/afile is not a "
	    "directory") != NULL, "document_root file: not a directory");
	conf_free(c);
	conf_errors_free(&errs);
	one_error("bad log_level", "log_level = \"loud\";\n", 1,
	    "unknown log_level \"loud\" (want emerg,");
	one_error("index with a slash",
	    "index = [ \"index.html\",\n  \"a/index.html\" ];\n", 2,
	    "index \"a/index.html\" must be a plain file name");
	one_error("index ..", "index = [ \"..\" ];\n", 1,
	    "index \"..\" must be a plain file name");
	one_error("error page status 200",
	    "error_pages = (\n  { status = 200; path = \"/x.html\"; }\n);\n", 2,
	    "error page status must be 400 to 599, not 200");
	one_error("error page path without /",
	    "error_pages = (\n  { status = 404;\n    path = \"x.html\"; }\n);\n",
	    3, "error page path must start with '/'");
	one_error("error page status twice",
	    "error_pages = (\n  { status = 404; path = \"/a.html\"; },\n"
	    "  { status = 404; path = \"/b.html\"; }\n);\n", 3,
	    "error page for 404 given twice");
	one_error("error page without path",
	    "error_pages = (\n  { status = 404; }\n);\n", 2,
	    "each error_pages entry needs status and path");
	one_error("error page unknown key",
	    "error_pages = (\n  { status = 404; path = \"/a\";\n"
	    "    code = 1; }\n);\n", 3,
	    "unknown key \"code\" in error_pages");
	one_error("syntax error", "workers = 2;\nlisten = [ \":80\" \n"
	    "workers = 3;\n", 3, "syntax error");
	one_error("syntax error, doubled =", "workers = 2;\n\nuser = = 3;\n",
	    3, "syntax error");
	one_error("duplicate key", "workers = 2;\nlisten = [ \":80\" ];\n"
	    "workers = 3;\n", 3, "duplicate setting name");
}

static void
test_many_errors(void)
{
	struct conf_errors	 errs;
	struct config		*c;

	c = load("wrokers = 3;\n"			/* 1 */
	    "workers = 0;\n"				/* 2 */
	    "listen = [ \"nohost\", \":8080\" ];\n"	/* 3 */
	    "log_level = \"loud\";\n"			/* 4 */
	    "timeouts = { headr = 1; send = 0; };\n"	/* 5, 5 */
	    "index = [ \"a/b\" ];\n", NULL, &errs);	/* 6 */
	tap_ok(c == NULL, "several errors: rejected");
	tap_is_int(errs.count, 7, "several errors: all 7 counted");
	tap_ok(has_error(&errs, 1, "unknown key \"wrokers\"") &&
	    has_error(&errs, 2, "workers must be") &&
	    has_error(&errs, 3, "bad listen address \"nohost\"") &&
	    has_error(&errs, 4, "unknown log_level") &&
	    has_error(&errs, 5, "unknown key \"headr\" in timeouts") &&
	    has_error(&errs, 5, "send must be between 1") &&
	    has_error(&errs, 6, "index \"a/b\""),
	    "several errors: each reported with its line");
	{
		int		 lines = 0;
		const char	*p;

		for (p = errs.text; p != NULL && *p != '\0'; p++)
			lines += *p == '\n';
		tap_is_int(lines, errs.count, "one text line per error");
	}
	conf_free(c);
	conf_errors_free(&errs);

	/*
	 * The file-system checks used to run only when nothing else was
	 * wrong, so a bad document_root showed up on the second -t.
	 */
	c = load("wrokers = 3;\ndocument_root = \"nowhere\";\n", NULL, &errs);
	tap_is_int(errs.count, 2, "a bad document_root is reported with "
	    "other errors");
	tap_ok(has_error(&errs, 1, "unknown key") &&
	    has_error(&errs, 2, "document_root "), "both with their lines");
	conf_free(c);
	conf_errors_free(&errs);
	/* but not a default nobody wrote, after a type error */
	c = load("document_root = 5;\n", "/", &errs);
	if (!tap_ok(errs.count == 1 && has_error(&errs, 1, "document_root "
	    "must be a string"), "wrong-type document_root: one error"))
		tap_diag("  got: %s", errs.text ? errs.text : "(none)");
	conf_free(c);
	conf_errors_free(&errs);
	c = load("mime_types = \"\";\n", NULL, &errs);
	tap_is_int(errs.count, 1, "empty mime_types: one error, no "
	    "file-system one");
	conf_free(c);
	conf_errors_free(&errs);
}

static void
test_dump(void)
{
	struct conf_errors	 errs;
	struct config		*c;
	char			*buf = NULL, want[PATH_MAX + 64];
	size_t			 len = 0;
	FILE			*fp;

	c = load("pid_file = \"x/y.pid\";\n", NULL, &errs);
	if (!tap_ok(c != NULL, "dump: config loads"))
		return;
	if ((fp = open_memstream(&buf, &len)) == NULL)
		exit(99);
	conf_dump(c, fp);
	fclose(fp);
	snprintf(want, sizeof(want), "pid_file = \"%s/x/y.pid\";\n", root);
	if (!tap_ok(strstr(buf, want) != NULL, "dump has absolute pid_file"))
		tap_diag("  %s", buf);
	tap_ok(strstr(buf, "workers = 2;\n") != NULL, "dump has defaults");
	tap_ok(strstr(buf, "timeouts = { header = 10;") != NULL,
	    "dump has default timeouts");
	free(buf);
	conf_free(c);
	conf_errors_free(&errs);
}

static void
test_parse_listen(void)
{
	struct conf_listen		 l;
	const struct sockaddr_in	*sin;
	const struct sockaddr_in6	*sin6;
	char				 err[256];

	tap_ok(conf_parse_listen(":8080", &l, err, sizeof(err)) == 0,
	    "\":8080\" parses");
	sin6 = (const struct sockaddr_in6 *)&l.ss;
	tap_ok(l.ss.ss_family == AF_INET6 && ntohs(sin6->sin6_port) == 8080 &&
	    IN6_IS_ADDR_UNSPECIFIED(&sin6->sin6_addr),
	    "\":8080\" is [::]:8080");
	tap_ok(conf_parse_listen("127.0.0.1:80", &l, err, sizeof(err)) == 0,
	    "\"127.0.0.1:80\" parses");
	sin = (const struct sockaddr_in *)&l.ss;
	tap_ok(l.ss.ss_family == AF_INET && ntohs(sin->sin_port) == 80 &&
	    sin->sin_addr.s_addr == htonl(INADDR_LOOPBACK) &&
	    l.sslen == sizeof(*sin), "\"127.0.0.1:80\" address and port");
	tap_is_str(l.spec, "127.0.0.1:80", "spec kept as written");
	tap_ok(conf_parse_listen("[::1]:443", &l, err, sizeof(err)) == 0,
	    "\"[::1]:443\" parses");
	sin6 = (const struct sockaddr_in6 *)&l.ss;
	tap_ok(l.ss.ss_family == AF_INET6 && ntohs(sin6->sin6_port) == 443 &&
	    IN6_IS_ADDR_LOOPBACK(&sin6->sin6_addr), "\"[::1]:443\" is ::1");
	tap_ok(conf_parse_listen("127.0.0.1:0", &l, err, sizeof(err)) == -1,
	    "port 0 is refused");
	tap_ok(conf_parse_listen("127.0.0.1:", &l, err, sizeof(err)) == -1,
	    "empty port is refused");
	tap_ok(conf_parse_listen("::1:80", &l, err, sizeof(err)) == -1,
	    "bare v6 address is refused");
	tap_ok(conf_parse_listen("127.0.0.1:80x", &l, err, sizeof(err)) == -1,
	    "trailing junk in the port is refused");
}

static void
test_distance(void)
{
	tap_is_int(conf_distance("workers", "workers"), 0, "distance same");
	tap_is_int(conf_distance("wrokers", "workers"), 2,
	    "distance transposition (2 edits)");
	tap_is_int(conf_distance("", "abc"), 3, "distance from empty");
	tap_is_int(conf_distance("kitten", "sitting"), 3, "kitten/sitting");
	tap_is_int(conf_distance("listn", "listen"), 1, "one insertion");
}

static void
test_live(void)
{
	struct conf_errors	 errs;
	struct config		*c;

	c = load("", NULL, &errs);
	tap_ok(c != NULL && c->live.enabled == 0 && c->live.npaths == 1 &&
	    strcmp(c->live.paths[0], "/") == 0, "live_reload: off, \"/\"");
	tap_ok(c != NULL && c->live.nignore >= 4 &&
	    strcmp(c->live.ignore[0], ".git") == 0,
	    "live_reload: default ignore globs");
	tap_ok(c != NULL && !conf_live_path(c, "/a.html", 7),
	    "live_reload off: no path is live");
	conf_free(c);
	c = load("live_reload = { enabled = true; paths = [ \"/docs/\" ];\n"
	    "  ignore = [ \"*.tmp\" ]; };\n", NULL, &errs);
	tap_ok(c != NULL && c->live.enabled == 1 && c->live.npaths == 1 &&
	    c->live.nignore == 1 && strcmp(c->live.ignore[0], "*.tmp") == 0,
	    "live_reload: values kept");
	tap_ok(c != NULL && conf_live_path(c, "/docs/a.html", 11) &&
	    !conf_live_path(c, "/a.html", 7), "live_reload: path prefixes");
	conf_free(c);
	c = load("live_reload = { enabled = true; ignore = [ ]; };\n", NULL,
	    &errs);
	tap_ok(c != NULL && c->live.nignore == 0, "live_reload: ignore []");
	conf_free(c);
	one_error("live path", "live_reload = { paths = [ \"docs\" ]; };\n",
	    1, "live_reload path \"docs\" must start with '/'");
	one_error("live key", "live_reload = { enable = true; };\n", 1,
	    "unknown key \"enable\" in live_reload (did you mean "
	    "\"enabled\"?)");
	one_error("live type", "live_reload = { enabled = 1; };\n", 1,
	    "enabled must be a boolean");
	one_error("live group", "live_reload = true;\n", 1,
	    "live_reload must be a group");
}

static void
test_serve(void)
{
	struct config	*c;
	char		 err[256];

	c = conf_serve(root, 8081, 1, err, sizeof(err));
	tap_ok(c != NULL && c->workers == 1 && c->live.enabled == 1 &&
	    c->pid_file == NULL && strcmp(c->document_root, root) == 0 &&
	    strcmp(c->listen[0].spec, "127.0.0.1:8081") == 0,
	    "--serve: one worker on loopback, live, no pid file");
	conf_free(c);
	c = conf_serve("/nonexistent-hearth", 8081, 0, err, sizeof(err));
	tap_ok(c == NULL && strstr(err, "No such file") != NULL,
	    "--serve: a missing directory is named");
}

/* A self-signed pair as etc/NAME.crt and etc/NAME.key; 0 on success. */
static int
make_pair(const char *name)
{
	char	cmd[3 * PATH_MAX];

	snprintf(cmd, sizeof(cmd), "openssl req -x509 -newkey ec -pkeyopt "
	    "ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=%s -keyout "
	    "'%s/etc/%s.key' -out '%s/etc/%s.crt' >/dev/null 2>&1", name,
	    root, name, root, name);
	return system(cmd) == 0 ? 0 : -1;
}

static void
test_tls(void)
{
	struct conf_errors	 errs;
	struct config		*c;

	/* the openssl tool comes with the build dependencies */
	if (!tap_ok(make_pair("a") == 0 && make_pair("b") == 0,
	    "openssl made two certificates"))
		return;
	c = load("listen = [ \"127.0.0.1:8080\" ];\n"
	    "tls = { listen = [ \"127.0.0.1:8443\" ];\n"
	    "  certificate = \"etc/a.crt\"; key = \"etc/a.key\";\n"
	    "  sni = ( { name = \"b.test\"; certificate = \"etc/b.crt\";"
	    " key = \"etc/b.key\"; } ); };\n", NULL, &errs);
	tap_ok(c != NULL && c->tls.enabled && c->nlisten == 2 &&
	    !c->listen[0].tls && c->listen[1].tls && c->tls.server != NULL &&
	    c->tls.nsni == 1 && c->tls.hsts == 0 &&
	    c->tls.handshake_timeout == DEF_TLS_HANDSHAKE,
	    "tls: a listener of its own, the contexts loaded, defaults");
	if (c == NULL)
		tap_diag("  got: %s", errs.text);
	conf_free(c);
	conf_errors_free(&errs);
	one_error("tls key mismatch", "tls = { listen = [ \":8443\" ];\n"
	    "  certificate = \"etc/a.crt\";\n  key = \"etc/b.key\"; };\n",
	    3, "tls: key ");
	one_error("tls missing certificate", "tls = { listen = [ \":8443\" "
	    "];\n  certificate = \"etc/none.crt\"; key = \"etc/a.key\"; };\n",
	    2, "tls: certificate ");
	one_error("tls no listen", "tls = { certificate = \"etc/a.crt\"; "
	    "key = \"etc/a.key\"; };\n", 1, "tls needs listen addresses");
	one_error("tls old protocol", "tls = { listen = [ \":8443\" ];\n"
	    "  certificate = \"etc/a.crt\"; key = \"etc/a.key\";\n"
	    "  protocols = \"TLSv1.1 TLSv1.2\"; };\n", 3,
	    "tls protocol TLSv1.1 is not offered");
	one_error("tls same address", "listen = [ \"127.0.0.1:8080\" ];\n"
	    "tls = { listen = [ \"127.0.0.1:8080\" ];\n"
	    "  certificate = \"etc/a.crt\"; key = \"etc/a.key\"; };\n", 2,
	    "tls listen address \"127.0.0.1:8080\" is also");
	one_error("tls sni incomplete", "tls = { listen = [ \":8443\" ];\n"
	    "  certificate = \"etc/a.crt\"; key = \"etc/a.key\";\n"
	    "  sni = ( { name = \"b.test\"; } ); };\n", 3,
	    "each tls sni entry needs");
}

int
main(void)
{
	char	 tmpl[] = "/tmp/hearth-conf-XXXXXX", path[PATH_MAX + 32];

	if (mkdtemp(tmpl) == NULL || realpath(tmpl, root) == NULL) {
		perror("mkdtemp");
		return 99;
	}
	snprintf(path, sizeof(path), "%s/etc", root);
	mkdir_or_die(path);
	snprintf(path, sizeof(path), "%s/htdocs", root);
	mkdir_or_die(path);
	snprintf(conf_file, sizeof(conf_file), "%s/etc/httpd.conf", root);

	test_defaults();
	test_server_root();
	test_errors();
	test_many_errors();
	test_dump();
	test_parse_listen();
	test_distance();
	test_live();
	test_serve();
	test_tls();

	snprintf(path, sizeof(path), "rm -rf '%s'", root);
	if (getenv("HEARTH_KEEP") == NULL && system(path) != 0)
		tap_diag("could not remove %s", root);
	return tap_done();
}
