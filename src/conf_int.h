/*
 * Shared by conf.c and conf_check.c only: how a check reports an error
 * against a setting's line.
 */
#ifndef HEARTH_CONF_INT_H
#define HEARTH_CONF_INT_H

#include <libconfig.h>

#include "conf.h"

/*
 * Add "file:line: message" to errs; the line is the setting's, or 0
 * when s is NULL (the value was defaulted).
 */
void	conf_errf(struct conf_errors *, const char *file,
	    const config_setting_t *s, const char *fmt, ...)
	    __attribute__((format(printf, 4, 5)));

/* The same with the file and line given. */
void	conf_errl(struct conf_errors *, const char *file, int lineno,
	    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* The -t checks against the running system (conf_check.c). */
void	conf_check_system(const struct config *, config_t *,
	    const char *file, struct conf_errors *);

#endif
