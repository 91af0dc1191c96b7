/*
 * Logging to syslog (RFC 3164), for access_log and error_log values
 * "syslog", "syslog:FACILITY", "syslog:unix:PATH" and
 * "syslog:udp:HOST:PORT".  One datagram per line, sent without ever
 * blocking: a receiver that is slow, full or absent costs the line,
 * which is counted, never the worker.
 */
#ifndef HEARTH_SLOG_H
#define HEARTH_SLOG_H

#include <sys/socket.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define SLOG_DEFAULT_PATH	"/dev/log"
#define SLOG_LINE_MAX		8192

struct slog {
	int			 fd;
	int			 facility;	/* LOG_LOCAL0 ... as a number */
	struct sockaddr_storage	 addr;
	socklen_t		 addrlen;
	char			 host[64];
	uint64_t		 sent;
	uint64_t		 dropped;
};

/* Is this log value a syslog target rather than a file? */
int	 slog_is_spec(const char *value);

/*
 * Parse a syslog target into s (fd stays -1).  "syslog" alone is the
 * local socket /dev/log with the caller's default facility (local7 for
 * access logs, as nginx; daemon for the error log).  0, or -1 with
 * errbuf set.
 */
int	 slog_parse(const char *spec, int def_facility, struct slog *s,
	    char *errbuf, size_t errlen);

/* Open the (unconnected, non-blocking) socket: 0 or -1 with errbuf. */
int	 slog_open(struct slog *s, char *errbuf, size_t errlen);

/*
 * Format "<PRI>Mmm dd hh:mm:ss host tag[pid]: msg" into buf (pure).
 * Returns the length, the message cut to fit.
 */
size_t	 slog_format(char *buf, size_t cap, int pri, const struct tm *tm,
	    const char *host, const char *tag, int pid, const char *msg,
	    size_t len);

/* Send one line (no trailing newline needed); 0 sent, -1 dropped. */
int	 slog_send(struct slog *s, int severity, const char *msg, size_t len);

#endif
