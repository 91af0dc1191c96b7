/*
 * Error log.  The master opens it (as root, before dropping privileges)
 * and the workers inherit the descriptor; a reopen in the master swaps
 * the file under the same descriptor number with dup2(), so the next
 * generation of workers writes to the new file while the old generation
 * finishes on the old one.
 */
#include "config.h"

#include <sys/time.h>

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "hearth.h"
#include "log.h"
#include "slog.h"

static int	log_level = LOG_NOTICE;
static int	log_errfd = -1;
static int	log_stderr = 1;
static struct slog log_slog = { .fd = -1 };

static const char *const level_names[] = {
	"emerg", "alert", "crit", "error", "warn", "notice", "info", "debug"
};

void
log_init(int level, int also_stderr)
{
	log_level = level;
	log_stderr = also_stderr;
}

void
log_set_level(int level)
{
	log_level = level;
}

void
log_set_stderr(int on)
{
	log_stderr = on;
}

int
log_fd(void)
{
	return log_errfd;
}

/*
 * "/dev/stdout" and "/dev/stderr" are our own descriptors (hearthd
 * --serve logs to the terminal): a container's /dev may lack the
 * links, and O_CREAT would then make a plain file there.
 */
int
log_open_file(const char *path)
{
	if (strcmp(path, "/dev/stdout") == 0)
		return fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 3);
	if (strcmp(path, "/dev/stderr") == 0)
		return fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 3);
	return open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
}

/* error_log = "syslog...": lines go to syslog instead of a file. */
static int
log_open_syslog(const char *spec, char *errbuf, size_t errlen)
{
	struct slog	s;

	if (slog_parse(spec, LOG_DAEMON, &s, errbuf, errlen) == -1 ||
	    slog_open(&s, errbuf, errlen) == -1)
		return -1;
	if (log_slog.fd != -1)
		close(log_slog.fd);
	log_slog = s;
	if (log_errfd != -1) {
		close(log_errfd);
		log_errfd = -1;
	}
	return 0;
}

uint64_t
log_syslog_dropped(void)
{
	return log_slog.dropped;
}

int
log_open(const char *path, char *errbuf, size_t errlen)
{
	int	fd;

	if (slog_is_spec(path))
		return log_open_syslog(path, errbuf, errlen);
	if (log_slog.fd != -1) {
		close(log_slog.fd);
		log_slog.fd = -1;
	}

	if ((fd = log_open_file(path)) == -1) {
		snprintf(errbuf, errlen, "cannot open error log %s: %s", path,
		    strerror(errno));
		return -1;
	}
	if (log_errfd == -1) {
		log_errfd = fd;
		return 0;
	}
	/* keep the descriptor number: stderr may be a dup of it */
	if (dup3(fd, log_errfd, O_CLOEXEC) == -1) {
		snprintf(errbuf, errlen, "cannot reopen error log %s: %s",
		    path, strerror(errno));
		close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

static size_t
log_stamp(char *buf, size_t len)
{
	struct timeval	tv;
	struct tm	tm;
	char		a[32], b[8];

	gettimeofday(&tv, NULL);
	localtime_r(&tv.tv_sec, &tm);
	strftime(a, sizeof(a), "%a %b %d %H:%M:%S", &tm);
	strftime(b, sizeof(b), "%Y", &tm);
	return (size_t)snprintf(buf, len, "[%s.%06ld %s]", a,
	    (long)tv.tv_usec, b);
}

/* Messages are ours, but may quote config values: keep them one line. */
static void
log_flatten(char *p)
{
	for (; *p; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
}

void
log_msg(int level, int with_errno, const char *client, const char *fmt,
    va_list ap)
{
	char	line[LOG_LINE_MAX], msg[LOG_LINE_MAX - 256];
	int	saved = errno;
	size_t	n;

	if (level > log_level)
		return;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	log_flatten(msg);
	n = log_stamp(line, sizeof(line));
	n += snprintf(line + n, sizeof(line) - n, " [core:%s] [pid %d] ",
	    level_names[level & 7], (int)getpid());
	if (client != NULL)
		n += snprintf(line + n, sizeof(line) - n, "[client %s] ",
		    client);
	if (n < sizeof(line))
		n += snprintf(line + n, sizeof(line) - n, with_errno ?
		    "%s: %s" : "%s", msg, strerror(saved));
	if (n >= sizeof(line) - 1)
		n = sizeof(line) - 2;
	line[n++] = '\n';
	if (log_slog.fd != -1) {
		/* syslog stamps the time itself: send from "[core:..." on */
		const char	*body = memchr(line, ']', n);

		body = body ? body + 2 : line;
		slog_send(&log_slog, level & 7, body, n - (size_t)(body - line));
	}
	if (log_errfd != -1 && write(log_errfd, line, n) == -1) {
		/* nowhere better to say so */
	}
	if (log_stderr || (log_errfd == -1 && log_slog.fd == -1)) {
		if (write(STDERR_FILENO, line, n) == -1) {
			/* as above */
		}
	}
	errno = saved;
}

#define LOG_FN(name, level, with_errno)					\
void									\
name(const char *fmt, ...)						\
{									\
	va_list	ap;							\
									\
	va_start(ap, fmt);						\
	log_msg(level, with_errno, NULL, fmt, ap);			\
	va_end(ap);							\
}

LOG_FN(log_emerg, LOG_EMERG, 0)
LOG_FN(log_crit, LOG_CRIT, 0)
LOG_FN(log_warn, LOG_WARNING, 1)
LOG_FN(log_warnx, LOG_WARNING, 0)
LOG_FN(log_errorx, LOG_ERR, 0)
LOG_FN(log_notice, LOG_NOTICE, 0)
LOG_FN(log_info, LOG_INFO, 0)
LOG_FN(log_debug, LOG_DEBUG, 0)

void
log_client(int level, const char *client, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	log_msg(level, 0, client, fmt, ap);
	va_end(ap);
}

void
fatal(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	log_msg(LOG_EMERG, 1, NULL, fmt, ap);
	va_end(ap);
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	log_msg(LOG_EMERG, 0, NULL, fmt, ap);
	va_end(ap);
	exit(1);
}
