/* SPDX-License-Identifier: BSD-2-Clause */
/* randomx_detect.c - user side of randomx_detect.bpf.c: checks, loading, events, re-arming,
 * and the optional per-CPU kickers that make every CPU switch out regularly. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "randomx_detect.h"
#include "percpu.h"

int randomx_supported(void)
{
#if defined(__x86_64__)
	return 1;
#else
	return 0;
#endif
}

#if defined(__x86_64__)

#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <time.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "bpf_load.h"
#include "randomx_detect.skel.h"

#define VMLINUX_BTF "/sys/kernel/btf/vmlinux"
#define FPU_TP "x86_fpu_regs_deactivated"

struct kicker {
	pthread_t th;
	int cpu;
	int started;
	long phase_ns;
	const struct randomx_watch *w;
};

struct randomx_watch {
	struct randomx_detect_bpf *skel;
	struct ring_buffer *rb;
	randomx_cb cb;
	void *ctx;
	atomic_int stop;          /* tells the kickers to return */
	long kick_ns;             /* kicker period */
	struct kicker *kickers;
	int nkickers;
};

/* Says what is missing before libbpf would fail with a bare errno. */
int randomx_check_kernel(char *err, size_t errlen)
{
	struct btf *btf;
	int e, found;

	if (access(VMLINUX_BTF, R_OK)) {
		e = -errno;
		snprintf(err, errlen, "failed to read kernel BTF %s: %s (needs CONFIG_DEBUG_INFO_BTF)",
			 VMLINUX_BTF, strerror(-e));
		return e;
	}
	btf = btf__load_vmlinux_btf();
	if (!btf) {
		e = -errno;
		snprintf(err, errlen, "failed to load kernel BTF: %s", strerror(-e));
		return e;
	}
	found = btf__find_by_name_kind(btf, "btf_trace_" FPU_TP, BTF_KIND_TYPEDEF) >= 0;
	btf__free(btf);
	if (!found) {
		snprintf(err, errlen, "tracepoint x86_fpu:" FPU_TP " missing from the kernel");
		return -ENOENT;
	}
	return 0;
}

static int check_opts(const struct randomx_watch_opts *o, char *err, size_t errlen)
{
	if (o->nscopes > NM_SCOPE_MAX || (o->nscopes && !o->scopes)) {
		snprintf(err, errlen, "at most %d scopes", NM_SCOPE_MAX);
		return o->nscopes > NM_SCOPE_MAX ? -E2BIG : -EINVAL;
	}
	if (o->window_ns && (o->window_ns < NM_RANDOMX_WINDOW_MIN_NS ||
			     o->window_ns > NM_RANDOMX_WINDOW_MAX_NS)) {
		snprintf(err, errlen, "RandomX window must be between 1 ms and 1 h");
		return -EINVAL;
	}
	if (o->kick_hz > NM_RANDOMX_KICK_HZ_MAX) {
		snprintf(err, errlen, "RandomX kick rate must be at most %u Hz", NM_RANDOMX_KICK_HZ_MAX);
		return -E2BIG;
	}
	if (o->min_modes > 3) {
		snprintf(err, errlen, "RandomX min_modes must be between 1 and 3");
		return -EINVAL;
	}
	if (!o->cb) {
		snprintf(err, errlen, "no callback");
		return -EINVAL;
	}
	return 0;
}

static int on_event(void *ctx, void *data, size_t size)
{
	struct randomx_watch *w = ctx;

	if (size >= sizeof(struct randomx_event))
		w->cb(data, w->ctx);
	return 0;
}

static void timespec_add(struct timespec *t, long ns)
{
	t->tv_nsec += ns;
	while (t->tv_nsec >= 1000000000L) {
		t->tv_nsec -= 1000000000L;
		t->tv_sec++;
	}
}

/* A CPU-bound task alone on its CPU is switched out only when something else
 * wants the CPU: a few times a second on an idle machine, too rarely to see
 * its rounding mode. A real-time thread waking on that CPU always preempts
 * it, so every CPU's task is sampled kick_hz times a second whatever the load. */
static void *kick_loop(void *arg)
{
	struct kicker *k = arg;
	struct sched_param sp = { .sched_priority = 1 };
	struct timespec t, now;
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(k->cpu, &set);
	pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
	/* no RT allowed (RT group scheduling, say): the strongest fair weight */
	if (pthread_setschedparam(pthread_self(), SCHED_FIFO, &sp))
		setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), -20);
	clock_gettime(CLOCK_MONOTONIC, &t);
	timespec_add(&t, k->phase_ns);
	while (!atomic_load(&k->w->stop)) {
		timespec_add(&t, k->w->kick_ns);
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec > t.tv_sec + 1)   /* fell far behind (suspend): no catching up */
			t = now;
		clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &t, NULL);
	}
	return NULL;
}

static void kickers_stop(struct randomx_watch *w)
{
	atomic_store(&w->stop, 1);
	for (int i = 0; i < w->nkickers; i++)
		if (w->kickers[i].started)
			pthread_join(w->kickers[i].th, NULL);
	free(w->kickers);
	w->kickers = NULL;
	w->nkickers = 0;
}

/* One kicker per CPU this process may run on, phases spread over the period. */
static int kickers_start(struct randomx_watch *w, unsigned int hz, char *err, size_t errlen)
{
	sigset_t all, old;
	cpu_set_t cpus;
	int n, e = 0;

	if (sched_getaffinity(0, sizeof(cpus), &cpus)) {
		e = errno;
		snprintf(err, errlen, "failed to read CPU affinity: %s", strerror(e));
		return -e;
	}
	n = CPU_COUNT(&cpus);
	w->kickers = calloc((size_t)n, sizeof(*w->kickers));
	if (!w->kickers) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	w->kick_ns = 1000000000L / (long)hz;
	/* the daemon's signals stay with its own threads */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	for (int cpu = 0; cpu < CPU_SETSIZE && w->nkickers < n && !e; cpu++) {
		struct kicker *k = &w->kickers[w->nkickers];

		if (!CPU_ISSET(cpu, &cpus))
			continue;
		k->cpu = cpu;
		k->w = w;
		k->phase_ns = w->kick_ns * w->nkickers / n;
		e = pthread_create(&k->th, NULL, kick_loop, k);
		k->started = !e;
		w->nkickers++;
		if (!e)
			pthread_setname_np(k->th, "nomine-kick");
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (e) {
		/* pthread_create returns its (positive) errno */
		snprintf(err, errlen, "failed to start RandomX kicker thread: %s", strerror(e));
		return -e;
	}
	return 0;
}

static int attach(struct randomx_watch *w, char *err, size_t errlen)
{
	struct randomx_detect_bpf *s = w->skel;
	int e;

	s->links.fpu_switch_out = bpf_program__attach(s->progs.fpu_switch_out);
	if (!s->links.fpu_switch_out) {
		e = -errno;
		snprintf(err, errlen, "failed to attach tp_btf/" FPU_TP ": %s", strerror(-e));
		return e;
	}
	s->links.proc_exit = bpf_program__attach(s->progs.proc_exit);
	if (!s->links.proc_exit) {
		e = -errno;
		snprintf(err, errlen, "failed to attach tp_btf/sched_process_exit: %s", strerror(-e));
		return e;
	}
	s->links.proc_exec = bpf_program__attach(s->progs.proc_exec);
	if (!s->links.proc_exec) {
		e = -errno;
		snprintf(err, errlen, "failed to attach tp_btf/sched_process_exec: %s", strerror(-e));
		return e;
	}
	return 0;
}

static int load(struct randomx_watch *w, const struct randomx_watch_opts *o, char *err,
		size_t errlen)
{
	int e;

	w->skel = randomx_detect_bpf__open();
	if (!w->skel) {
		e = -errno;
		snprintf(err, errlen, "failed to open RandomX program: %s", strerror(-e));
		return e;
	}
	for (unsigned int i = 0; i < o->nscopes; i++)
		((struct nm_scope *)w->skel->rodata->scopes)[i] = o->scopes[i];
	w->skel->rodata->nscopes = o->nscopes;
	w->skel->rodata->threshold = o->threshold ? o->threshold : NM_RANDOMX_DEFAULT_THRESHOLD;
	w->skel->rodata->window_ns = o->window_ns ? o->window_ns
						  : NM_RANDOMX_DEFAULT_WINDOW_MS * 1000000ull;
	w->skel->rodata->min_modes = o->min_modes ? o->min_modes : NM_RANDOMX_DEFAULT_MIN_MODES;
	e = bpf_load_object(w->skel->obj, "RandomX program", err, errlen);
	if (e)
		return e;
	return attach(w, err, errlen);
}

struct randomx_watch *randomx_watch_open(const struct randomx_watch_opts *o, char *err,
					 size_t errlen)
{
	struct randomx_watch *w;
	int e;

	if ((e = check_opts(o, err, errlen)) || (e = randomx_check_kernel(err, errlen))) {
		errno = -e;
		return NULL;
	}
	w = calloc(1, sizeof(*w));
	if (!w) {
		snprintf(err, errlen, "out of memory");
		errno = ENOMEM;
		return NULL;
	}
	w->cb = o->cb;
	w->ctx = o->ctx;
	atomic_init(&w->stop, 0);
	e = load(w, o, err, errlen);
	if (e)
		goto fail;
	w->rb = bpf_load_ring(w->skel->maps.events, on_event, w, err, errlen);
	if (!w->rb) {
		e = -errno;
		goto fail;
	}
	if (o->kick_hz && (e = kickers_start(w, o->kick_hz, err, errlen)))
		goto fail;
	return w;
fail:
	randomx_watch_close(w);
	errno = -e;
	return NULL;
}

void randomx_watch_close(struct randomx_watch *w)
{
	if (!w)
		return;
	kickers_stop(w);
	ring_buffer__free(w->rb);
	if (w->skel)
		bpf_load_forget(w->skel->obj);
	randomx_detect_bpf__destroy(w->skel);
	free(w);
}

int randomx_watch_fd(const struct randomx_watch *w)
{
	return ring_buffer__epoll_fd(w->rb);
}

int randomx_watch_drain(struct randomx_watch *w)
{
	int n = ring_buffer__consume(w->rb);

	return n < 0 ? n : 0;
}

int randomx_watch_rearm(struct randomx_watch *w, uint32_t tgid)
{
	/* The mark first: with the counts cleared first, a switch-out in
	 * between could recreate the entry, cross, find the old mark and
	 * cache "reported" for good. */
	int ret = bpf_map_delete_elem(bpf_map__fd(w->skel->maps.reported), &tgid);

	if (ret && ret != -ENOENT)
		return ret;
	ret = bpf_map_delete_elem(bpf_map__fd(w->skel->maps.procs), &tgid);
	return ret == -ENOENT ? 0 : ret;
}

uint64_t randomx_watch_stat(const struct randomx_watch *w, unsigned int which)
{
	if (which >= NM_RANDOMX_STAT_MAX)
		return 0;
	return percpu_sum(bpf_map__fd(w->skel->maps.stats), which);
}

#else /* !__x86_64__ */

/* MXCSR and the x86_fpu tracepoints exist on x86 only. */
struct randomx_watch {
	int unused;
};

int randomx_check_kernel(char *err, size_t errlen)
{
	snprintf(err, errlen, "RandomX detector needs x86_64");
	return -ENOSYS;
}

struct randomx_watch *randomx_watch_open(const struct randomx_watch_opts *o, char *err,
					 size_t errlen)
{
	(void)o;
	snprintf(err, errlen, "RandomX detector needs x86_64");
	errno = ENOSYS;
	return NULL;
}

void randomx_watch_close(struct randomx_watch *w)
{
	(void)w;
}

int randomx_watch_fd(const struct randomx_watch *w)
{
	(void)w;
	return -ENOSYS;
}

int randomx_watch_drain(struct randomx_watch *w)
{
	(void)w;
	return -ENOSYS;
}

int randomx_watch_rearm(struct randomx_watch *w, uint32_t tgid)
{
	(void)w, (void)tgid;
	return -ENOSYS;
}

uint64_t randomx_watch_stat(const struct randomx_watch *w, unsigned int which)
{
	(void)w, (void)which;
	return 0;
}

#endif
