/* SPDX-License-Identifier: BSD-2-Clause */
/* metrics.c - /metrics over HTTP (libmicrohttpd, external epoll mode). */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <microhttpd.h>
#include "metrics.h"
#include "prom_text.h"

/* First guess at the exposition's size; a larger one is rendered again
 * into a buffer of the size the first pass asked for. */
#define RENDER_FIRST 32768

struct metrics_server {
	struct MHD_Daemon *mhd;
	metrics_fill fill;
	void *ctx;
};

/* Appends one sample (with HELP and TYPE first when help is given); value
 * is the sample's text. */
static size_t put_text(char *buf, size_t n, size_t off, const char *name, const char *type,
		       const char *help, const char *labels, const char *value)
{
	if (help)
		off = prom_appendf(buf, n, off, "# HELP %s %s\n# TYPE %s %s\n", name, help, name,
				   type);
	return prom_appendf(buf, n, off, "%s%s %s\n", name, labels ? labels : "", value);
}

static size_t put(char *buf, size_t n, size_t off, const char *name, const char *type,
		  const char *help, const char *labels, uint64_t v)
{
	char text[24];

	snprintf(text, sizeof(text), "%llu", (unsigned long long)v);
	return put_text(buf, n, off, name, type, help, labels, text);
}

/* A gauge in seconds (Prometheus' base unit) from microseconds. */
static size_t put_seconds(char *buf, size_t n, size_t off, const char *name, const char *help,
			  const char *labels, uint64_t us)
{
	char text[32];

	snprintf(text, sizeof(text), "%llu.%06llu", (unsigned long long)(us / 1000000),
		 (unsigned long long)(us % 1000000));
	return put_text(buf, n, off, name, "gauge", help, labels, text);
}

/* cryptnono's label values of metric_values.cn[] */
static const char *const cn_sources[2] = { "execwhacker.bpf", "psutil.process_iter" };

/* One cryptnono counter family, a series per source (present from the
 * start, at 0, so that rate() sees the first event). */
static size_t put_by_source(char *buf, size_t n, size_t o, const char *name, const char *help,
			    const uint64_t vals[2])
{
	for (int i = 0; i < 2; i++) {
		char l[64];

		snprintf(l, sizeof(l), "{source=\"%s\"}", cn_sources[i]);
		o = put(buf, n, o, name, "counter", i ? NULL : help, l, vals[i]);
	}
	return o;
}

/* cryptnono's execwhacker metrics, with its names and label values, so its
 * dashboards and alerts keep working. */
static size_t render_cryptnono(const struct metric_values *v, char *buf, size_t n, size_t o)
{
	uint64_t checked[2] = { v->cn[0].checked, v->cn[1].checked };
	uint64_t killed[2] = { v->cn[0].killed, v->cn[1].killed };
	uint64_t missed[2] = { v->cn[0].missed, v->cn[1].missed };

	o = put_by_source(buf, n, o, "cryptnono_execwhacker_processes_checked_total",
			  "Command lines judged, by source (execwhacker.bpf: exec events, judged in "
			  "the kernel or in user space; psutil.process_iter: /proc sweeps).", checked);
	o = put_by_source(buf, n, o, "cryptnono_execwhacker_processes_killed_total",
			  "Processes killed for a banned command line, by source.", killed);
	o = put_by_source(buf, n, o, "cryptnono_execwhacker_processes_missed_total",
			  "Banned processes that had exited before they could be killed, by source.",
			  missed);
	for (int i = 0; i < 2; i++)
		for (int k = 0; k < STATS_ALLOWED_KINDS; k++) {
			char l[96];

			snprintf(l, sizeof(l), "{source=\"%s\",allowedby=\"%s\"}", cn_sources[i],
				 stats_allowed_names[k]);
			o = put(buf, n, o, "cryptnono_execwhacker_processes_allowed_total", "counter",
				i || k ? NULL : "Command lines not killed, by source and why (no-match: "
				"no banned string; allowed-pattern: an allow pattern matched; "
				"is-substring: never, nomine's word check is part of the match).", l,
				v->cn[i].allowed[k]);
		}
	o = put(buf, n, o, "cryptnono_execwhacker_unexpected_errors_total", "counter",
		"Errors that cost a verdict or a response (ring buffer reads, memory, a failed "
		"container kill).", NULL, v->unexpected_errors);
	if (!v->acts)
		return o;
	o = histogram_render(&v->acts->log_kill, "cryptnono_execwhacker_log_and_kill_execution_seconds",
			     "User-space time to carry out and log one kill verdict (exec events and "
			     "sweeps).", NULL, buf, n, o);
	return histogram_render(&v->acts->judge,
				"cryptnono_execwhacker_kill_if_needed_execution_seconds",
				"User-space time to judge one command line and act on the verdict.",
				NULL, buf, n, o);
}

/* Kills by detector and pod namespace: the host's series ("") from the
 * start, a namespace's once something in it was killed. */
static size_t render_kills(const struct action_stats *st, char *buf, size_t n, size_t o)
{
	int first = 1;

	for (size_t i = 0; i < st->nns || (i == 0 && st->nns == 0); i++)
		for (int d = 0; d < STATS_DETECTORS; d++) {
			char l[160];

			if (i && !st->ns[i].kills[d])
				continue;
			snprintf(l, sizeof(l), "{detector=\"%s\",namespace=\"%s\"}",
				 stats_detector_names[d], st->ns[i].name);
			o = put(buf, n, o, "nomine_kills_total", "counter", first ?
				"Processes killed, by detector (exec, randomx, sweep) and pod namespace "
				"(\"\": host or unknown; past 200 namespaces, \"other\")." : NULL, l,
				st->ns[i].kills[d]);
			first = 0;
		}
	return o;
}

/* What cryptnono lacks: kills by namespace, kill latency, lost events,
 * readiness, the last reload's outcome. */
/* nomine_responses_total{responder,outcome}: "dropped" is what was given
 * up (a full queue, a target still failing at the end of its retries, a
 * flood beyond responseQueueLength); responder "all" counts incidents
 * dropped before any responder saw them. */
static size_t render_responders(const struct metric_values *v, char *buf, size_t n, size_t o)
{
	static const char *const outcomes[] = { "done", "failed", "dropped" };

	for (size_t i = 0; i < v->nresponders; i++) {
		uint64_t val[3] = { v->responders[i].done, v->responders[i].failed,
				    v->responders[i].dropped };
		char l[128];

		for (size_t k = 0; k < 3; k++) {
			snprintf(l, sizeof(l), "{responder=\"%s\",outcome=\"%s\"}",
				 v->responders[i].name, outcomes[k]);
			o = put(buf, n, o, "nomine_responses_total", "counter", i || k ? NULL :
				"Responses after kills (evidence records, hub actions, "
				"notifications, the command hook) by responder and outcome.", l,
				val[k]);
		}
	}
	for (size_t i = 0; i < v->nresponders; i++) {
		char l[96];

		snprintf(l, sizeof(l), "{responder=\"%s\"}", v->responders[i].name);
		o = put(buf, n, o, "nomine_response_retries_total", "counter", i ? NULL :
			"Attempts of a response repeated after a failure that may pass (no answer, "
			"5xx, 429).", l, v->responders[i].retries);
	}
	for (size_t i = 0; i < v->nresponders; i++) {
		char l[96];

		snprintf(l, sizeof(l), "{responder=\"%s\"}", v->responders[i].name);
		o = put(buf, n, o, "nomine_response_queue_length", "gauge", i ? NULL :
			"Incidents waiting for a responder.", l, v->responders[i].queued);
	}
	return o;
}

static size_t render_nomine(const struct metric_values *v, char *buf, size_t n, size_t o)
{
	static const enum stats_detector timed[] = { STATS_EXEC, STATS_RANDOMX,
						       STATS_EXECUTABLE };

	if (v->acts) {
		o = render_kills(v->acts, buf, n, o);
		for (size_t i = 0; i < sizeof(timed) / sizeof(timed[0]); i++) {
			char l[64];

			snprintf(l, sizeof(l), "detector=\"%s\"", stats_detector_names[timed[i]]);
			o = histogram_render(&v->acts->latency[timed[i]], "nomine_kill_latency_seconds",
					     i ? NULL : "From the exec (in-kernel kills: the first "
					     "bucket) or the RandomX detector's first observation to "
					     "the process being dead.", l, buf, n, o);
		}
	}
	o = put(buf, n, o, "nomine_events_lost_total", "counter",
		"Ring-buffer records (exec) or reports (randomx) the kernel had no room for.",
		"{detector=\"exec\"}", v->exec_events_lost);
	o = put(buf, n, o, "nomine_events_lost_total", "counter", NULL, "{detector=\"randomx\"}",
		v->randomx_events_lost);
	o = put(buf, n, o, "nomine_ready", "gauge",
		"1 when every detector this kernel can run is attached (as GET /readyz).", NULL,
		(uint64_t)v->ready);
	return put(buf, n, o, "nomine_config_last_reload_successful", "gauge",
		   "1 when the last reload (or the start) applied, 0 when it was refused (the "
		   "previous config stays in force).", NULL, (uint64_t)v->last_reload_ok);
}

size_t metrics_render(const struct metric_values *v, char *buf, size_t n)
{
	size_t o = 0;

	if (n)
		buf[0] = 0;
	o = put(buf, n, o, "nomine_build_info", "gauge", "Version of the running nomine.",
		"{version=\"" NOMINE_VERSION "\"}", 1);
	o = put(buf, n, o, "nomine_exec_detector_up", "gauge",
		"1 when the BPF exec program is attached.", NULL, (uint64_t)v->exec_detector);
	for (size_t i = 0; i < v->ndetectors; i++) {
		char l[160];

		snprintf(l, sizeof(l), "{detector=\"%s\",variant=\"%s\"}", v->detectors[i].name,
			 v->detectors[i].variant);
		o = put(buf, n, o, "nomine_detector_info", "gauge", i ? NULL :
			"The variant each detector runs (\"none\": the kernel cannot run it; "
			"\"disabled\": --disable).", l, 1);
	}
	for (size_t i = 0; i < v->ndetectors; i++) {
		char l[96];

		snprintf(l, sizeof(l), "{detector=\"%s\"}", v->detectors[i].name);
		o = put(buf, n, o, "nomine_detector_refused", "gauge", i ? NULL :
			"1 when the kernel refused a program of this detector that it has the "
			"features for (a fallback runs instead; the start-up log says why).", l,
			(uint64_t)v->detectors[i].refused);
	}
	for (size_t i = 0; i < v->nprogs; i++) {
		char l[96];

		snprintf(l, sizeof(l), "{program=\"%s\"}", v->progs[i].name);
		o = put(buf, n, o, "nomine_bpf_verified_instructions", "gauge", i ? NULL :
			"Instructions the verifier processed to accept each loaded BPF program.", l,
			v->progs[i].verified_insns);
	}
	for (size_t i = 0; i < v->nprogs && i < NM_PROG_COSTS_MAX; i++) {
		char l[96];

		snprintf(l, sizeof(l), "{program=\"%s\"}", v->progs[i].name);
		o = put(buf, n, o, "nomine_bpf_recursion_misses_total", "counter", i ? NULL :
			"Runs of each BPF program the kernel skipped because a run of it was under "
			"way on the same CPU (preempted): an exec or fork it did not see.", l,
			v->prog_misses[i]);
	}
	for (size_t i = 0; i < v->nprogs; i++) {
		char l[96];

		snprintf(l, sizeof(l), "{program=\"%s\"}", v->progs[i].name);
		o = put_seconds(buf, n, o, "nomine_bpf_load_seconds", i ? NULL :
				"Wall time to load the BPF object of each program.", l,
				v->progs[i].load_us);
	}
	o = put(buf, n, o, "nomine_kernel_verdict", "gauge",
		"1 when verdicts are taken in the kernel at exec, 0 when in user space.", NULL,
		(uint64_t)v->kernel_verdict);
	o = put(buf, n, o, "nomine_kernel_tables_bytes", "gauge",
		"Size of the verdict tables loaded in the kernel.", NULL, v->kernel_tables_bytes);
	o = put(buf, n, o, "nomine_banned_strings", "gauge", "Banned strings in force.", NULL,
		v->banned_strings);
	o = put(buf, n, o, "nomine_allow_patterns", "gauge", "Allow patterns in force.", NULL,
		v->allow_patterns);
	o = put(buf, n, o, "nomine_allow_patterns_user_space", "gauge",
		"Allow patterns the kernel cannot run (matching execs are frozen for user space).",
		NULL, v->allow_in_user_space);
	o = put(buf, n, o, "nomine_execs_total", "counter", "Execs the exec program saw.", NULL,
		v->execs_seen);
	o = put(buf, n, o, "nomine_processes_checked_total", "counter",
		"Command lines judged in user space (execs and sweeps).", NULL, v->checked);
	o = put(buf, n, o, "nomine_processes_killed_total", "counter", "Processes killed.",
		"{in_kernel=\"true\"}", v->killed_kernel);
	o = put(buf, n, o, "nomine_processes_killed_total", "counter", NULL,
		"{in_kernel=\"false\"}", v->killed_user);
	o = put(buf, n, o, "nomine_processes_spared_total", "counter",
		"Banned command lines spared by an allow pattern.", NULL, v->spared);
	o = put(buf, n, o, "nomine_processes_audited_total", "counter",
		"Processes that would have been killed (audit mode).", NULL, v->audited);
	o = put(buf, n, o, "nomine_missed_kills_total", "counter",
		"Banned processes that had exited before they could be killed.", NULL, v->missed);
	o = put(buf, n, o, "nomine_processes_exempted_total", "counter",
		"Banned processes spared because their namespace or container name is exempt.",
		NULL, v->exempted);
	o = put(buf, n, o, "nomine_containers_killed_total", "counter",
		"Whole containers killed (containerKillAfter).", NULL, v->containers_killed);
	o = put(buf, n, o, "nomine_container_lookups_total", "counter",
		"Container metadata lookups by outcome.", "{result=\"cached\"}", v->meta_cached);
	o = put(buf, n, o, "nomine_container_lookups_total", "counter", NULL,
		"{result=\"resolved\"}", v->meta_resolved);
	o = put(buf, n, o, "nomine_container_lookups_total", "counter", NULL,
		"{result=\"failed\"}", v->meta_failed);
	o = put(buf, n, o, "nomine_lineage_spills_total", "counter",
		"Forks and execs whose task storage the kernel would not create at that moment "
		"(lineage kept in a map by thread id instead).", NULL, v->lineage_spills);
	for (size_t i = 0; i < v->nkernel && i < sizeof(v->kernel) / sizeof(v->kernel[0]); i++)
		o = put(buf, n, o, v->kernel[i].name, "counter", v->kernel[i].help, NULL,
			v->kernel[i].value);
	for (size_t i = 0; i < v->nnet_reasons && i < sizeof(v->net_reasons) /
	     sizeof(v->net_reasons[0]); i++) {
		char l[96];

		snprintf(l, sizeof(l), "{reason=\"%s\"}", v->net_reasons[i].reason);
		o = put(buf, n, o, "nomine_network_detections_total", "counter", i ? NULL :
			"Network detector events by reason: calls to a banned address or (with "
			"banPoolPorts) a pool port, scans, Stratum sessions, DNS queries for a "
			"banned name; refused, dropped or (audit, exempt) reported.", l,
			v->net_reasons[i].value);
	}
	o = render_responders(v, buf, n, o);
	o = put(buf, n, o, "nomine_exec_records_lost_total", "counter",
		"Exec records the ring buffer had no room for (a sweep follows).", NULL,
		v->records_lost);
	o = put(buf, n, o, "nomine_config_reloads_total", "counter", "Config reloads.",
		"{result=\"ok\"}", v->reloads_ok);
	o = put(buf, n, o, "nomine_config_reloads_total", "counter", NULL,
		"{result=\"refused\"}", v->reloads_refused);
	o = render_cryptnono(v, buf, n, o);
	return render_nomine(v, buf, n, o);
}

/* The exposition in a malloc'd buffer; *len its length. NULL when out of
 * memory. */
static char *render_all(const struct metric_values *v, size_t *len)
{
	size_t size = RENDER_FIRST;
	char *body = malloc(size);

	while (body) {
		*len = metrics_render(v, body, size);
		if (*len < size)
			return body;
		size = *len + 1;
		free(body);
		body = malloc(size);
	}
	return NULL;
}

/* The body of /readyz: "ready", or the one line that says what is not. */
static char *readiness(const struct metric_values *v, unsigned int *status, size_t *len)
{
	char *body = malloc(sizeof(v->unready) + 16);

	if (!body)
		return NULL;
	*status = v->ready ? MHD_HTTP_OK : MHD_HTTP_SERVICE_UNAVAILABLE;
	*len = (size_t)snprintf(body, sizeof(v->unready) + 16, "%s\n",
				v->ready ? "ready" : v->unready[0] ? v->unready : "not ready");
	/* a verifier's message may span lines: the answer is one */
	for (size_t i = 0; i + 1 < *len; i++)
		if (body[i] == '\n' || body[i] == '\r')
			body[i] = ' ';
	return body;
}

static enum MHD_Result answer(void *cls, struct MHD_Connection *c, const char *url,
			      const char *method, const char *version, const char *upload,
			      size_t *upload_size, void **con_cls)
{
	struct metrics_server *m = cls;
	struct metric_values v;
	struct MHD_Response *r;
	enum MHD_Result ret;
	unsigned int status = MHD_HTTP_OK;
	char *body;
	size_t len;

	(void)version, (void)upload, (void)upload_size, (void)con_cls;
	if (strcmp(method, "GET") || (strcmp(url, "/metrics") && strcmp(url, "/healthz") &&
				      strcmp(url, "/readyz"))) {
		status = strcmp(method, "GET") ? MHD_HTTP_METHOD_NOT_ALLOWED : MHD_HTTP_NOT_FOUND;
		body = strdup("only GET /metrics, /healthz and /readyz\n");
		len = body ? strlen(body) : 0;
	} else if (!strcmp(url, "/healthz")) {
		/* answered at all: the event loop, which serves this, is turning */
		body = strdup("ok\n");
		len = 3;
	} else {
		memset(&v, 0, sizeof(v));
		m->fill(&v, m->ctx);
		body = strcmp(url, "/readyz") ? render_all(&v, &len) : readiness(&v, &status, &len);
	}
	if (!body)
		return MHD_NO;
	r = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
	if (!r) {
		free(body);
		return MHD_NO;
	}
	MHD_add_response_header(r, "Content-Type", "text/plain; version=0.0.4");
	ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

/* "HOST:PORT" or ":PORT" into an IPv4/IPv6 address. */
static int parse_listen(const char *s, struct sockaddr_storage *ss, char *err, size_t errlen)
{
	const char *colon = strrchr(s, ':');
	char host[256];
	long port;
	char *end;

	memset(ss, 0, sizeof(*ss));
	if (!colon || (size_t)(colon - s) >= sizeof(host))
		goto bad;
	port = strtol(colon + 1, &end, 10);
	if (*end || port < 1 || port > 65535)
		goto bad;
	memcpy(host, s, (size_t)(colon - s));
	host[colon - s] = 0;
	if (host[0] == '[' && host[strlen(host) - 1] == ']') {
		memmove(host, host + 1, strlen(host));
		host[strlen(host) - 1] = 0;
	}
	if (!host[0] || inet_pton(AF_INET, host, &((struct sockaddr_in *)ss)->sin_addr) == 1) {
		((struct sockaddr_in *)ss)->sin_family = AF_INET;
		((struct sockaddr_in *)ss)->sin_port = htons((uint16_t)port);
		return 0;
	}
	if (inet_pton(AF_INET6, host, &((struct sockaddr_in6 *)ss)->sin6_addr) == 1) {
		((struct sockaddr_in6 *)ss)->sin6_family = AF_INET6;
		((struct sockaddr_in6 *)ss)->sin6_port = htons((uint16_t)port);
		return 0;
	}
bad:
	snprintf(err, errlen, "--metrics-listen %s: want HOST:PORT or :PORT", s);
	return -EINVAL;
}

struct metrics_server *metrics_open(const char *listen, metrics_fill fill, void *ctx,
				    char *err, size_t errlen)
{
	struct metrics_server *m = calloc(1, sizeof(*m));
	struct sockaddr_storage ss;
	unsigned int flags = MHD_USE_EPOLL | MHD_USE_ERROR_LOG;
	int e;

	if (!m) {
		snprintf(err, errlen, "metrics: out of memory");
		return NULL;            /* errno ENOMEM from calloc */
	}
	e = parse_listen(listen, &ss, err, errlen);
	if (e) {
		free(m);
		errno = -e;
		return NULL;
	}
	if (ss.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	m->fill = fill;
	m->ctx = ctx;
	m->mhd = MHD_start_daemon(flags, 0, NULL, NULL, answer, m,
				  MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
				  MHD_OPTION_CONNECTION_TIMEOUT, 10u,
				  MHD_OPTION_CONNECTION_LIMIT, 16u, MHD_OPTION_END);
	if (!m->mhd) {
		e = errno ? errno : EADDRINUSE;
		snprintf(err, errlen, "failed to listen on %s for metrics: %s", listen, strerror(e));
		free(m);
		errno = e;
		return NULL;
	}
	return m;
}

void metrics_close(struct metrics_server *m)
{
	if (!m)
		return;
	MHD_stop_daemon(m->mhd);
	free(m);
}

int metrics_fd(const struct metrics_server *m)
{
	const union MHD_DaemonInfo *i = MHD_get_daemon_info(m->mhd, MHD_DAEMON_INFO_EPOLL_FD);

	return i ? i->epoll_fd : -ENOENT;
}

void metrics_run(struct metrics_server *m)
{
	MHD_run(m->mhd);
}
