// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* hold.bpf.c - keeps a process frozen at exec stopped until user space has
 * decided it, whatever SIGCONT anyone sends it.
 *
 * SIGCONT wakes a stopped task inside get_signal() (do_signal_stop), and
 * flushes a SIGSTOP not yet taken; either way the task then leaves
 * get_signal() on its way to user mode (in the second case its
 * TIF_SIGPENDING, set by the SIGSTOP, is still set). Sending SIGSTOP again
 * as get_signal() returns makes exit_to_user_mode_loop, which re-reads the
 * thread flags, go round once more and stop the task before any
 * instruction of its image runs. A ptrace resume returns through
 * get_signal() too. That needs a BPF trampoline (fexit): where there is
 * none, a frozen process runs when anyone sends it SIGCONT.
 *
 * (Tracepoints cannot stand in for it: a stopped task woken by SIGCONT
 * passes none in its own context before user mode, and a SIGSTOP sent from
 * the sender's side, bpf_send_signal_task at signal_generate or
 * sched_switch, is deferred to irq_work and refused from idle or exiting
 * contexts: measured, the child still ran.) */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include "frozen.bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

#define SIGSTOP 19

/* t's process is held: in the frozen map, and the same process (not a
 * later one that reused the pid). */
static __always_inline bool held(struct task_struct *t)
{
	__u32 tgid = BPF_CORE_READ(t, tgid);
	struct nm_frozen *f = bpf_map_lookup_elem(&frozen, &tgid);

	return f && f->start_ns == BPF_CORE_READ(t, group_leader, start_boottime);
}

/* Runs at every get_signal() on the machine: one lookup, nothing else
 * unless the process is held. */
SEC("fexit/get_signal")
int BPF_PROG(hold_after_get_signal)
{
	/* not bpf_get_current_task_btf(): 5.11+ */
	if (held((struct task_struct *)bpf_get_current_task()))
		bpf_send_signal(SIGSTOP);
	return 0;
}
