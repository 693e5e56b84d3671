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

#define RENDER_MAX 16384

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
	char *p = off < n ? buf + off : NULL;
	size_t room = off < n ? n - off : 0;
	int w = 0;

	if (help)
		w = snprintf(p, room, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
	off += (size_t)(w > 0 ? w : 0);
	p = off < n ? buf + off : NULL;
	room = off < n ? n - off : 0;
	w = snprintf(p, room, "%s%s %s\n", name, labels ? labels : "", value);
	return off + (size_t)(w > 0 ? w : 0);
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
			"The variant each detector runs (\"none\": not running).", l, 1);
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
	o = put(buf, n, o, "nomine_exec_records_lost_total", "counter",
		"Exec records the ring buffer had no room for (a sweep follows).", NULL,
		v->records_lost);
	o = put(buf, n, o, "nomine_config_reloads_total", "counter", "Config reloads.",
		"{result=\"ok\"}", v->reloads_ok);
	o = put(buf, n, o, "nomine_config_reloads_total", "counter", NULL,
		"{result=\"refused\"}", v->reloads_refused);
	return o;
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
	char *body = malloc(RENDER_MAX);
	size_t len;

	(void)version, (void)upload, (void)upload_size, (void)con_cls;
	if (!body)
		return MHD_NO;
	if (strcmp(method, "GET") || strcmp(url, "/metrics")) {
		status = strcmp(method, "GET") ? MHD_HTTP_METHOD_NOT_ALLOWED : MHD_HTTP_NOT_FOUND;
		len = (size_t)snprintf(body, RENDER_MAX, "only GET /metrics\n");
	} else {
		memset(&v, 0, sizeof(v));
		m->fill(&v, m->ctx);
		len = metrics_render(&v, body, RENDER_MAX);
		if (len >= RENDER_MAX)
			len = RENDER_MAX - 1;
	}
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
