/* SPDX-License-Identifier: BSD-2-Clause */
/* config_loader.h - builds a reload off the event loop. A worker thread
 * reads the config files and builds everything a reload needs before it
 * changes anything (the policy, the responders' settings, the networks,
 * the executable rules, the kernel tables); the event loop only swaps the
 * result in. At the limits that build takes seconds, and the loop goes on
 * logging, sweeping, judging and answering signals meanwhile.
 *
 * One build at a time. Requests made while one builds are coalesced into
 * one more build after it, which reads the files as they are then: the
 * newest files win, and a config rewritten faster than it builds still
 * gets loaded, never starved. */
#ifndef NOMINE_CONFIG_LOADER_H
#define NOMINE_CONFIG_LOADER_H

#include <stddef.h>
#include "config.h"
#include "exe_scan.h"
#include "kpolicy.h"
#include "net_list.h"
#include "policy.h"
#include "respond.h"

/* Reads the config files (none: the built-in config) and builds their
 * policy, on the calling thread. NULL with "file:line: reason" in err. */
struct policy *config_loader_policy(char *const *configs, size_t nconfigs, char *err,
				    size_t errlen);

/* Kernel tables made ahead of their install: built (kpolicy_build),
 * stamped with their generation and written into a table map of their
 * own, which the event loop swaps in with one update. */
struct ready_tables {
	int ok;                     /* 1: fd holds them */
	int fd;
	uint32_t gen;               /* the generation stamped in them */
	size_t size;                /* bytes of the blob */
	size_t nfallback;           /* allow patterns only user space can run */
	uint32_t pattern_states;    /* of the banned patterns' DFA, 0: none */
	char why[300];              /* !ok: why there are none */
};

/* Writes kt into a new table map of cap bytes: its fd, or a negative
 * errno (exec_tables_fill). */
typedef int (*tables_fill_fn)(const struct ktables *kt, size_t cap);

/* Makes p's tables (within cap, generation gen) into *t with fill. */
void config_loader_tables(struct ready_tables *t, const struct policy *p, size_t cap, uint32_t gen,
			  tables_fill_fn fill);
void ready_tables_free(struct ready_tables *t);

/* What one build made. */
struct config_build {
	struct policy *policy;          /* NULL: refused, err says why (nothing else is set) */
	char err[CONFIG_ERR_MAX];
	struct respond_settings rs;
	struct net_list nl;
	struct exe_rules *xrules;       /* NULL: not asked for, or xerr says why */
	char xerr[CONFIG_ERR_MAX];
	struct ready_tables tables;     /* when asked for (fill_tables) */
	double build_ms;                /* on the worker, from the first read */
};

/* Frees what b holds (and leaves it empty); a part taken out of it must
 * have been zeroed by the taker (tables: tables.ok cleared). */
void config_build_free(struct config_build *b);

/* The worker's phases, in order (for the test hook). */
enum config_load_phase {
	CONFIG_LOAD_READ,        /* config files parsed, checked, policy compiled */
	CONFIG_LOAD_SETTINGS,    /* responders' secret files, address files */
	CONFIG_LOAD_EXE_RULES,   /* bannedExecutableStrings' automaton */
	CONFIG_LOAD_TABLES,      /* the kernel tables, built and written into their map */
};

struct config_loader_opts {
	char *const *configs;        /* copied */
	size_t nconfigs;             /* 0: the built-in config */
	int exe_rules;               /* build the executable detector's rules */
	tables_fill_fn fill_tables;  /* build the kernel tables (NULL: none), */
	size_t table_cap;            /* within this, */
	uint32_t generation;         /* after the one in force at start */
	/* tests only: called on the worker before each phase */
	void (*phase_hook)(enum config_load_phase phase, void *ctx);
	void *hook_ctx;
};

struct config_loader;

/* Starts the worker (idle until asked). NULL with errno set. */
struct config_loader *config_loader_new(const struct config_loader_opts *o);

/* Readable (an eventfd) when a build is done: then call take. */
int config_loader_fd(const struct config_loader *l);

/* Asks for a build of the files as they are now. Returns 1 if the worker
 * was idle, 0 if the request joined one to run after the current build. */
int config_loader_request(struct config_loader *l);

/* Moves a finished build into *out. Returns 1 (then call release), or 0
 * when none is ready. */
int config_loader_take(struct config_loader *l, struct config_build *out);

/* After a take: hands back what the caller did not keep of the build (*b,
 * emptied here) and the policy it replaced (NULL: none). The worker frees
 * them (the policy of a million strings takes 150 ms to free) and gives
 * the memory back to the system, then starts the next build if one was
 * asked for: the old config is gone before a new one is built. */
void config_loader_release(struct config_loader *l, struct config_build *b, struct policy *old);

/* Stops the worker: a build under way ends at its next phase, unfinished
 * and not taken builds are freed. Waits at most wait_ms for the worker;
 * if it is still inside a phase then, it is left to end on its own (it
 * frees everything, the loader too, when that phase returns, unless the
 * process has exited first). Returns 0 when the worker ended in time, 1
 * when it was left behind. l may be NULL. */
int config_loader_free(struct config_loader *l, unsigned int wait_ms);

#endif
