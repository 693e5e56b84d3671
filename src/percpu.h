/* SPDX-License-Identifier: BSD-2-Clause */
/* percpu.h - reading the per-CPU counter maps the BPF programs keep. */
#ifndef NOMINE_PERCPU_H
#define NOMINE_PERCPU_H

#include <stdint.h>

/* Sum over CPUs of the u64 at key of a BPF_MAP_TYPE_PERCPU_ARRAY; 0 when
 * it cannot be read. */
uint64_t percpu_sum(int map_fd, uint32_t key);

#endif
