/*
 * The configuration: etc/httpd.conf (libconfig syntax) read into one
 * validated struct.  Loading reports every error at once, each as
 * "file:line: message", into a caller-supplied error list; it never
 * logs and never exits.
 */
#ifndef HEARTH_CONF_H
#define HEARTH_CONF_H

#include <sys/socket.h>
#include <stdio.h>

#include "cidr.h"
#include "hearth.h"

struct conf_listen {
	char			 spec[128];	/* as written: "host:port" */
	struct sockaddr_storage	 ss;
	socklen_t		 sslen;
	int			 proxy_protocol; /* a PROXY header first */
	int			 tls;		/* from tls.listen */
};

struct conf_error_page {
	int			 status;
	char			*path;		/* URL path, "/404.html" */
};

struct conf_timeouts {
	int			 header;
	int			 body;
	int			 keepalive;
	int			 send;
	int			 graceful;
};

struct conf_limits {
	long long		 request_line;
	long long		 header_field;
	long long		 headers_total;
	long long		 header_count;
	long long		 body;
	long long		 keepalive_requests;
	long long		 max_connections;
	long long		 per_client;
};

struct conf_var {
	char			*name;
	char			*value;
};

struct conf_templates {
	char			*patterns[MAX_TMPL_PATTERNS];
	int			 npatterns;
	struct conf_var		 vars[MAX_TMPL_VARS];
	int			 nvars;
};

/* The protected area: status pages and anything under its paths. */
struct conf_admin {
	char			*paths[MAX_ADMIN_PATHS];	/* prefixes */
	int			 npaths;
	struct cidr		 allow[MAX_ADMIN_ALLOW];
	int			 nallow;
	char			*htpasswd;	/* absolute; NULL: no password */
	char			*realm;
	char			*status_path;	/* HTML dashboard */
	char			*status_api;	/* JSON */
	char			*status_template;	/* absolute */
};

/* The real client behind a proxy (mod_remoteip, nginx realip). */
struct conf_remoteip {
	struct cidr		 trusted[MAX_TRUSTED];
	int			 ntrusted;
	char			*header;	/* X-Forwarded-For */
};

struct conf_health {
	char			*path;		/* NULL: no health path */
	int			 log;		/* log health checks */
	int			 drain_seconds;
};

/* Live reload (issue 10): off unless enabled. */
struct conf_live {
	int			 enabled;
	char			*paths[MAX_LIVE_PATHS];	/* URL prefixes */
	int			 npaths;
	char			*ignore[MAX_LIVE_IGNORE];	/* globs */
	int			 nignore;
	int			 paths_set;	/* given, maybe as [] */
	int			 ignore_set;
};

/* A URL prefix whose files are CGI scripts (RFC 3875). */
struct conf_cgi {
	char			*url;		/* "/cgi-bin/": starts, ends '/' */
	char			*dir;		/* absolute */
	int			 timeout;	/* seconds */
	char			*ext[MAX_CGI_EXT];	/* ".cgi"; none: any */
	int			 next;
};

/* Compression (issue 9); integers -1 until defaults are filled in. */
struct conf_gzip {
	int			 enabled;
	int			 level;		/* zlib 1..9 */
	long long		 min_size;	/* bytes */
	char			*types[MAX_GZIP_TYPES];	/* "text/css" */
	int			 ntypes;
	int			 types_set;	/* given, maybe as [] */
	int			 precompressed;	/* serve file.gz */
};

/* A Cache-Control rule: the first whose match covers the path wins. */
struct conf_cache_control {
	char			*match;		/* "/prefix" or a glob */
	char			*value;		/* sent as is */
};

/* An extra certificate, chosen when the client asks for name (SNI). */
struct conf_tls_sni {
	char			*name;		/* "example.org", "*.example.org" */
	char			*certificate;	/* absolute */
	char			*key;		/* absolute */
};

struct tls_server;

/*
 * HTTPS (issue 9): on when the tls group names listen addresses, which
 * conf_load() appends to config.listen with tls set.
 */
struct conf_tls {
	int			 enabled;
	struct conf_listen	 listen[MAX_LISTEN];
	int			 nlisten;
	char			*certificate;	/* absolute; the chain */
	char			*key;		/* absolute */
	char			*protocols;	/* "TLSv1.2 TLSv1.3" */
	int			 min_version;	/* TLS1_2_VERSION... */
	int			 max_version;
	char			*ciphers;	/* TLS 1.2 and below */
	char			*ciphersuites;	/* TLS 1.3; NULL: OpenSSL's */
	struct conf_tls_sni	 sni[MAX_TLS_SNI];
	int			 nsni;
	int			 redirect_http;	/* plain listeners: 301 */
	int			 hsts;		/* max-age; 0: no header */
	int			 handshake_timeout;	/* seconds */
	int			 session_tickets;
	char			*request_log;	/* absolute, or "off" */
	/*
	 * The certificates, keys and ticket keys, loaded by conf_load():
	 * each config (each generation) has its own, so a graceful reload
	 * reads the files again and starts new ticket keys.
	 */
	struct tls_server	*server;
};

/*
 * Integers start at -1 and pointers at NULL ("unset"); conf_load()
 * fills in defaults after parsing so that "absent" differs from "set".
 */
struct config {
	char			*file;		/* absolute path */
	char			*server_root;	/* absolute */
	struct conf_listen	 listen[MAX_LISTEN];
	int			 nlisten;
	char			*document_root;	/* absolute */
	int			 workers;
	char			*pid_file;	/* absolute */
	char			*error_log;	/* absolute */
	char			*access_log;	/* absolute, or "off" */
	char			*log_level;
	char			*mime_types;	/* absolute */
	char			*user;
	char			*group;
	char			*index[MAX_INDEX];
	int			 nindex;
	struct conf_error_page	 error_pages[MAX_ERROR_PAGES];
	int			 nerror_pages;
	int			 follow_symlinks;	/* outside document_root */
	struct conf_timeouts	 timeouts;
	struct conf_limits	 limits;
	struct conf_health	 health;
	int			 health_set;	/* the group was given */
	char			*listing[MAX_LISTING];	/* URL prefixes */
	int			 nlisting;
	struct conf_templates	 templates;
	struct conf_admin	 admin;
	struct conf_remoteip	 remote_ip;
	int			 admin_set;	/* the group was given */
	int			 admin_allow_set;
	struct conf_live	 live;
	struct conf_cgi		 cgi[MAX_CGI];
	int			 ncgi;
	struct conf_gzip	 gzip;
	struct conf_cache_control cache_control[MAX_CACHE_CONTROL];
	int			 ncache_control;
	struct conf_tls		 tls;
};

/* Errors gathered while loading, each a "file:line: message" line. */
struct conf_errors {
	char			*text;		/* NUL-terminated, '\n'-separated */
	size_t			 len;
	size_t			 cap;
	int			 count;
};

/*
 * Load and validate the config file.  server_root_opt is the -d
 * argument or NULL.  Returns the config, or NULL when there was any
 * error (all of them are in errs, which the caller frees with
 * conf_errors_free()).
 */
struct config	*conf_load(const char *file, const char *server_root_opt,
		    struct conf_errors *errs);
void		 conf_free(struct config *);

/*
 * conf_load() with flags.  CONF_CHECK_SYSTEM (hearthd -t) also checks
 * the running system: the document root is readable by the run-as
 * user, the logs and pid file can be written, the ports are free.
 */
#define CONF_CHECK_SYSTEM	0x01
/*
 * CONF_NO_TLS_FILES (hearthd -T) leaves the tls group's certificates
 * and keys unread: -T says where they go even before they exist, which
 * is what "hearthctl gencert" asks it.
 */
#define CONF_NO_TLS_FILES	0x02
struct config	*conf_load_flags(const char *file,
		    const char *server_root_opt, int flags,
		    struct conf_errors *errs);
void		 conf_errors_free(struct conf_errors *);

/*
 * The config of "hearthd --serve DIR": no file, DIR as document root,
 * one worker on 127.0.0.1:port, logs to the terminal, no pid file.
 * Returns NULL with errbuf filled.
 */
struct config	*conf_serve(const char *dir, int port, int live,
		    char *errbuf, size_t errlen);

/* Is live reload on for this normalised URL path? */
int		 conf_live_path(const struct config *, const char *path,
		    size_t len);

/*
 * The Cache-Control value for a file at this normalised URL path, of
 * this media type: the first matching rule's, else no-cache for HTML
 * (it names the other files, so it must revalidate), else NULL.
 */
const char	*conf_cache_control(const struct config *, const char *path,
		    const char *type);

/* Print the effective config, defaults filled in (hearthd -T). */
void		 conf_dump(const struct config *, FILE *);

/*
 * conf_dump() into path, replaced whole; path NULL is "<pid_file>.conf"
 * (nothing without a pid file).  0, or -1 with errno.
 */
int		 conf_dump_file(const struct config *, const char *path);

/* Map a log_level name to syslog's LOG_* value; -1 if unknown. */
int		 conf_log_level(const char *name);

/* Parse "host:port", "[v6]:port" or ":port"; 0 or -1 with errbuf. */
int		 conf_parse_listen(const char *spec, struct conf_listen *,
		    char *errbuf, size_t errlen);

/* Edit distance, for "did you mean" suggestions. */
int		 conf_distance(const char *a, const char *b);

#endif
