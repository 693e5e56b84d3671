/* SPDX-License-Identifier: BSD-2-Clause */
/* bpf_load.h - loading a BPF object the way every detector does: one
 * verifier pass per program (statistics-level log, so a refusal is explained
 * without running the verifier a second time), the verifier's cost of each
 * program kept for the start-up line, /metrics and the benchmarks, and a
 * refusal summed up in one line. */
#ifndef NOMINE_BPF_LOAD_H
#define NOMINE_BPF_LOAD_H

#include <stddef.h>
#include <stdint.h>

struct bpf_object;

/* What the verifier spent on one loaded program. */
struct prog_cost {
	char name[32];
	uint32_t verified_insns;   /* instructions the verifier processed */
	uint32_t verify_us;        /* its own timing (5.15+), else 0 */
	uint32_t load_us;          /* wall time of the object's load, shared by its programs */
	int fd;                    /* the loaded program (owned by its object) */
};

#define NM_PROG_COSTS_MAX 16

/* Loads obj (opened, configured). On failure returns a negative errno and
 * puts in err which program was refused and the last lines of the
 * verifier's log (or libbpf's reason). On success records the cost of each
 * loaded program (replacing earlier records of the same name). */
int bpf_load_object(struct bpf_object *obj, const char *what, char *err, size_t errlen);

/* Every program loaded so far, in load order. */
size_t bpf_load_costs(const struct prog_cost **out);

/* Runs of a loaded program the kernel skipped because another run of it was
 * under way on the same CPU (5.12+; 0 where unknown). */
uint64_t bpf_load_misses(const struct prog_cost *c);
/* Runs of the program behind fd the kernel skipped (a run of it under way
 * on that CPU); 0 when unreadable. */
uint64_t bpf_prog_misses(int fd);

/* A ring buffer reader of map calling fn(ctx, ...) per record. NULL with
 * errno set (libbpf's) and "failed to open ring buffer: ..." in err. */
struct bpf_map;
struct ring_buffer;
struct ring_buffer *bpf_load_ring(struct bpf_map *map,
				  int (*fn)(void *ctx, void *data, size_t len), void *ctx,
				  char *err, size_t errlen);

/* Forgets the costs of obj's programs (its detector was closed). */
void bpf_load_forget(struct bpf_object *obj);

/* The "processed N insns" and "verification time N usec" figures of a
 * statistics-level verifier log; 0 where absent. Pure: unit-tested. */
void bpf_load_parse_stats(const char *log, uint32_t *insns, uint32_t *verify_us);

/* The last n non-empty lines of log, joined by " | ", into out. Pure. */
void bpf_load_log_tail(const char *log, unsigned int n, char *out, size_t outlen);

#endif
