/*
 * Status pages.  Everything comes from one scoreboard_sum() and one
 * scoreboard_worker() per slot; the HTML page is the admin's template
 * file rendered with the tmpl engine, with the tables pre-rendered and
 * escaped here because the engine has no loops.
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "hearth.h"
#include "json.h"
#include "log.h"
#include "scoreboard.h"
#include "sketch.h"
#include "status.h"
#include "worker.h"

#define STATUS_TOP	10

struct status_data {
	struct sb_totals	*t;
	struct worker		*w;
	struct sketch_item	 top[STATUS_TOP], top404[STATUS_TOP];
	size_t			 ntop, ntop404;
	char			 buf[128];
	struct tmpl_out		 workers, paths, notfound;
};

const char *
status_type(enum status_kind k)
{
	switch (k) {
	case STATUS_AUTO:
		return "text/plain; charset=utf-8";
	case STATUS_JSON:
		return "application/json";
	default:
		return "text/html; charset=utf-8";
	}
}

static double
quantile_ms(const struct sb_totals *t, double q)
{
	return (double)histo_quantile(&t->c.latency, q) / 1000.0;
}

static void
human_bytes(uint64_t b, char *buf, size_t len)
{
	static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	double			 v = (double)b;
	int			 u = 0;

	while (v >= 1024 && u < 4) {
		v /= 1024;
		u++;
	}
	snprintf(buf, len, u ? "%.1f %s" : "%.0f %s", v, units[u]);
}

/* Rows for the workers table, escaped. */
static int
status_worker_rows(struct status_data *d)
{
	struct sb_worker	sw;
	unsigned		i, n = scoreboard_nslots(d->w->sb);
	char			row[256];
	time_t			now = time(NULL);

	for (i = 0; i < n; i++) {
		if (scoreboard_worker(d->w->sb, i, &sw) == -1)
			continue;
		snprintf(row, sizeof(row), "<tr><td>%d</td><td>%u</td>"
		    "<td>%s</td><td>%llu</td><td>%llu</td><td>%s</td><td>",
		    (int)sw.pid, sw.generation, sb_state_name(sw.state),
		    (unsigned long long)sw.requests,
		    (unsigned long long)sw.connections,
		    sw.last_request ? "" : "-");
		if (tmpl_out_str(&d->workers, row) == -1)
			return -1;
		if (sw.last_request) {
			snprintf(row, sizeof(row), "%lld s ago",
			    (long long)(now - sw.last_request));
			tmpl_out_str(&d->workers, row);
		}
		tmpl_out_str(&d->workers, "</td><td>");
		tmpl_out_html(&d->workers, sw.client, strlen(sw.client));
		tmpl_out_str(&d->workers, "</td><td><code>");
		tmpl_out_html(&d->workers, sw.request, strlen(sw.request));
		if (tmpl_out_str(&d->workers, "</code></td></tr>\n") == -1)
			return -1;
	}
	return 0;
}

static int
status_top_rows(struct tmpl_out *out, const struct sketch_item *v, size_t n)
{
	char	num[32];
	size_t	i;

	if (n == 0)
		return tmpl_out_str(out, "<tr><td colspan=\"2\">none yet"
		    "</td></tr>\n");
	for (i = 0; i < n; i++) {
		snprintf(num, sizeof(num), "%llu",
		    (unsigned long long)v[i].count);
		tmpl_out_str(out, "<tr><td><code>");
		tmpl_out_html(out, v[i].key, v[i].len);
		tmpl_out_str(out, "</code></td><td>");
		tmpl_out_str(out, num);
		if (tmpl_out_str(out, "</td></tr>\n") == -1)
			return -1;
	}
	return 0;
}

static int
status_lookup(const char *name, size_t len, void *arg, const char **val,
    size_t *vlen)
{
	struct status_data	*d = arg;
	const struct sb_totals	*t = d->t;
	char			 key[64];
	char			*b = d->buf;
	size_t			 bl = sizeof(d->buf);

	if (len >= sizeof(key))
		return 0;
	memcpy(key, name, len);
	key[len] = '\0';
	*val = b;
	if (strcmp(key, "version") == 0)
		*val = HEARTH_SERVER;
	else if (strcmp(key, "uptime") == 0)
		snprintf(b, bl, "%lldd %02lldh %02lldm %02llds",
		    (long long)t->uptime / 86400,
		    (long long)t->uptime / 3600 % 24,
		    (long long)t->uptime / 60 % 60, (long long)t->uptime % 60);
	else if (strcmp(key, "uptime_seconds") == 0)
		snprintf(b, bl, "%lld", (long long)t->uptime);
	else if (strcmp(key, "generation") == 0)
		snprintf(b, bl, "%d", d->w->generation);
	else if (strcmp(key, "requests_total") == 0)
		snprintf(b, bl, "%llu", (unsigned long long)t->c.requests);
	else if (strcmp(key, "bytes_total") == 0)
		human_bytes(t->c.bytes, b, bl);
	else if (strcmp(key, "requests_per_sec") == 0)
		snprintf(b, bl, "%.1f", t->requests_per_sec);
	else if (strcmp(key, "bytes_per_sec") == 0)
		human_bytes((uint64_t)t->bytes_per_sec, b, bl);
	else if (strlen(key) == 10 && strncmp(key, "status_", 7) == 0 &&
	    key[7] >= '1' && key[7] <= '5' && strcmp(key + 8, "xx") == 0)
		snprintf(b, bl, "%llu",
		    (unsigned long long)t->c.status[key[7] - '1']);
	else if (strcmp(key, "latency_p50") == 0)
		snprintf(b, bl, "%.2f", quantile_ms(t, 0.5));
	else if (strcmp(key, "latency_p90") == 0)
		snprintf(b, bl, "%.2f", quantile_ms(t, 0.9));
	else if (strcmp(key, "latency_p99") == 0)
		snprintf(b, bl, "%.2f", quantile_ms(t, 0.99));
	else if (strcmp(key, "active_workers") == 0)
		snprintf(b, bl, "%u", t->workers);
	else if (strcmp(key, "busy_workers") == 0)
		snprintf(b, bl, "%u", t->busy);
	else if (strcmp(key, "crash_loop") == 0)
		*val = t->crash_loop ? "workers keep crashing: respawns are "
		    "delayed (see the error log)" : "";
	else if (strcmp(key, "refused") == 0)
		snprintf(b, bl, "%llu at max_connections, %llu at per_client",
		    (unsigned long long)t->c.refused_max,
		    (unsigned long long)t->c.refused_client);
	else if (strcmp(key, "tls") == 0)
		snprintf(b, bl, "%llu requests over HTTPS; %llu handshakes "
		    "(%llu resumed), %llu failed",
		    (unsigned long long)t->c.tls_requests,
		    (unsigned long long)t->c.tls_handshakes,
		    (unsigned long long)t->c.tls_resumed,
		    (unsigned long long)t->c.tls_failed);
	else if (strcmp(key, "workers_rows") == 0) {
		*val = d->workers.p ? d->workers.p : "";
		*vlen = d->workers.len;
		return 1;
	} else if (strcmp(key, "top_paths_rows") == 0) {
		*val = d->paths.p ? d->paths.p : "";
		*vlen = d->paths.len;
		return 1;
	} else if (strcmp(key, "top_404_rows") == 0) {
		*val = d->notfound.p ? d->notfound.p : "";
		*vlen = d->notfound.len;
		return 1;
	} else
		return 0;
	*vlen = strlen(*val);
	return 1;
}

static int
status_html(struct status_data *d, struct tmpl_out *out)
{
	const char	*file = d->w->conf->admin.status_template;
	struct tmpl	*t = NULL;
	struct stat	 st;
	char		*src = NULL, err[256];
	int		 fd, rc = 500;

	if ((fd = open(file, O_RDONLY | O_CLOEXEC)) == -1 ||
	    fstat(fd, &st) == -1 || st.st_size > TMPL_FILE_MAX ||
	    (src = malloc((size_t)st.st_size + 1)) == NULL ||
	    read(fd, src, (size_t)st.st_size) != st.st_size) {
		log_warn("status template %s", file);
		goto done;
	}
	if ((t = tmpl_compile(src, (size_t)st.st_size, err, sizeof(err))) ==
	    NULL) {
		log_warnx("status template %s: %s", file, err);
		goto done;
	}
	if (status_worker_rows(d) == -1 ||
	    status_top_rows(&d->paths, d->top, d->ntop) == -1 ||
	    status_top_rows(&d->notfound, d->top404, d->ntop404) == -1 ||
	    tmpl_render(t, status_lookup, d, out) == -1)
		goto done;
	rc = 0;
done:
	if (fd != -1)
		close(fd);
	free(src);
	tmpl_free(t);
	return rc;
}

/* Apache mod_status's "?auto" keys, and ours after them. */
static int
status_auto(struct status_data *d, struct tmpl_out *out)
{
	const struct sb_totals	*t = d->t;
	char			 b[1536];

	snprintf(b, sizeof(b),
	    "ServerVersion: %s\nServerUptimeSeconds: %lld\nGeneration: %d\n"
	    "Total Accesses: %llu\nTotal kBytes: %llu\nReqPerSec: %.3f\n"
	    "BytesPerSec: %.1f\nBusyWorkers: %u\nIdleWorkers: %u\n"
	    "Status1xx: %llu\nStatus2xx: %llu\nStatus3xx: %llu\n"
	    "Status4xx: %llu\nStatus5xx: %llu\nLatencyP50ms: %.2f\n"
	    "LatencyP90ms: %.2f\nLatencyP99ms: %.2f\nLogDropped: %llu\n"
	    "CrashLoop: %d\nRefusedMaxConnections: %llu\n"
	    "RefusedPerClient: %llu\nTLSRequests: %llu\n"
	    "TLSHandshakes: %llu\nTLSResumed: %llu\nTLSFailed: %llu\n",
	    HEARTH_SERVER,
	    (long long)t->uptime, d->w->generation,
	    (unsigned long long)t->c.requests,
	    (unsigned long long)t->c.bytes / 1024, t->requests_per_sec,
	    t->bytes_per_sec, t->busy, t->workers - t->busy,
	    (unsigned long long)t->c.status[0],
	    (unsigned long long)t->c.status[1],
	    (unsigned long long)t->c.status[2],
	    (unsigned long long)t->c.status[3],
	    (unsigned long long)t->c.status[4], quantile_ms(t, 0.5),
	    quantile_ms(t, 0.9), quantile_ms(t, 0.99),
	    (unsigned long long)t->c.log_dropped, t->crash_loop,
	    (unsigned long long)t->c.refused_max,
	    (unsigned long long)t->c.refused_client,
	    (unsigned long long)t->c.tls_requests,
	    (unsigned long long)t->c.tls_handshakes,
	    (unsigned long long)t->c.tls_resumed,
	    (unsigned long long)t->c.tls_failed);
	return tmpl_out_str(out, b) == -1 ? 500 : 0;
}

static void
json_top(struct json *j, const char *key, const struct sketch_item *v,
    size_t n)
{
	size_t	i;

	json_key(j, key);
	json_array_begin(j);
	for (i = 0; i < n; i++) {
		json_object_begin(j);
		json_key(j, "path");
		json_string(j, v[i].key, v[i].len);
		json_key(j, "count");
		json_uint(j, v[i].count);
		json_object_end(j);
	}
	json_array_end(j);
}

static void
json_workers(struct json *j, struct worker *w)
{
	struct sb_worker	sw;
	unsigned		i, n = scoreboard_nslots(w->sb);

	json_key(j, "workers");
	json_array_begin(j);
	for (i = 0; i < n; i++) {
		if (scoreboard_worker(w->sb, i, &sw) == -1)
			continue;
		json_object_begin(j);
		json_key(j, "pid");
		json_int(j, sw.pid);
		json_key(j, "generation");
		json_uint(j, sw.generation);
		json_key(j, "state");
		json_cstring(j, sb_state_name(sw.state));
		json_key(j, "requests");
		json_uint(j, sw.requests);
		json_key(j, "connections");
		json_uint(j, sw.connections);
		json_key(j, "client");
		json_cstring(j, sw.client);
		json_key(j, "current_request");
		json_cstring(j, sw.request);
		json_object_end(j);
	}
	json_array_end(j);
}

static int
status_json(struct status_data *d, struct tmpl_out *out)
{
	const struct sb_totals	*t = d->t;
	struct json		 j;
	const char		*why;
	static const char *const classes[] = { "1xx", "2xx", "3xx", "4xx",
	    "5xx" };
	int			 i, rc;

	json_init(&j);
	json_object_begin(&j);
	json_key(&j, "version");
	json_cstring(&j, HEARTH_SERVER);
	json_key(&j, "uptime_seconds");
	json_int(&j, t->uptime);
	json_key(&j, "generation");
	json_int(&j, d->w->generation);
	json_key(&j, "requests_total");
	json_uint(&j, t->c.requests);
	json_key(&j, "bytes_total");
	json_uint(&j, t->c.bytes);
	json_key(&j, "requests_per_sec");
	json_double(&j, t->requests_per_sec, 3);
	json_key(&j, "bytes_per_sec");
	json_double(&j, t->bytes_per_sec, 1);
	json_key(&j, "status");
	json_object_begin(&j);
	for (i = 0; i < 5; i++) {
		json_key(&j, classes[i]);
		json_uint(&j, t->c.status[i]);
	}
	json_object_end(&j);
	json_workers(&j, d->w);
	json_key(&j, "active_workers");
	json_uint(&j, t->workers);
	json_top(&j, "top_paths", d->top, d->ntop);
	json_top(&j, "top_404", d->top404, d->ntop404);
	json_key(&j, "crash_loop");
	json_bool(&j, t->crash_loop);
	json_key(&j, "refused");
	json_object_begin(&j);
	json_key(&j, "max_connections");
	json_uint(&j, t->c.refused_max);
	json_key(&j, "per_client");
	json_uint(&j, t->c.refused_client);
	json_object_end(&j);
	json_key(&j, "log_dropped");
	json_uint(&j, t->c.log_dropped);
	json_key(&j, "tls");
	json_object_begin(&j);
	json_key(&j, "requests");
	json_uint(&j, t->c.tls_requests);
	json_key(&j, "handshakes");
	json_uint(&j, t->c.tls_handshakes);
	json_key(&j, "resumed");
	json_uint(&j, t->c.tls_resumed);
	json_key(&j, "failed");
	json_uint(&j, t->c.tls_failed);
	json_object_end(&j);
	json_key(&j, "latency_ms");
	json_object_begin(&j);
	json_key(&j, "p50");
	json_double(&j, quantile_ms(t, 0.5), 3);
	json_key(&j, "p90");
	json_double(&j, quantile_ms(t, 0.9), 3);
	json_key(&j, "p99");
	json_double(&j, quantile_ms(t, 0.99), 3);
	json_object_end(&j);
	json_object_end(&j);
	rc = json_done(&j, &why) == 0 && tmpl_out_add(out, j.buf, j.len) == 0 ?
	    0 : 500;
	if (rc != 0)
		log_warnx("status JSON: %s", why ? why : "out of memory");
	json_free(&j);
	return rc;
}

int
status_render(struct worker *w, enum status_kind kind, struct tmpl_out *out)
{
	struct status_data	*d;
	int			 rc;

	if (w->sb == NULL)
		return 503;
	/* about 40 KiB of totals: not on the worker's stack */
	if ((d = calloc(1, sizeof(*d))) == NULL ||
	    (d->t = malloc(sizeof(*d->t))) == NULL) {
		free(d);
		return 500;
	}
	d->w = w;
	/* this worker's own finished requests count too */
	if (w->sb_pend != NULL)
		sb_pending_flush(w->sb_slot, w->sb_pend);
	scoreboard_sum(w->sb, d->t);
	d->ntop = sketch_top(&d->t->c.paths, d->top, STATUS_TOP);
	d->ntop404 = sketch_top(&d->t->c.notfound, d->top404, STATUS_TOP);
	switch (kind) {
	case STATUS_AUTO:
		rc = status_auto(d, out);
		break;
	case STATUS_JSON:
		rc = status_json(d, out);
		break;
	default:
		rc = status_html(d, out);
		break;
	}
	tmpl_out_free(&d->workers);
	tmpl_out_free(&d->paths);
	tmpl_out_free(&d->notfound);
	free(d->t);
	free(d);
	return rc;
}
