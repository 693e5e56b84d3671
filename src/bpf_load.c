/* SPDX-License-Identifier: BSD-2-Clause */
/* bpf_load.c - loads a BPF object with statistics-level verifier logs, keeps
 * each program's verifier cost, and explains a refusal in one line. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "bpf_load.h"
#include "mono_clock.h"

/* BPF_LOG_STATS: the verifier's error messages and its closing statistics,
 * a few lines. Asking for it up front also stops libbpf from loading a
 * refused program a second time just to fetch a log (a verifier run to the
 * 1M-instruction limit takes 20 s here, minutes under emulation). */
#define LOG_LEVEL_STATS 4
#define LOG_SIZE (64u << 10)
#define DEBUG_LOG_SIZE (256u << 20)
#define MAX_PROGS 16

static struct prog_cost costs[NM_PROG_COSTS_MAX];
static size_t ncosts;

void bpf_load_parse_stats(const char *log, uint32_t *insns, uint32_t *verify_us)
{
	const char *p;

	*insns = 0;
	*verify_us = 0;
	if (!log)
		return;
	p = strstr(log, "processed ");
	/* "processed 1234 insns (limit 1000000) ..." */
	while (p) {
		unsigned long v;
		char *end;

		v = strtoul(p + 10, &end, 10);
		if (end != p + 10 && !strncmp(end, " insns", 6)) {
			*insns = v > UINT32_MAX ? UINT32_MAX : (uint32_t)v;
			break;
		}
		p = strstr(p + 10, "processed ");
	}
	p = strstr(log, "verification time ");
	if (p) {
		unsigned long v = strtoul(p + 18, NULL, 10);

		*verify_us = v > UINT32_MAX ? UINT32_MAX : (uint32_t)v;
	}
}

/* The closing statistics of a verifier log: not what went wrong. */
static int is_stats_line(const char *line, size_t len)
{
	static const char *const heads[] = { "verification time ", "stack depth ", "processed " };

	for (size_t i = 0; i < sizeof(heads) / sizeof(heads[0]); i++)
		if (len >= strlen(heads[i]) && !strncmp(line, heads[i], strlen(heads[i])))
			return 1;
	return 0;
}

void bpf_load_log_tail(const char *log, unsigned int n, char *out, size_t outlen)
{
	const char *starts[8];
	unsigned int have = 0;
	size_t used = 0;
	const char *p;

	if (outlen)
		out[0] = '\0';
	if (!log || !outlen)
		return;
	if (n > 8)
		n = 8;
	/* walk back from the end collecting the starts of the lines that say
	 * something (not empty, not the statistics) */
	p = log + strlen(log);
	while (p > log && have < n) {
		const char *end = p;

		while (end > log && end[-1] == '\n')
			end--;
		p = end;
		while (p > log && p[-1] != '\n')
			p--;
		if (end > p && !is_stats_line(p, (size_t)(end - p)))
			starts[have++] = p;
	}
	for (unsigned int i = have; i-- > 0;) {
		const char *s = starts[i];
		size_t len = strcspn(s, "\n");
		int w = snprintf(out + used, outlen - used, "%s%.*s", used ? " | " : "", (int)len, s);

		if (w < 0 || (size_t)w >= outlen - used) {
			out[used] = '\0';    /* whole lines only */
			break;
		}
		used += (size_t)w;
	}
}

static void record(const char *name, uint32_t insns, uint32_t verify_us, uint32_t load_us, int fd)
{
	size_t i;

	for (i = 0; i < ncosts; i++)
		if (!strcmp(costs[i].name, name))
			break;
	if (i == ncosts) {
		if (ncosts == NM_PROG_COSTS_MAX)
			return;
		ncosts++;
	}
	snprintf(costs[i].name, sizeof(costs[i].name), "%s", name);
	costs[i].verified_insns = insns;
	costs[i].verify_us = verify_us;
	costs[i].load_us = load_us;
	costs[i].fd = fd;
}

uint64_t bpf_prog_misses(int fd)
{
	struct bpf_prog_info info;
	uint32_t len = sizeof(info);

	memset(&info, 0, sizeof(info));
	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		return 0;
	return info.recursion_misses;
}

uint64_t bpf_load_misses(const struct prog_cost *c)
{
	return bpf_prog_misses(c->fd);
}

int bpf_load_object(struct bpf_object *obj, const char *what, char *err, size_t errlen)
{
	struct bpf_program *progs[MAX_PROGS], *prog;
	char *logs[MAX_PROGS] = {0};
	size_t n = 0;
	uint64_t t0;
	int ret, e;

	/* NOMINE_VERIFIER_LOG=DIR: the full verifier log of each program into
	 * DIR/NAME.log (level 2: every state), for a developer chasing a refusal */
	const char *dbg = getenv("NOMINE_VERIFIER_LOG");
	uint32_t size = dbg ? DEBUG_LOG_SIZE : LOG_SIZE;

	bpf_object__for_each_program(prog, obj) {
		if (!bpf_program__autoload(prog) || n == MAX_PROGS)
			continue;
		logs[n] = calloc(1, size);
		if (logs[n]) {
			bpf_program__set_log_buf(prog, logs[n], size);
			bpf_program__set_log_level(prog, dbg ? 2 | LOG_LEVEL_STATS : LOG_LEVEL_STATS);
		}
		progs[n++] = prog;
	}
	t0 = mono_ns() / 1000u;
	/* libbpf returns the negative errno itself */
	ret = bpf_object__load(obj);
	if (ret) {
		char tail[400];
		size_t i;

		e = -ret;
		/* libbpf closes every program's fd after a failure: the refused
		 * one is the one whose log says more than statistics */
		for (i = 0; i < n; i++) {
			bpf_load_log_tail(logs[i], 2, tail, sizeof(tail));
			if (tail[0])
				break;
		}
		if (i < n) {
			uint32_t insns, vus;

			bpf_load_parse_stats(logs[i], &insns, &vus);
			snprintf(err, errlen, "%s: the verifier refused %s (%s) after %u "
				 "instructions: %s", what, bpf_program__name(progs[i]), strerror(e),
				 insns, tail);
		} else {
			snprintf(err, errlen, "%s: failed to load: %s", what, strerror(e));
		}
	} else {
		uint32_t load_us = (uint32_t)(mono_ns() / 1000u - t0);

		for (size_t i = 0; i < n; i++) {
			struct bpf_prog_info info;
			uint32_t len = sizeof(info), insns, vus;

			bpf_load_parse_stats(logs[i], &insns, &vus);
			memset(&info, 0, sizeof(info));
			/* verified_insns is in the info from 5.16 on */
			if (!bpf_obj_get_info_by_fd(bpf_program__fd(progs[i]), &info, &len) &&
			    info.verified_insns)
				insns = info.verified_insns;
			record(bpf_program__name(progs[i]), insns, vus, load_us,
			       bpf_program__fd(progs[i]));
		}
	}
	for (size_t i = 0; i < n; i++) {
		if (dbg && logs[i]) {
			char path[4096];
			FILE *f;

			snprintf(path, sizeof(path), "%s/%s.log", dbg, bpf_program__name(progs[i]));
			f = fopen(path, "w");
			if (f) {
				fputs(logs[i], f);
				fclose(f);
			}
		}
		bpf_program__set_log_buf(progs[i], NULL, 0);
		free(logs[i]);
	}
	return ret;
}

size_t bpf_load_costs(const struct prog_cost **out)
{
	*out = costs;
	return ncosts;
}

void bpf_load_forget(struct bpf_object *obj)
{
	struct bpf_program *prog;

	bpf_object__for_each_program(prog, obj) {
		for (size_t i = 0; i < ncosts; i++) {
			if (strcmp(costs[i].name, bpf_program__name(prog)))
				continue;
			memmove(&costs[i], &costs[i + 1], (ncosts - i - 1) * sizeof(costs[0]));
			ncosts--;
			break;
		}
	}
}

struct ring_buffer *bpf_load_ring(struct bpf_map *map,
				  int (*fn)(void *ctx, void *data, size_t len), void *ctx,
				  char *err, size_t errlen)
{
	struct ring_buffer *rb = ring_buffer__new(bpf_map__fd(map), fn, ctx, NULL);

	if (!rb)
		snprintf(err, errlen, "failed to open ring buffer: %s", strerror(errno));
	return rb;
}
