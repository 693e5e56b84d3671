/* SPDX-License-Identifier: BSD-2-Clause */
/* kernel_features.c - kernel feature probes, the variant of each detector,
 * and the choice of verdict site. */
#include <unistd.h>
#include <bpf/libbpf.h>
#include "kernel_features.h"

void features_probe(struct features *f)
{
	f->btf = access("/sys/kernel/btf/vmlinux", R_OK) == 0;
	f->ringbuf = libbpf_probe_bpf_map_type(BPF_MAP_TYPE_RINGBUF, NULL) == 1;
	f->task_storage = libbpf_probe_bpf_map_type(BPF_MAP_TYPE_TASK_STORAGE, NULL) == 1;
	f->map_in_map = libbpf_probe_bpf_map_type(BPF_MAP_TYPE_ARRAY_OF_MAPS, NULL) == 1;
	/* bpf_loop is a base helper: a kprobe program can ask for it. */
	f->bpf_loop = libbpf_probe_bpf_helper(BPF_PROG_TYPE_KPROBE, BPF_FUNC_loop, NULL) == 1;
}

enum exec_variant features_exec_variant(const struct features *f, bool user_verdict,
					const char **why)
{
	*why = NULL;
	if (!f->btf) {
		*why = "no kernel BTF (/sys/kernel/btf/vmlinux): tp_btf and CO-RE unavailable";
		return EXEC_NONE;
	}
	if (!f->ringbuf) {
		*why = "no BPF ring buffer (kernel < 5.8)";
		return EXEC_NONE;
	}
	if (user_verdict) {
		*why = "--user-verdict";
		return EXEC_CAPTURE;
	}
	if (!f->bpf_loop) {
		*why = "no bpf_loop (kernel < 5.17): argv cannot be walked in the kernel";
		return EXEC_CAPTURE;
	}
	if (!f->map_in_map) {
		*why = "no BPF map-in-map: kernel tables cannot be swapped atomically";
		return EXEC_CAPTURE;
	}
	return EXEC_VERDICT;
}

enum nm_lineage_kind features_lineage_kind(const struct features *f, const char **why)
{
	*why = NULL;
	if (!f->btf) {
		*why = "no kernel BTF (/sys/kernel/btf/vmlinux): tp_btf and CO-RE unavailable";
		return NM_LINEAGE_NONE;
	}
	if (!f->task_storage) {
		*why = "no BPF task storage (kernel < 5.11): lineage kept in a map by thread id";
		return NM_LINEAGE_PID_MAP;
	}
	return NM_LINEAGE_TASK_STORAGE;
}

enum verdict_site features_select(const struct features *f, enum exec_variant loaded,
				  bool tables_fit, const char **why)
{
	const char *w;
	enum exec_variant best = features_exec_variant(f, false, &w);

	*why = NULL;
	if (loaded == EXEC_NONE) {
		*why = best == EXEC_NONE ? w : "no exec program could be loaded";
		return SITE_SWEEP;
	}
	if (loaded == EXEC_CAPTURE) {
		*why = best == EXEC_VERDICT ? "the judging exec program could not be loaded" : w;
		return SITE_USER;
	}
	if (!tables_fit) {
		*why = "the banned strings' tables do not fit the kernel table cap";
		return SITE_USER;
	}
	return SITE_KERNEL;
}

const char *features_site_name(enum verdict_site s)
{
	static const char *const names[] = {
		[SITE_KERNEL] = "kernel", [SITE_USER] = "user", [SITE_SWEEP] = "sweep-only",
	};

	return (unsigned int)s <= SITE_SWEEP ? names[s] : "sweep-only";
}

const char *features_exec_variant_name(enum exec_variant v)
{
	static const char *const names[] = {
		[EXEC_VERDICT] = "kernel-verdict", [EXEC_CAPTURE] = "capture", [EXEC_NONE] = "sweep-only",
	};

	return (unsigned int)v <= EXEC_NONE ? names[v] : "sweep-only";
}
