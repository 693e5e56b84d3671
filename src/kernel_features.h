/* SPDX-License-Identifier: BSD-2-Clause */
/* kernel_features.h - what this kernel can do, which variant of each
 * detector it can run, and where verdicts are taken. */
#ifndef NOMINE_KERNEL_FEATURES_H
#define NOMINE_KERNEL_FEATURES_H

#include <stdbool.h>
#include "lineage_types.h"

struct features {
	bool btf;            /* /sys/kernel/btf/vmlinux: CO-RE and tp_btf */
	bool ringbuf;        /* BPF_MAP_TYPE_RINGBUF (5.8) */
	bool task_storage;   /* BPF_MAP_TYPE_TASK_STORAGE (5.11) */
	bool bpf_loop;       /* bpf_loop helper (5.17) */
	bool map_in_map;     /* BPF_MAP_TYPE_ARRAY_OF_MAPS */
};

/* The exec detector's programs, best first. */
enum exec_variant {
	EXEC_VERDICT,        /* handle_exec: judges in the kernel, kills before the first instruction */
	EXEC_CAPTURE,        /* handle_exec_capture: argv to user space, verdict after exec */
	EXEC_NONE,           /* no exec program: /proc sweeps only */
};

enum verdict_site {
	SITE_KERNEL,         /* exec program judges and kills before the first instruction */
	SITE_USER,           /* exec program reports, user space judges */
	SITE_SWEEP,          /* no exec program: /proc sweeps only */
};

/* Asks the kernel (needs CAP_BPF or root). */
void features_probe(struct features *f);

/* The best exec program this kernel can take (user_verdict: --user-verdict
 * asked for the capture program); *why says why not a better one (static
 * text, NULL when it is the best). Pure: unit-tested. */
enum exec_variant features_exec_variant(const struct features *f, bool user_verdict,
					const char **why);

/* Where lineage can live on this kernel, with *why when not the best. */
enum nm_lineage_kind features_lineage_kind(const struct features *f, const char **why);

/* Where verdicts are taken, given the exec program that loaded and whether
 * the current tables fit the kernel; *why says what is missing (static
 * text, NULL when nothing is). Pure: unit-tested. */
enum verdict_site features_select(const struct features *f, enum exec_variant loaded,
				  bool tables_fit, const char **why);

const char *features_site_name(enum verdict_site s);
const char *features_exec_variant_name(enum exec_variant v);

#endif
