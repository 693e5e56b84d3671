/* SPDX-License-Identifier: BSD-2-Clause */
/* randomx_respond.c - RandomX finding to action: identity, allow, evidence. */
#include "flag_respond.h"
#include "log.h"
#include "randomx_respond.h"
#include "proc.h"

json_t *randomx_evidence(const struct randomx_event *ev)
{
	static const char *const names[] = { NULL, "down", "up", "toward-zero" };
	json_t *o = json_object(), *modes = json_array();

	for (unsigned int m = 1; m <= 3; m++)
		if (ev->modes & (1u << m))
			json_array_append_new(modes, json_string(names[m]));
	log_set_int(o, "observations", ev->count);
	log_set_int(o, "threshold", ev->threshold);
	json_object_set_new(o, "window_seconds", json_real((double)ev->window_ns / 1e9));
	json_object_set_new(o, "rounding_modes", modes);
	log_set_int(o, "threads", ev->threads);
	json_object_set_new(o, "seconds_since_first",
			    json_real((double)(ev->ts_ns - ev->first_ns) / 1e9));
	return o;
}

int randomx_respond(struct action_ctx *a, struct policy *p, const struct randomx_event *ev)
{
	/* the kernel's cgroup id: the container is looked up after the kill,
	 * when /proc/PID/cgroup is gone */
	struct subject s = { .tgid = (pid_t)ev->tgid, .source = "monero", .in_scope = -1,
			     .start_ticks = proc_ns_to_ticks(ev->start_ns),
			     .seen_ns = flag_boot_to_monotonic(ev->first_ns),
			     .cgroup_id = ev->cgroup_id };

	return flag_respond(a, p, &s, randomx_evidence(ev), 0) == 1;
}
