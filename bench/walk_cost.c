/* SPDX-License-Identifier: BSD-2-Clause */
/* walk_cost.c - the kernel's verdict walk alone, timed through its test
 * entry (BPF_PROG_TEST_RUN) on argv areas shaped as execloop makes them:
 * unlike exec_overhead's run_time_ns of handle_exec, no other process's
 * execs run through it, so two builds compare closely on a busy machine.
 *   walk_cost [CONFIG]     (no CONFIG: the built-in config)
 * Needs root and BPF. Prints, per argv size, the median and the lowest of
 * 7 batches in ns per call and ns per byte, in CPU time of the calling
 * thread (the test runs are charged to it; a busy machine shows less). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "config.h"
#include "exec.h"
#include "kpolicy.h"
#include "lineage.h"
#include "policy.h"

#define BATCHES 7

static void noop(const struct exec_record *h, const uint8_t *a, size_t l, const uint8_t *e,
		 size_t el, int c, void *x)
{
	(void)h, (void)a, (void)l, (void)e, (void)el, (void)c, (void)x;
}

static double now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
	return t.tv_sec * 1e9 + t.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* execloop's argv: the program's path, then arguments of 4096 'p's (the
 * last one shorter) up to about size bytes, each NUL-terminated. */
static size_t argv_area(uint8_t *buf, size_t size)
{
	static const char prog[] = "/tmp/nomine-bench/tiny";
	size_t n = sizeof(prog);

	memcpy(buf, prog, n);
	for (size_t left = size; left > 0;) {
		size_t a = left >= 4097 ? 4096 : left - 1;

		memset(buf + n, 'p', a);
		n += a;
		buf[n++] = 0;
		left -= a + 1;
	}
	return n;
}

static int time_size(struct exec_watch *ew, size_t size, long calls)
{
	uint8_t *buf = malloc(size + 4200);
	double per[BATCHES];
	size_t len;
	int matched, flags;

	if (!buf)
		return 1;
	len = argv_area(buf, size);
	for (long i = 0; i < calls / 10; i++)       /* warm-up */
		exec_watch_test_verdict(ew, buf, len, &matched, &flags);
	for (int b = 0; b < BATCHES; b++) {
		double t0 = now_ns();

		for (long i = 0; i < calls; i++) {
			if (exec_watch_test_verdict(ew, buf, len, &matched, &flags) ||
			    matched != -1) {
				fprintf(stderr, "walk_cost: verdict failed or matched (%d)\n", matched);
				free(buf);
				return 1;
			}
		}
		per[b] = (now_ns() - t0) / calls;
	}
	qsort(per, BATCHES, sizeof(per[0]), cmp_double);
	printf("  walk, argv %6zu B: median %8.0f ns/call %.2f ns/byte, lowest %8.0f ns/call"
	       " %.2f ns/byte\n", len, per[BATCHES / 2], per[BATCHES / 2] / len, per[0],
	       per[0] / len);
	free(buf);
	return 0;
}

int main(int argc, char **argv)
{
	struct exec_watch_opts o = { .cb = noop, .table_cap = 1u << 24, .test_entry = 1,
				     .audit = 1 };
	struct lineage_tracker *lt;
	struct exec_watch *ew;
	struct config cfg = {0};
	struct policy *p;
	struct kpolicy kp;
	char err[CONFIG_ERR_MAX];
	int rc;

	rc = argc > 1 ? config_load(&cfg, argv + 1, 1, err, sizeof(err))
		      : config_load_builtin(&cfg, err, sizeof(err));
	if (rc) {
		fprintf(stderr, "walk_cost: %s\n", err);
		return 2;
	}
	p = policy_build(&cfg, err, sizeof(err));
	if (!p) {
		fprintf(stderr, "walk_cost: %s\n", err);
		return 2;
	}
	lt = lineage_open(NM_LINEAGE_TASK_STORAGE, err, sizeof(err));
	if (lt) {
		o.lineage_fd = lineage_map_fd(lt);
		ew = exec_watch_open(&o, err, sizeof(err));
	}
	if (!lt || !ew || kpolicy_build(p, 1u << 24, 1, &kp)) {
		fprintf(stderr, "walk_cost: BPF or kernel tables unavailable: %s\n", err);
		return 1;
	}
	if (exec_watch_set_tables(ew, &kp.kt)) {
		fprintf(stderr, "walk_cost: tables refused\n");
		return 1;
	}
	rc = time_size(ew, 4096, 20000) || time_size(ew, 131072, 1000);
	kpolicy_free(&kp);
	exec_watch_close(ew);
	lineage_close(lt);
	policy_free(p);
	return rc;
}
