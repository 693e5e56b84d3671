/* SPDX-License-Identifier: BSD-2-Clause */
/* fuzz_cgroup.c - libFuzzer harness: arbitrary bytes as a /proc/PID/cgroup
 * text (a process can put newlines and any byte in its cgroup's name). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cgroup_path.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int hex64(const char *s)
{
	if (strlen(s) != 64)
		return 0;
	for (int i = 0; i < 64; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return 1;
}

/* What ctr_from_proc_cgroup promises: -EINVAL and 0 leave nothing behind; 1
 * names a runtime, an id (64 hex but for buildkit) that is in the text,
 * and a cgroup path that starts with '/', ends with the id's component,
 * and is in the text. The id is safe to put in a file path. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ctr_ref r;
	int rc = ctr_from_proc_cgroup((const char *)data, size, &r);

	if (rc < 1) {
		if (r.runtime != CTR_RT_NONE || r.id[0] || r.cgroup[0])
			abort();
		return 0;
	}
	if (rc != 1 || !ctr_type_name(r.runtime) || !r.id[0] || strchr(r.id, '/') ||
	    strchr(r.id, '.') || (r.runtime != CTR_RT_BUILDKIT && !hex64(r.id)) ||
	    r.cgroup[0] != '/' || !memmem(data, size, r.cgroup, strlen(r.cgroup)) ||
	    !strstr(r.cgroup, r.id))
		abort();
	return 0;
}
