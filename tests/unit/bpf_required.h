/* SPDX-License-Identifier: BSD-2-Clause */
/* bpf_required.h - whether a unit test that finds nomine's BPF parts unable
 * to load must fail, or may skip. The same rule as tests/e2e/conftest.py and
 * tests/run_all.py:
 *   NOMINE_REQUIRE_BPF=1  required, whatever the machine (CI sets it);
 *   NOMINE_NO_BPF=1       not required: this machine cannot do BPF, skip;
 *   otherwise             required when running as root on a kernel with BTF
 *                         (/sys/kernel/btf/vmlinux), where the parts must load.
 * Returns why BPF is required, or NULL when a skip is allowed. */
#ifndef NOMINE_TEST_BPF_REQUIRED_H
#define NOMINE_TEST_BPF_REQUIRED_H

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static inline int bpf_env_flag(const char *name)
{
	const char *v = getenv(name);

	return v && *v && strcmp(v, "0");
}

static inline const char *bpf_required(void)
{
	if (bpf_env_flag("NOMINE_REQUIRE_BPF"))
		return "NOMINE_REQUIRE_BPF is set";
	if (bpf_env_flag("NOMINE_NO_BPF"))
		return NULL;
	if (geteuid() == 0 && access("/sys/kernel/btf/vmlinux", F_OK) == 0)
		return "running as root on a kernel with BTF; set NOMINE_NO_BPF=1 if this "
		       "machine cannot do BPF";
	return NULL;
}

#endif
