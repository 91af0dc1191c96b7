/*
 * Configuration loading and validation.
 *
 * The file is parsed by libconfig, then walked once: every setting is
 * checked against a table of known keys, so an unknown key, a wrong type
 * or an out-of-range value is reported with its line, and the walk goes
 * on to find the next error instead of stopping at the first.
 */
#include "config.h"

#include <sys/stat.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <libconfig.h>
#include <limits.h>
#include <netdb.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "accept_enc.h"
#include "cachectl.h"
#include "conf.h"
#include "conf_int.h"
#include "htpasswd.h"
#include "slog.h"
#include "tls.h"
#include "watch.h"

#ifndef SYSCONFDIR
#define SYSCONFDIR	"/etc/hearth"
#endif

enum key_kind {
	K_STRING,	/* char * at off */
	K_PATH,		/* char * at off, resolved against server_root */
	K_INT,		/* int at off */
	K_LONG,		/* long long at off */
	K_BOOL,		/* int at off */
	K_SPECIAL	/* handled by a function of its own */
};

struct key {
	const char	*name;
	enum key_kind	 kind;
	size_t		 off;
	long long	 min, max;
};

#define OFF(f)	offsetof(struct config, f)

static const struct key top_keys[] = {
	{ "server_root",	K_SPECIAL, 0, 0, 0 },
	{ "listen",		K_SPECIAL, 0, 0, 0 },
	{ "document_root",	K_PATH,	OFF(document_root), 0, 0 },
	{ "workers",		K_INT,	OFF(workers), 1, MAX_WORKERS },
	{ "pid_file",		K_PATH,	OFF(pid_file), 0, 0 },
	{ "error_log",		K_PATH,	OFF(error_log), 0, 0 },
	{ "log_level",		K_SPECIAL, 0, 0, 0 },
	{ "access_log",		K_PATH,	OFF(access_log), 0, 0 },
	{ "mime_types",		K_PATH,	OFF(mime_types), 0, 0 },
	{ "user",		K_STRING, OFF(user), 0, 0 },
	{ "group",		K_STRING, OFF(group), 0, 0 },
	{ "index",		K_SPECIAL, 0, 0, 0 },
	{ "error_pages",	K_SPECIAL, 0, 0, 0 },
	{ "follow_symlinks",	K_BOOL,	OFF(follow_symlinks), 0, 1 },
	{ "timeouts",		K_SPECIAL, 0, 0, 0 },
	{ "limits",		K_SPECIAL, 0, 0, 0 },
	{ "health",		K_SPECIAL, 0, 0, 0 },
	{ "listing",		K_SPECIAL, 0, 0, 0 },
	{ "templates",		K_SPECIAL, 0, 0, 0 },
	{ "admin",		K_SPECIAL, 0, 0, 0 },
	{ "remote_ip",		K_SPECIAL, 0, 0, 0 },
	{ "live_reload",	K_SPECIAL, 0, 0, 0 },
	{ "cgi",		K_SPECIAL, 0, 0, 0 },
	{ "gzip",		K_SPECIAL, 0, 0, 0 },
	{ "cache_control",	K_SPECIAL, 0, 0, 0 },
	{ "tls",		K_SPECIAL, 0, 0, 0 },
	{ NULL, 0, 0, 0, 0 }
};

static const struct key tls_keys[] = {
	{ "listen",		K_SPECIAL, 0, 0, 0 },
	{ "certificate",	K_PATH,	OFF(tls.certificate), 0, 0 },
	{ "key",		K_PATH,	OFF(tls.key), 0, 0 },
	{ "protocols",		K_SPECIAL, 0, 0, 0 },
	{ "ciphers",		K_STRING, OFF(tls.ciphers), 0, 0 },
	{ "ciphersuites",	K_STRING, OFF(tls.ciphersuites), 0, 0 },
	{ "sni",		K_SPECIAL, 0, 0, 0 },
	{ "redirect_http",	K_BOOL,	OFF(tls.redirect_http), 0, 1 },
	{ "hsts",		K_INT,	OFF(tls.hsts), 0, MAX_HSTS },
	{ "handshake_timeout",	K_INT,	OFF(tls.handshake_timeout), 1,
				    MAX_TIMEOUT },
	{ "session_tickets",	K_BOOL,	OFF(tls.session_tickets), 0, 1 },
	{ "request_log",	K_PATH,	OFF(tls.request_log), 0, 0 },
	{ NULL, 0, 0, 0, 0 }
};

/* Each tls.sni entry is set by set_sni_entry(); the table names them. */
static const struct key sni_keys[] = {
	{ "name",		K_SPECIAL, 0, 0, 0 },
	{ "certificate",	K_SPECIAL, 0, 0, 0 },
	{ "key",		K_SPECIAL, 0, 0, 0 },
	{ NULL, 0, 0, 0, 0 }
};

static const struct key gzip_keys[] = {
	{ "enabled",		K_BOOL,	OFF(gzip.enabled), 0, 1 },
	{ "level",		K_INT,	OFF(gzip.level), 1, 9 },
	{ "min_size",		K_LONG,	OFF(gzip.min_size), 0,
				    MAX_GZIP_MIN_SIZE },
	{ "types",		K_SPECIAL, 0, 0, 0 },
	{ "precompressed",	K_BOOL,	OFF(gzip.precompressed), 0, 1 },
	{ NULL, 0, 0, 0, 0 }
};

/* Each cgi entry is set by set_cgi_key(); the table names the keys. */
static const struct key cgi_keys[] = {
	{ "url",		K_SPECIAL, 0, 0, 0 },
	{ "dir",		K_SPECIAL, 0, 0, 0 },
	{ "timeout",		K_SPECIAL, 0, 1, MAX_TIMEOUT },
	{ "extensions",		K_SPECIAL, 0, 0, 0 },
	{ NULL, 0, 0, 0, 0 }
};

static const struct key live_keys[] = {
	{ "enabled",		K_BOOL,	OFF(live.enabled), 0, 1 },
	{ "paths",		K_SPECIAL, 0, 0, 0 },
	{ "ignore",		K_SPECIAL, 0, 0, 0 },
	{ NULL, 0, 0, 0, 0 }
};

static const struct key remoteip_keys[] = {
	{ "proxy_protocol",	K_SPECIAL, 0, 0, 0 },
	{ "trusted",		K_SPECIAL, 0, 0, 0 },
	{ "header",		K_STRING, OFF(remote_ip.header), 0, 0 },
	{ NULL, 0, 0, 0, 0 }
};

static const struct key admin_keys[] = {
	{ "paths",		K_SPECIAL, 0, 0, 0 },
	{ "allow",		K_SPECIAL, 0, 0, 0 },
	{ "htpasswd",		K_PATH,	OFF(admin.htpasswd), 0, 0 },
	{ "realm",		K_STRING, OFF(admin.realm), 0, 0 },
	{ "status_path",	K_STRING, OFF(admin.status_path), 0, 0 },
	{ "status_api",		K_STRING, OFF(admin.status_api), 0, 0 },
	{ "status_template",	K_PATH,	OFF(admin.status_template), 0, 0 },
	{ NULL, 0, 0, 0, 0 }
};

static const struct key template_keys[] = {
	{ "patterns",		K_SPECIAL, 0, 0, 0 },
	{ "vars",		K_SPECIAL, 0, 0, 0 },
	{ NULL, 0, 0, 0, 0 }
};

static const struct key health_keys[] = {
	{ "path",		K_STRING, OFF(health.path), 0, 0 },
	{ "log",		K_BOOL,	OFF(health.log), 0, 1 },
	{ "drain_seconds",	K_INT,	OFF(health.drain_seconds), 0, 3600 },
	{ NULL, 0, 0, 0, 0 }
};

static const struct key timeout_keys[] = {
	{ "header",	K_INT, OFF(timeouts.header), 1, MAX_TIMEOUT },
	{ "body",	K_INT, OFF(timeouts.body), 1, MAX_TIMEOUT },
	{ "keepalive",	K_INT, OFF(timeouts.keepalive), 0, MAX_TIMEOUT },
	{ "send",	K_INT, OFF(timeouts.send), 1, MAX_TIMEOUT },
	{ "graceful",	K_INT, OFF(timeouts.graceful), 0, MAX_TIMEOUT },
	{ NULL, 0, 0, 0, 0 }
};

static const struct key limit_keys[] = {
	{ "request_line",	K_LONG, OFF(limits.request_line), 64, 1 << 20 },
	{ "header_field",	K_LONG, OFF(limits.header_field), 64, 1 << 20 },
	{ "headers_total",	K_LONG, OFF(limits.headers_total), 256, 1 << 24 },
	{ "header_count",	K_LONG, OFF(limits.header_count), 1, 256 },
	{ "body",		K_LONG, OFF(limits.body), 0, LLONG_MAX },
	{ "keepalive_requests",	K_LONG, OFF(limits.keepalive_requests), 1,
	    LLONG_MAX },
	{ "max_connections",	K_LONG, OFF(limits.max_connections), 1,
	    MAX_CONNECTIONS },
	{ "per_client",		K_LONG, OFF(limits.per_client), 0,
	    MAX_CONNECTIONS },
	{ NULL, 0, 0, 0, 0 }
};

struct loader {
	struct config		*conf;
	config_t		*cf;
	int			 flags;		/* CONF_CHECK_SYSTEM, ... */
	config_setting_t	*proxy_setting;	/* remote_ip.proxy_protocol */
	struct conf_errors	*errs;
	const char		*file;
	int			 bad_root;	/* relative paths are moot */
};

static void	conf_err(struct loader *, const config_setting_t *,
		    const char *, ...) __attribute__((format(printf, 3, 4)));

static void
errs_add(struct conf_errors *errs, const char *line)
{
	size_t	n = strlen(line);

	if (errs->len + n + 2 > errs->cap) {
		size_t	 cap = errs->cap ? errs->cap * 2 : 1024;
		char	*p;

		while (cap < errs->len + n + 2)
			cap *= 2;
		if ((p = realloc(errs->text, cap)) == NULL)
			return;		/* keep what we have; count still moves */
		errs->text = p;
		errs->cap = cap;
	}
	memcpy(errs->text + errs->len, line, n);
	errs->len += n;
	errs->text[errs->len++] = '\n';
	errs->text[errs->len] = '\0';
}

void
conf_errf(struct conf_errors *errs, const char *file,
    const config_setting_t *s, const char *fmt, ...)
{
	char		 msg[1024];
	int		 lineno = 0;
	va_list		 ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (s != NULL) {
		if (config_setting_source_file(s) != NULL)
			file = config_setting_source_file(s);
		lineno = (int)config_setting_source_line(s);
	}
	conf_errl(errs, file, lineno, "%s", msg);
}

void
conf_errl(struct conf_errors *errs, const char *file, int lineno,
    const char *fmt, ...)
{
	char		 msg[1024], line[1280];
	va_list		 ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(line, sizeof(line), "%s:%d: %s", file, lineno, msg);
	errs_add(errs, line);
	errs->count++;
}

static void
conf_err(struct loader *ld, const config_setting_t *s, const char *fmt, ...)
{
	char		 msg[1024];
	va_list		 ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	conf_errf(ld->errs, ld->file, s, "%s", msg);
}

void
conf_errors_free(struct conf_errors *errs)
{
	free(errs->text);
	memset(errs, 0, sizeof(*errs));
}

int
conf_distance(const char *a, const char *b)
{
	size_t	la = strlen(a), lb = strlen(b), i, j;
	int	row[64], prev, tmp;

	if (lb >= sizeof(row) / sizeof(row[0]) || la >= 64)
		return 99;
	for (j = 0; j <= lb; j++)
		row[j] = (int)j;
	for (i = 1; i <= la; i++) {
		prev = row[0];
		row[0] = (int)i;
		for (j = 1; j <= lb; j++) {
			int	cost = a[i - 1] == b[j - 1] ? 0 : 1;
			int	best = prev + cost;

			if (row[j] + 1 < best)
				best = row[j] + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			tmp = row[j];
			row[j] = best;
			prev = tmp;
		}
	}
	return row[lb];
}

static const struct key *
key_find(const struct key *keys, const char *name)
{
	for (; keys->name != NULL; keys++)
		if (strcmp(keys->name, name) == 0)
			return keys;
	return NULL;
}

static void
key_unknown(struct loader *ld, const config_setting_t *s,
    const struct key *keys, const char *where)
{
	const struct key	*k, *best = NULL;
	int			 d, bestd = 4;

	for (k = keys; k->name != NULL; k++)
		if ((d = conf_distance(config_setting_name(s), k->name)) <
		    bestd) {
			bestd = d;
			best = k;
		}
	if (best != NULL && bestd <= 3)
		conf_err(ld, s, "unknown key \"%s\"%s (did you mean \"%s\"?)",
		    config_setting_name(s), where, best->name);
	else
		conf_err(ld, s, "unknown key \"%s\"%s",
		    config_setting_name(s), where);
}

static const char *
type_name(int type)
{
	switch (type) {
	case CONFIG_TYPE_GROUP:		return "a group";
	case CONFIG_TYPE_INT:
	case CONFIG_TYPE_INT64:		return "an integer";
	case CONFIG_TYPE_FLOAT:		return "a number";
	case CONFIG_TYPE_STRING:	return "a string";
	case CONFIG_TYPE_BOOL:		return "a boolean";
	case CONFIG_TYPE_ARRAY:		return "an array";
	case CONFIG_TYPE_LIST:		return "a list";
	}
	return "unknown";
}

static int
want_type(struct loader *ld, const config_setting_t *s, int type)
{
	int	got = config_setting_type(s);

	if (got == type || (type == CONFIG_TYPE_INT &&
	    got == CONFIG_TYPE_INT64))
		return 0;
	conf_err(ld, s, "%s must be %s, not %s", config_setting_name(s) ?
	    config_setting_name(s) : "element", type_name(type),
	    type_name(got));
	return -1;
}

/* Is it a list or an array (libconfig spells [ ] and ( ) differently)? */
static int
want_list(struct loader *ld, const config_setting_t *s)
{
	int	t = config_setting_type(s);

	if (t == CONFIG_TYPE_ARRAY || t == CONFIG_TYPE_LIST)
		return 0;
	conf_err(ld, s, "%s must be a list, not %s", config_setting_name(s),
	    type_name(t));
	return -1;
}

static char *
xstrdup_or_err(struct loader *ld, const config_setting_t *s, const char *v)
{
	char	*p;

	if ((p = strdup(v)) == NULL)
		conf_err(ld, s, "out of memory");
	return p;
}

static void
set_scalar(struct loader *ld, const struct key *k, config_setting_t *s)
{
	char		*base = (char *)ld->conf;
	long long	 v;

	switch (k->kind) {
	case K_STRING:
	case K_PATH:
		if (want_type(ld, s, CONFIG_TYPE_STRING) == -1)
			return;
		if (*config_setting_get_string(s) == '\0') {
			conf_err(ld, s, "%s must not be empty", k->name);
			return;
		}
		free(*(char **)(base + k->off));
		*(char **)(base + k->off) = xstrdup_or_err(ld, s,
		    config_setting_get_string(s));
		return;
	case K_BOOL:
		if (want_type(ld, s, CONFIG_TYPE_BOOL) == -1)
			return;
		*(int *)(base + k->off) = config_setting_get_bool(s);
		return;
	case K_INT:
	case K_LONG:
		if (want_type(ld, s, CONFIG_TYPE_INT) == -1)
			return;
		v = config_setting_get_int64(s);
		if (v < k->min || v > k->max) {
			conf_err(ld, s, "%s must be between %lld and %lld, "
			    "not %lld", k->name, k->min, k->max, v);
			return;
		}
		if (k->kind == K_INT)
			*(int *)(base + k->off) = (int)v;
		else
			*(long long *)(base + k->off) = v;
		return;
	case K_SPECIAL:
		break;
	}
}

/* Walk a group against a key table; specials go to the callback. */
static void
walk_group(struct loader *ld, config_setting_t *group,
    const struct key *keys, const char *where,
    void (*special)(struct loader *, const struct key *, config_setting_t *))
{
	config_setting_t	*s;
	const struct key	*k;
	int			 i;

	for (i = 0; (s = config_setting_get_elem(group, i)) != NULL; i++) {
		if ((k = key_find(keys, config_setting_name(s))) == NULL)
			key_unknown(ld, s, keys, where);
		else if (k->kind == K_SPECIAL)
			special(ld, k, s);
		else
			set_scalar(ld, k, s);
	}
}

static void	set_special(struct loader *, const struct key *,
		    config_setting_t *);

int
conf_parse_listen(const char *spec, struct conf_listen *l, char *errbuf,
    size_t errlen)
{
	struct addrinfo	 hints, *res;
	char		 host[128];
	const char	*port, *colon;
	char		*end;
	long		 pn;
	int		 rc;

	memset(l, 0, sizeof(*l));
	if (strlen(spec) >= sizeof(l->spec)) {
		snprintf(errbuf, errlen, "listen address too long");
		return -1;
	}
	strlcpy(l->spec, spec, sizeof(l->spec));
	if (spec[0] == '[') {
		if ((colon = strstr(spec, "]:")) == NULL) {
			snprintf(errbuf, errlen, "bad listen address \"%s\": "
			    "want \"[v6addr]:port\"", spec);
			return -1;
		}
		snprintf(host, sizeof(host), "%.*s", (int)(colon - spec - 1),
		    spec + 1);
		port = colon + 2;
	} else {
		if ((colon = strrchr(spec, ':')) == NULL ||
		    memchr(spec, ':', colon - spec) != NULL) {
			snprintf(errbuf, errlen, "bad listen address \"%s\": "
			    "want \"host:port\", \"[v6addr]:port\" or "
			    "\":port\"", spec);
			return -1;
		}
		snprintf(host, sizeof(host), "%.*s", (int)(colon - spec), spec);
		port = colon + 1;
	}
	errno = 0;
	pn = strtol(port, &end, 10);
	if (*port == '\0' || *end != '\0' || errno != 0 || pn < 1 ||
	    pn > 65535) {
		snprintf(errbuf, errlen, "bad port in listen address \"%s\"",
		    spec);
		return -1;
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = host[0] == '\0' ? AF_INET6 : AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	if ((rc = getaddrinfo(host[0] ? host : NULL, port, &hints, &res))
	    != 0) {
		snprintf(errbuf, errlen, "bad listen address \"%s\": %s",
		    spec, gai_strerror(rc));
		return -1;
	}
	memcpy(&l->ss, res->ai_addr, res->ai_addrlen);
	l->sslen = res->ai_addrlen;
	freeaddrinfo(res);
	return 0;
}

/* The index of the address l in v[n], or -1. */
static int
listen_find(const struct conf_listen *v, int n, const struct conf_listen *l)
{
	int	i;

	for (i = 0; i < n; i++)
		if (v[i].sslen == l->sslen && memcmp(&v[i].ss, &l->ss,
		    l->sslen) == 0)
			return i;
	return -1;
}

/*
 * A list of "host:port" strings into v[MAX_LISTEN]; how many.  The
 * plain list refuses an address twice here; tls.listen is checked
 * against both lists once they are joined (fill_tls()).
 */
static int
set_listen_list(struct loader *ld, config_setting_t *s,
    struct conf_listen *v, int tls)
{
	config_setting_t	*e;
	char			 err[256];
	int			 i, n = 0;

	for (i = 0; (e = config_setting_get_elem(s, i)) != NULL; i++) {
		if (want_type(ld, e, CONFIG_TYPE_STRING) == -1)
			continue;
		if (n == MAX_LISTEN) {
			conf_err(ld, e, "more than %d %slisten addresses",
			    MAX_LISTEN, tls ? "tls " : "");
			break;
		}
		if (conf_parse_listen(config_setting_get_string(e), &v[n], err,
		    sizeof(err)) == -1) {
			conf_err(ld, e, "%s%s", tls ? "tls listen: " : "", err);
			continue;
		}
		if (!tls && listen_find(v, n, &v[n]) != -1) {
			conf_err(ld, e, "listen address \"%s\" given twice",
			    config_setting_get_string(e));
			continue;
		}
		v[n++].tls = tls;
	}
	return n;
}

static void
set_listen(struct loader *ld, config_setting_t *s)
{
	struct config	*conf = ld->conf;

	if (config_setting_type(s) == CONFIG_TYPE_STRING) {
		conf_err(ld, s, "listen must be a list, for example "
		    "[ \"%s\" ]", config_setting_get_string(s));
		return;
	}
	if (want_list(ld, s) == -1)
		return;
	if (config_setting_length(s) == 0)
		conf_err(ld, s, "listen must name at least one address");
	conf->nlisten = set_listen_list(ld, s, conf->listen, 0);
}

static void
set_index(struct loader *ld, config_setting_t *s)
{
	struct config		*conf = ld->conf;
	config_setting_t	*e;
	const char		*v;
	int			 i;

	if (want_list(ld, s) == -1)
		return;
	conf->nindex = 0;
	for (i = 0; (e = config_setting_get_elem(s, i)) != NULL; i++) {
		if (want_type(ld, e, CONFIG_TYPE_STRING) == -1)
			continue;
		v = config_setting_get_string(e);
		if (*v == '\0' || strchr(v, '/') != NULL ||
		    strcmp(v, ".") == 0 || strcmp(v, "..") == 0) {
			conf_err(ld, e, "index \"%s\" must be a plain file "
			    "name", v);
			continue;
		}
		if (conf->nindex == MAX_INDEX) {
			conf_err(ld, e, "more than %d index names", MAX_INDEX);
			return;
		}
		conf->index[conf->nindex++] = xstrdup_or_err(ld, e, v);
	}
}

static void
set_error_page(struct loader *ld, config_setting_t *g)
{
	struct config		*conf = ld->conf;
	config_setting_t	*st, *pa, *e;
	int			 i, status;

	if (want_type(ld, g, CONFIG_TYPE_GROUP) == -1)
		return;
	for (i = 0; (e = config_setting_get_elem(g, i)) != NULL; i++)
		if (strcmp(config_setting_name(e), "status") != 0 &&
		    strcmp(config_setting_name(e), "path") != 0)
			conf_err(ld, e, "unknown key \"%s\" in error_pages "
			    "(want status and path)", config_setting_name(e));
	st = config_setting_get_member(g, "status");
	pa = config_setting_get_member(g, "path");
	if (st == NULL || pa == NULL) {
		conf_err(ld, g, "each error_pages entry needs status and path");
		return;
	}
	if (want_type(ld, st, CONFIG_TYPE_INT) == -1 ||
	    want_type(ld, pa, CONFIG_TYPE_STRING) == -1)
		return;
	status = config_setting_get_int(st);
	if (status < 400 || status > 599) {
		conf_err(ld, st, "error page status must be 400 to 599, "
		    "not %d", status);
		return;
	}
	if (config_setting_get_string(pa)[0] != '/') {
		conf_err(ld, pa, "error page path must start with '/'");
		return;
	}
	for (i = 0; i < conf->nerror_pages; i++)
		if (conf->error_pages[i].status == status) {
			conf_err(ld, st, "error page for %d given twice",
			    status);
			return;
		}
	if (conf->nerror_pages == MAX_ERROR_PAGES) {
		conf_err(ld, g, "more than %d error pages", MAX_ERROR_PAGES);
		return;
	}
	conf->error_pages[conf->nerror_pages].status = status;
	conf->error_pages[conf->nerror_pages++].path =
	    xstrdup_or_err(ld, pa, config_setting_get_string(pa));
}

/* A list of strings into v[max]; each checked by ok() if given. */
static int
set_strings(struct loader *ld, config_setting_t *s, char **v, int max,
    const char *what, int must_slash)
{
	config_setting_t	*e;
	int			 i, n = 0;

	if (want_list(ld, s) == -1)
		return 0;
	for (i = 0; (e = config_setting_get_elem(s, i)) != NULL; i++) {
		if (want_type(ld, e, CONFIG_TYPE_STRING) == -1)
			continue;
		if (*config_setting_get_string(e) == '\0' || (must_slash &&
		    config_setting_get_string(e)[0] != '/')) {
			conf_err(ld, e, "%s \"%s\" must %s", what,
			    config_setting_get_string(e), must_slash ?
			    "start with '/'" : "not be empty");
			continue;
		}
		if (n == max) {
			conf_err(ld, e, "more than %d %s entries", max, what);
			break;
		}
		v[n++] = xstrdup_or_err(ld, e, config_setting_get_string(e));
	}
	return n;
}

/* templates.vars: name = "text" (numbers and booleans become text). */
static void
set_vars(struct loader *ld, config_setting_t *g)
{
	struct conf_templates	*t = &ld->conf->templates;
	config_setting_t	*e;
	char			 num[32];
	const char		*v;
	int			 i;

	if (want_type(ld, g, CONFIG_TYPE_GROUP) == -1)
		return;
	for (i = 0; (e = config_setting_get_elem(g, i)) != NULL; i++) {
		switch (config_setting_type(e)) {
		case CONFIG_TYPE_STRING:
			v = config_setting_get_string(e);
			break;
		case CONFIG_TYPE_INT:
		case CONFIG_TYPE_INT64:
			snprintf(num, sizeof(num), "%lld",
			    (long long)config_setting_get_int64(e));
			v = num;
			break;
		case CONFIG_TYPE_BOOL:
			v = config_setting_get_bool(e) ? "true" : "false";
			break;
		default:
			conf_err(ld, e, "template variable %s must be a "
			    "string, number or boolean", config_setting_name(e));
			continue;
		}
		if (t->nvars == MAX_TMPL_VARS) {
			conf_err(ld, e, "more than %d template variables",
			    MAX_TMPL_VARS);
			return;
		}
		t->vars[t->nvars].name = xstrdup_or_err(ld, e,
		    config_setting_name(e));
		t->vars[t->nvars++].value = xstrdup_or_err(ld, e, v);
	}
}

static int	set_cidrs(struct loader *, config_setting_t *, struct cidr *,
		    int, const char *);

static void
set_allow(struct loader *ld, config_setting_t *s)
{
	struct conf_admin	*a = &ld->conf->admin;

	a->nallow = set_cidrs(ld, s, a->allow, MAX_ADMIN_ALLOW, "admin allow");
	ld->conf->admin_allow_set = 1;
}

/* Networks into v[max], each a CIDR; returns how many. */
static int
set_cidrs(struct loader *ld, config_setting_t *s, struct cidr *v, int max,
    const char *what)
{
	config_setting_t	*e;
	char			 err[256];
	int			 i, n = 0;

	if (want_list(ld, s) == -1)
		return 0;
	for (i = 0; (e = config_setting_get_elem(s, i)) != NULL; i++) {
		if (want_type(ld, e, CONFIG_TYPE_STRING) == -1)
			continue;
		if (n == max) {
			conf_err(ld, e, "more than %d %s networks", max, what);
			break;
		}
		if (cidr_parse(config_setting_get_string(e), &v[n], err,
		    sizeof(err)) == -1) {
			conf_err(ld, e, "%s: %s", what, err);
			continue;
		}
		n++;
	}
	return n;
}

/*
 * remote_ip.proxy_protocol names listeners that also appear in listen;
 * it must come after listen in the file, so it is checked at the end.
 */
static void
set_proxy_listeners(struct loader *ld, config_setting_t *s)
{
	ld->proxy_setting = s;
}

static void
mark_proxy_listeners(struct loader *ld)
{
	struct config		*conf = ld->conf;
	config_setting_t	*e;
	struct conf_listen	 l;
	char			 err[256];
	int			 i, j;

	if (ld->proxy_setting == NULL || want_list(ld, ld->proxy_setting) == -1)
		return;
	for (i = 0; (e = config_setting_get_elem(ld->proxy_setting, i)) !=
	    NULL; i++) {
		if (want_type(ld, e, CONFIG_TYPE_STRING) == -1)
			continue;
		if (conf_parse_listen(config_setting_get_string(e), &l, err,
		    sizeof(err)) == -1) {
			conf_err(ld, e, "remote_ip.proxy_protocol: %s", err);
			continue;
		}
		if ((j = listen_find(conf->listen, conf->nlisten, &l)) == -1)
			conf_err(ld, e, "remote_ip.proxy_protocol: \"%s\" is "
			    "not one of the listen addresses",
			    config_setting_get_string(e));
		else
			conf->listen[j].proxy_protocol = 1;
	}
}

static void
set_remoteip_key(struct loader *ld, const struct key *k, config_setting_t *s)
{
	struct conf_remoteip	*r = &ld->conf->remote_ip;

	if (strcmp(k->name, "trusted") == 0)
		r->ntrusted = set_cidrs(ld, s, r->trusted, MAX_TRUSTED,
		    "remote_ip.trusted");
	else
		set_proxy_listeners(ld, s);
}

static void
set_admin_key(struct loader *ld, const struct key *k, config_setting_t *s)
{
	struct conf_admin	*a = &ld->conf->admin;

	if (strcmp(k->name, "paths") == 0)
		a->npaths = set_strings(ld, s, a->paths, MAX_ADMIN_PATHS,
		    "admin path", 1);
	else
		set_allow(ld, s);
}

static void
set_template_key(struct loader *ld, const struct key *k, config_setting_t *s)
{
	struct conf_templates	*t = &ld->conf->templates;

	if (strcmp(k->name, "patterns") == 0)
		t->npatterns = set_strings(ld, s, t->patterns,
		    MAX_TMPL_PATTERNS, "template pattern", 0);
	else
		set_vars(ld, s);
}

static void
set_live_key(struct loader *ld, const struct key *k, config_setting_t *s)
{
	struct conf_live	*l = &ld->conf->live;
	int			 i;

	if (strcmp(k->name, "paths") == 0) {
		for (i = 0; i < l->npaths; i++)
			free(l->paths[i]);
		l->npaths = set_strings(ld, s, l->paths, MAX_LIVE_PATHS,
		    "live_reload path", 1);
		l->paths_set = 1;
	} else {
		for (i = 0; i < l->nignore; i++)
			free(l->ignore[i]);
		l->nignore = set_strings(ld, s, l->ignore, MAX_LIVE_IGNORE,
		    "live_reload ignore glob", 0);
		l->ignore_set = 1;
	}
}

static void
set_cgi_key(struct loader *ld, struct conf_cgi *g, const struct key *k,
    config_setting_t *s)
{
	const char	*v;
	long long	 n;
	int		 i;

	if (strcmp(k->name, "extensions") == 0) {
		g->next = set_strings(ld, s, g->ext, MAX_CGI_EXT,
		    "cgi extension", 0);
		for (i = 0; i < g->next; i++)
			if (g->ext[i] != NULL && g->ext[i][0] != '.')
				conf_err(ld, s, "cgi extension \"%s\" must "
				    "start with '.'", g->ext[i]);
		return;
	}
	if (strcmp(k->name, "timeout") == 0) {
		if (want_type(ld, s, CONFIG_TYPE_INT) == -1)
			return;
		n = config_setting_get_int64(s);
		if (n < k->min || n > k->max)
			conf_err(ld, s, "cgi timeout must be between %lld and "
			    "%lld, not %lld", k->min, k->max, n);
		else
			g->timeout = (int)n;
		return;
	}
	if (want_type(ld, s, CONFIG_TYPE_STRING) == -1)
		return;
	v = config_setting_get_string(s);
	if (strcmp(k->name, "url") == 0) {
		/* a prefix of whole segments: "/cgi-bin" would match "/cgi-binx" */
		if (v[0] != '/' || v[strlen(v) - 1] != '/')
			conf_err(ld, s, "cgi url \"%s\" must start and end "
			    "with '/'", v);
		else
			g->url = xstrdup_or_err(ld, s, v);
	} else if (*v == '\0')
		conf_err(ld, s, "cgi dir must not be empty");
	else
		g->dir = xstrdup_or_err(ld, s, v);
}

/* cgi = ( { url = "/cgi-bin/"; dir = "cgi-bin"; timeout = 30; }, ... ); */
static void
set_cgi(struct loader *ld, config_setting_t *list)
{
	config_setting_t	*e, *s;
	const struct key	*k;
	struct conf_cgi		*g;
	int			 i, j;

	if (want_list(ld, list) == -1)
		return;
	for (i = 0; (e = config_setting_get_elem(list, i)) != NULL; i++) {
		if (want_type(ld, e, CONFIG_TYPE_GROUP) == -1)
			continue;
		if (ld->conf->ncgi == MAX_CGI) {
			conf_err(ld, e, "more than %d cgi entries", MAX_CGI);
			return;
		}
		g = &ld->conf->cgi[ld->conf->ncgi++];
		g->timeout = -1;
		for (j = 0; (s = config_setting_get_elem(e, j)) != NULL; j++) {
			if ((k = key_find(cgi_keys, config_setting_name(s)))
			    == NULL)
				key_unknown(ld, s, cgi_keys, " in cgi");
			else
				set_cgi_key(ld, g, k, s);
		}
		if (config_setting_get_member(e, "url") == NULL ||
		    config_setting_get_member(e, "dir") == NULL)
			conf_err(ld, e, "each cgi entry needs url and dir");
	}
}

/* gzip.types: media types; "text/" and a star for a top-level type. */
static void
set_gzip_key(struct loader *ld, const struct key *k, config_setting_t *s)
{
	struct conf_gzip	*g = &ld->conf->gzip;
	int			 i;

	(void)k;
	for (i = 0; i < g->ntypes; i++)
		free(g->types[i]);
	g->ntypes = set_strings(ld, s, g->types, MAX_GZIP_TYPES,
	    "gzip type", 0);
	g->types_set = 1;
	for (i = 0; i < g->ntypes; i++)
		if (g->types[i] != NULL && (strchr(g->types[i], '/') == NULL ||
		    strchr(g->types[i], ';') != NULL))
			conf_err(ld, config_setting_get_elem(s, i), "gzip type "
			    "\"%s\" must be a media type like \"text/css\" or "
			    "\"text/*\", without parameters", g->types[i]);
}

static void
set_cache_rule(struct loader *ld, config_setting_t *e)
{
	struct conf_cache_control	*r;
	config_setting_t		*m, *v, *s;
	char				 err[256];
	int				 i;

	for (i = 0; (s = config_setting_get_elem(e, i)) != NULL; i++)
		if (strcmp(config_setting_name(s), "match") != 0 &&
		    strcmp(config_setting_name(s), "value") != 0)
			conf_err(ld, s, "unknown key \"%s\" in cache_control "
			    "(want match and value)", config_setting_name(s));
	m = config_setting_get_member(e, "match");
	v = config_setting_get_member(e, "value");
	if (m == NULL || v == NULL) {
		conf_err(ld, e, "each cache_control entry needs match and "
		    "value");
		return;
	}
	if (want_type(ld, m, CONFIG_TYPE_STRING) == -1 ||
	    want_type(ld, v, CONFIG_TYPE_STRING) == -1)
		return;
	if (*config_setting_get_string(m) == '\0') {
		conf_err(ld, m, "cache_control match must not be empty");
		return;
	}
	if (cachectl_value_check(config_setting_get_string(v), err,
	    sizeof(err)) == -1) {
		conf_err(ld, v, "%s", err);
		return;
	}
	if (ld->conf->ncache_control == MAX_CACHE_CONTROL) {
		conf_err(ld, e, "more than %d cache_control entries",
		    MAX_CACHE_CONTROL);
		return;
	}
	r = &ld->conf->cache_control[ld->conf->ncache_control++];
	r->match = xstrdup_or_err(ld, m, config_setting_get_string(m));
	r->value = xstrdup_or_err(ld, v, config_setting_get_string(v));
}

/* cache_control = ( { match = "*.css"; value = "max-age=3600"; }, ... ); */
static void
set_cache_control(struct loader *ld, config_setting_t *list)
{
	config_setting_t	*e;
	int			 i;

	if (want_list(ld, list) == -1)
		return;
	for (i = 0; (e = config_setting_get_elem(list, i)) != NULL; i++)
		if (want_type(ld, e, CONFIG_TYPE_GROUP) == 0)
			set_cache_rule(ld, e);
}

/*
 * tls.listen: addresses of their own, kept apart until the end because
 * the top-level listen may come later in the file and replaces its list.
 */
static void
set_tls_listen(struct loader *ld, config_setting_t *s)
{
	struct conf_tls	*t = &ld->conf->tls;

	if (want_list(ld, s) == -1)
		return;
	t->nlisten = set_listen_list(ld, s, t->listen, 1);
}

static void
set_sni_entry(struct loader *ld, config_setting_t *e)
{
	struct conf_tls_sni	*n;
	config_setting_t	*s;
	const char		*v;
	int			 i;

	if (ld->conf->tls.nsni == MAX_TLS_SNI) {
		conf_err(ld, e, "more than %d tls sni entries", MAX_TLS_SNI);
		return;
	}
	n = &ld->conf->tls.sni[ld->conf->tls.nsni++];
	for (i = 0; (s = config_setting_get_elem(e, i)) != NULL; i++) {
		if (key_find(sni_keys, config_setting_name(s)) == NULL) {
			key_unknown(ld, s, sni_keys, " in tls sni");
			continue;
		}
		if (want_type(ld, s, CONFIG_TYPE_STRING) == -1)
			continue;
		if (*(v = config_setting_get_string(s)) == '\0') {
			conf_err(ld, s, "tls sni %s must not be empty",
			    config_setting_name(s));
			continue;
		}
		if (strcmp(config_setting_name(s), "name") == 0)
			n->name = xstrdup_or_err(ld, s, v);
		else if (strcmp(config_setting_name(s), "certificate") == 0)
			n->certificate = xstrdup_or_err(ld, s, v);
		else
			n->key = xstrdup_or_err(ld, s, v);
	}
	if (config_setting_get_member(e, "name") == NULL ||
	    config_setting_get_member(e, "certificate") == NULL ||
	    config_setting_get_member(e, "key") == NULL)
		conf_err(ld, e, "each tls sni entry needs name, certificate "
		    "and key");
}

static void
set_tls_key(struct loader *ld, const struct key *k, config_setting_t *s)
{
	struct conf_tls		*t = &ld->conf->tls;
	config_setting_t	*e;
	char			 err[256];
	int			 i;

	if (strcmp(k->name, "listen") == 0)
		set_tls_listen(ld, s);
	else if (strcmp(k->name, "protocols") == 0) {
		if (want_type(ld, s, CONFIG_TYPE_STRING) == -1)
			return;
		if (tls_parse_protocols(config_setting_get_string(s),
		    &t->min_version, &t->max_version, err, sizeof(err)) == -1) {
			conf_err(ld, s, "tls %s", err);
			return;
		}
		free(t->protocols);
		t->protocols = xstrdup_or_err(ld, s,
		    config_setting_get_string(s));
	} else if (strcmp(k->name, "sni") == 0) {
		if (want_list(ld, s) == -1)
			return;
		for (i = 0; (e = config_setting_get_elem(s, i)) != NULL; i++)
			if (want_type(ld, e, CONFIG_TYPE_GROUP) == 0)
				set_sni_entry(ld, e);
	}
}

static void
set_special(struct loader *ld, const struct key *k, config_setting_t *s)
{
	config_setting_t	*e;
	int			 i;

	if (strcmp(k->name, "server_root") == 0)
		return;		/* read first, in conf_load() */
	if (strcmp(k->name, "listen") == 0)
		set_listen(ld, s);
	else if (strcmp(k->name, "index") == 0)
		set_index(ld, s);
	else if (strcmp(k->name, "log_level") == 0) {
		if (want_type(ld, s, CONFIG_TYPE_STRING) == -1)
			return;
		if (conf_log_level(config_setting_get_string(s)) == -1) {
			conf_err(ld, s, "unknown log_level \"%s\" (want emerg, "
			    "alert, crit, error, warn, notice, info or debug)",
			    config_setting_get_string(s));
			return;
		}
		free(ld->conf->log_level);
		ld->conf->log_level = xstrdup_or_err(ld, s,
		    config_setting_get_string(s));
	} else if (strcmp(k->name, "error_pages") == 0) {
		if (want_list(ld, s) == -1)
			return;
		for (i = 0; (e = config_setting_get_elem(s, i)) != NULL; i++)
			set_error_page(ld, e);
	} else if (strcmp(k->name, "timeouts") == 0) {
		if (want_type(ld, s, CONFIG_TYPE_GROUP) == 0)
			walk_group(ld, s, timeout_keys, " in timeouts",
			    set_special);
	} else if (strcmp(k->name, "limits") == 0) {
		if (want_type(ld, s, CONFIG_TYPE_GROUP) == 0)
			walk_group(ld, s, limit_keys, " in limits",
			    set_special);
	} else if (strcmp(k->name, "listing") == 0) {
		ld->conf->nlisting = set_strings(ld, s, ld->conf->listing,
		    MAX_LISTING, "listing prefix", 1);
	} else if (strcmp(k->name, "templates") == 0) {
		if (want_type(ld, s, CONFIG_TYPE_GROUP) == 0)
			walk_group(ld, s, template_keys, " in templates",
			    set_template_key);
	} else if (strcmp(k->name, "remote_ip") == 0) {
		if (want_type(ld, s, CONFIG_TYPE_GROUP) == 0)
			walk_group(ld, s, remoteip_keys, " in remote_ip",
			    set_remoteip_key);
	} else if (strcmp(k->name, "admin") == 0) {
		if (want_type(ld, s, CONFIG_TYPE_GROUP) == -1)
			return;
		ld->conf->admin_set = 1;
		walk_group(ld, s, admin_keys, " in admin", set_admin_key);
	} else if (strcmp(k->name, "live_reload") == 0) {
		if (want_type(ld, s, CONFIG_TYPE_GROUP) == 0)
			walk_group(ld, s, live_keys, " in live_reload",
			    set_live_key);
	} else if (strcmp(k->name, "cgi") == 0) {
		set_cgi(ld, s);
	} else if (strcmp(k->name, "gzip") == 0) {
		if (want_type(ld, s, CONFIG_TYPE_GROUP) == 0)
			walk_group(ld, s, gzip_keys, " in gzip", set_gzip_key);
	} else if (strcmp(k->name, "cache_control") == 0) {
		set_cache_control(ld, s);
	} else if (strcmp(k->name, "tls") == 0) {
		if (want_type(ld, s, CONFIG_TYPE_GROUP) == 0)
			walk_group(ld, s, tls_keys, " in tls", set_tls_key);
	} else if (strcmp(k->name, "health") == 0) {
		if (want_type(ld, s, CONFIG_TYPE_GROUP) == -1)
			return;
		ld->conf->health_set = 1;
		walk_group(ld, s, health_keys, " in health", set_special);
		if (ld->conf->health.path != NULL &&
		    ld->conf->health.path[0] != '/')
			conf_err(ld, config_setting_get_member(s, "path"),
			    "health path must start with '/'");
	}
}

int
conf_log_level(const char *name)
{
	static const struct {
		const char	*name;
		int		 level;
	} levels[] = {
		{ "emerg", LOG_EMERG }, { "alert", LOG_ALERT },
		{ "crit", LOG_CRIT }, { "error", LOG_ERR },
		{ "warn", LOG_WARNING }, { "notice", LOG_NOTICE },
		{ "info", LOG_INFO }, { "debug", LOG_DEBUG },
	};
	size_t	i;

	for (i = 0; i < sizeof(levels) / sizeof(levels[0]); i++)
		if (strcmp(levels[i].name, name) == 0)
			return levels[i].level;
	return -1;
}

static char *
join_path(const char *root, const char *path)
{
	char	*p;

	if (path[0] == '/')
		return strdup(path);
	if (asprintf(&p, "%s%s%s", root, root[strlen(root) - 1] == '/' ?
	    "" : "/", path) == -1)
		return NULL;
	return p;
}

/* Make a path absolute; relative paths resolve against server_root. */
static void
resolve(struct loader *ld, char **field, const char *def)
{
	char	*p;

	if (*field == NULL && def == NULL)
		return;
	p = join_path(ld->conf->server_root, *field ? *field : def);
	if (p == NULL)
		conf_err(ld, NULL, "out of memory");
	free(*field);
	*field = p;
}

static char *
dir_of(const char *path, int up)
{
	char	*p = strdup(path), *slash;

	while (p != NULL && up-- > 0) {
		if ((slash = strrchr(p, '/')) == NULL) {
			free(p);
			return strdup(".");
		}
		if (slash == p)
			slash[1] = '\0';
		else
			*slash = '\0';
	}
	return p;
}

static char *
absolute(const char *path)
{
	char	 cwd[PATH_MAX], *p;

	if (path[0] == '/')
		return strdup(path);
	if (getcwd(cwd, sizeof(cwd)) == NULL)
		return NULL;
	if (asprintf(&p, "%s/%s", cwd, path) == -1)
		return NULL;
	return p;
}

/*
 * server_root: the key, else -d, else the directory above the config
 * file's directory, so etc/httpd.conf in a checkout serves that checkout.
 */
static void
set_server_root(struct loader *ld, config_t *cf, const char *opt)
{
	config_setting_t	*s;
	char			*root = NULL, *canon;

	s = config_lookup(cf, "server_root");
	if (s != NULL && want_type(ld, s, CONFIG_TYPE_STRING) == -1)
		ld->bad_root = 1;
	if (s != NULL && !ld->bad_root)
		root = absolute(config_setting_get_string(s));
	else if (opt != NULL)
		root = absolute(opt);
	else
		root = dir_of(ld->conf->file, 2);
	if (root != NULL && (canon = realpath(root, NULL)) != NULL) {
		free(root);
		root = canon;
	} else if (root != NULL) {
		conf_err(ld, s, "server_root %s: %s", root, strerror(errno));
		ld->bad_root = 1;
	}
	ld->conf->server_root = root ? root : strdup("/");
}

/*
 * An admin group: the status pages are on, protected by its paths,
 * and open to loopback only unless allow says otherwise.
 */
static void
fill_admin(struct loader *ld)
{
	struct conf_admin	*a = &ld->conf->admin;
	char			 err[128];

	if (a->status_path == NULL)
		a->status_path = strdup(DEF_STATUS_PATH);
	if (a->status_api == NULL)
		a->status_api = strdup(DEF_STATUS_API);
	if (a->realm == NULL)
		a->realm = strdup(DEF_ADMIN_REALM);
	if (a->npaths == 0) {
		a->paths[a->npaths++] = strdup(a->status_path);
		a->paths[a->npaths++] = strdup(a->status_api);
		a->paths[a->npaths++] = strdup("/admin/");
	}
	if (!ld->conf->admin_allow_set) {
		cidr_parse("127.0.0.1/32", &a->allow[a->nallow++], err,
		    sizeof(err));
		cidr_parse("::1/128", &a->allow[a->nallow++], err,
		    sizeof(err));
	}
	resolve(ld, &a->status_template, DEF_STATUS_TEMPLATE);
	if (a->htpasswd != NULL)
		resolve(ld, &a->htpasswd, NULL);
}

/*
 * live_reload defaults: every path, and the watcher's ignore list (VCS
 * and package directories, editors' scratch files).  An explicit [] is
 * kept: no paths means the script goes nowhere.
 */
/* Copy a built-in default list into a config list left unset. */
static void
fill_strings(char **v, int *n, const char *const *def, size_t ndef)
{
	size_t	i;

	for (i = 0; i < ndef; i++)
		if ((v[*n] = strdup(def[i])) != NULL)
			(*n)++;
}

static void
fill_live(struct loader *ld)
{
	static const char *const	 ign[] = { WATCH_IGNORE_DEFAULTS };
	struct conf_live		*l = &ld->conf->live;

	if (!l->paths_set && (l->paths[0] = strdup("/")) != NULL)
		l->npaths = 1;
	if (!l->ignore_set)
		fill_strings(l->ignore, &l->nignore, ign,
		    sizeof(ign) / sizeof(ign[0]));
}

/*
 * Compression is on by default, for text types only: they shrink
 * several times over, and every client since HTTP/1.1 decodes gzip.
 * Precompressed siblings are off, as in nginx (gzip_static): looking
 * for them costs an open() per request where nobody made any.
 */
static void
fill_gzip(struct loader *ld)
{
	static const char *const	 def[] = { DEF_GZIP_TYPES };
	struct conf_gzip		*g = &ld->conf->gzip;

	if (g->enabled == -1)
		g->enabled = 1;
	if (g->level == -1)
		g->level = DEF_GZIP_LEVEL;
	if (g->min_size == -1)
		g->min_size = DEF_GZIP_MIN_SIZE;
	if (g->precompressed == -1)
		g->precompressed = 0;
	if (!g->types_set)
		fill_strings(g->types, &g->ntypes, def,
		    sizeof(def) / sizeof(def[0]));
}

/*
 * HTTPS is on when the tls group lists addresses.  They join the
 * listen list here, once both lists are read, marked tls.
 */
static void
fill_tls(struct loader *ld)
{
	struct config		*c = ld->conf;
	struct conf_tls		*t = &c->tls;
	config_setting_t	*s;
	int			 i;

	/* conf_serve() has no file, and no tls */
	if (ld->cf == NULL || config_lookup(ld->cf, "tls") == NULL)
		return;
	s = config_lookup(ld->cf, "tls.listen");
	if (s == NULL)
		conf_err(ld, config_lookup(ld->cf, "tls"), "tls needs listen "
		    "addresses, for example listen = [ \"0.0.0.0:443\" ]");
	for (i = 0; i < t->nlisten; i++) {
		if (listen_find(c->listen, c->nlisten, &t->listen[i]) != -1) {
			conf_err(ld, s, "tls listen address \"%s\" is also a "
			    "listen address or given twice",
			    t->listen[i].spec);
			continue;
		}
		if (c->nlisten == MAX_LISTEN) {
			conf_err(ld, s, "more than %d listen addresses in all",
			    MAX_LISTEN);
			return;
		}
		c->listen[c->nlisten++] = t->listen[i];
	}
	t->enabled = t->nlisten > 0;
	if (t->protocols == NULL) {
		t->protocols = strdup(DEF_TLS_PROTOCOLS);
		(void)tls_parse_protocols(DEF_TLS_PROTOCOLS, &t->min_version,
		    &t->max_version, NULL, 0);
	}
	if (t->ciphers == NULL)
		t->ciphers = strdup(DEF_TLS_CIPHERS);
	resolve(ld, &t->certificate, DEF_TLS_CERTIFICATE);
	resolve(ld, &t->key, DEF_TLS_KEY);
	for (i = 0; i < t->nsni; i++) {
		if (t->sni[i].certificate != NULL)
			resolve(ld, &t->sni[i].certificate, NULL);
		if (t->sni[i].key != NULL)
			resolve(ld, &t->sni[i].key, NULL);
	}
	if (t->request_log == NULL || strcmp(t->request_log, "off") != 0)
		resolve(ld, &t->request_log, DEF_TLS_REQUEST_LOG);
	if (t->redirect_http == -1)
		t->redirect_http = 0;
	if (t->hsts == -1)
		t->hsts = 0;
	if (t->handshake_timeout == -1)
		t->handshake_timeout = DEF_TLS_HANDSHAKE;
	if (t->session_tickets == -1)
		t->session_tickets = 1;
}

static void
fill_defaults(struct loader *ld)
{
	struct config	*c = ld->conf;
	char		 err[256];
	int		 i;

	if (c->nlisten == 0 && conf_parse_listen(DEF_LISTEN, &c->listen[0],
	    err, sizeof(err)) == 0)
		c->nlisten = 1;
	if (c->workers == -1)
		c->workers = DEF_WORKERS;
	if (c->log_level == NULL)
		c->log_level = strdup(DEF_LOG_LEVEL);
	if (c->user == NULL)
		c->user = strdup(DEF_USER);
	if (c->group == NULL)
		c->group = strdup(DEF_GROUP);
	if (c->nindex == 0 && (c->index[0] = strdup(DEF_INDEX)) != NULL)
		c->nindex = 1;
	if (c->follow_symlinks == -1)
		c->follow_symlinks = 0;
	resolve(ld, &c->document_root, DEF_DOCUMENT_ROOT);
	resolve(ld, &c->pid_file, DEF_PID_FILE);
	if (c->error_log == NULL || !slog_is_spec(c->error_log))
		resolve(ld, &c->error_log, DEF_ERROR_LOG);
	if (c->access_log == NULL || (strcmp(c->access_log, "off") != 0 &&
	    !slog_is_spec(c->access_log)))
		resolve(ld, &c->access_log, DEF_ACCESS_LOG);
	resolve(ld, &c->mime_types, DEF_MIME_TYPES);
	for (i = 0; i < c->ncgi; i++) {
		if (c->cgi[i].dir != NULL)
			resolve(ld, &c->cgi[i].dir, NULL);
		if (c->cgi[i].timeout == -1)
			c->cgi[i].timeout = DEF_CGI_TIMEOUT;
	}

#define DEF(f, v)	do { if (c->f == -1) c->f = (v); } while (0)
	if (c->admin_set)
		fill_admin(ld);
	if (c->remote_ip.header == NULL)
		c->remote_ip.header = strdup(DEF_REMOTEIP_HEADER);
	/* a health group turns the health path on, at /healthz by default */
	if (c->health_set && c->health.path == NULL)
		c->health.path = strdup(DEF_HEALTH_PATH);
	DEF(health.log, 0);
	DEF(live.enabled, 0);
	fill_live(ld);
	fill_gzip(ld);
	fill_tls(ld);
	DEF(health.drain_seconds, DEF_DRAIN_SECONDS);
	DEF(timeouts.header, DEF_TIMEOUT_HEADER);
	DEF(timeouts.body, DEF_TIMEOUT_BODY);
	DEF(timeouts.keepalive, DEF_TIMEOUT_KEEPALIVE);
	DEF(timeouts.send, DEF_TIMEOUT_SEND);
	DEF(timeouts.graceful, DEF_TIMEOUT_GRACEFUL);
	DEF(limits.request_line, DEF_LIMIT_REQUEST_LINE);
	DEF(limits.header_field, DEF_LIMIT_HEADER_FIELD);
	DEF(limits.headers_total, DEF_LIMIT_HEADERS_TOTAL);
	DEF(limits.header_count, DEF_LIMIT_HEADER_COUNT);
	DEF(limits.body, DEF_LIMIT_BODY);
	DEF(limits.keepalive_requests, DEF_LIMIT_KEEPALIVE_REQ);
	DEF(limits.max_connections, DEF_LIMIT_MAX_CONN);
	DEF(limits.per_client, DEF_LIMIT_PER_CLIENT);
#undef DEF
}

/*
 * Is a path key worth checking on disk: absent (the default is used) or
 * a string that was accepted?  A key already reported as the wrong type
 * left the default in place, which the user never named.
 */
static int
path_checkable(config_t *cf, const char *key, const char *value)
{
	config_setting_t	*s = config_lookup(cf, key);

	if (value == NULL)
		return 0;	/* out of memory, reported */
	return s == NULL || (config_setting_type(s) == CONFIG_TYPE_STRING &&
	    *config_setting_get_string(s) != '\0');
}

static void
check_docroot(struct loader *ld, config_t *cf)
{
	struct config		*c = ld->conf;
	config_setting_t	*s = config_lookup(cf, "document_root");
	struct stat		 st;

	if (stat(c->document_root, &st) == -1)
		conf_err(ld, s, "document_root %s: %s", c->document_root,
		    strerror(errno));
	else if (!S_ISDIR(st.st_mode))
		conf_err(ld, s, "document_root %s is not a directory",
		    c->document_root);
	else if (access(c->document_root, R_OK | X_OK) == -1)
		conf_err(ld, s, "document_root %s: %s", c->document_root,
		    strerror(errno));
}

/* Each cgi dir must be a directory we can search (RFC 3875 scripts). */
static void
check_cgi_dirs(struct loader *ld, config_t *cf)
{
	config_setting_t	*list = config_lookup(cf, "cgi"), *e;
	struct stat		 st;
	const char		*dir;
	int			 i;

	for (i = 0; i < ld->conf->ncgi; i++) {
		if ((dir = ld->conf->cgi[i].dir) == NULL)
			continue;
		e = list ? config_setting_get_elem(list, i) : NULL;
		if (e != NULL && config_setting_get_member(e, "dir") != NULL)
			e = config_setting_get_member(e, "dir");
		if (stat(dir, &st) == -1)
			conf_err(ld, e, "cgi dir %s: %s", dir,
			    strerror(errno));
		else if (!S_ISDIR(st.st_mode))
			conf_err(ld, e, "cgi dir %s is not a directory", dir);
	}
}

/* Checks that need the file system, after defaults are in. */
static void
check_syslog(struct loader *ld, config_t *cf, const char *key,
    const char *value)
{
	struct slog	s;
	char		err[256];

	if (slog_is_spec(value) && slog_parse(value, LOG_DAEMON, &s, err,
	    sizeof(err)) == -1)
		conf_err(ld, config_lookup(cf, key), "%s: %s", key, err);
}

static void
check_admin(struct loader *ld, config_t *cf)
{
	struct conf_admin	*a = &ld->conf->admin;
	struct htpasswd		 hp;
	char			 err[4096], *line, *save;
	int			 i, bad;

	for (i = 0; i < a->nallow; i++)
		if (a->allow[i].prefix == 0 && a->htpasswd == NULL)
			conf_err(ld, config_lookup(cf, "admin.allow"),
			    "admin allows every address and has no htpasswd: "
			    "the admin area would be open to everyone");
	if ((a->status_path && a->status_path[0] != '/') ||
	    (a->status_api && a->status_api[0] != '/'))
		conf_err(ld, config_lookup(cf, "admin"), "admin status_path "
		    "and status_api must start with '/'");
	if (access(a->status_template, R_OK) == -1)
		conf_err(ld, config_lookup(cf, "admin.status_template") ?
		    config_lookup(cf, "admin.status_template") :
		    config_lookup(cf, "admin"), "status template %s: %s",
		    a->status_template, strerror(errno));
	if (a->htpasswd == NULL)
		return;
	memset(&hp, 0, sizeof(hp));
	err[0] = '\0';
	if ((bad = htpasswd_load(a->htpasswd, &hp, err, sizeof(err))) == -1)
		conf_err(ld, config_lookup(cf, "admin.htpasswd"), "%s", err);
	else if (bad > 0)
		for (line = strtok_r(err, "\n", &save); line != NULL;
		    line = strtok_r(NULL, "\n", &save))
			conf_err(ld, config_lookup(cf, "admin.htpasswd"),
			    "htpasswd %s", line);
	htpasswd_free(&hp);
}

/* A tls_server error, at the line of the setting it names. */
static void
tls_error(void *arg, int sni, const char *key, const char *msg)
{
	struct loader		*ld = arg;
	config_setting_t	*g, *s = NULL;

	g = config_lookup(ld->cf, "tls");
	if (sni >= 0 && (s = config_lookup(ld->cf, "tls.sni")) != NULL) {
		g = config_setting_get_elem(s, (unsigned)sni);
		s = NULL;
	}
	if (g != NULL)
		s = config_setting_get_member(g, key);
	conf_err(ld, s != NULL ? s : g, "tls%s: %s", sni >= 0 ? " sni" : "",
	    msg);
}

/*
 * hearthd -t: a key others can read is a leaked key, however short
 * the time; Apache and nginx read it as root, and so do we.
 */
static void
check_tls_key_mode(struct loader *ld, const char *key, int sni)
{
	struct stat	st;
	char		msg[PATH_MAX + 128];

	if (stat(key, &st) == -1 || (st.st_mode & 077) == 0)
		return;
	snprintf(msg, sizeof(msg), "key %s can be read by %s (mode %04o): "
	    "chmod 600 it", key, st.st_mode & 007 ? "others" : "its group",
	    (unsigned)(st.st_mode & 07777));
	tls_error(ld, sni, "key", msg);
}

/* Load every certificate and key now: a bad one is a config error. */
static void
check_tls(struct loader *ld)
{
	struct conf_tls	*t = &ld->conf->tls;
	int		 i;

	if (!t->enabled || (ld->flags & CONF_NO_TLS_FILES))
		return;
	for (i = 0; i < t->nsni; i++)
		if (t->sni[i].name == NULL || t->sni[i].certificate == NULL ||
		    t->sni[i].key == NULL)
			return;		/* reported */
	if ((t->server = tls_server_new(t, tls_error, ld)) == NULL)
		return;
	if (!(ld->flags & CONF_CHECK_SYSTEM))
		return;
	(void)tls_server_expiry(t->server, time(NULL), 0, tls_error, ld);
	check_tls_key_mode(ld, t->key, -1);
	for (i = 0; i < t->nsni; i++)
		check_tls_key_mode(ld, t->sni[i].key, i);
}

static void
check_paths(struct loader *ld, config_t *cf)
{
	struct config	*c = ld->conf;

	check_syslog(ld, cf, "error_log", c->error_log);
	check_syslog(ld, cf, "access_log", c->access_log);
	if (c->admin_set)
		check_admin(ld, cf);
	if (path_checkable(cf, "document_root", c->document_root))
		check_docroot(ld, cf);
	check_cgi_dirs(ld, cf);
	check_tls(ld);
	/* workers drop to user and group only when started as root */
	if (c->user != NULL && strcmp(c->user, "root") == 0)
		conf_err(ld, config_lookup(cf, "user"), "user must not be "
		    "root: the workers face the network");
	else if (geteuid() == 0 && c->user != NULL &&
	    getpwnam(c->user) == NULL)
		conf_err(ld, config_lookup(cf, "user"), "user \"%s\" does "
		    "not exist", c->user);
	if (geteuid() == 0 && c->group != NULL && getgrnam(c->group) == NULL)
		conf_err(ld, config_lookup(cf, "group"), "group \"%s\" does "
		    "not exist", c->group);
	if (config_lookup(cf, "mime_types") != NULL &&
	    path_checkable(cf, "mime_types", c->mime_types) &&
	    access(c->mime_types, R_OK) == -1)
		conf_err(ld, config_lookup(cf, "mime_types"),
		    "mime_types %s: %s", c->mime_types, strerror(errno));
}

static struct config *
conf_new(void)
{
	struct config	*c;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	c->workers = -1;
	c->follow_symlinks = -1;
	memset(&c->timeouts, 0xff, sizeof(c->timeouts));	/* all -1 */
	memset(&c->limits, 0xff, sizeof(c->limits));
	c->health.log = -1;
	c->health.drain_seconds = -1;
	c->live.enabled = -1;
	c->gzip.enabled = -1;
	c->gzip.level = -1;
	c->gzip.min_size = -1;
	c->gzip.precompressed = -1;
	c->tls.redirect_http = -1;
	c->tls.hsts = -1;
	c->tls.handshake_timeout = -1;
	c->tls.session_tickets = -1;
	return c;
}

struct config *
conf_load(const char *file, const char *server_root_opt,
    struct conf_errors *errs)
{
	return conf_load_flags(file, server_root_opt, 0, errs);
}

struct config *
conf_load_flags(const char *file, const char *server_root_opt, int flags,
    struct conf_errors *errs)
{
	struct loader	 ld;
	config_t	 cf;
	char		 line[1280];

	memset(errs, 0, sizeof(*errs));
	memset(&ld, 0, sizeof(ld));
	ld.errs = errs;
	ld.file = file;
	ld.flags = flags;
	ld.cf = &cf;
	if ((ld.conf = conf_new()) == NULL ||
	    (ld.conf->file = absolute(file)) == NULL) {
		snprintf(line, sizeof(line), "%s:0: out of memory", file);
		errs_add(errs, line);
		errs->count++;
		conf_free(ld.conf);
		return NULL;
	}
	config_init(&cf);
	if (config_read_file(&cf, file) != CONFIG_TRUE) {
		if (config_error_type(&cf) == CONFIG_ERR_FILE_IO)
			snprintf(line, sizeof(line), "%s:0: cannot read: %s",
			    file, strerror(errno));
		else
			snprintf(line, sizeof(line), "%s:%d: %s",
			    config_error_file(&cf) ? config_error_file(&cf) :
			    file, config_error_line(&cf),
			    config_error_text(&cf));
		errs_add(errs, line);
		errs->count++;
		goto done;
	}
	set_server_root(&ld, &cf, server_root_opt);
	walk_group(&ld, config_root_setting(&cf), top_keys, "", set_special);
	fill_defaults(&ld);
	mark_proxy_listeners(&ld);
	/*
	 * The file-system checks run after other errors too, so that -t
	 * lists everything at once; but not when server_root is bad, as
	 * every relative path would then be somewhere nobody wrote.
	 */
	if (!ld.bad_root)
		check_paths(&ld, &cf);
	if (!ld.bad_root && (flags & CONF_CHECK_SYSTEM))
		conf_check_system(ld.conf, &cf, file, errs);
done:
	config_destroy(&cf);
	if (errs->count > 0) {
		conf_free(ld.conf);
		return NULL;
	}
	return ld.conf;
}

static void
conf_free_tls(struct conf_tls *t)
{
	int	i;

	tls_server_free(t->server);
	free(t->certificate);
	free(t->key);
	free(t->protocols);
	free(t->ciphers);
	free(t->ciphersuites);
	free(t->request_log);
	for (i = 0; i < t->nsni; i++) {
		free(t->sni[i].name);
		free(t->sni[i].certificate);
		free(t->sni[i].key);
	}
}

void
conf_free(struct config *c)
{
	int	i, j;

	if (c == NULL)
		return;
	free(c->file);
	free(c->server_root);
	free(c->document_root);
	free(c->pid_file);
	free(c->error_log);
	free(c->access_log);
	free(c->log_level);
	free(c->mime_types);
	free(c->user);
	free(c->group);
	free(c->health.path);
	free(c->remote_ip.header);
	for (i = 0; i < c->admin.npaths; i++)
		free(c->admin.paths[i]);
	free(c->admin.htpasswd);
	free(c->admin.realm);
	free(c->admin.status_path);
	free(c->admin.status_api);
	free(c->admin.status_template);
	for (i = 0; i < c->nlisting; i++)
		free(c->listing[i]);
	for (i = 0; i < c->templates.npatterns; i++)
		free(c->templates.patterns[i]);
	for (i = 0; i < c->templates.nvars; i++) {
		free(c->templates.vars[i].name);
		free(c->templates.vars[i].value);
	}
	for (i = 0; i < c->ncgi; i++) {
		free(c->cgi[i].url);
		free(c->cgi[i].dir);
		for (j = 0; j < c->cgi[i].next; j++)
			free(c->cgi[i].ext[j]);
	}
	for (i = 0; i < c->nindex; i++)
		free(c->index[i]);
	for (i = 0; i < c->live.npaths; i++)
		free(c->live.paths[i]);
	for (i = 0; i < c->live.nignore; i++)
		free(c->live.ignore[i]);
	for (i = 0; i < c->nerror_pages; i++)
		free(c->error_pages[i].path);
	for (i = 0; i < c->gzip.ntypes; i++)
		free(c->gzip.types[i]);
	for (i = 0; i < c->ncache_control; i++) {
		free(c->cache_control[i].match);
		free(c->cache_control[i].value);
	}
	conf_free_tls(&c->tls);
	free(c);
}

static void
dump_list(FILE *fp, const char *key, char *const *v, int n)
{
	int	i;

	fprintf(fp, "%s = [ ", key);
	for (i = 0; i < n; i++)
		fprintf(fp, "%s\"%s\"", i ? ", " : "", v[i]);
	fprintf(fp, " ];\n");
}

static void
conf_dump_tls(const struct config *c, FILE *fp)
{
	const struct conf_tls	*t = &c->tls;
	const char		*listen[MAX_LISTEN];
	int			 i;

	if (!t->enabled) {
		fprintf(fp, "# tls: off (no tls group with listen addresses)\n");
		return;
	}
	for (i = 0; i < t->nlisten; i++)
		listen[i] = t->listen[i].spec;
	fprintf(fp, "tls = {\n  ");
	dump_list(fp, "listen", (char *const *)listen, t->nlisten);
	fprintf(fp, "  certificate = \"%s\";\n  key = \"%s\";\n"
	    "  protocols = \"%s\";\n  ciphers = \"%s\";\n",
	    t->certificate, t->key, t->protocols, t->ciphers);
	if (t->ciphersuites != NULL)
		fprintf(fp, "  ciphersuites = \"%s\";\n", t->ciphersuites);
	fprintf(fp, "  sni = (");
	for (i = 0; i < t->nsni; i++)
		fprintf(fp, "%s\n    { name = \"%s\"; certificate = \"%s\"; "
		    "key = \"%s\"; }", i ? "," : "", t->sni[i].name,
		    t->sni[i].certificate, t->sni[i].key);
	fprintf(fp, "%s);\n  redirect_http = %s;\n  hsts = %d;\n"
	    "  handshake_timeout = %d;\n  session_tickets = %s;\n"
	    "  request_log = \"%s\";\n};\n", t->nsni ? "\n  " : " ",
	    t->redirect_http ? "true" : "false", t->hsts,
	    t->handshake_timeout, t->session_tickets ? "true" : "false",
	    t->request_log);
}

static void
conf_dump_gzip(const struct config *c, FILE *fp)
{
	int	i;

	fprintf(fp, "gzip = { enabled = %s; level = %d; min_size = %lld; "
	    "precompressed = %s;\n  ", c->gzip.enabled ? "true" : "false",
	    c->gzip.level, c->gzip.min_size,
	    c->gzip.precompressed ? "true" : "false");
	dump_list(fp, "types", c->gzip.types, c->gzip.ntypes);
	fprintf(fp, "};\n");
	conf_dump_tls(c, fp);
	fprintf(fp, "cache_control = (");
	for (i = 0; i < c->ncache_control; i++)
		fprintf(fp, "%s\n  { match = \"%s\"; value = \"%s\"; }",
		    i ? "," : "", c->cache_control[i].match,
		    c->cache_control[i].value);
	fprintf(fp, "%s);\n# and HTML without a match: \"%s\"\n",
	    c->ncache_control ? "\n" : " ", DEF_CACHE_HTML);
}

void
conf_dump(const struct config *c, FILE *fp)
{
	const char	*listen[MAX_LISTEN];
	int		 i, j, n;

	fprintf(fp, "# effective configuration of %s\n", c->file);
	fprintf(fp, "server_root = \"%s\";\n", c->server_root);
	for (i = n = 0; i < c->nlisten; i++)
		if (!c->listen[i].tls)
			listen[n++] = c->listen[i].spec;
	dump_list(fp, "listen", (char *const *)listen, n);
	fprintf(fp, "document_root = \"%s\";\n", c->document_root);
	fprintf(fp, "workers = %d;\n", c->workers);
	fprintf(fp, "pid_file = \"%s\";\n", c->pid_file);
	fprintf(fp, "error_log = \"%s\";\n", c->error_log);
	fprintf(fp, "log_level = \"%s\";\n", c->log_level);
	fprintf(fp, "access_log = \"%s\";\n", c->access_log);
	fprintf(fp, "mime_types = \"%s\";\n", c->mime_types);
	fprintf(fp, "user = \"%s\";\n", c->user);
	fprintf(fp, "group = \"%s\";\n", c->group);
	dump_list(fp, "index", c->index, c->nindex);
	fprintf(fp, "error_pages = (");
	for (i = 0; i < c->nerror_pages; i++)
		fprintf(fp, "%s\n  { status = %d; path = \"%s\"; }",
		    i ? "," : "", c->error_pages[i].status,
		    c->error_pages[i].path);
	fprintf(fp, "%s);\n", c->nerror_pages ? "\n" : " ");
	fprintf(fp, "follow_symlinks = %s;\n",
	    c->follow_symlinks ? "true" : "false");
	fprintf(fp, "timeouts = { header = %d; body = %d; keepalive = %d; "
	    "send = %d; graceful = %d; };\n", c->timeouts.header,
	    c->timeouts.body, c->timeouts.keepalive, c->timeouts.send,
	    c->timeouts.graceful);
	fprintf(fp, "limits = { request_line = %lld; header_field = %lld; "
	    "headers_total = %lld; header_count = %lld; body = %lld; "
	    "keepalive_requests = %lld; max_connections = %lld; "
	    "per_client = %lld; };\n",
	    c->limits.request_line, c->limits.header_field,
	    c->limits.headers_total, c->limits.header_count, c->limits.body,
	    c->limits.keepalive_requests, c->limits.max_connections,
	    c->limits.per_client);
	if (c->admin_set) {
		char	net[64];

		fprintf(fp, "admin = { ");
		dump_list(fp, "paths", c->admin.paths, c->admin.npaths);
		fprintf(fp, "  allow = [ ");
		for (i = 0; i < c->admin.nallow; i++)
			fprintf(fp, "%s\"%s\"", i ? ", " : "", cidr_format(
			    &c->admin.allow[i], net, sizeof(net)));
		fprintf(fp, " ];\n  realm = \"%s\"; status_path = \"%s\"; "
		    "status_api = \"%s\";\n  status_template = \"%s\";%s%s%s "
		    "};\n", c->admin.realm, c->admin.status_path,
		    c->admin.status_api, c->admin.status_template,
		    c->admin.htpasswd ? " htpasswd = \"" : "",
		    c->admin.htpasswd ? c->admin.htpasswd : "",
		    c->admin.htpasswd ? "\";" : "");
	} else
		fprintf(fp, "# admin: off (no admin group)\n");
	{
		char	net[64];
		int	first = 1;

		fprintf(fp, "remote_ip = { proxy_protocol = [ ");
		for (i = 0; i < c->nlisten; i++)
			if (c->listen[i].proxy_protocol) {
				fprintf(fp, "%s\"%s\"", first ? "" : ", ",
				    c->listen[i].spec);
				first = 0;
			}
		fprintf(fp, " ]; trusted = [ ");
		for (i = 0; i < c->remote_ip.ntrusted; i++)
			fprintf(fp, "%s\"%s\"", i ? ", " : "", cidr_format(
			    &c->remote_ip.trusted[i], net, sizeof(net)));
		fprintf(fp, " ]; header = \"%s\"; };\n", c->remote_ip.header);
	}
	dump_list(fp, "listing", c->listing, c->nlisting);
	fprintf(fp, "templates = { ");
	dump_list(fp, "patterns", c->templates.patterns,
	    c->templates.npatterns);
	fprintf(fp, "  vars = {");
	for (i = 0; i < c->templates.nvars; i++)
		fprintf(fp, " %s = \"%s\";", c->templates.vars[i].name,
		    c->templates.vars[i].value);
	fprintf(fp, " }; };\n");
	fprintf(fp, "cgi = (");
	for (i = 0; i < c->ncgi; i++) {
		fprintf(fp, "%s\n  { url = \"%s\"; dir = \"%s\"; timeout = %d; ",
		    i ? "," : "", c->cgi[i].url, c->cgi[i].dir,
		    c->cgi[i].timeout);
		if (c->cgi[i].next > 0) {
			fprintf(fp, "extensions = [ ");
			for (j = 0; j < c->cgi[i].next; j++)
				fprintf(fp, "%s\"%s\"", j ? ", " : "",
				    c->cgi[i].ext[j]);
			fprintf(fp, " ]; ");
		}
		fprintf(fp, "}");
	}
	fprintf(fp, "%s);\n", c->ncgi ? "\n" : " ");
	if (c->health.path != NULL)
		fprintf(fp, "health = { path = \"%s\"; log = %s; "
		    "drain_seconds = %d; };\n", c->health.path,
		    c->health.log ? "true" : "false",
		    c->health.drain_seconds);
	else
		fprintf(fp, "# health: off (no health group)\n");
	fprintf(fp, "live_reload = { enabled = %s; ",
	    c->live.enabled ? "true" : "false");
	dump_list(fp, "paths", c->live.paths, c->live.npaths);
	fprintf(fp, "  ");
	dump_list(fp, "ignore", c->live.ignore, c->live.nignore);
	fprintf(fp, "};\n");
	conf_dump_gzip(c, fp);
}

const char *
conf_cache_control(const struct config *c, const char *path,
    const char *type)
{
	static const char *const	 html[] = { "text/html" };
	int				 i;

	for (i = 0; i < c->ncache_control; i++)
		if (cachectl_match(c->cache_control[i].match, path))
			return c->cache_control[i].value;
	if (accept_enc_type_match(html, 1, type))
		return DEF_CACHE_HTML;
	return NULL;
}

/*
 * The running generation's settings, next to the pid file, for
 * "hearthctl graceful" to tell what a reload changed: written to a
 * temporary file and renamed, so a reader sees one whole dump.
 */
int
conf_dump_file(const struct config *c, const char *path)
{
	char	 tmp[PATH_MAX], def[PATH_MAX];
	FILE	*fp;
	int	 fd;

	if (path == NULL) {
		if (c->pid_file == NULL)
			return 0;
		if (snprintf(def, sizeof(def), "%s.conf", c->pid_file) >=
		    (int)sizeof(def)) {
			errno = ENAMETOOLONG;
			return -1;
		}
		path = def;
	}
	if (snprintf(tmp, sizeof(tmp), "%s.XXXXXX", path) >=
	    (int)sizeof(tmp) || (fd = mkstemp(tmp)) == -1)
		return -1;
	if ((fp = fdopen(fd, "w")) == NULL) {
		close(fd);
		unlink(tmp);
		return -1;
	}
	fchmod(fd, 0644);
	conf_dump(c, fp);
	if (fclose(fp) == EOF || rename(tmp, path) == -1) {
		unlink(tmp);
		return -1;
	}
	return 0;
}

/* Prefixes as for listing: "/docs/" covers "/docs/a.html". */
int
conf_live_path(const struct config *c, const char *path, size_t len)
{
	size_t	n;
	int	i;

	if (!c->live.enabled)
		return 0;
	for (i = 0; i < c->live.npaths; i++) {
		n = strlen(c->live.paths[i]);
		if (n <= len && memcmp(path, c->live.paths[i], n) == 0)
			return 1;
	}
	return 0;
}

/* The mime.types of an install, else Debian's, else the built-in one. */
static char *
serve_mime_types(void)
{
	if (access(SYSCONFDIR "/mime.types", R_OK) == 0)
		return strdup(SYSCONFDIR "/mime.types");
	if (access("/etc/mime.types", R_OK) == 0)
		return strdup("/etc/mime.types");
	return strdup("/nonexistent/mime.types");
}

struct config *
conf_serve(const char *dir, int port, int live, char *errbuf, size_t errlen)
{
	struct conf_errors	 errs;
	struct loader		 ld;
	struct config		*c;
	char			 spec[32];

	memset(&ld, 0, sizeof(ld));
	memset(&errs, 0, sizeof(errs));
	ld.errs = &errs;
	ld.file = "--serve";
	if ((c = ld.conf = conf_new()) == NULL)
		goto nomem;
	if ((c->document_root = realpath(dir, NULL)) == NULL) {
		snprintf(errbuf, errlen, "%s: %s", dir, strerror(errno));
		goto fail;
	}
	snprintf(spec, sizeof(spec), "127.0.0.1:%d", port);
	if (conf_parse_listen(spec, &c->listen[0], errbuf, errlen) == -1)
		goto fail;
	c->nlisten = 1;
	c->workers = 1;
	c->live.enabled = live;
	if ((c->file = strdup("(--serve)")) == NULL ||
	    (c->server_root = strdup(c->document_root)) == NULL ||
	    (c->error_log = strdup("/dev/stderr")) == NULL ||
	    (c->access_log = strdup("/dev/stdout")) == NULL ||
	    (c->mime_types = serve_mime_types()) == NULL)
		goto nomem;
	fill_defaults(&ld);
	if (errs.count > 0)
		goto nomem;
	free(c->pid_file);	/* a development server needs none */
	c->pid_file = NULL;
	return c;
nomem:
	snprintf(errbuf, errlen, "out of memory");
fail:
	conf_errors_free(&errs);
	conf_free(c);
	return NULL;
}
