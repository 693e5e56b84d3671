/* SPDX-License-Identifier: BSD-2-Clause */
/* ktables_types.h - layout of the verdict tables the exec program walks in
 * the kernel (shared by ktables.c and exec.bpf.c, include-free).
 *
 * One blob of 32-bit words, its size a power of two so the BPF program can
 * bound every index with a mask:
 *   header | banned cls[256] | allow cls[256] | pattern cls[256] |
 *   banned {base, fail} [b_nstates] | banned out_first [b_nstates] |
 *   banned {check, next} [b_ncomb] | banned outputs |
 *   banned dense [b_ndense * b_nclasses] | allow delta | pattern delta
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
 * dense DFA for the union of the allow patterns, matched against the whole
 * line; pattern delta one for the banned patterns, whose language is
 * "some pattern matches somewhere" (kregex's KREGEX_SEARCH). NM_KT_ACCEPT
 * marks accepting targets. */
#ifndef NOMINE_KTABLES_TYPES_H
#define NOMINE_KTABLES_TYPES_H

#define NM_KT_MAGIC 0x6e6d6b74u        /* "nmkt" */
#define NM_KT_VERSION 6u
#define NM_KT_OUT 0x80000000u
#define NM_KT_ACCEPT 0x80000000u
/* A DFA transition into its dead or sink state: the verdict is final (one
 * bit to test per byte, where comparing the state with two others made the
 * verifier's work on the walk more than double). */
#define NM_KT_FINAL 0x40000000u
#define NM_KT_DFA_STATE 0x3fffffffu
#define NM_KT_STATE 0x7fffffffu
#define NM_KT_MAX_OUTS 16              /* strings ending at one position */
#define NM_KT_ENTRY_LAST 0x80000000u   /* output entry: last of its list */
#define NM_KT_ENTRY_SUBSTR 0x40000000u /* output entry: substring mode */
#define NM_KT_ENTRY_LEN 0x00ffffffu
/* The squeezing walk's ring of the last squeezed bytes' word flags, for
 * word-mode starts: longer than any banned string (config: 4096 bytes), a
 * power of 2. */
#define NM_KT_RING 8192
/* What the walk reports as the matched index when no banned string but a
 * banned pattern matched (the DFA is the patterns' union: user space finds
 * which one with PCRE2). */
#define NM_KT_PATTERN_MATCH 0x7fffffff

enum nm_kt_allow {
	NM_KT_ALLOW_NONE = 0,        /* no allow patterns: a banned match kills */
	NM_KT_ALLOW_DFA = 1,         /* every pattern is in the DFA */
	NM_KT_ALLOW_PARTIAL = 2,     /* some patterns only user space can run:
				      * a match the DFA does not allow is frozen
				      * (SIGSTOP) for user space to decide */
};

/* One dense DFA of the blob: delta[nstates][nclasses] holds next states as
 * the word offsets of their rows (delta + state * nclasses, the start
 * state's row at delta: a step is one add and one load, with no multiply
 * on the walk's critical path), with NM_KT_ACCEPT on accepting ones and
 * NM_KT_FINAL on dead and sink:
 * they end a walk early (from dead nothing accepts, from sink everything
 * does). */
struct nm_kt_dfa {
	unsigned int nstates;         /* 0: no DFA */
	unsigned int nclasses;
	unsigned int delta;           /* word offset */
	unsigned int dead;            /* NM_KT_STATE if none */
	unsigned int sink;            /* NM_KT_STATE if none */
	unsigned int start_accept;    /* the empty line is accepted */
	unsigned int cls_word;        /* word offset of its byte class map */
	unsigned int pad;
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
	unsigned int nwords;          /* words in use */
	/* some banned string holds a space: the walk reads the line squeezed
	 * (cmdline_space.h), a dearer loop that only such configs pay for */
	unsigned int b_squeeze;
	struct nm_kt_dfa allow;       /* allow patterns, on the whole line */
	struct nm_kt_dfa pat;         /* banned patterns, anywhere in the line */
};

/* Word offsets of the three class maps (256 bytes = 64 words each). */
#define NM_KT_B_CLS_WORD (sizeof(struct nm_kt_header) / 4)
#define NM_KT_A_CLS_WORD (NM_KT_B_CLS_WORD + 64)
#define NM_KT_P_CLS_WORD (NM_KT_A_CLS_WORD + 64)
#define NM_KT_DATA_WORD (NM_KT_P_CLS_WORD + 64)

#endif
