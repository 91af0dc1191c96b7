#include "config.h"

#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "notify.h"

static struct sockaddr_un	notify_addr;
static socklen_t		notify_len;

void
notify_init(void)
{
	const char	*path = getenv("NOTIFY_SOCKET");
	size_t		 len;

	notify_len = 0;
	if (path == NULL || (path[0] != '/' && path[0] != '@'))
		return;
	len = strlen(path);
	if (len >= sizeof(notify_addr.sun_path))
		return;
	memset(&notify_addr, 0, sizeof(notify_addr));
	notify_addr.sun_family = AF_UNIX;
	memcpy(notify_addr.sun_path, path, len);
	if (path[0] == '@')		/* abstract namespace */
		notify_addr.sun_path[0] = '\0';
	notify_len = offsetof(struct sockaddr_un, sun_path) + len;
	/* workers and CGI scripts must not talk to systemd for us */
	unsetenv("NOTIFY_SOCKET");
}

int
notify_enabled(void)
{
	return notify_len != 0;
}

int
notify_send(const char *fmt, ...)
{
	char	msg[512];
	va_list	ap;
	int	fd, rc, saved = errno;

	if (notify_len == 0)
		return 0;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if ((fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1)
		return -1;
	rc = sendto(fd, msg, strlen(msg), MSG_NOSIGNAL,
	    (struct sockaddr *)&notify_addr, notify_len) == -1 ? -1 : 0;
	close(fd);
	errno = saved;
	return rc;
}

void
notify_ready(void)
{
	notify_send("READY=1");
}

/* systemd >= 253 (Type=notify-reload) wants the clock with RELOADING=1. */
void
notify_reloading(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	notify_send("RELOADING=1\nMONOTONIC_USEC=%llu",
	    (unsigned long long)ts.tv_sec * 1000000ULL +
	    (unsigned long long)ts.tv_nsec / 1000);
}

void
notify_stopping(void)
{
	notify_send("STOPPING=1");
}
