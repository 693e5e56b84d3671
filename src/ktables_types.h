/* SPDX-License-Identifier: BSD-2-Clause */
/* ktables_types.h - layout of the verdict tables the exec program walks in
 * the kernel (shared by ktables.c and exec.bpf.c, include-free).
 *
 * One blob of 32-bit words, its size a power of two so the BPF program can
 * bound every index with a mask:
 *   header | banned cls[256] | allow cls[256] | banned {base, fail}
 *   [b_nstates] | banned out_first [b_nstates] | banned {check, next}
 *   [b_ncomb] | banned outputs | banned dense [b_ndense * b_nclasses] |
 *   allow delta
 * The banned strings keep automaton.h's compact form (row-displaced goto
 * plus fail links, a few words per state), so 10k strings take megabytes,
 * not the tens a dense DFA would. What one step reads sits side by side
 * (base with fail, check with next, at even word offsets): one address per
 * pair, so the kernel's walk does two loads a step and keeps few registers.
 * base[s] + c < b_ncomb for every state and class (the automaton's comb is
 * padded so), so no step needs a bound. next carries NM_KT_OUT when its
 * target ends at least one banned string; that state's output list (longest
 * first) starts at word out_first[state]. The first b_ndense states (the
 * shallowest: ids are in breadth-first order, the root first) also have a
 * dense row of the complete transition function (fail links already
 * followed, NM_KT_OUT on targets with outputs): a walk near the root, where
 * argv keeps it most of the time, takes one load a byte. allow delta is a
 * dense DFA for the union of the allow patterns; NM_KT_ACCEPT marks
 * accepting targets. */
#ifndef NOMINE_KTABLES_TYPES_H
#define NOMINE_KTABLES_TYPES_H

#define NM_KT_MAGIC 0x6e6d6b74u        /* "nmkt" */
#define NM_KT_VERSION 3u
#define NM_KT_OUT 0x80000000u
#define NM_KT_ACCEPT 0x80000000u
#define NM_KT_STATE 0x7fffffffu
#define NM_KT_MAX_OUTS 16              /* strings ending at one position */
#define NM_KT_ENTRY_LAST 0x80000000u   /* output entry: last of its list */
#define NM_KT_ENTRY_SUBSTR 0x40000000u /* output entry: substring mode */
#define NM_KT_ENTRY_LEN 0x00ffffffu

enum nm_kt_allow {
	NM_KT_ALLOW_NONE = 0,        /* no allow patterns: a banned match kills */
	NM_KT_ALLOW_DFA = 1,         /* every pattern is in the DFA */
	NM_KT_ALLOW_PARTIAL = 2,     /* some patterns only user space can run:
				      * a match the DFA does not allow is frozen
				      * (SIGSTOP) for user space to decide */
};

struct nm_kt_header {
	unsigned int magic;
	unsigned int version;
	unsigned int generation;      /* bumped on every reload */
	unsigned int allow_mode;      /* enum nm_kt_allow */
	unsigned int b_nstates;
	unsigned int b_nclasses;
	unsigned int b_ncomb;
	unsigned int b_states;        /* word offset, even: {base, fail} [b_nstates] */
	unsigned int b_out_first;     /* word offset: [b_nstates] */
	unsigned int b_comb;          /* word offset, even: {check, next} [b_ncomb] */
	unsigned int b_outs;          /* word offset: entries, 2 words each */
	unsigned int b_ndense;        /* states with a dense row, >= 1 (the root) */
	unsigned int b_dense;         /* word offset: [b_ndense][b_nclasses] */
	unsigned int a_nstates;
	unsigned int a_nclasses;
	unsigned int a_delta;         /* word offset */
	unsigned int a_dead;          /* NM_KT_STATE if none */
	unsigned int a_start_accept;  /* the empty line is allowed */
	unsigned int nwords;          /* words in use */
};

/* Word offsets of the two class maps (256 bytes = 64 words each). */
#define NM_KT_B_CLS_WORD (sizeof(struct nm_kt_header) / 4)
#define NM_KT_A_CLS_WORD (NM_KT_B_CLS_WORD + 64)
#define NM_KT_DATA_WORD (NM_KT_A_CLS_WORD + 64)

#endif
