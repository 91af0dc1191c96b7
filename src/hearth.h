/*
 * Limits, defaults and names shared by every module.
 */
#ifndef HEARTH_H
#define HEARTH_H

#define HEARTH_NAME		"hearth"
#define HEARTH_SERVER		"hearth/" PACKAGE_VERSION

/* Defaults; the config struct starts unset and gets these afterwards. */
#define DEF_LISTEN		":8080"
#define DEF_DOCUMENT_ROOT	"htdocs"
#define DEF_WORKERS		2
#define DEF_PID_FILE		"logs/hearthd.pid"
#define DEF_ERROR_LOG		"logs/error_log"
#define DEF_ACCESS_LOG		"logs/access_log"
#define DEF_LOG_LEVEL		"notice"
#define DEF_MIME_TYPES		"etc/mime.types"
#define DEF_USER		"www-data"
#define DEF_GROUP		"www-data"
#define DEF_INDEX		"index.html"
#define DEF_HEALTH_PATH		"/healthz"
#define DEF_DRAIN_SECONDS	10
#define DEF_CGI_TIMEOUT		30	/* seconds a CGI script may run */

#define DEF_TIMEOUT_HEADER	10	/* seconds */
#define DEF_TIMEOUT_BODY	30
#define DEF_TIMEOUT_KEEPALIVE	5
#define DEF_TIMEOUT_SEND	60
#define DEF_TIMEOUT_GRACEFUL	30

#define DEF_LIMIT_REQUEST_LINE	8192
#define DEF_LIMIT_HEADER_FIELD	8192
#define DEF_LIMIT_HEADERS_TOTAL	65536
#define DEF_LIMIT_HEADER_COUNT	100
#define DEF_LIMIT_BODY		1048576
#define DEF_LIMIT_KEEPALIVE_REQ	1000
#define DEF_LIMIT_MAX_CONN	4096
#define DEF_LIMIT_PER_CLIENT	0	/* connections per address; 0: off */
#define LIMIT_LOG_SEC		10	/* a hit limit logs once per this */

/* Hard ceilings the config may not exceed. */
#define MAX_WORKERS		256
#define MAX_LISTEN		32
#define MAX_INDEX		16
#define MAX_ERROR_PAGES		32
#define MAX_LISTING		32	/* listing URL prefixes */
#define MAX_ADMIN_PATHS		16
#define MAX_TRUSTED		64	/* remote_ip.trusted networks */
#define DEF_REMOTEIP_HEADER	"X-Forwarded-For"
#define MAX_ADMIN_ALLOW		32
#define DEF_STATUS_PATH		"/server-status"
#define DEF_STATUS_API		"/api/status"
#define DEF_STATUS_TEMPLATE	"etc/status.thtml"
#define DEF_ADMIN_REALM		"hearth admin"
#define MAX_TMPL_PATTERNS	16
#define MAX_TMPL_VARS		64
#define TMPL_FILE_MAX		(4 << 20)	/* largest template file */
#define TMPL_CACHE		32	/* compiled templates per worker */
#define MAX_TIMEOUT		86400
#define MAX_CGI			16	/* cgi groups */
#define MAX_CGI_EXT		16	/* extensions per cgi group */
#define MAX_CONNECTIONS		1000000

#define LISTEN_BACKLOG		511
/*
 * TCP_NOTSENT_LOWAT on every client socket (see listen.c): how much of
 * a response may sit in the kernel not yet sent.
 */
#define SEND_LOWAT		(128 * 1024)
#define READ_BUF_SIZE		16384	/* per connection; grows to hold a head */
#define BUF_POOL		64	/* spare buffers a worker keeps */
#define ACCESS_LOG_BUF		65536	/* lines gathered per loop iteration */
#define LOG_LINE_MAX		8192	/* longest access/error log line */
#define RESP_HEAD_MAX		2048	/* our own response headers */

/*
 * CGI (RFC 3875).  A script's header section may be CGI_HEAD_MAX bytes
 * and CGI_FIELDS_MAX fields; its output is relayed CGI_BUF bytes at a
 * time; a stderr line is cut at CGI_ERR_LINE.  A script told to stop
 * gets SIGTERM, then SIGKILL CGI_KILL_GRACE_MS later.
 */
#define CGI_HEAD_MAX		65536
#define CGI_FIELDS_MAX		100
#define CGI_BUF			16384
#define CGI_ERR_LINE		1024
#define CGI_KILL_GRACE_MS	2000
#define CGI_PATH		"/usr/local/bin:/usr/bin:/bin"

/* Respawn backoff when workers keep dying. */
#define RESPAWN_WINDOW_SEC	10
#define RESPAWN_MAX_IN_WINDOW	10
#define RESPAWN_BACKOFF_MAX_MS	5000

/*
 * Live reload (issue 10).  The watcher delivers a burst once it has been
 * quiet WATCH_QUIET_MS, or WATCH_MAX_DELAY_MS after its first change.
 * Without inotify it scans every WATCH_POLL_MS, or WATCH_POLL_LOAD times
 * as long as the last scan took; past WATCH_PENDING_MAX distinct paths
 * it reports "/" (everything).
 */
#define LIVE_SSE_PATH		"/.hearth/live"
#define LIVE_JS_PATH		"/.hearth/live.js"
#define LIVE_RETRY_MS		1000	/* the stream's "retry:" */
#define WATCH_QUIET_MS		100
#define WATCH_MAX_DELAY_MS	300
#define WATCH_POLL_MS		1000
#define WATCH_POLL_LOAD		10
#define WATCH_PENDING_MAX	4096
#define MAX_LIVE_PATHS		32	/* live_reload.paths prefixes */
#define MAX_LIVE_IGNORE		32	/* live_reload.ignore globs */
#define LIVE_PING_MS		15000	/* ": ping" so proxies keep it open */
#define LIVE_STREAM_BUF		16384	/* unsent events; full: drop it */
#define LIVE_INJECT_MAX		(8 << 20)	/* larger HTML: no script */
#define LIVE_RESEND_MS		100	/* retry a worker that was full */
#define LIVE_MSG_MAX		4096	/* one path, master -> worker */

/*
 * Compression and caching headers (issue 9).  Files up to
 * GZIP_FILE_MAX bytes are compressed in memory when asked for; larger
 * ones go out as they are (precompress them: file.gz).  The cap bounds
 * the time one request holds the worker's event loop.
 */
#define DEF_GZIP_LEVEL		6
#define DEF_GZIP_MIN_SIZE	256	/* smaller: the header costs more */
#define DEF_GZIP_TYPES		"text/*", "application/javascript", \
				"application/json", "application/xml", \
				"image/svg+xml"
#define MAX_GZIP_TYPES		32
#define MAX_GZIP_MIN_SIZE	(1 << 30)
#define GZIP_FILE_MAX		(1 << 20)
#define GZIP_CACHE_MAX		(16 << 20)	/* per worker, of larger files */
#define GZIP_ETAG_SUFFIX	"-gz"	/* inside the quotes */
#define GZIP_ETAG_EXTRA		(sizeof(GZIP_ETAG_SUFFIX) - 1)
#define MAX_CACHE_CONTROL	64	/* cache_control rules */
#define DEF_CACHE_HTML		"no-cache"	/* HTML revalidates */

/*
 * HTTPS (issue 9).  The ciphers for TLS 1.2 are forward-secret AEAD
 * suites only (what Mozilla's "intermediate" profile keeps); TLS 1.3's
 * are OpenSSL's defaults, all of which are fine.
 */
#define DEF_TLS_PROTOCOLS	"TLSv1.2 TLSv1.3"
#define DEF_TLS_CIPHERS		"ECDHE-ECDSA-AES128-GCM-SHA256:" \
				"ECDHE-RSA-AES128-GCM-SHA256:" \
				"ECDHE-ECDSA-AES256-GCM-SHA384:" \
				"ECDHE-RSA-AES256-GCM-SHA384:" \
				"ECDHE-ECDSA-CHACHA20-POLY1305:" \
				"ECDHE-RSA-CHACHA20-POLY1305"
#define DEF_TLS_CERTIFICATE	"etc/tls/cert.pem"
#define DEF_TLS_KEY		"etc/tls/key.pem"
#define DEF_TLS_REQUEST_LOG	"logs/ssl_request_log"
#define DEF_TLS_HANDSHAKE	10	/* seconds to finish a handshake */
#define MAX_TLS_SNI		32	/* extra certificates */
#define TLS_EXPIRY_WARN_DAYS	30	/* the error log warns this early */
#define MAX_HSTS		(10 * 365 * 86400)
#define TLS_RECORD_MAX		16384	/* plaintext bytes per record */

/* Exit status of a worker that cannot run: the master does not respawn. */
#define EXIT_CHILD_FATAL	78	/* EX_CONFIG */

#endif
