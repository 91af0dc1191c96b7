/*
 * hearth-get: fetch paths from an HTTP/1.1 server over plain sockets and
 * print the bodies, byte-exact.  Several paths share one keep-alive
 * connection.  Load mode lives in get_load.c, --check in get_check.c.
 */
#include <sys/types.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "get.h"

struct get_opts {
	const char	*method;	/* -X; NULL: GET, HEAD or POST */
	int		 head;		/* -I, or -X HEAD */
	int		 include;	/* -i, -I */
	int		 verbose;	/* -v */
	int		 fail;		/* -f */
	int		 follow;	/* -L */
	int		 max_redirs;
	int		 timing;	/* -w */
	double		 timeout;	/* --timeout, 0: none */
	const char	*outfile;	/* -o */
	char		**headers;	/* -H */
	size_t		 nheaders;
	char		*data;		/* -d, NULL: none */
	size_t		 data_len;
	long		 load_n;	/* -n */
	long		 load_c;	/* -c */
	int		 check;		/* --check */
	const char	*check_path;
};

/* Where the current request goes; strings are owned. */
struct get_target {
	char		*host;
	char		*port;
	char		*path;
};

struct get_ctx {
	const struct get_opts *o;
	struct get_conn	 conn;
	char		*conn_host;	/* what conn is connected to */
	char		*conn_port;
	int		 outfd;
	int		 suppress;	/* current body is not printed */
	struct get_resp	 resp;
};

enum {
	OPT_TIMEOUT = 256,
	OPT_CHECK,
	OPT_CHECK_PATH,
	OPT_MAX_REDIRS
};

static void
get_usage(FILE *fp)
{
	fprintf(fp,
	    "usage: hearth-get [-fIiLvw] [-c conns] [-d data | -d @file] "
	    "[-H header]\n"
	    "                  [-n requests] [-o file] [-X method] "
	    "[--max-redirs n]\n"
	    "                  [--timeout seconds] host port path ...\n"
	    "       hearth-get --check [--check-path path] [--timeout s] "
	    "host port\n"
	    "       hearth-get -h | -V\n");
}

static int
get_usage_error(const char *msg, const char *arg)
{
	fprintf(stderr, "hearth-get: %s%s%s\n", msg, arg ? ": " : "",
	    arg ? arg : "");
	get_usage(stderr);
	return GET_E_USAGE;
}

/* Whole file for -d @FILE; bytes are sent as they are. */
static int
get_read_file(const char *path, char **datap, size_t *lenp)
{
	char	*p = NULL, *np;
	size_t	 len = 0, cap = 0;
	ssize_t	 n;
	int	 fd, saved;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return -1;
	for (;;) {
		if (len == cap) {
			cap = cap ? cap * 2 : 65536;
			if ((np = realloc(p, cap)) == NULL)
				goto fail;
			p = np;
		}
		if ((n = read(fd, p + len, cap - len)) == 0)
			break;
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			goto fail;
		len += n;
	}
	close(fd);
	*datap = p;
	*lenp = len;
	return 0;
fail:
	saved = errno;
	free(p);
	close(fd);
	errno = saved;
	return -1;
}

static int
get_opt_data(struct get_opts *o, const char *arg)
{
	if (arg[0] != '@') {
		free(o->data);
		o->data_len = strlen(arg);
		if ((o->data = strdup(arg)) == NULL)
			return -1;
		return 0;
	}
	free(o->data);
	o->data = NULL;
	if (get_read_file(arg + 1, &o->data, &o->data_len) == -1) {
		fprintf(stderr, "hearth-get: %s: %s\n", arg + 1,
		    strerror(errno));
		return -1;
	}
	return 0;
}

static int
get_parse_long(const char *s, long min, long max, long *out)
{
	char	*end;
	long	 v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

static int
get_is_token(const char *s)
{
	if (*s == '\0')
		return 0;
	for (; *s != '\0'; s++)
		if ((unsigned char)*s <= ' ' || *s == 0x7f ||
		    strchr("\"(),/:;<=>?@[\\]{}", *s) != NULL)
			return 0;
	return 1;
}

/* A request-target we can put on the request line as it is. */
static int
get_path_valid(const char *p)
{
	if (*p == '\0')
		return 0;
	for (; *p != '\0'; p++)
		if ((unsigned char)*p <= ' ' || *p == 0x7f)
			return 0;
	return 1;
}

/* One option; -1 usage error, 1 exit now, 0 go on. */
static int
get_opt_one(struct get_opts *o, int ch, const char *arg, int *rc)
{
	long	v;
	char	*end, **nh;

	switch (ch) {
	case 'I':
		o->head = o->include = 1;
		break;
	case 'i':
		o->include = 1;
		break;
	case 'X':
		if (!get_is_token(arg))
			return -1;
		o->method = arg;
		break;
	case 'd':
		if (get_opt_data(o, arg) == -1) {
			*rc = errno == ENOMEM ? GET_E_WRITE : GET_E_READ;
			return 1;
		}
		break;
	case 'H':
		if (!get_header_valid(arg))
			return -1;
		if ((nh = reallocarray(o->headers, o->nheaders + 1,
		    sizeof(*nh))) == NULL)
			return -1;
		o->headers = nh;
		o->headers[o->nheaders++] = (char *)arg;
		break;
	case 'o':
		o->outfile = arg;
		break;
	case 'L':
		o->follow = 1;
		break;
	case 'v':
		o->verbose = 1;
		break;
	case 'w':
		o->timing = 1;
		break;
	case 'f':
		o->fail = 1;
		break;
	case 'n':
		return get_parse_long(arg, 1, LONG_MAX / 2, &o->load_n);
	case 'c':
		return get_parse_long(arg, 1, GET_LOAD_MAX_CONNS, &o->load_c);
	case OPT_MAX_REDIRS:
		if (get_parse_long(arg, 0, 1000, &v) == -1)
			return -1;
		o->max_redirs = (int)v;
		break;
	case OPT_TIMEOUT:
		o->timeout = strtod(arg, &end);
		if (end == arg || *end != '\0' || !(o->timeout > 0) ||
		    o->timeout > 86400 * 365)
			return -1;
		break;
	case OPT_CHECK:
		o->check = 1;
		break;
	case OPT_CHECK_PATH:
		if (!get_path_valid(arg) || arg[0] != '/')
			return -1;
		o->check_path = arg;
		break;
	case 'h':
		get_usage(stdout);
		*rc = GET_OK;
		return 1;
	case 'V':
		printf("hearth-get %s\n", PACKAGE_VERSION);
		*rc = GET_OK;
		return 1;
	default:
		return -1;
	}
	return 0;
}

/* Parse argv; returns -1 to go on, else an exit status. */
static int
get_opts_parse(struct get_opts *o, int argc, char **argv, int *argi)
{
	static const struct option longopts[] = {
		{ "timeout", required_argument, NULL, OPT_TIMEOUT },
		{ "check", no_argument, NULL, OPT_CHECK },
		{ "check-path", required_argument, NULL, OPT_CHECK_PATH },
		{ "max-redirs", required_argument, NULL, OPT_MAX_REDIRS },
		{ "fail", no_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	int	ch, rv, rc = GET_E_USAGE;

	o->max_redirs = GET_MAX_REDIRS;
	while ((ch = getopt_long(argc, argv, "c:d:fH:hIiLn:o:VvwX:",
	    longopts, NULL)) != -1) {
		if ((rv = get_opt_one(o, ch, optarg, &rc)) == 1)
			return rc;
		if (rv == -1) {
			if (ch != '?')
				return get_usage_error("bad option value",
				    optarg);
			get_usage(stderr);
			return GET_E_USAGE;
		}
	}
	*argi = optind;
	return -1;
}

/* Positional arguments and option combinations. */
static int
get_opts_check(const struct get_opts *o, int argc, char **argv)
{
	long	port;
	int	i;

	if (argc < 2 + (o->check ? 0 : 1))
		return get_usage_error("missing host, port or path", NULL);
	if (o->check && argc != 2)
		return get_usage_error("--check takes host and port only",
		    NULL);
	if (get_parse_long(argv[1], 1, 65535, &port) == -1)
		return get_usage_error("bad port", argv[1]);
	for (i = 2; i < argc; i++)
		if (!get_path_valid(argv[i]))
			return get_usage_error("bad path", argv[i]);
	if (o->head && o->data != NULL)
		return get_usage_error("-I and -d conflict", NULL);
	if ((o->load_n > 0) != (o->load_c > 0) && o->load_c > 0)
		return get_usage_error("-c needs -n", NULL);
	return -1;
}

static int
get_write_all(int fd, const char *p, size_t len, struct get_err *err)
{
	ssize_t	n;

	while (len > 0) {
		if ((n = write(fd, p, len)) == -1) {
			if (errno == EINTR)
				continue;
			get_err_set(err, GET_E_WRITE, "write output: %s",
			    strerror(errno));
			return -1;
		}
		p += n;
		len -= n;
	}
	return 0;
}

/* -v: each line of a head, prefixed and without its CR, to stderr. */
static void
get_verbose_head(const char *prefix, const char *p, size_t len)
{
	const char	*nl;
	size_t		 n, show;

	while (len > 0) {
		nl = memchr(p, '\n', len);
		n = nl ? (size_t)(nl - p) + 1 : len;
		show = nl ? n - 1 : n;
		if (show > 0 && p[show - 1] == '\r')
			show--;
		fprintf(stderr, "%s%.*s\n", prefix, (int)show, p);
		p += n;
		len -= n;
	}
}

static int
get_is_redirect(int status)
{
	return status == 301 || status == 302 || status == 303 ||
	    status == 307 || status == 308;
}

static int
get_out_head(void *arg, const struct get_resp *resp, int interim,
    struct get_err *err)
{
	struct get_ctx	*ctx = arg;
	const struct get_opts *o = ctx->o;
	int		 failed = o->fail && resp->r.status >= 400;

	if (o->verbose)
		get_verbose_head("< ", resp->head, resp->head_len -
		    (resp->head_len >= 2 && resp->head[resp->head_len - 2] ==
		    '\r' ? 2 : 1));
	if (interim)
		return 0;
	ctx->suppress = failed || (o->follow &&
	    get_is_redirect(resp->r.status) && resp->r.location.p != NULL);
	if (o->include && !failed)
		return get_write_all(ctx->outfd, resp->head, resp->head_len,
		    err);
	return 0;
}

static int
get_out_body(void *arg, const char *p, size_t len, struct get_err *err)
{
	struct get_ctx	*ctx = arg;

	if (ctx->suppress)
		return 0;
	return get_write_all(ctx->outfd, p, len, err);
}

/* -v: the request head, without the body. */
static void
get_verbose_request(const char *req, size_t len)
{
	size_t	i;

	for (i = 0; i + 4 <= len; i++)
		if (memcmp(req + i, "\r\n\r\n", 4) == 0)
			break;
	get_verbose_head("> ", req, i + 4 <= len ? i + 2 : len);
}

static void
get_print_timing(const struct get_timing *t)
{
	fprintf(stderr, "time_dns=%.6f time_connect=%.6f time_ttfb=%.6f "
	    "time_total=%.6f\n", t->dns / 1e9, t->connect / 1e9,
	    t->ttfb / 1e9, t->total / 1e9);
}

/* Make ctx->conn a connection to tg, reusing an open one if it fits. */
static int
get_connect(struct get_ctx *ctx, const struct get_target *tg, int64_t dl,
    struct get_timing *t, struct get_err *err)
{
	if (ctx->conn.fd != -1 && strcmp(ctx->conn_host, tg->host) == 0 &&
	    strcmp(ctx->conn_port, tg->port) == 0) {
		if (ctx->o->verbose)
			fprintf(stderr, "* Re-using connection to %s port "
			    "%s\n", tg->host, tg->port);
		return 1;
	}
	get_conn_close(&ctx->conn);
	free(ctx->conn_host);
	free(ctx->conn_port);
	ctx->conn_host = strdup(tg->host);
	ctx->conn_port = strdup(tg->port);
	if (ctx->conn_host == NULL || ctx->conn_port == NULL) {
		get_err_set(err, GET_E_WRITE, "out of memory");
		return -1;
	}
	if (get_conn_open(&ctx->conn, tg->host, tg->port, dl, t, err) == -1)
		return -1;
	if (ctx->o->verbose)
		fprintf(stderr, "* Connected to %s (%s) port %s\n", tg->host,
		    ctx->conn.addr, tg->port);
	return 0;
}

/*
 * Send one request and read its response.  A reused connection that the
 * server closed while idle fails before any response byte arrives; then,
 * and only then, we reconnect and send again (RFC 9112 section 9.3.1
 * allows retrying when nothing of the response was seen).
 */
static int
get_exchange(struct get_ctx *ctx, const struct get_target *tg,
    const char *req, size_t reqlen, int head, struct get_err *err)
{
	const struct get_opts *o = ctx->o;
	struct get_sink	 sink = { get_out_head, get_out_body, ctx };
	struct get_timing t;
	int64_t		 dl = get_deadline(o->timeout);
	int		 reused, attempt;

	memset(&t, 0, sizeof(t));
	t.start = get_now();
	for (attempt = 0; ; attempt++) {
		if ((reused = get_connect(ctx, tg, dl, &t, err)) == -1)
			return -1;
		if (o->verbose)
			get_verbose_request(req, reqlen);
		if (get_conn_send(&ctx->conn, req, reqlen, dl, err) == 0 &&
		    get_read_response(&ctx->conn, head, &ctx->resp, &sink, dl,
		    &t, err) == 0)
			break;
		get_conn_close(&ctx->conn);
		if (!reused || attempt > 0 || ctx->resp.started ||
		    (err->code != GET_E_SEND && err->code != GET_E_RECV &&
		    err->code != GET_E_EMPTY))
			return -1;
		if (o->verbose)
			fprintf(stderr, "* Connection closed while idle; "
			    "retrying\n");
	}
	if (!ctx->resp.r.keep_alive || ctx->resp.kind == RESP_BODY_CLOSE)
		get_conn_close(&ctx->conn);
	t.total = get_now() - t.start;
	if (o->timing)
		get_print_timing(&t);
	return 0;
}

static int
get_target_set(struct get_target *tg, const char *host, size_t hlen,
    const char *port, const char *path)
{
	char	*h, *p, *pa;

	h = strndup(host, hlen);
	p = strdup(port);
	pa = strdup(path);
	if (h == NULL || p == NULL || pa == NULL) {
		free(h);
		free(p);
		free(pa);
		return -1;
	}
	free(tg->host);
	free(tg->port);
	free(tg->path);
	tg->host = h;
	tg->port = p;
	tg->path = pa;
	return 0;
}

/* "http://authority/path": split into tg.  Returns 0 or -1. */
static int
get_location_absolute(struct get_target *tg, const char *loc,
    struct get_err *err)
{
	const char	*auth = loc, *end, *host, *colon, *path;
	char		 port[8] = "80";
	size_t		 hlen;

	end = auth + strcspn(auth, "/?");
	path = *end == '/' ? end : "/";
	if (*auth == '[') {
		host = auth + 1;
		if ((colon = memchr(auth, ']', end - auth)) == NULL)
			goto bad;
		hlen = colon - host;
		colon = colon + 1 < end && colon[1] == ':' ? colon + 1 : NULL;
	} else {
		host = auth;
		colon = memchr(auth, ':', end - auth);
		hlen = (colon ? colon : end) - host;
	}
	if (colon != NULL && end - colon > 1) {
		if (end - colon > 6 || strspn(colon + 1, "0123456789") <
		    (size_t)(end - colon - 1))
			goto bad;
		memcpy(port, colon + 1, end - colon - 1);
		port[end - colon - 1] = '\0';
	}
	if (hlen == 0 || atoi(port) < 1 || atoi(port) > 65535)
		goto bad;
	if (*end == '?') {
		char	buf[8192];

		snprintf(buf, sizeof(buf), "/%s", end);
		return get_target_set(tg, host, hlen, port, buf);
	}
	return get_target_set(tg, host, hlen, port, path);
bad:
	get_err_set(err, GET_E_MALFORMED, "bad redirect location: %s", loc);
	return -1;
}

/*
 * Resolve a Location value against the current target (RFC 9110
 * section 10.2.2, RFC 3986 section 5.2, without dot-segment removal:
 * the server normalises paths anyway).
 */
static int
get_location(struct get_target *tg, struct span loc, struct get_err *err)
{
	char		 buf[8192], rel[8192 + 16];
	size_t		 n, scheme, dir;

	if (loc.len >= sizeof(buf) - 16 || memchr(loc.p, '\0', loc.len)) {
		get_err_set(err, GET_E_MALFORMED, "bad redirect location");
		return -1;
	}
	memcpy(buf, loc.p, loc.len);
	buf[loc.len] = '\0';
	buf[strcspn(buf, "# \t\r\n")] = '\0';	/* fragment stays local */
	if (strncasecmp(buf, "http://", 7) == 0)
		return get_location_absolute(tg, buf + 7, err);
	if (buf[0] == '/' && buf[1] == '/')
		return get_location_absolute(tg, buf + 2, err);
	scheme = strcspn(buf, ":/?");
	if (buf[scheme] == ':' && scheme > 0) {
		get_err_set(err, GET_E_PROTOCOL,
		    "unsupported protocol in redirect: %s", buf);
		return -1;
	}
	if (buf[0] == '/')
		n = snprintf(rel, sizeof(rel), "%s", buf);
	else {
		dir = strcspn(tg->path, "?");
		if (buf[0] != '?')
			while (dir > 0 && tg->path[dir - 1] != '/')
				dir--;
		n = snprintf(rel, sizeof(rel), "%.*s%s", (int)dir, tg->path,
		    buf);
	}
	if (n >= sizeof(rel) || get_target_set(tg, tg->host,
	    strlen(tg->host), tg->port, rel) == -1) {
		get_err_set(err, GET_E_MALFORMED, "bad redirect location");
		return -1;
	}
	return 0;
}

/* One request with its method and body, or -1. */
static char *
get_build(struct get_ctx *ctx, const struct get_target *tg,
    const char *method, int with_body, size_t *lenp)
{
	struct get_request rq;

	memset(&rq, 0, sizeof(rq));
	rq.method = method;
	rq.path = tg->path;
	rq.host = tg->host;
	rq.port = tg->port;
	rq.headers = ctx->o->headers;
	rq.nheaders = ctx->o->nheaders;
	if (with_body) {
		rq.body = ctx->o->data;
		rq.body_len = ctx->o->data_len;
	}
	return get_request_build(&rq, lenp);
}

/* Fetch one path, following redirects with -L. */
static int
get_fetch(struct get_ctx *ctx, struct get_target *tg, struct get_err *err)
{
	const struct get_opts *o = ctx->o;
	const char	*method;
	char		*req;
	size_t		 reqlen;
	int		 hops, body = o->data != NULL, rv, status;

	method = o->method ? o->method : o->head ? "HEAD" : body ? "POST" :
	    "GET";
	for (hops = 0; ; hops++) {
		if ((req = get_build(ctx, tg, method, body, &reqlen)) == NULL) {
			get_err_set(err, GET_E_WRITE, "out of memory");
			return -1;
		}
		rv = get_exchange(ctx, tg, req, reqlen,
		    o->head || strcmp(method, "HEAD") == 0, err);
		free(req);
		if (rv == -1)
			return -1;
		status = ctx->resp.r.status;
		if (!o->follow || !get_is_redirect(status) ||
		    ctx->resp.r.location.p == NULL)
			break;
		if (hops == o->max_redirs) {
			get_err_set(err, GET_E_REDIRS,
			    "maximum (%d) redirects followed", o->max_redirs);
			return -1;
		}
		if (get_location(tg, ctx->resp.r.location, err) == -1)
			return -1;
		/* RFC 9110 15.4.2-4: 303, and POST on 301/302, become GET. */
		if ((status == 303 && strcmp(method, "HEAD") != 0) ||
		    ((status == 301 || status == 302) &&
		    strcmp(method, "POST") == 0)) {
			method = "GET";
			body = 0;
		}
		if (o->verbose)
			fprintf(stderr, "* Following redirect to %s port %s "
			    "path %s\n", tg->host, tg->port, tg->path);
	}
	if (o->fail && status >= 400) {
		get_err_set(err, GET_E_HTTP,
		    "%s: the requested URL returned error: %d", tg->path,
		    status);
		return -1;
	}
	return 0;
}

static int
get_open_output(const struct get_opts *o, int *fdp)
{
	if (o->outfile == NULL) {
		*fdp = STDOUT_FILENO;
		return 0;
	}
	*fdp = open(o->outfile, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    0666);
	if (*fdp == -1) {
		fprintf(stderr, "hearth-get: %s: %s\n", o->outfile,
		    strerror(errno));
		return -1;
	}
	return 0;
}

static int
get_run_paths(const struct get_opts *o, int argc, char **argv)
{
	struct get_ctx		*ctx;
	struct get_target	 tg = { NULL, NULL, NULL };
	struct get_err		 err;
	int			 i, rc = GET_OK;

	/* The context holds a 64 KiB head copy: keep it off the stack. */
	if ((ctx = calloc(1, sizeof(*ctx))) == NULL ||
	    get_conn_init(&ctx->conn, &err) == -1) {
		fprintf(stderr, "hearth-get: out of memory\n");
		free(ctx);
		return GET_E_WRITE;
	}
	ctx->o = o;
	if (get_open_output(o, &ctx->outfd) == -1) {
		rc = GET_E_WRITE;
		goto done;
	}
	for (i = 2; i < argc && rc == GET_OK; i++) {
		if (get_target_set(&tg, argv[0], strlen(argv[0]), argv[1],
		    argv[i]) == -1) {
			get_err_set(&err, GET_E_WRITE, "out of memory");
			rc = -1;
		} else
			rc = get_fetch(ctx, &tg, &err);
		if (rc == -1) {
			fprintf(stderr, "hearth-get: %s port %s: %s\n",
			    tg.host ? tg.host : argv[0],
			    tg.port ? tg.port : argv[1], err.msg);
			rc = err.code;
		}
	}
	if (o->outfile != NULL && close(ctx->outfd) == -1 && rc == GET_OK) {
		fprintf(stderr, "hearth-get: %s: %s\n", o->outfile,
		    strerror(errno));
		rc = GET_E_WRITE;
	}
done:
	free(tg.host);
	free(tg.port);
	free(tg.path);
	free(ctx->conn_host);
	free(ctx->conn_port);
	get_conn_free(&ctx->conn);
	free(ctx);
	return rc;
}

static int
get_run_load(const struct get_opts *o, int argc, char **argv)
{
	struct get_request	rq;

	memset(&rq, 0, sizeof(rq));
	rq.method = o->method ? o->method : o->head ? "HEAD" :
	    o->data ? "POST" : "GET";
	rq.host = argv[0];
	rq.port = argv[1];
	rq.headers = o->headers;
	rq.nheaders = o->nheaders;
	rq.body = o->data;
	rq.body_len = o->data_len;
	return get_load_run(&rq, (const char *const *)argv + 2,
	    (size_t)argc - 2, o->load_n, o->load_c ? o->load_c : 1,
	    o->timeout > 0 ? o->timeout : GET_LOAD_TIMEOUT);
}

int
main(int argc, char **argv)
{
	struct get_opts	o;
	int		rc, argi = 1;

	memset(&o, 0, sizeof(o));
	/* A closed stdout or socket must be an error status, not a death. */
	signal(SIGPIPE, SIG_IGN);
	if ((rc = get_opts_parse(&o, argc, argv, &argi)) != -1)
		goto done;
	argc -= argi;
	argv += argi;
	if ((rc = get_opts_check(&o, argc, argv)) != -1)
		goto done;
	if (o.method != NULL && strcmp(o.method, "HEAD") == 0)
		o.head = 1;
	if (o.check)
		rc = get_check_run(argv[0], argv[1], o.check_path, o.timeout);
	else if (o.load_n > 0)
		rc = get_run_load(&o, argc, argv);
	else
		rc = get_run_paths(&o, argc, argv);
done:
	free(o.headers);
	free(o.data);
	return rc;
}
