/* SPDX-License-Identifier: BSD-2-Clause */
/* evidence_live.h - what evidence_capture read (private to evidence*.c). */
#ifndef NOMINE_EVIDENCE_LIVE_H
#define NOMINE_EVIDENCE_LIVE_H

#include <jansson.h>

struct evidence_live {
	int exe_fd;             /* O_PATH on /proc/PID/exe; -1: the process was gone */
	json_t *process;        /* {"pid", "alive", "exe", "cgroup", "connections", ...} */
	json_t *ancestors;      /* [{"pid", "ppid", "exe", "argv", ...}, ...] */
};

#endif
