/* SPDX-License-Identifier: BSD-2-Clause */
/* domain_map.c - fills and swaps in the kernel's map of banned domain hashes. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/random.h>
#include <bpf/bpf.h>
#include "domain_hash.h"
#include "domain_map.h"

uint64_t domain_map_seed(void)
{
	struct timespec ts;
	uint64_t seed;

	if (getrandom(&seed, sizeof(seed), GRND_NONBLOCK) == (ssize_t)sizeof(seed))
		return seed;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((uint64_t)ts.tv_nsec << 32) ^ (uint64_t)ts.tv_sec ^ (uint64_t)getpid() << 16;
}

/* A new map holding the hashes of l's names, or a negative errno. Its
 * shape is dns.bpf.h's struct domain_set: an outer map takes only maps of
 * its inner template's shape. */
static int fill(const struct domain_list *l, uint64_t seed)
{
	LIBBPF_OPTS(bpf_map_create_opts, mopts, .map_flags = BPF_F_NO_PREALLOC);
	int fd = bpf_map_create(BPF_MAP_TYPE_HASH, "nm_domains", sizeof(uint64_t),
				sizeof(uint32_t), NM_DOMAINS_MAX, &mopts);

	if (fd < 0)
		return fd;
	for (size_t i = 0; i < l->n; i++) {
		uint64_t h = nm_domain_hash(seed, l->v[i].name, (unsigned int)l->v[i].len);
		uint32_t idx = (uint32_t)i;
		/* a duplicate keeps its first entry, the one events name */
		int r = bpf_map_update_elem(fd, &h, &idx, BPF_NOEXIST);

		if (r && r != -EEXIST) {
			close(fd);
			return r;
		}
	}
	return fd;
}

int domain_map_install(int outer, const struct domain_list *l, uint64_t seed, char *err,
		       size_t errlen)
{
	uint32_t zero = 0;
	int fd, r;

	if (!l->n) {
		r = bpf_map_delete_elem(outer, &zero);
		if (r && r != -ENOENT) {
			snprintf(err, errlen, "failed to empty the banned domains: %s", strerror(-r));
			return r;
		}
		return 0;
	}
	fd = fill(l, seed);
	if (fd < 0) {
		snprintf(err, errlen, "failed to load %zu banned domains: %s", l->n, strerror(-fd));
		return fd;
	}
	r = bpf_map_update_elem(outer, &zero, &fd, BPF_ANY);
	if (r)
		snprintf(err, errlen, "failed to install the banned domains: %s", strerror(-r));
	close(fd);      /* the outer map holds what it took */
	return r;
}
