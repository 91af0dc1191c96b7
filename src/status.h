/*
 * The status pages: an HTML dashboard from a template, Apache-style
 * "?auto" lines, and JSON, all from the scoreboard.
 */
#ifndef HEARTH_STATUS_H
#define HEARTH_STATUS_H

#include "tmpl.h"

struct worker;

enum status_kind {
	STATUS_HTML,
	STATUS_AUTO,
	STATUS_JSON
};

/* Render into out; 0, or 500 (logged) when the template is unusable. */
int	 status_render(struct worker *, enum status_kind, struct tmpl_out *);

/* The Content-Type of each kind. */
const char *status_type(enum status_kind);

#endif
