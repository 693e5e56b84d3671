/* SPDX-License-Identifier: BSD-2-Clause */
/* cgroup_path.c - container ids from cgroup paths (see cgroup_path.h). */
#include <errno.h>
#include <string.h>
#include "cgroup_path.h"

static const char *const type_names[] = {
	[CTR_RT_CONTAINERD] = "cri", [CTR_RT_CRIO] = "cri", [CTR_RT_KUBE] = "cri",
	[CTR_RT_DOCKER] = "docker", [CTR_RT_PODMAN] = "podman", [CTR_RT_BUILDKIT] = "buildkit",
};

static const char *const runtime_names[] = {
	[CTR_RT_CONTAINERD] = "containerd", [CTR_RT_CRIO] = "cri-o", [CTR_RT_KUBE] = NULL,
	[CTR_RT_DOCKER] = "docker", [CTR_RT_PODMAN] = "podman", [CTR_RT_BUILDKIT] = "buildkit",
};

const char *ctr_type_name(enum ctr_runtime rt)
{
	return rt > CTR_RT_NONE && rt <= CTR_RT_KUBE ? type_names[rt] : NULL;
}

const char *ctr_runtime_name(enum ctr_runtime rt)
{
	return rt > CTR_RT_NONE && rt <= CTR_RT_KUBE ? runtime_names[rt] : NULL;
}

struct span {
	const char *s;
	size_t n;
};

static int is_hex64(const char *s, size_t n)
{
	if (n != 64)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return 1;
}

/* buildkit's ids are lowercase base32-ish; accept [a-z0-9], 1..64. */
static int is_buildkit_id(const char *s, size_t n)
{
	if (n == 0 || n > CTR_ID_MAX)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'z')))
			return 0;
	return 1;
}

static int eq(struct span c, const char *lit)
{
	return c.n == strlen(lit) && !memcmp(c.s, lit, c.n);
}

static int starts(struct span c, const char *lit)
{
	size_t l = strlen(lit);

	return c.n >= l && !memcmp(c.s, lit, l);
}

/* "<prefix><64 hex><suffix>": the id's offset, or 0. */
static size_t wrapped_id(struct span c, const char *prefix, const char *suffix)
{
	size_t p = strlen(prefix), q = strlen(suffix);

	if (c.n != p + 64 + q || memcmp(c.s, prefix, p) || memcmp(c.s + p + 64, suffix, q))
		return 0;
	return is_hex64(c.s + p, 64) ? p : 0;
}

/* A pod uid in "pod<uuid>" (cgroupfs) or "kubepods[-qos]-pod<uuid_>.slice"
 * (systemd, with '-' written as '_'). */
static void find_pod_uid(const struct span *comp, size_t n, char *out, size_t outlen)
{
	for (size_t i = 0; i < n; i++) {
		struct span c = comp[i];
		const char *u = NULL;
		size_t ul = 0;

		if (starts(c, "pod") && c.n == 3 + 36) {
			u = c.s + 3;
			ul = 36;
		} else if (starts(c, "kubepods") && c.n > 6 + 36 + 3 &&
			   !memcmp(c.s + c.n - 6, ".slice", 6) &&
			   !memcmp(c.s + c.n - 6 - 36 - 3, "pod", 3)) {
			u = c.s + c.n - 6 - 36;
			ul = 36;
		}
		if (!u || ul >= outlen)
			continue;
		for (size_t k = 0; k < ul; k++) {
			char ch = u[k] == '_' ? '-' : u[k];

			if (!((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f') || ch == '-'))
				goto next;
			out[k] = ch;
		}
		out[ul] = '\0';
		return;
next:
		out[0] = '\0';
	}
}

static int under_kubepods(const struct span *comp, size_t i)
{
	while (i-- > 0)
		if (starts(comp[i], "kubepods"))
			return 1;
	return 0;
}

#define MAX_COMPONENTS 128

int ctr_from_path(const char *path, size_t len, struct ctr_ref *out)
{
	struct span comp[MAX_COMPONENTS];
	size_t n = 0, i = 0;

	memset(out, 0, sizeof(*out));
	if (len == 0 || path[0] != '/' || len >= CTR_PATH_MAX || memchr(path, '\0', len))
		return 0;
	while (i < len) {
		size_t k = i + 1;

		while (k < len && path[k] != '/')
			k++;
		if (k > i + 1) {
			if (n == MAX_COMPONENTS)
				return 0;
			comp[n].s = path + i + 1;
			comp[n++].n = k - i - 1;
		}
		i = k;
	}
	for (i = n; i-- > 0;) {
		struct span c = comp[i], parent = i ? comp[i - 1] : (struct span){ "", 0 };
		enum ctr_runtime rt = CTR_RT_NONE;
		size_t off = 0, idlen = 64;

		if ((off = wrapped_id(c, "cri-containerd-", ".scope")))
			rt = CTR_RT_CONTAINERD;
		else if ((off = wrapped_id(c, "crio-", ".scope")) || (off = wrapped_id(c, "crio-", "")))
			rt = CTR_RT_CRIO;
		else if ((off = wrapped_id(c, "docker-", ".scope")))
			rt = CTR_RT_DOCKER;
		else if ((off = wrapped_id(c, "libpod-", ".scope")))
			rt = CTR_RT_PODMAN;
		else if (is_hex64(c.s, c.n) && eq(parent, "docker"))
			rt = CTR_RT_DOCKER;
		else if (is_hex64(c.s, c.n) && under_kubepods(comp, i))
			rt = CTR_RT_KUBE;
		else if (eq(parent, "buildkit") && is_buildkit_id(c.s, c.n))
			rt = CTR_RT_BUILDKIT, idlen = c.n;
		if (rt == CTR_RT_NONE)
			continue;
		out->runtime = rt;
		memcpy(out->id, c.s + off, idlen);
		out->id[idlen] = '\0';
		memcpy(out->cgroup, path, (size_t)(c.s + c.n - path));
		out->cgroup[c.s + c.n - path] = '\0';
		find_pod_uid(comp, i, out->pod_uid, sizeof(out->pod_uid));
		return 1;
	}
	return 0;
}

/* 1, 0, or -EINVAL (see ctr_from_proc_cgroup). */
static int parse_lines(const char *text, size_t len, struct ctr_ref *out)
{
	struct ctr_ref v1 = { 0 }, cur;
	unsigned long long seen = 0;
	int have_v2 = 0, have_v1 = 0, unified_lines = 0;
	size_t i = 0;

	memset(out, 0, sizeof(*out));
	while (i < len) {
		const char *line = text + i, *nl = memchr(line, '\n', len - i), *c1, *c2;
		size_t ll = nl ? (size_t)(nl - line) : len - i;
		unsigned int h = 0;
		size_t d;

		i += ll + 1;
		if (ll == 0)
			return -EINVAL;
		for (d = 0; d < ll && line[d] >= '0' && line[d] <= '9' && d < 3; d++)
			h = h * 10 + (unsigned int)(line[d] - '0');
		if (d == 0 || d >= ll || line[d] != ':' || h >= 64)
			return -EINVAL;
		c1 = line + d;
		c2 = memchr(c1 + 1, ':', ll - d - 1);
		if (!c2 || c2 + 1 >= line + ll || c2[1] != '/')
			return -EINVAL;
		if (seen & (1ull << h))
			return -EINVAL;
		seen |= 1ull << h;
		if (h == 0 && c2 == c1 + 1)
			unified_lines++;
		if (!ctr_from_path(c2 + 1, (size_t)(line + ll - c2 - 1), &cur))
			continue;
		if (h == 0 && c2 == c1 + 1) {
			*out = cur;
			out->v2 = 1;
			have_v2 = 1;
		} else if (!have_v1) {
			v1 = cur;
			have_v1 = 1;
		} else if (strcmp(v1.id, cur.id)) {
			return -EINVAL;
		}
	}
	if (unified_lines > 1)
		return -EINVAL;
	if (have_v2 && have_v1 && strcmp(out->id, v1.id))
		return -EINVAL;
	if (have_v2)
		return 1;
	if (have_v1) {
		*out = v1;
		return 1;
	}
	return 0;
}

int ctr_from_proc_cgroup(const char *text, size_t len, struct ctr_ref *out)
{
	int rc = parse_lines(text, len, out);

	if (rc < 0)
		memset(out, 0, sizeof(*out));
	return rc;
}
