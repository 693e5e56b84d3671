/* SPDX-License-Identifier: BSD-2-Clause */
/* kernel_features.h - what this kernel can do, and where verdicts are taken. */
#ifndef NOMINE_KERNEL_FEATURES_H
#define NOMINE_KERNEL_FEATURES_H

#include <stdbool.h>

struct features {
	bool btf;            /* /sys/kernel/btf/vmlinux: CO-RE and tp_btf */
	bool ringbuf;        /* BPF_MAP_TYPE_RINGBUF (5.8) */
	bool task_storage;   /* BPF_MAP_TYPE_TASK_STORAGE (5.11) */
	bool bpf_loop;       /* bpf_loop helper (5.17) */
	bool map_in_map;     /* BPF_MAP_TYPE_ARRAY_OF_MAPS */
};

enum verdict_site {
	SITE_KERNEL,         /* exec program judges and kills before the first instruction */
	SITE_USER,           /* exec program reports, user space judges */
	SITE_SWEEP,          /* no exec program: /proc sweeps only */
};

/* Asks the kernel (needs CAP_BPF or root). */
void features_probe(struct features *f);

/* Chooses where verdicts are taken from the features and whether the
 * current tables fit the kernel; *why says what is missing (static text,
 * NULL when nothing is). Pure: unit-tested. */
enum verdict_site features_select(const struct features *f, bool tables_fit, const char **why);

const char *features_site_name(enum verdict_site s);

#endif
