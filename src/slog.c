/*
 * Syslog output.  The socket is left unconnected and every line is a
 * sendto() with MSG_DONTWAIT: if /dev/log is absent at start-up or the
 * daemon restarts, the next line simply reaches the new socket, and a
 * full receive queue (EAGAIN) drops the line instead of stalling us.
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "slog.h"

static const struct {
	const char	*name;
	int		 facility;
} facilities[] = {
	{ "daemon", LOG_DAEMON }, { "user", LOG_USER },
	{ "local0", LOG_LOCAL0 }, { "local1", LOG_LOCAL1 },
	{ "local2", LOG_LOCAL2 }, { "local3", LOG_LOCAL3 },
	{ "local4", LOG_LOCAL4 }, { "local5", LOG_LOCAL5 },
	{ "local6", LOG_LOCAL6 }, { "local7", LOG_LOCAL7 },
};

int
slog_is_spec(const char *value)
{
	return strcmp(value, "syslog") == 0 ||
	    strncmp(value, "syslog:", 7) == 0;
}

static int
slog_facility(const char *name)
{
	size_t	i;

	for (i = 0; i < sizeof(facilities) / sizeof(facilities[0]); i++)
		if (strcmp(facilities[i].name, name) == 0)
			return facilities[i].facility;
	return -1;
}

static int
slog_unix(struct slog *s, const char *path, char *errbuf, size_t errlen)
{
	struct sockaddr_un	*sun = (struct sockaddr_un *)&s->addr;

	if (path[0] != '/' || strlen(path) >= sizeof(sun->sun_path)) {
		snprintf(errbuf, errlen, "syslog socket \"%s\" must be an "
		    "absolute path", path);
		return -1;
	}
	sun->sun_family = AF_UNIX;
	strlcpy(sun->sun_path, path, sizeof(sun->sun_path));
	s->addrlen = sizeof(*sun);
	return 0;
}

static int
slog_udp(struct slog *s, const char *hostport, char *errbuf, size_t errlen)
{
	struct addrinfo	 hints, *res;
	char		 host[256];
	const char	*colon = strrchr(hostport, ':');
	int		 rc;

	if (colon == NULL || colon == hostport || colon[1] == '\0' ||
	    (size_t)(colon - hostport) >= sizeof(host)) {
		snprintf(errbuf, errlen, "syslog:udp wants HOST:PORT, not "
		    "\"%s\"", hostport);
		return -1;
	}
	memcpy(host, hostport, colon - hostport);
	host[colon - hostport] = '\0';
	if (host[0] == '[' && host[strlen(host) - 1] == ']') {
		memmove(host, host + 1, strlen(host));
		host[strlen(host) - 1] = '\0';
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_DGRAM;
	hints.ai_flags = AI_NUMERICSERV;
	if ((rc = getaddrinfo(host, colon + 1, &hints, &res)) != 0) {
		snprintf(errbuf, errlen, "syslog host \"%s\": %s", hostport,
		    gai_strerror(rc));
		return -1;
	}
	memcpy(&s->addr, res->ai_addr, res->ai_addrlen);
	s->addrlen = res->ai_addrlen;
	freeaddrinfo(res);
	return 0;
}

int
slog_parse(const char *spec, int def_facility, struct slog *s, char *errbuf,
    size_t errlen)
{
	const char	*rest;

	memset(s, 0, sizeof(*s));
	s->fd = -1;
	s->facility = def_facility;
	if (!slog_is_spec(spec)) {
		snprintf(errbuf, errlen, "\"%s\" is not a syslog target", spec);
		return -1;
	}
	if (strcmp(spec, "syslog") == 0)
		return slog_unix(s, SLOG_DEFAULT_PATH, errbuf, errlen);
	rest = spec + 7;
	if (strncmp(rest, "unix:", 5) == 0)
		return slog_unix(s, rest + 5, errbuf, errlen);
	if (strncmp(rest, "udp:", 4) == 0)
		return slog_udp(s, rest + 4, errbuf, errlen);
	if ((s->facility = slog_facility(rest)) == -1) {
		snprintf(errbuf, errlen, "unknown syslog facility \"%s\" "
		    "(want daemon, user or local0 to local7; or unix:PATH, "
		    "udp:HOST:PORT)", rest);
		return -1;
	}
	return slog_unix(s, SLOG_DEFAULT_PATH, errbuf, errlen);
}

int
slog_open(struct slog *s, char *errbuf, size_t errlen)
{
	s->fd = socket(s->addr.ss_family, SOCK_DGRAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0);
	if (s->fd == -1) {
		snprintf(errbuf, errlen, "syslog socket: %s", strerror(errno));
		return -1;
	}
	if (gethostname(s->host, sizeof(s->host)) == -1 || s->host[0] == '\0')
		strlcpy(s->host, "localhost", sizeof(s->host));
	s->host[strcspn(s->host, ".")] = '\0';	/* RFC 3164: no domain */
	return 0;
}

size_t
slog_format(char *buf, size_t cap, int pri, const struct tm *tm,
    const char *host, const char *tag, int pid, const char *msg, size_t len)
{
	static const char *const months[] = { "Jan", "Feb", "Mar", "Apr",
	    "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	int	n;

	/* RFC 3164 section 4.1.2: day of month space-padded */
	n = snprintf(buf, cap, "<%d>%s %2d %02d:%02d:%02d %s %s[%d]: ", pri,
	    months[tm->tm_mon % 12], tm->tm_mday, tm->tm_hour, tm->tm_min,
	    tm->tm_sec, host, tag, pid);
	if (n < 0 || (size_t)n >= cap)
		return 0;
	if (len > cap - (size_t)n)
		len = cap - (size_t)n;
	memcpy(buf + n, msg, len);
	return (size_t)n + len;
}

int
slog_send(struct slog *s, int severity, const char *msg, size_t len)
{
	char		buf[SLOG_LINE_MAX];
	struct tm	tm;
	time_t		now = time(NULL);
	size_t		n;

	if (len > 0 && msg[len - 1] == '\n')
		len--;
	localtime_r(&now, &tm);
	n = slog_format(buf, sizeof(buf), s->facility | severity, &tm,
	    s->host, "hearthd", (int)getpid(), msg, len);
	if (s->fd == -1 || sendto(s->fd, buf, n, MSG_DONTWAIT | MSG_NOSIGNAL,
	    (struct sockaddr *)&s->addr, s->addrlen) == -1) {
		s->dropped++;
		return -1;
	}
	s->sent++;
	return 0;
}
