/* SPDX-License-Identifier: BSD-2-Clause */
/* hold.c - user side of hold.bpf.c: loaded on the exec program's frozen map. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/libbpf.h>
#include "bpf_load.h"
#include "hold.h"
#include "hold.skel.h"

struct hold {
	struct hold_bpf *skel;
};

struct hold *hold_open(int frozen_fd, char *err, size_t errlen)
{
	struct hold *h = calloc(1, sizeof(*h));
	int e;

	if (!h) {
		snprintf(err, errlen, "out of memory");
		errno = ENOMEM;
		return NULL;
	}
	h->skel = hold_bpf__open();
	if (!h->skel) {
		e = -errno;
		snprintf(err, errlen, "failed to open hold program: %s", strerror(-e));
		goto fail;
	}
	e = bpf_map__reuse_fd(h->skel->maps.frozen, frozen_fd);
	if (e) {
		snprintf(err, errlen, "failed to share the frozen map: %s", strerror(-e));
		goto fail;
	}
	e = bpf_load_object(h->skel->obj, "hold program", err, errlen);
	if (e)
		goto fail;
	e = hold_bpf__attach(h->skel);
	if (e) {
		snprintf(err, errlen, "failed to attach fexit/get_signal: %s", strerror(-e));
		goto fail;
	}
	return h;
fail:
	hold_close(h);
	errno = -e;
	return NULL;
}

void hold_close(struct hold *h)
{
	if (!h)
		return;
	if (h->skel)
		bpf_load_forget(h->skel->obj);
	hold_bpf__destroy(h->skel);
	free(h);
}
