/* SPDX-License-Identifier: BSD-2-Clause */
/* daemon.c - start-up, the event loop (exec events, signals, config
 * changes, timers) and atomic policy swaps on reload (built off the loop
 * by config_loader.c). */
#include <errno.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include "http.h"
#include "respond.h"
#include "resp_sink.h"
#include <sys/timerfd.h>
#include <sys/utsname.h>
#include <unistd.h>
#include <bpf/libbpf.h>
#include <jansson.h>
#include "action.h"
#include "bpf_load.h"
#include "cgroup_kill.h"
#include "cgroupns.h"
#include "config.h"
#include "config_loader.h"
#include "containers.h"
#include "daemon.h"
#include "exe_name.h"
#include "exe_respond.h"
#include "exe_scan.h"
#include "exe_watch.h"
#include "exec.h"
#include "kernel_features.h"
#include "lineage.h"
#include "hold.h"
#include "mono_clock.h"
#include "log.h"
#include "metrics.h"
#include "mono_clock.h"
#include "randomx_detect.h"
#include "randomx_respond.h"
#include "net_detector.h"
#include "policy.h"
#include "proc.h"
#include "scope.h"
#include "sweep.h"
#include "tunables.h"
#include "config_watch.h"


struct daemon {
	const struct daemon_opts *o;
	struct policy *policy;        /* the one in force; swapped whole on reload */
	struct scope scope;
	struct killer killer;
	struct action_ctx act;
	struct lineage_tracker *lt;
	uint64_t collect_at;          /* mono_ns() of the next lineage collection */
	uint64_t collect_every_ms;    /* NM_LINEAGE_COLLECT_MS (tests: faster) */
	uint64_t link_keep_ns;        /* NM_LINK_KEEP_NS (tests: shorter) */
	uint64_t links_lost_seen;
	struct exec_watch *ew;
	struct hold *hold;            /* frozen execs stay stopped against SIGCONT */
	char hold_why[600];
	struct config_watch watch;
	struct config_loader *loader; /* builds reloads off the loop */
	int epfd, sigfd, sweepfd, reloadfd, housefd;
	int reload_pending;
	uint64_t lost_seen;
	uint64_t missed_seen;         /* exec program runs the kernel skipped */
	struct features feat;
	enum verdict_site site;
	const char *site_why;
	char site_why_buf[300];
	uint32_t gen;                 /* generation of the policy in force */
	size_t table_kib;             /* kernel tables in force, 0: none */
	size_t nfallback;
	uint32_t pattern_states;    /* the kernel's banned-pattern DFA, 0: none */
	struct metrics_server *metrics;
	struct randomx_watch *mw;
	unsigned int mw_threshold;     /* settings the RandomX watcher runs with */
	double mw_window_s;
	char mw_err[256];
	struct containers *ctrs;
	/* the executable-bytes detector: its thread and its rules in force */
	struct exe_watch *xw;
	struct exe_respond xr;
	struct exe_rules *xrules;
	char xw_why[128];
	char unified_mount[4096], freezer_mount[4096];
	uint32_t exempt_gen;          /* bumped when exemptions may have changed */
	/* tests only (NOMINE_TEST_LOSE_FROZEN=1): act as if the records of
	 * every exec the kernel froze were lost, to prove they are recovered */
	int test_lose_frozen;
	uint64_t reloads_ok, reloads_refused;
	int last_reload_ok;           /* the last reload (or the start) applied */
	/* Each detector's variant, and why it is not the best one (empty when
	 * it is); refused: the kernel had the features and still said no. */
	enum exec_variant exec_var;
	char exec_why[600];
	int exec_refused;
	char lineage_why[600];
	int lineage_refused;
	int randomx_refused;
	int randomx_possible;         /* x86_64 with the tracepoint */
	struct net_detector net;      /* banned addresses */
	struct net_list net_first;    /* the start-up config's, until the detector opens */
	struct responder *resp;       /* what follows a kill (respond.h) */
};

struct policy *daemon_load_policy(const struct daemon_opts *o, char *err, size_t errlen)
{
	return config_loader_policy(o->configs, o->nconfigs, err, errlen);
}

static void on_exec(const struct exec_record *h, const uint8_t *argv, size_t len,
		    const uint8_t *env, size_t env_len, int complete, void *ctx)
{
	struct daemon *d = ctx;
	struct subject s = {
		.tgid = (pid_t)h->tgid, .ppid = (pid_t)h->ppid, .uid = h->uid,
		.start_ticks = proc_ns_to_ticks(h->start_ns), .exec_id = h->exec_id,
		.exe = h->filename, .source = "exec",
		.in_scope = (h->flags & NM_EXEC_IN_SCOPE) ? 1 : 0,
		.kflags = h->flags, .cgroup_id = h->cgroup_id, .cgroup1_id = h->cgroup1_id,
		.env = env, .env_len = env_len, .seen_ns = h->exec_ns,
	};
	uint8_t *line = NULL, *fallback = NULL;
	char exe_name[NM_EXE_NAME_MAX];
	size_t n;
	int exe;

	s.exe_id = &h->exe;
	/* an fd exec's own name (/dev/fd/3) is kept beside the file's */
	if (exe_name_format(h, exe_name, sizeof(exe_name))) {
		s.exe = exe_name;
		s.exec_path = h->filename;
	}
	if (d->test_lose_frozen && h->flags & NM_EXEC_FROZEN)
		return;
	if (complete) {
		line = malloc(len ? len : 1);
		if (!line) {
			d->act.stats.errors++;
			return;
		}
		memcpy(line, argv, len);
		n = policy_cmdline(line, len);
	} else if (!proc_read_file(s.tgid, "cmdline", &fallback, &n)) {
		struct nm_frozen f;

		/* The kernel's copy was lost; if the kernel held the process
		 * for it, the process has not run and /proc has its argv. */
		if (!exec_watch_frozen_get(d->ew, s.tgid, &f) && f.unjudged &&
		    f.start_ns == h->start_ns)
			s.kflags |= NM_EXEC_UNJUDGED;
		line = fallback;
		n = policy_cmdline(line, n);
		s.argv_source = "proc";
	} else {
		/* Gone too (killed at exec, most likely): what the kernel's records
		 * brought is all there is, and the kill is still worth a line. */
		line = malloc(len ? len : 1);
		if (!line) {
			d->act.stats.errors++;
			return;
		}
		memcpy(line, argv, len);
		n = policy_cmdline(line, len);
		s.argv_source = "kernel-partial";
	}
	/* the file's scan, and the verdict on a file known bad */
	exe = d->xw ? exe_respond_exec(&d->xr, h, &s, complete ? argv : NULL, len, line, n) : 0;
	if (exe == 0)
		action_judge(&d->act, d->policy, &s, line, n);
	free(line);
}

static void on_randomx(const struct randomx_event *ev, void *ctx)
{
	struct daemon *d = ctx;

	randomx_respond(&d->act, d->policy, ev);
}

/* Container settings of cfg, to take effect together with its policy. */
static int configure_containers(struct daemon *d, const struct config *cfg, char *err,
				size_t errlen)
{
	int rc = containers_configure(d->ctrs, cfg, err, errlen);

	if (rc < 0)
		return rc;
	d->act.ctr_kill_after = cfg->container_kill_after;
	d->act.ctr_kill_window = config_number(cfg, "containerKillWindowSeconds");
	return 0;
}

/* The kernel forgets every cgroup class (a new generation) and learns
 * whether exemptions are on. */
static void install_exemptions(struct daemon *d)
{
	if (!d->ew)
		return;
	d->exempt_gen++;
	exec_watch_set_exempt(d->ew, containers_exemptions_on(d->ctrs), d->exempt_gen);
}

static int frozen_done(void *ctx, pid_t tgid, uint64_t exec_id)
{
	struct daemon *d = ctx;

	return d->ew ? exec_watch_frozen_done(d->ew, tgid, exec_id) : 1;
}

/* A process the kernel froze whose records never arrived (or whose verdict
 * stopped half-way): judge it from /proc now, as its exec would have been. */
static void decide_stale_frozen(pid_t tgid, const struct nm_frozen *f, void *ctx)
{
	struct daemon *d = ctx;
	struct subject s = {
		.tgid = tgid, .start_ticks = proc_ns_to_ticks(f->start_ns), .source = "exec",
		.in_scope = 1,
		.kflags = f->unjudged ? NM_EXEC_UNJUDGED | NM_EXEC_IN_SCOPE :
			  NM_EXEC_KJUDGED | NM_EXEC_FROZEN | NM_EXEC_IN_SCOPE,
		.cgroup_id = f->cgroup_id, .cgroup1_id = f->cgroup1_id, .argv_source = "proc",
		.seen_ns = f->at_ns,      /* frozen at its exec */
		.exec_id = f->exec_id,
	};
	struct proc_stat st;
	uint8_t *line;
	size_t n;

	/* the note stays through a kill (the judge forgets it after the
	 * kill, or before resuming) */
	if (proc_read_stat(tgid, &st) || st.start_ticks != s.start_ticks ||
	    containers_read_proc(tgid, s.start_ticks, "cmdline", 0, &line, &n)) {
		exec_watch_frozen_done(d->ew, tgid, f->exec_id);
		return;          /* gone: nothing left frozen */
	}
	s.ppid = st.ppid;
	if (proc_read_uid(tgid, &s.uid))
		s.uid = 0;
	n = policy_cmdline(line, n);
	action_judge(&d->act, d->policy, &s, line, n);
	free(line);
	/* whatever the verdict did (a later exec's note stays) */
	exec_watch_frozen_done(d->ew, tgid, f->exec_id);
}

static void classify(void *ctx, uint64_t cgroup_id, int exempt)
{
	struct daemon *d = ctx;

	if (d->ew)
		exec_watch_classify(d->ew, cgroup_id, exempt ? NM_CG_EXEMPT : NM_CG_ENFORCE,
				    d->exempt_gen);
}

/* (Re)starts the RandomX watcher when its settings differ from the config's:
 * they are constants of the loaded program. Returns 1 if it (re)opened. */
static int open_randomx(struct daemon *d)
{
	const struct config *cfg = policy_config(d->policy);
	unsigned int thr = (unsigned int)config_number(cfg, "moneroThreshold");
	double win = config_number(cfg, "moneroWindowSeconds");
	struct randomx_watch_opts mo = {
		.scopes = d->scope.kernel, .nscopes = d->scope.n, .threshold = thr,
		.window_ns = (uint64_t)(win * 1e9), .cb = on_randomx, .ctx = d,
		/* a miner alone on an idle CPU is seldom switched out, and MXCSR
		 * is only seen at switch-out: wake a real-time thread per CPU */
		.kick_hz = NM_RANDOMX_DEFAULT_KICK_HZ,
	};

	if (d->mw && thr == d->mw_threshold && win == d->mw_window_s)
		return 0;
	randomx_watch_close(d->mw);
	d->mw = randomx_watch_open(&mo, d->mw_err, sizeof(d->mw_err));
	d->mw_threshold = thr;
	d->mw_window_s = win;
	if (!d->mw)
		log_msg("warning", "RandomX detector unavailable: %s", d->mw_err);
	return d->mw != NULL;
}

static void log_verdict_site(struct daemon *d, json_t *o)
{
	log_set_str(o, "verdict", features_site_name(d->site));
	if (d->site_why)
		log_set_str(o, "verdict_why", d->site_why);
	log_set_int(o, "kernel_tables_kib", (long long)d->table_kib);
	log_set_int(o, "allow_patterns_in_user_space", (long long)d->nfallback);
	log_set_int(o, "pattern_dfa_states", (long long)d->pattern_states);
}

/* Swaps the tables t made (config_loader_tables; the map is taken) of the
 * policy in force into the kernel, or takes the kernel's tables out when
 * there are none: then every exec is judged in user space. The caller has
 * already made that policy the user-space one, so each exec is judged by
 * the old or the new config, never by neither. */
static void install_tables(struct daemon *d, struct ready_tables *t)
{
	bool fit = false;
	int ret;

	if (!d->ew)
		return;
	d->nfallback = t->nfallback;
	d->pattern_states = 0;
	d->table_kib = 0;
	d->site_why_buf[0] = '\0';
	if (d->exec_var == EXEC_VERDICT && t->ok) {
		ret = exec_watch_swap_tables(d->ew, t->fd);
		t->ok = 0;
		fit = ret == 0;
		if (ret)
			snprintf(d->site_why_buf, sizeof(d->site_why_buf),
				 "failed to install kernel tables: %s", strerror(-ret));
		d->gen = t->gen;
		d->table_kib = fit ? t->size / 1024 : 0;
		d->pattern_states = fit ? t->pattern_states : 0;
	} else if (d->exec_var == EXEC_VERDICT) {
		snprintf(d->site_why_buf, sizeof(d->site_why_buf), "%s", t->why);
	}
	if (!fit && d->exec_var == EXEC_VERDICT)
		exec_watch_set_tables(d->ew, NULL);
	d->site = features_select(&d->feat, d->exec_var, fit, &d->site_why);
	if (d->site == SITE_USER && d->site_why_buf[0])
		d->site_why = d->site_why_buf;
	else if (d->site == SITE_USER && d->exec_why[0])
		d->site_why = d->exec_why;
}

/* Where container metadata comes from and what acts on containers: an
 * operator sees at start whether the state dirs are the host's. */
static void log_containers(struct daemon *d, json_t *o)
{
	const struct rt_dirs *dirs = containers_dirs(d->ctrs);
	json_t *c = json_object();

	log_set_str(c, "containerd_state", dirs->containerd);
	log_set_str(c, "crio_state", dirs->crio);
	log_set_str(c, "docker_state", dirs->docker);
	log_set_str(c, "cgroup_v2", d->unified_mount);
	log_set_str(c, "cgroup_v1_freezer", d->freezer_mount);
	json_object_set_new(c, "exemptions", json_boolean(containers_exemptions_on(d->ctrs)));
	log_set_int(c, "container_kill_after", d->act.ctr_kill_after);
	json_object_set_new(o, "containers", c);
}

static const char *lineage_variant(const struct daemon *d)
{
	return lineage_kind_name(lineage_kind(d->lt));
}

static const char *randomx_variant(const struct daemon *d)
{
	return d->mw ? "mxcsr" : d->o->no_randomx ? "disabled" : "none";
}

static const char *exec_variant(const struct daemon *d)
{
	return d->o->no_exec ? "disabled" : features_exec_variant_name(d->exec_var);
}

static void log_detector(json_t *dets, const char *name, const char *variant, const char *why,
			 int refused)
{
	json_t *o = json_object();

	log_set_str(o, "variant", variant);
	if (why && why[0])
		log_set_str(o, "why", why);
	if (refused)
		json_object_set_new(o, "refused", json_true());
	json_object_set_new(dets, name, o);
}

/* How many networks and domains are banned, from how many address files;
 * the scan settings' sizes. */
static void log_net_counts(struct daemon *d, json_t *o)
{
	log_set_int(o, "banned_addresses_ipv4", (long long)d->net.list.n4);
	log_set_int(o, "banned_addresses_ipv6", (long long)d->net.list.n6);
	log_set_int(o, "banned_address_files", (long long)d->net.list.naddr_files);
	/* scan detection: 0 is off */
	log_set_int(o, "unique_destinations_threshold", d->net.list.scan.threshold);
	log_set_int(o, "uncounted_networks", (long long)d->net.list.scan.nuncounted);
	log_set_int(o, "pool_ports", (long long)d->net.list.scan.npool_ports);
	log_set_int(o, "banned_domains", (long long)d->net.list.domains.n);
}

static void log_features(struct daemon *d)
{
	json_t *o = json_object(), *f = json_object(), *sc = json_array();
	json_t *dets = json_object(), *progs = json_object();
	const struct prog_cost *pc;
	size_t npc = bpf_load_costs(&pc);
	struct utsname u;

	uname(&u);
	log_set_str(o, "version", NOMINE_VERSION);
	log_set_str(o, "kernel", u.release);
	json_object_set_new(f, "exec_detector", json_boolean(d->ew != NULL));
	json_object_set_new(f, "kernel_lineage", json_boolean(d->lt != NULL));
	json_object_set_new(f, "btf", json_boolean(d->feat.btf));
	json_object_set_new(f, "ringbuf", json_boolean(d->feat.ringbuf));
	json_object_set_new(f, "task_storage", json_boolean(d->feat.task_storage));
	json_object_set_new(f, "bpf_loop", json_boolean(d->feat.bpf_loop));
	json_object_set_new(f, "map_in_map", json_boolean(d->feat.map_in_map));
	json_object_set_new(f, "randomx_detector", json_boolean(d->mw != NULL));
	if (*cgroupns_base())
		log_set_str(f, "cgroup_namespace_base", cgroupns_base());
	if (d->mw) {
		log_set_int(o, "randomx_threshold", d->mw_threshold);
		json_object_set_new(o, "randomx_window_seconds", json_real(d->mw_window_s));
	}
	log_detector(dets, "exec", exec_variant(d), d->exec_why,
		     d->exec_refused);
	log_detector(dets, "lineage", lineage_variant(d), d->lineage_why, d->lineage_refused);
	log_detector(dets, "hold", d->hold ? "fexit" : "none", d->hold_why, 0);
	log_detector(dets, "randomx", randomx_variant(d), d->mw ? NULL : d->mw_err,
		     d->randomx_refused);
	log_detector(dets, "executable", d->xw ? "scan" : "none", d->xw_why, 0);
	log_detector(dets, "network", net_detector_variant(&d->net), d->net.why, d->net.refused);
	json_object_set_new(f, "detectors", dets);
	for (size_t i = 0; i < npc; i++) {
		json_t *p = json_object();

		log_set_int(p, "verified_insns", pc[i].verified_insns);
		log_set_int(p, "load_ms", (pc[i].load_us + 500) / 1000);
		if (pc[i].verify_us)
			log_set_int(p, "verify_ms", (pc[i].verify_us + 500) / 1000);
		json_object_set_new(progs, pc[i].name, p);
	}
	json_object_set_new(f, "programs", progs);
	json_object_set_new(o, "features", f);
	log_set_int(o, "banned_strings", (long long)policy_nbanned(d->policy));
	log_set_int(o, "banned_patterns", (long long)policy_nbanned_patterns(d->policy));
	log_set_int(o, "allowed_patterns", (long long)policy_npatterns(d->policy));
	log_net_counts(d, o);
	log_set_str(o, "mode", d->o->audit ? "audit" : "enforce");
	log_verdict_site(d, o);
	for (unsigned int i = 0; i < d->scope.n; i++)
		json_array_append_new(sc, json_string(d->scope.paths[i]));
	json_object_set_new(o, "scope", sc);
	log_set_int(o, "sweep_interval", d->o->sweep_interval);
	log_containers(d, o);
	log_emit_event(o, "info", "nomine started");
}

static struct exec_watch *open_exec(struct daemon *d, enum exec_variant v, char *err,
				    size_t errlen)
{
	int spills_fd = -1, lost_fd = -1;
	struct exec_watch_opts eo = {
		.scopes = d->scope.kernel, .nscopes = d->scope.n,
		.report_all = d->o->debug, .cb = on_exec, .ctx = d,
		.audit = d->o->audit, .table_cap = d->o->table_cap,
		.verdict = v == EXEC_VERDICT, .lineage_kind = (int)lineage_kind(d->lt),
		/* tests only: a verdict program the verifier refuses */
		.test_refuse = getenv("NOMINE_TEST_REFUSE_VERDICT") &&
			       !strcmp(getenv("NOMINE_TEST_REFUSE_VERDICT"), "1"),
		/* tests only: every walk ends without a verdict */
		.test_unjudged = getenv("NOMINE_TEST_UNJUDGED") &&
				 !strcmp(getenv("NOMINE_TEST_UNJUDGED"), "1"),
		.lineage_fd = d->lt ? lineage_map_fd(d->lt) : -1,
		.lineage_spill_fd = d->lt ? lineage_spill_fd(d->lt, &spills_fd) : -1,
		.lineage_links_fd = d->lt ? lineage_links_fd(d->lt, &lost_fd) : -1,
	};

	eo.lineage_spills_fd = spills_fd;
	eo.lineage_links_lost_fd = lost_fd;
	return exec_watch_open(&eo, err, errlen);
}

/* The hold program, where the exec program can freeze. Without it (no BPF
 * trampolines) a frozen process runs when someone sends it SIGCONT: said
 * once, and the daemon goes on. */
static void open_hold(struct daemon *d)
{
	char err[600];

	if (!d->ew || d->o->audit) {
		snprintf(d->hold_why, sizeof(d->hold_why), "%s",
			 d->ew ? "audit mode: nothing is frozen" : "needs the exec detector");
		return;
	}
	/* tests only: a kernel without BPF trampolines */
	if (getenv("NOMINE_TEST_NO_HOLD") && !strcmp(getenv("NOMINE_TEST_NO_HOLD"), "1"))
		snprintf(err, sizeof(err), "NOMINE_TEST_NO_HOLD=1");
	else
		d->hold = hold_open(exec_watch_frozen_fd(d->ew), err, sizeof(err));
	if (d->hold)
		return;
	snprintf(d->hold_why, sizeof(d->hold_why), "%s", err);
	log_msg("warning", "frozen execs can be resumed by SIGCONT on this kernel (hold program "
		"unavailable: %s): a process held for a user-space decision may run before it",
		err);
}

/* Kernel parts, each on its own: lineage first (it owns the shared map),
 * then the best exec program this kernel takes, then the RandomX detector.
 * A refused program costs only its own detector (or variant), said once. */
/* The executable rules of the policy in force (r, taken; NULL: they could
 * not be built, err says why). Rules that judge files differently make
 * every file new again: the kernel forgets which files it sent and which
 * it found bad, and user space its results. */
static void install_exe_rules(struct daemon *d, struct exe_rules *r, const char *err)
{
	if (!d->xw) {
		exe_rules_put(r);
		return;
	}
	if (!r) {
		log_msg("error", "executable rules: %s; keeping the previous ones", err);
		return;
	}
	if (exe_watch_set_rules(d->xw, r) && d->ew && d->xrules) {
		exec_watch_exe_forget_bad(d->ew);
		exec_watch_exe_unsee_all(d->ew);
	}
	exe_rules_put(d->xrules);
	d->xrules = r;
}

/* The executable-bytes detector rides on the exec program's records. */
static void open_executable(struct daemon *d)
{
	char err[CONFIG_ERR_MAX];
	struct exe_rules *xrules;

	if (d->o->no_executable) {
		snprintf(d->xw_why, sizeof(d->xw_why), "disabled (--disable executable)");
		return;
	}
	if (!d->ew) {
		snprintf(d->xw_why, sizeof(d->xw_why), "needs the exec detector");
		log_msg("warning", "executable detector unavailable: it needs the exec detector");
		return;
	}
	d->xr = (struct exe_respond){ .act = &d->act, .ew = d->ew, .policy = &d->policy,
				      .rules = &d->xrules };
	d->xw = exe_watch_open(exe_respond_result, &d->xr);
	if (!d->xw) {
		snprintf(d->xw_why, sizeof(d->xw_why), "scanner thread: %s", strerror(errno));
		log_msg("error", "executable detector unavailable: %s", d->xw_why);
		return;
	}
	d->xr.xw = d->xw;
	d->act.describe_exe = exe_respond_describe;
	d->act.describe_ctx = &d->xr;
	xrules = exe_rules_build(policy_config(d->policy), err, sizeof(err));
	install_exe_rules(d, xrules, err);
}

/* The network detector, at the --scope-cgroup cgroups (the root without). */
static void open_network(struct daemon *d)
{
	struct net_watch_opts no = {
		.mount = d->scope.mount, .scopes = d->scope.paths, .nscopes = d->scope.n,
		.audit = d->o->audit,
		/* tests only: the variant of kernels that cannot name the caller */
		.no_caller = getenv("NOMINE_TEST_NET_NO_CALLER") &&
			     !strcmp(getenv("NOMINE_TEST_NET_NO_CALLER"), "1"),
	};

	/* tests only: the packet program's variants of older kernels */
	struct wire_watch_opts wo = {
		.no_signal = getenv("NOMINE_TEST_WIRE_NO_SIGNAL") &&
			     !strcmp(getenv("NOMINE_TEST_WIRE_NO_SIGNAL"), "1"),
		.no_task = getenv("NOMINE_TEST_WIRE_NO_TASK") &&
			   !strcmp(getenv("NOMINE_TEST_WIRE_NO_TASK"), "1"),
	};

	d->net.disabled = d->o->no_network;
	/* exemptions in the kernel come from the exec detector's classes:
	 * without it an exempt container's banned call is refused, and only
	 * the kill is spared (in user space) */
	if (d->ew)
		exec_watch_exempt_fds(d->ew, &no.exempt_class_fd, &no.exempt_cfg_fd);
	net_detector_open(&d->net, &no, &d->net_first, &d->act, &d->policy, &wo);
}

static void open_bpf(struct daemon *d)
{
	enum nm_lineage_kind kind;
	enum exec_variant want;
	const char *why;
	char err[600];

	features_probe(&d->feat);
	/* tests only: collections in seconds, and of links of any age */
	d->collect_every_ms = getenv("NOMINE_TEST_LINEAGE_COLLECT_MS") ?
			      strtoull(getenv("NOMINE_TEST_LINEAGE_COLLECT_MS"), NULL, 10) :
			      NM_LINEAGE_COLLECT_MS;
	d->link_keep_ns = getenv("NOMINE_TEST_LINEAGE_KEEP_MS") ?
			  strtoull(getenv("NOMINE_TEST_LINEAGE_KEEP_MS"), NULL, 10) * 1000000ull :
			  NM_LINK_KEEP_NS;

	kind = features_lineage_kind(&d->feat, &why);
	/* tests only: the pid-keyed lineage of kernels without task storage,
	 * exercised on a kernel that has it */
	if (kind == NM_LINEAGE_TASK_STORAGE && getenv("NOMINE_TEST_LINEAGE") &&
	    !strcmp(getenv("NOMINE_TEST_LINEAGE"), "pid-map")) {
		kind = NM_LINEAGE_PID_MAP;
		why = "NOMINE_TEST_LINEAGE=pid-map";
	}
	snprintf(d->lineage_why, sizeof(d->lineage_why), "%s", why ? why : "");
	if (kind != NM_LINEAGE_NONE) {
		d->lt = lineage_open(kind, err, sizeof(err));
		if (!d->lt) {
			snprintf(d->lineage_why, sizeof(d->lineage_why), "%s", err);
			d->lineage_refused = 1;
		}
		/* task storage refused: the pid map of older kernels still works */
		if (!d->lt && kind == NM_LINEAGE_TASK_STORAGE) {
			d->lt = lineage_open(NM_LINEAGE_PID_MAP, err, sizeof(err));
			if (!d->lt) {
				size_t used = strlen(d->lineage_why);

				snprintf(d->lineage_why + used, sizeof(d->lineage_why) - used,
					 "; then %s", err);
			}
		}
	}
	if (!d->lt)
		log_msg("warning", "kernel lineage unavailable (%s): descendants are found from "
			"/proc, and one that left its parent before the kill can escape",
			d->lineage_why);
	d->killer.lt = d->lt;

	want = features_exec_variant(&d->feat, d->o->user_verdict, &why);
	snprintf(d->exec_why, sizeof(d->exec_why), "%s", why ? why : "");
	if (d->o->no_exec) {
		want = EXEC_NONE;
		snprintf(d->exec_why, sizeof(d->exec_why), "disabled (--disable exec)");
	}
	if (want == EXEC_VERDICT) {
		d->ew = open_exec(d, EXEC_VERDICT, err, sizeof(err));
		if (!d->ew) {
			snprintf(d->exec_why, sizeof(d->exec_why), "%s", err);
			d->exec_refused = 1;
			log_msg("warning", "exec verdict in the kernel unavailable (%s): capturing argv "
				"for a verdict in user space, after exec", err);
			want = EXEC_CAPTURE;
		}
	}
	if (!d->ew && want == EXEC_CAPTURE) {
		d->ew = open_exec(d, EXEC_CAPTURE, err, sizeof(err));
		if (!d->ew) {
			size_t used = strlen(d->exec_why);

			snprintf(d->exec_why + used, sizeof(d->exec_why) - used, "%s%s",
				 used ? "; then " : "", err);
			d->exec_refused = 1;
			want = EXEC_NONE;
		}
	}
	d->exec_var = d->ew ? want : EXEC_NONE;
	open_hold(d);
	if (!d->ew && !d->o->no_exec)
		log_msg("error", "exec detector unavailable (%s): only /proc sweeps every %u s will "
			"catch banned commands", d->exec_why, d->o->sweep_interval);

	/* a kernel without what it needs is not a refusal, and is not asked
	 * again at every reload */
	if (d->o->no_randomx)
		snprintf(d->mw_err, sizeof(d->mw_err), "disabled (--disable randomx)");
	else
		d->randomx_possible = randomx_supported() &&
				      !randomx_check_kernel(d->mw_err, sizeof(d->mw_err));
	if (!d->o->no_randomx) {
		if (!d->randomx_possible)
			log_msg("warning", "RandomX detector unavailable: %s", d->mw_err);
		else if (!open_randomx(d))
			d->randomx_refused = 1;
	}

	open_executable(d);
	open_network(d);
	if (d->ew) {
		struct ready_tables t = {0};

		install_exemptions(d);
		if (d->exec_var == EXEC_VERDICT)
			config_loader_tables(&t, d->policy, d->o->table_cap, d->gen + 1,
					     exec_tables_fill);
		install_tables(d, &t);
		if (d->site == SITE_USER && d->exec_var == EXEC_VERDICT)
			log_msg("warning", "verdicts taken in user space, after exec (%s)", d->site_why);
	} else {
		d->site = features_select(&d->feat, EXEC_NONE, false, &d->site_why);
		d->site_why = d->exec_why;
	}
}

/* The detector that keeps nomine from being ready, or NULL: one this kernel
 * has the features for that is not attached, or that runs a fallback
 * because the kernel refused its best program. One the kernel cannot run
 * at all does not count. *why: the reason the start-up line gives. Both
 * /readyz and NOMINE_REQUIRE_BPF (CI) ask this. */
static const char *unready_detector(const struct daemon *d, const char **why)
{
	const char *w;

	if (!d->o->no_exec && features_exec_variant(&d->feat, d->o->user_verdict, &w) != d->exec_var) {
		*why = d->exec_why;
		return "exec";
	}
	if (d->lineage_refused || (!d->lt && features_lineage_kind(&d->feat, &w) != NM_LINEAGE_NONE)) {
		*why = d->lineage_why;
		return "lineage";
	}
	/* a reload that reopened the watcher and failed leaves it detached */
	if (d->randomx_refused || (d->randomx_possible && !d->mw)) {
		*why = d->mw_err;
		return "randomx";
	}
	/* connect-deny is what a kernel without the caller's pid in cgroup
	 * programs can do: a fallback of the kernel, not a refusal */
	if (d->net.refused) {
		*why = d->net.why;
		return "network";
	}
	if (d->ew && !d->o->no_executable && !d->xw) {
		*why = d->xw_why;
		return "executable";
	}
	return NULL;
}

static int add_fd(struct daemon *d, int fd)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.fd = fd };

	if (fd >= 0 && epoll_ctl(d->epfd, EPOLL_CTL_ADD, fd, &ev))
		return -errno;
	return 0;
}

static int arm_timer(int fd, unsigned int ms, unsigned int interval_ms)
{
	struct itimerspec it = {
		.it_value = { ms / 1000, (long)(ms % 1000) * 1000000L },
		.it_interval = { interval_ms / 1000, (long)(interval_ms % 1000) * 1000000L },
	};

	return timerfd_settime(fd, 0, &it, NULL) ? -errno : 0;
}

static void run_sweep(struct daemon *d, const char *why)
{
	unsigned int n;

	if (d->o->no_exec)
		return;   /* the sweeps are the exec detector's backstop */
	n = sweep_run(&d->act, d->policy, d->xw ? exe_respond_swept : NULL, &d->xr);

	if (d->o->debug)
		log_msg("debug", "sweep (%s) judged %u processes", why, n);
}

/* (Re)watches the config files, and the address files and responders'
 * secret files of the config in force: a change to any reloads. */
static void watch_configs(struct daemon *d)
{
	char *paths[CONFIG_WATCH_MAX];
	size_t n = 0, nglob;

	for (size_t i = 0; i < d->o->nconfigs && n < CONFIG_WATCH_MAX / 2; i++)
		paths[n++] = d->o->configs[i];
	nglob = net_list_watch_paths(policy_config(d->policy), paths + n, CONFIG_WATCH_MAX / 4);
	nglob += respond_watch_paths(policy_config(d->policy), paths + n + nglob,
				     CONFIG_WATCH_MAX - n - nglob);
	if (d->watch.fd >= 0)
		epoll_ctl(d->epfd, EPOLL_CTL_DEL, d->watch.fd, NULL);
	config_watch_close(&d->watch);
	config_watch_open(&d->watch, paths, n + nglob);
	if (d->epfd >= 0)
		add_fd(d, d->watch.fd);
	for (size_t i = 0; i < nglob; i++)
		free(paths[n + i]);
}

/* A reload: the files are watched again (a ConfigMap swap moves them),
 * then read and built on the loader's thread; the loop goes on meanwhile.
 * A request while a build runs is one more build after it. */
static void request_reload(struct daemon *d)
{
	watch_configs(d);
	if (!config_loader_request(d->loader) && d->o->debug)
		log_msg("debug", "config reload asked for while one is built: it follows");
}

static void refuse_reload(struct daemon *d, const char *err, double build_ms)
{
	json_t *o = json_object();

	log_set_str(o, "error", err);
	log_set_int(o, "build_ms", (long long)build_ms);
	log_emit_event(o, "error", "Config reload refused, keeping the previous config");
	d->reloads_refused++;
	d->last_reload_ok = 0;
}

/* Swaps in a build the loader finished: the new policy was built
 * completely before, so every exec is judged by exactly one config, the
 * old or the new. Takes what it keeps out of b; returns the policy it
 * replaced (NULL: refused), for the loader to free off the loop. */
static struct policy *apply_reload(struct daemon *d, struct config_build *b)
{
	double t0 = mono_s();
	char err[CONFIG_ERR_MAX];
	struct policy *np = b->policy, *old = d->policy;
	json_t *o;

	if (!np) {
		refuse_reload(d, b->err, b->build_ms);
		return NULL;
	}
	/* configure_containers' new exemptions take effect at once: last of
	 * what can still refuse the reload */
	if (configure_containers(d, policy_config(np), err, sizeof(err))) {
		refuse_reload(d, err, b->build_ms);
		return NULL;
	}
	d->policy = np;
	b->policy = NULL;
	install_exe_rules(d, b->xrules, b->xerr);
	b->xrules = NULL;
	install_exemptions(d);
	install_tables(d, &b->tables);
	net_detector_set(&d->net, &b->nl);
	if (respond_apply(d->resp, &b->rs, d->o->audit, err, sizeof(err)))
		log_msg("error", "Config reload: the responders keep their previous settings: %s",
			err);
	watch_configs(d);       /* the address files' globs may have changed */
	/* the RandomX watcher reopens when its settings changed; one the kernel
	 * refused is not retried at every reload */
	if (d->randomx_possible && (d->mw || !d->randomx_refused) && open_randomx(d))
		add_fd(d, randomx_watch_fd(d->mw));
	d->reloads_ok++;
	d->last_reload_ok = 1;
	o = json_object();
	log_verdict_site(d, o);
	log_set_int(o, "banned_strings", (long long)policy_nbanned(np));
	log_set_int(o, "banned_patterns", (long long)policy_nbanned_patterns(np));
	log_set_int(o, "allowed_patterns", (long long)policy_npatterns(np));
	log_net_counts(d, o);
	/* the build's seconds passed off the loop; the swap's on it */
	log_set_int(o, "build_ms", (long long)b->build_ms);
	log_set_int(o, "swap_ms", (long long)((mono_s() - t0) * 1e3));
	log_emit_event(o, "info", "Config reloaded");
	run_sweep(d, "reload");
	return old;
}

static void take_reload(struct daemon *d)
{
	struct config_build b;
	struct policy *old;

	if (!config_loader_take(d->loader, &b))
		return;
	old = apply_reload(d, &b);
	/* the rest of b, the old policy and malloc_trim: on the worker */
	config_loader_release(d->loader, &b, old);
}

static void kernel_counter(struct metric_values *v, const char *name, const char *help,
			   uint64_t value)
{
	if (v->nkernel == sizeof(v->kernel) / sizeof(v->kernel[0]))
		return;
	v->kernel[v->nkernel].name = name;
	v->kernel[v->nkernel].help = help;
	v->kernel[v->nkernel++].value = value;
}

/* The RandomX detector's kernel counters (enum in randomx_event.h). */
static const struct {
	const char *name, *help;
	unsigned int stat;
} randomx_counters[] = {
	{ "nomine_randomx_switches_total",
	  "Switch-outs of tasks that used the FPU, seen by the RandomX detector.",
	  NM_RANDOMX_STAT_SWITCHES },
	{ "nomine_randomx_observations_total",
	  "Of those, in scope with a non-default SSE rounding mode.", NM_RANDOMX_STAT_ODD },
	{ "nomine_randomx_reports_total", "Processes that crossed the RandomX threshold.",
	  NM_RANDOMX_STAT_REPORTS },
	{ "nomine_randomx_reports_lost_total",
	  "Threshold crossings the ring buffer had no room for (retried).",
	  NM_RANDOMX_STAT_LOST },
	{ "nomine_randomx_foreign_total",
	  "Switch-outs whose saved FPU state was not the current task's (skipped).",
	  NM_RANDOMX_STAT_FOREIGN },
	{ "nomine_randomx_untracked_total",
	  "Observations for which no per-process entry could be made.",
	  NM_RANDOMX_STAT_NO_ENTRY },
};

/* What the BPF programs count, for whichever detectors run. */
static void fill_kernel_counters(struct daemon *d, struct metric_values *v)
{
	_Static_assert(NET_REASONS <= sizeof(v->net_reasons) / sizeof(v->net_reasons[0]),
		       "metric_values.net_reasons holds every reason");
	if (d->net.nw || d->net.ww)
		for (int i = 0; i < NET_REASONS; i++) {
			v->net_reasons[i].reason = net_reason_names[i];
			v->net_reasons[i].value = d->net.nr.by_reason[i];
			v->nnet_reasons = (size_t)i + 1;
		}
	if (d->ew) {
		kernel_counter(v, "nomine_exec_argv_read_failures_total",
			       "Execs whose argv the exec program could not read (user space reads "
			       "/proc instead).", exec_watch_stat(d->ew, NM_STAT_READ_FAIL));
		kernel_counter(v, "nomine_exec_lineage_failures_total",
			       "Execs the exec program could not record in the lineage.",
			       exec_watch_stat(d->ew, NM_STAT_NO_STORAGE));
	}
	if (d->lt)
		kernel_counter(v, "nomine_fork_lineage_failures_total",
			       "Forks whose child got no lineage (no storage and no room in a map).",
			       lineage_failures(d->lt));
	if (d->lt)
		kernel_counter(v, "nomine_lineage_links_lost_total",
			       "Lineage links the kernel had no room for: descendants past that "
			       "point of a chain are found from /proc only.",
			       lineage_links_lost(d->lt));
	if (d->xw) {
		struct exe_watch_stats st;

		exe_watch_stats(d->xw, &st);
		kernel_counter(v, "nomine_executable_scans_total",
			       "Files (new executables, scripts) whose bytes were scanned.", st.scans);
		kernel_counter(v, "nomine_executable_scan_bytes_total", "Bytes read by those scans.",
			       st.bytes);
		kernel_counter(v, "nomine_executable_files_banned_total",
			       "Scans that found a banned string, hash, or (if banned) a packer.",
			       st.banned);
		kernel_counter(v, "nomine_executable_scans_dropped_total",
			       "Scans not made: the scanner's queue was full (a file on a hung "
			       "mount, or an exec storm).", st.dropped);
		kernel_counter(v, "nomine_executable_scanner_stalls_total",
			       "Scans stuck in one read past executableScanSeconds (a hung mount): "
			       "another scanner thread took over.", st.stalls);
		kernel_counter(v, "nomine_executable_unreadable_total",
			       "Files gone with their process before they could be read (their "
			       "next exec is scanned).", st.gone);
	}
	if (d->net.nw) {
		kernel_counter(v, "nomine_network_calls_checked_total",
			       "connect() and unconnected UDP sends in scope the network detector "
			       "checked.", net_watch_stat(d->net.nw, NM_NET_STAT_CHECKED));
		kernel_counter(v, "nomine_network_calls_banned_total",
			       "Of those, to a banned address or, with banPoolPorts, a pool port "
			       "(refused unless in audit mode).",
			       net_watch_stat(d->net.nw, NM_NET_STAT_DENIED));
		kernel_counter(v, "nomine_network_scan_destinations_total",
			       "TCP connects to a destination the process had not connected to "
			       "within lookbackSeconds (counted towards a scan).",
			       net_watch_stat(d->net.nw, NM_NET_STAT_COUNTED));
		kernel_counter(v, "nomine_network_scans_total",
			       "Processes that went over uniqueDestinationsThreshold.",
			       net_watch_stat(d->net.nw, NM_NET_STAT_SCANS));
		kernel_counter(v, "nomine_network_events_lost_total",
			       "Banned calls the ring buffer had no room for (refused all the same).",
			       net_watch_stat(d->net.nw, NM_NET_STAT_LOST));
	}
	if (d->net.ww) {
		kernel_counter(v, "nomine_network_packets_inspected_total",
			       "First data segments in scope the packet program read for Stratum.",
			       wire_watch_stat(d->net.ww, NM_WIRE_STAT_INSPECTED));
		kernel_counter(v, "nomine_network_stratum_matches_total",
			       "Of those, Stratum messages (dropped unless in audit mode).",
			       wire_watch_stat(d->net.ww, NM_WIRE_STAT_STRATUM));
		kernel_counter(v, "nomine_network_dns_queries_banned_total",
			       "DNS queries for a banned domain (dropped unless in audit mode).",
			       wire_watch_stat(d->net.ww, NM_WIRE_STAT_DOMAIN));
		kernel_counter(v, "nomine_network_packet_events_lost_total",
			       "Blocked packets the ring buffer had no room for (dropped all the same).",
			       wire_watch_stat(d->net.ww, NM_WIRE_STAT_LOST));
	}
	if (d->mw)
		for (size_t i = 0; i < sizeof(randomx_counters) / sizeof(randomx_counters[0]); i++)
			kernel_counter(v, randomx_counters[i].name, randomx_counters[i].help,
				       randomx_watch_stat(d->mw, randomx_counters[i].stat));
}

/* cryptnono's counters: user space's per detector, and for exec events the
 * clean ones the kernel judged without sending them. */
static void fill_cryptnono(struct daemon *d, struct metric_values *v)
{
	const struct action_stats *st = &d->act.stats;
	uint64_t clean = d->ew ? exec_watch_stat(d->ew, NM_STAT_CLEAN) : 0;
	static const enum stats_detector src[2] = { STATS_EXEC, STATS_SWEEP };

	for (int i = 0; i < 2; i++) {
		v->cn[i].checked = st->by[src[i]].checked;
		v->cn[i].killed = st->by[src[i]].killed;
		v->cn[i].missed = st->by[src[i]].missed;
		memcpy(v->cn[i].allowed, st->by[src[i]].allowed, sizeof(v->cn[i].allowed));
	}
	v->cn[0].checked += clean;
	v->cn[0].allowed[STATS_NO_MATCH] += clean;
	v->unexpected_errors = st->errors;
	v->acts = st;
}

/* Readiness, for /readyz and nomine_ready. */
static void fill_ready(struct daemon *d, struct metric_values *v)
{
	const char *why = NULL, *det = unready_detector(d, &why);

	v->ready = det == NULL;
	if (det)
		snprintf(v->unready, sizeof(v->unready), "the %s detector is not attached as this "
			 "kernel allows: %s", det, why && why[0] ? why : "not loaded");
}

static void fill_responders(struct daemon *d, struct metric_values *v)
{
	const struct resp_stats *st;

	for (unsigned int i = 0; (st = respond_stats(d->resp, i)) &&
	     v->nresponders < sizeof(v->responders) / sizeof(v->responders[0]); i++) {
		v->responders[v->nresponders].name = st->name;
		v->responders[v->nresponders].done = atomic_load(&st->done);
		v->responders[v->nresponders].failed = atomic_load(&st->failed);
		v->responders[v->nresponders].dropped = atomic_load(&st->dropped);
		v->responders[v->nresponders].retries = atomic_load(&st->retries);
		v->responders[v->nresponders].queued = atomic_load(&st->queued);
		v->nresponders++;
	}
}

static void fill_metrics(struct metric_values *v, void *ctx)
{
	struct daemon *d = ctx;

	fill_cryptnono(d, v);
	fill_ready(d, v);
	v->last_reload_ok = d->last_reload_ok;
	v->exec_events_lost = d->ew ? exec_watch_stat(d->ew, NM_STAT_LOST) : 0;
	v->randomx_events_lost = d->mw ? randomx_watch_stat(d->mw, NM_RANDOMX_STAT_LOST) : 0;

	v->exec_detector = d->ew != NULL;
	v->detectors[0].name = "exec";
	v->detectors[0].variant = exec_variant(d);
	v->detectors[0].refused = d->exec_refused;
	v->detectors[1].name = "lineage";
	v->detectors[1].variant = lineage_variant(d);
	v->detectors[1].refused = d->lineage_refused;
	v->detectors[2].name = "randomx";
	v->detectors[2].variant = randomx_variant(d);
	v->detectors[2].refused = d->randomx_refused;
	v->detectors[3].name = "executable";
	v->detectors[3].variant = d->xw ? "scan" : "none";
	v->detectors[4].name = "network";
	v->detectors[4].variant = net_detector_variant(&d->net);
	v->detectors[4].refused = d->net.refused;
	v->detectors[5].name = "hold";
	v->detectors[5].variant = d->hold ? "fexit" : "none";
	v->ndetectors = 6;
	v->nprogs = bpf_load_costs(&v->progs);
	for (size_t i = 0; i < v->nprogs && i < NM_PROG_COSTS_MAX; i++)
		v->prog_misses[i] = bpf_load_misses(&v->progs[i]);
	v->lineage_spills = d->lt ? lineage_spills(d->lt) : 0;
	fill_kernel_counters(d, v);
	v->kernel_verdict = d->site == SITE_KERNEL;
	v->kernel_tables_bytes = (uint64_t)d->table_kib * 1024;
	v->execs_seen = d->ew ? exec_watch_stat(d->ew, NM_STAT_EXECS) : 0;
	v->records_lost = d->ew ? exec_watch_stat(d->ew, NM_STAT_LOST) : 0;
	v->checked = d->act.checked;
	v->killed_kernel = d->act.killed_in_kernel;
	v->killed_user = d->act.killed;
	v->spared = d->act.spared;
	v->audited = d->act.audited;
	v->missed = d->act.missed;
	fill_responders(d, v);
	v->reloads_ok = d->reloads_ok;
	v->reloads_refused = d->reloads_refused;
	v->banned_strings = policy_nbanned(d->policy);
	v->allow_patterns = policy_npatterns(d->policy);
	v->allow_in_user_space = d->nfallback;
	v->exempted = d->act.exempted;
	v->containers_killed = d->act.containers_killed;
	if (d->ctrs) {
		struct containers_stats st;

		containers_stats(d->ctrs, &st);
		v->meta_cached = st.cached;
		v->meta_resolved = st.resolved - st.failures;
		v->meta_failed = st.failures;
	}
}

/* Links of ids whose every task died go, and what it cost is logged at
 * debug level (a node forks thousands of times a minute). */
static void collect_lineage(struct daemon *d)
{
	struct lineage_collect_report r;
	uint64_t now = mono_ns(), took;
	int e;

	if (!d->lt || now < d->collect_at)
		return;
	d->collect_at = now + d->collect_every_ms * 1000000ull;
	e = lineage_collect(d->lt, d->link_keep_ns, &r);
	took = mono_ns() - now;
	if (e)
		log_msg("warning", "lineage collection failed: %s", strerror(-e));
	/* a full map cuts chains: said once per new loss, not only counted */
	if (lineage_links_lost(d->lt) != d->links_lost_seen) {
		log_msg("warning", "%llu lineage links had no room in the kernel (%u held): "
			"descendants past those points of their chains are found from /proc only",
			(unsigned long long)(lineage_links_lost(d->lt) - d->links_lost_seen),
			NM_LINK_MAX);
		d->links_lost_seen = lineage_links_lost(d->lt);
	}
	else if (d->o->debug)
		log_msg("debug", "lineage: %zu tasks, %zu links, %zu removed in %.1f ms", r.tasks,
			r.links, r.removed, (double)took / 1e6);
}

static void housekeeping(struct daemon *d)
{
	uint64_t lost, missed;

	if (d->metrics)
		metrics_run(d->metrics);
	respond_housekeeping(d->resp);
	collect_lineage(d);
	if (d->xw) {
		char msg[600];

		if (exe_watch_tick(d->xw, msg, sizeof(msg)))
			log_msg("warning", "%s", msg);
	}
	if (!d->ew)
		return;
	/* records that stopped coming: the exec goes on without them, and no
	 * process the kernel froze waits for a decision longer than this */
	exec_watch_flush(d->ew, NM_RECORD_FLUSH_MS * 1000000ull);
	exec_watch_frozen_stale(d->ew, NM_FROZEN_STALE_MS * 1000000ull, decide_stale_frozen, d);
	lost = exec_watch_stat(d->ew, NM_STAT_LOST);
	if (lost != d->lost_seen) {
		log_msg("warning", "%llu exec records lost (ring buffer full); sweeping now",
			(unsigned long long)(lost - d->lost_seen));
		d->lost_seen = lost;
		run_sweep(d, "lost records");
	}
	/* an exec the program did not run for (a run of it was preempted on
	 * that CPU) was judged by nobody: the sweep judges what runs now */
	missed = exec_watch_misses(d->ew);
	if (missed != d->missed_seen) {
		log_msg("warning", "%llu execs not seen by the exec program (a run of it was under "
			"way on the same CPU); sweeping now",
			(unsigned long long)(missed - d->missed_seen));
		d->missed_seen = missed;
		run_sweep(d, "missed execs");
	}
}

/* Returns 1 when the daemon must stop. */
static int on_signal(struct daemon *d)
{
	struct signalfd_siginfo si;

	if (read(d->sigfd, &si, sizeof(si)) != sizeof(si))
		return 0;
	if (si.ssi_signo == SIGHUP) {
		request_reload(d);
		return 0;
	}
	log_msg("info", "nomine stopping on signal %u", si.ssi_signo);
	return 1;
}

static int loop(struct daemon *d)
{
	struct epoll_event evs[8];
	uint64_t ticks;

	for (;;) {
		int n = epoll_wait(d->epfd, evs, 8, -1);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			log_fatal("Stopped on error", "epoll_wait: %s", strerror(errno));
			return 1;
		}
		for (int i = 0; i < n; i++) {
			int fd = evs[i].data.fd;

			if (d->ew && fd == exec_watch_fd(d->ew)) {
				if (exec_watch_drain(d->ew) < 0)
					d->act.stats.errors++;
			} else if (d->xw && fd == exe_watch_fd(d->xw)) {
				exe_watch_drain(d->xw);
			} else if (d->mw && fd == randomx_watch_fd(d->mw)) {
				if (randomx_watch_drain(d->mw) < 0)
					d->act.stats.errors++;
			} else if (d->net.nw && fd == net_watch_fd(d->net.nw)) {
				if (net_watch_drain(d->net.nw) < 0)
					d->act.stats.errors++;
			} else if (d->net.ww && fd == wire_watch_fd(d->net.ww)) {
				if (wire_watch_drain(d->net.ww) < 0)
					d->act.stats.errors++;
			} else if (fd == config_loader_fd(d->loader)) {
				take_reload(d);
			} else if (d->metrics && fd == metrics_fd(d->metrics)) {
				metrics_run(d->metrics);
			} else if (fd == d->sigfd) {
				if (on_signal(d))
					return 0;
			} else if (fd == d->watch.fd) {
				/* Debounce without postponing: a config rewritten
				 * more often than the delay still reloads. */
				if (config_watch_drain(&d->watch) && !d->reload_pending) {
					d->reload_pending = 1;
					arm_timer(d->reloadfd, NM_RELOAD_DEBOUNCE_MS, 0);
				}
			} else if (read(fd, &ticks, sizeof(ticks)) == sizeof(ticks)) {
				if (fd == d->reloadfd) {
					d->reload_pending = 0;
					request_reload(d);
				}
				else if (fd == d->sweepfd)
					run_sweep(d, "interval");
				else if (fd == d->housefd)
					housekeeping(d);
			}
		}
	}
}

static int setup_fds(struct daemon *d)
{
	sigset_t set;
	int rc;

	sigemptyset(&set);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	if (sigprocmask(SIG_BLOCK, &set, NULL))
		return -errno;
	if ((d->sigfd = signalfd(-1, &set, SFD_CLOEXEC)) < 0 ||
	    (d->epfd = epoll_create1(EPOLL_CLOEXEC)) < 0 ||
	    (d->sweepfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC)) < 0 ||
	    (d->reloadfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC)) < 0 ||
	    (d->housefd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC)) < 0)
		return -errno;
	watch_configs(d);
	if ((rc = arm_timer(d->sweepfd, d->o->sweep_interval * 1000u,
			    d->o->sweep_interval * 1000u)) ||
	    (rc = arm_timer(d->housefd, NM_HOUSEKEEPING_MS, NM_HOUSEKEEPING_MS)))
		return rc;
	if ((rc = add_fd(d, d->sigfd)) || (rc = add_fd(d, d->sweepfd)) ||
	    (rc = add_fd(d, d->reloadfd)) || (rc = add_fd(d, d->housefd)) ||
	    (rc = add_fd(d, config_loader_fd(d->loader))) ||
	    (d->metrics && (rc = add_fd(d, metrics_fd(d->metrics)))) ||
	    (d->mw && (rc = add_fd(d, randomx_watch_fd(d->mw)))) ||
	    (d->ew && (rc = add_fd(d, exec_watch_fd(d->ew)))) ||
	    (d->xw && (rc = add_fd(d, exe_watch_fd(d->xw)))) ||
	    (d->net.nw && (rc = add_fd(d, net_watch_fd(d->net.nw)))) ||
	    (d->net.ww && (rc = add_fd(d, wire_watch_fd(d->net.ww)))))
		return rc;
	return 0;
}

static void teardown(struct daemon *d)
{
	/* a reload being built is abandoned, not waited for */
	if (config_loader_free(d->loader, NM_RELOAD_STOP_WAIT_MS))
		log_msg("info", "nomine stopped during a config reload's build: the build is "
			"abandoned");
	d->loader = NULL;
	metrics_close(d->metrics);
	respond_free(d->resp);      /* before the log's last lines */
	d->resp = NULL;
	exe_watch_close(d->xw);
	exe_rules_put(d->xrules);
	randomx_watch_close(d->mw);
	net_detector_close(&d->net);
	net_list_free(&d->net_first);
	hold_close(d->hold);
	exec_watch_close(d->ew);
	lineage_close(d->lt);
	config_watch_close(&d->watch);
	policy_free(d->policy);
	scope_free(&d->scope);
	containers_free(d->ctrs);
	if (d->epfd >= 0) close(d->epfd);
	if (d->sigfd >= 0) close(d->sigfd);
	if (d->sweepfd >= 0) close(d->sweepfd);
	if (d->reloadfd >= 0) close(d->reloadfd);
	if (d->housefd >= 0) close(d->housefd);
}

/* libbpf's own messages go to stderr only when asked for. */
__attribute__((format(printf, 2, 0)))
static int silence_libbpf(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	const char *want = getenv("NOMINE_LIBBPF_DEBUG");

	if (!want || (level == LIBBPF_DEBUG && strcmp(want, "2")))
		return 0;
	return vfprintf(stderr, fmt, ap);
}

/* Pidfds, the evidence capture's descriptors and the responders' sockets
 * all count against RLIMIT_NOFILE, whose soft limit is often 1024: running
 * out would turn a kill into "the process is gone". The hard limit is ours
 * to take. */
static void raise_fd_limit(void)
{
	struct rlimit rl;

	if (!getrlimit(RLIMIT_NOFILE, &rl) && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

/* The responders of the start-up config: a token or URL file that cannot
 * be read, or an evidence directory that cannot be made, stops the start
 * (exit 2, as a bad config). */
static int start_responders(struct daemon *d, const struct daemon_opts *o, char *err,
			    size_t errlen)
{
	struct respond_settings rs;

	if (http_init()) {
		log_fatal("Start-up failed", "libcurl could not be initialised");
		return 1;
	}
	if (!(d->resp = respond_new())) {
		log_fatal("Start-up failed", "responders: out of memory");
		return 1;
	}
	d->act.responder = d->resp;
	if (respond_settings_load(&rs, policy_config(d->policy), err, errlen) ||
	    respond_apply(d->resp, &rs, o->audit, err, errlen)) {
		respond_settings_free(&rs);
		log_fatal("Invalid config", "%s", err);
		return 2;
	}
	return 0;
}

/* Shared start-up of run and scan. Returns 0 or an exit code. */
static int start(struct daemon *d, const struct daemon_opts *o)
{
	char err[CONFIG_ERR_MAX];
	int rc;
	sigset_t set;

	/* Blocked from the start, a SIGTERM during the BPF load waits for the
	 * event loop, which stops cleanly, instead of killing the process. */
	sigemptyset(&set);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigprocmask(SIG_BLOCK, &set, NULL);
	memset(d, 0, sizeof(*d));
	d->o = o;
	raise_fd_limit();
	d->epfd = d->sigfd = d->sweepfd = d->reloadfd = d->housefd = d->watch.fd = -1;
	log_init(stdout);
	libbpf_set_print(silence_libbpf);
	d->policy = daemon_load_policy(o, err, sizeof(err));
	if (!d->policy) {
		log_fatal("Invalid config", "%s", err);
		return 2;
	}
	if (scope_init(&d->scope, o->scopes, o->nscopes, err, sizeof(err)) < 0) {
		log_fatal("Invalid option", "%s", err);
		return 2;
	}
	d->killer.scope = &d->scope;
	d->act.killer = &d->killer;
	action_stats_init(&d->act.stats);
	d->last_reload_ok = 1;
	d->act.audit = o->audit;
	d->act.debug = o->debug;
	/* Container metadata needs the unified hierarchy (cgroup ids to paths)
	 * or, for cgroup v1 placements, /proc/PID/cgroup: neither is required. */
	if (scope_find_cgroup2("/proc/self/mountinfo", d->unified_mount, sizeof(d->unified_mount)))
		d->unified_mount[0] = '\0';
	/* in a pod's own cgroup namespace /proc/PID/cgroup is relative to it */
	if (cgroupns_init(d->unified_mount, err, sizeof(err)) < 0)
		log_msg("warning", "cgroup namespace: %s; cgroup paths read from /proc are taken as "
			"they are, and scope checks in user space may fail", err);
	if (cgroup_find_freezer("/proc/self/mountinfo", d->freezer_mount, sizeof(d->freezer_mount)))
		d->freezer_mount[0] = '\0';
	d->ctrs = containers_new(d->unified_mount, d->freezer_mount);
	if (!d->ctrs) {
		log_fatal("Start-up failed", "container metadata: %s", strerror(errno));
		return 1;
	}
	if (configure_containers(d, policy_config(d->policy), err, sizeof(err)) < 0 ||
	    net_detector_prepare(&d->net_first, policy_config(d->policy), err, sizeof(err)) < 0) {
		log_fatal("Invalid config", "%s", err);
		return 2;
	}
	if ((rc = start_responders(d, o, err, sizeof(err))))
		return rc;
	d->act.ctrs = d->ctrs;
	d->act.unified_mount = d->unified_mount;
	d->act.freezer_mount = d->freezer_mount;
	d->test_lose_frozen = getenv("NOMINE_TEST_LOSE_FROZEN") &&
			      !strcmp(getenv("NOMINE_TEST_LOSE_FROZEN"), "1");
	d->act.classify = classify;
	d->act.frozen_done = frozen_done;
	d->act.classify_ctx = d;
	return 0;
}

/* The reloads' builder, which builds what the detectors that loaded
 * take: the executable rules, the kernel tables. Returns 0 or 1 (logged). */
static int open_loader(struct daemon *d)
{
	struct config_loader_opts lo = {
		.configs = d->o->configs, .nconfigs = d->o->nconfigs,
		.exe_rules = d->xw != NULL,
		.fill_tables = d->ew && d->exec_var == EXEC_VERDICT ? exec_tables_fill : NULL,
		.table_cap = d->o->table_cap, .generation = d->gen,
	};

	d->loader = config_loader_new(&lo);
	if (!d->loader)
		log_fatal("Start-up failed", "the config loader's thread: %s", strerror(errno));
	return !d->loader;
}

int daemon_run(const struct daemon_opts *o)
{
	struct daemon d;
	const char *why;
	int rc = start(&d, o);

	if (rc) {
		teardown(&d);
		return rc;
	}
	open_bpf(&d);
	if (getenv("NOMINE_REQUIRE_BPF") && strcmp(getenv("NOMINE_REQUIRE_BPF"), "0") &&
	    unready_detector(&d, &why)) {
		log_fatal("Start-up failed", "NOMINE_REQUIRE_BPF is set and the %s detector could "
			  "not load its BPF program (exec: %s; lineage: %s; RandomX: %s; network: %s)",
			  unready_detector(&d, &why),
			  d.exec_why[0] ? d.exec_why : "ok", d.lineage_why[0] ? d.lineage_why : "ok",
			  d.mw ? "ok" : d.mw_err, d.net.why[0] ? d.net.why : "ok");
		teardown(&d);
		return 1;
	}
	if (open_loader(&d)) {
		teardown(&d);
		return 1;
	}
	if (o->metrics_listen) {
		char err[256];

		d.metrics = metrics_open(o->metrics_listen, fill_metrics, &d, err, sizeof(err));
		if (!d.metrics) {
			log_fatal("Start-up failed", "%s", err);
			teardown(&d);
			return 1;
		}
	}
	rc = setup_fds(&d);
	if (rc < 0) {
		log_fatal("Start-up failed", "the event loop: %s", strerror(-rc));
		teardown(&d);
		return 1;
	}
	log_features(&d);
	run_sweep(&d, "start");
	/* Building the automaton and loading BPF (libbpf parses the kernel's
	 * BTF per object) leave megabytes freed but kept by malloc. */
	malloc_trim(0);
	rc = loop(&d);
	exec_watch_stop(d.ew);
	teardown(&d);
	return rc;
}

int daemon_scan(const struct daemon_opts *o)
{
	struct daemon d;
	int rc = start(&d, o);

	if (!rc) {
		/* Kernel lineage helps a one-shot sweep too, when it loads. */
		char err[600];
		const char *why;

		features_probe(&d.feat);
		d.lt = lineage_open(features_lineage_kind(&d.feat, &why), err, sizeof(err));
		d.killer.lt = d.lt;
		sweep_run(&d.act, d.policy, NULL, NULL);
		/* the kills' responses, before the process ends */
		if (!respond_drain(d.resp, 3 * config_number(policy_config(d.policy),
							       "responseTimeoutSeconds")))
			log_msg("warning", "responses still under way when the scan ended: dropped");
	}
	teardown(&d);
	return rc;
}
