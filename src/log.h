/*
 * The error log (Apache 2.4 format) and the access log descriptor.
 *
 *	[Mon Nov 23 05:36:16.123456 2026] [core:notice] [pid 1234] message
 *
 * log_warn() appends strerror(errno); log_warnx() does not.  Every call
 * preserves errno.  Each line is one write(2) to an O_APPEND descriptor,
 * so processes sharing the file never interleave.
 */
#ifndef HEARTH_LOG_H
#define HEARTH_LOG_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <syslog.h>

/* Before log_open(): write to stderr only. */
void	log_init(int level, int also_stderr);
int	log_open(const char *path, char *errbuf, size_t errlen);
void	log_set_level(int level);
void	log_set_stderr(int on);
int	log_fd(void);
/* Error-log lines syslog could not take (error_log = "syslog..."). */
uint64_t log_syslog_dropped(void);

void	log_msg(int level, int with_errno, const char *client,
	    const char *fmt, va_list ap) __attribute__((format(printf, 4, 0)));
void	log_emerg(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_crit(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_warn(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_warnx(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_errorx(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_notice(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_info(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_debug(const char *, ...) __attribute__((format(printf, 1, 2)));
/* A message about one client: "[client 1.2.3.4:5678] ..." */
void	log_client(int level, const char *client, const char *, ...)
	    __attribute__((format(printf, 3, 4)));
void	fatal(const char *, ...)
	    __attribute__((format(printf, 1, 2), noreturn));
void	fatalx(const char *, ...)
	    __attribute__((format(printf, 1, 2), noreturn));

/* Open a log file for appending: O_APPEND | O_CREAT, mode 0644. */
int	log_open_file(const char *path);

#endif
