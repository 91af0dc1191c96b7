/*
 * The systemd notify protocol (sd_notify(3)), spoken directly: one
 * datagram to $NOTIFY_SOCKET.  No libsystemd.  A no-op when the variable
 * is unset, so the same code runs under any supervisor.
 */
#ifndef HEARTH_NOTIFY_H
#define HEARTH_NOTIFY_H

void	notify_init(void);	/* read and unset $NOTIFY_SOCKET */
int	notify_enabled(void);
int	notify_send(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	notify_ready(void);
void	notify_reloading(void);	/* RELOADING=1 with MONOTONIC_USEC */
void	notify_stopping(void);

#endif
