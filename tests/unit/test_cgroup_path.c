/* SPDX-License-Identifier: BSD-2-Clause */
/* test_cgroup_path.c - container ids from the cgroup paths each runtime and
 * cgroup driver creates, and from hostile /proc/PID/cgroup texts. */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include "cgroup_path.h"

#define ID "0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0"
#define ID2 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define UID "6c1f6a3e-8d1b-4b52-9a35-0b8c2f3d4e5f"
#define UID_ "6c1f6a3e_8d1b_4b52_9a35_0b8c2f3d4e5f"

struct path_case {
	const char *path;
	enum ctr_runtime rt;    /* CTR_RT_NONE: no container */
	const char *id;
	const char *cgroup;     /* the container's own cgroup */
	const char *pod_uid;
};

/* Shapes from the runtimes' and kubelet's documented layouts. */
static const struct path_case paths[] = {
	/* kubelet, systemd driver, containerd */
	{ "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" UID_ ".slice/"
	  "cri-containerd-" ID ".scope", CTR_RT_CONTAINERD, ID,
	  "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" UID_ ".slice/"
	  "cri-containerd-" ID ".scope", UID },
	{ "/kubepods.slice/kubepods-pod" UID_ ".slice/cri-containerd-" ID ".scope", CTR_RT_CONTAINERD,
	  ID, "/kubepods.slice/kubepods-pod" UID_ ".slice/cri-containerd-" ID ".scope", UID },
	/* a process in a sub-cgroup of its container (cgroup namespaces) */
	{ "/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod" UID_ ".slice/"
	  "cri-containerd-" ID ".scope/init.scope", CTR_RT_CONTAINERD, ID,
	  "/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod" UID_ ".slice/"
	  "cri-containerd-" ID ".scope", UID },
	/* kubelet, cgroupfs driver (containerd, or dockershim) */
	{ "/kubepods/burstable/pod" UID "/" ID, CTR_RT_KUBE, ID,
	  "/kubepods/burstable/pod" UID "/" ID, UID },
	{ "/kubepods/pod" UID "/" ID, CTR_RT_KUBE, ID, "/kubepods/pod" UID "/" ID, UID },
	/* CRI-O, systemd and cgroupfs */
	{ "/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod" UID_ ".slice/"
	  "crio-" ID ".scope", CTR_RT_CRIO, ID,
	  "/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod" UID_ ".slice/"
	  "crio-" ID ".scope", UID },
	{ "/kubepods/besteffort/pod" UID "/crio-" ID, CTR_RT_CRIO, ID,
	  "/kubepods/besteffort/pod" UID "/crio-" ID, UID },
	/* conmon is CRI-O's monitor, not the container */
	{ "/kubepods.slice/kubepods-pod" UID_ ".slice/crio-conmon-" ID ".scope", CTR_RT_NONE,
	  NULL, NULL, NULL },
	/* Docker, systemd and cgroupfs */
	{ "/system.slice/docker-" ID ".scope", CTR_RT_DOCKER, ID,
	  "/system.slice/docker-" ID ".scope", "" },
	{ "/docker/" ID, CTR_RT_DOCKER, ID, "/docker/" ID, "" },
	/* BinderHub: docker-in-docker inside a pod; the inner container wins */
	{ "/kubepods/burstable/pod" UID "/" ID2 "/docker/" ID, CTR_RT_DOCKER, ID,
	  "/kubepods/burstable/pod" UID "/" ID2 "/docker/" ID, UID },
	{ "/kubepods.slice/kubepods-pod" UID_ ".slice/cri-containerd-" ID2 ".scope/docker/" ID,
	  CTR_RT_DOCKER, ID,
	  "/kubepods.slice/kubepods-pod" UID_ ".slice/cri-containerd-" ID2 ".scope/docker/" ID, UID },
	/* dockerd itself in the dind pod is the pod's container */
	{ "/kubepods/burstable/pod" UID "/" ID2, CTR_RT_KUBE, ID2,
	  "/kubepods/burstable/pod" UID "/" ID2, UID },
	/* buildkit and podman */
	{ "/buildkit/x8m3k2p9q7w1e5r4t6y0u2i3o", CTR_RT_BUILDKIT, "x8m3k2p9q7w1e5r4t6y0u2i3o",
	  "/buildkit/x8m3k2p9q7w1e5r4t6y0u2i3o", "" },
	{ "/machine.slice/libpod-" ID ".scope/container", CTR_RT_PODMAN, ID,
	  "/machine.slice/libpod-" ID ".scope", "" },
	/* hosts */
	{ "/", CTR_RT_NONE, NULL, NULL, NULL },
	{ "/user.slice/user-0.slice/session-1.scope", CTR_RT_NONE, NULL, NULL, NULL },
	{ "/system.slice/containerd.service", CTR_RT_NONE, NULL, NULL, NULL },
	{ "/kubepods.slice/kubepods-burstable.slice", CTR_RT_NONE, NULL, NULL, NULL },
	/* near misses: wrong length, upper case, not under kubepods */
	{ "/system.slice/docker-" ID "0.scope", CTR_RT_NONE, NULL, NULL, NULL },
	{ "/system.slice/docker-0F1E2D3C4B5A69788796A5B4C3D2E1F00F1E2D3C4B5A69788796A5B4C3D2E1F0.scope",
	  CTR_RT_NONE, NULL, NULL, NULL },
	{ "/somewhere/" ID, CTR_RT_NONE, NULL, NULL, NULL },
	{ "/docker/../../" ID, CTR_RT_NONE, NULL, NULL, NULL },
	{ "/buildkit/../etc", CTR_RT_NONE, NULL, NULL, NULL },
	{ "/buildkit/Upper", CTR_RT_NONE, NULL, NULL, NULL },
	{ "relative/docker/" ID, CTR_RT_NONE, NULL, NULL, NULL },
	{ "", CTR_RT_NONE, NULL, NULL, NULL },
	/* a bad pod uid is left out, the container still found */
	{ "/kubepods/pod" "zzzzzzzz-8d1b-4b52-9a35-0b8c2f3d4e5f/" ID, CTR_RT_KUBE, ID,
	  "/kubepods/podzzzzzzzz-8d1b-4b52-9a35-0b8c2f3d4e5f/" ID, "" },
};

static void test_paths(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		const struct path_case *t = &paths[i];
		struct ctr_ref r;
		int got = ctr_from_path(t->path, strlen(t->path), &r);

		if (got != (t->rt != CTR_RT_NONE) || r.runtime != t->rt) {
			print_error("case %zu (%s): got %d runtime %d\n", i, t->path, got, r.runtime);
			fail();
		}
		if (!got)
			continue;
		assert_string_equal(r.id, t->id);
		assert_string_equal(r.cgroup, t->cgroup);
		assert_string_equal(r.pod_uid, t->pod_uid);
		assert_int_equal(r.v2, 0);
	}
}

static void test_type_names(void **state)
{
	(void)state;
	assert_string_equal(ctr_type_name(CTR_RT_CONTAINERD), "cri");
	assert_string_equal(ctr_type_name(CTR_RT_KUBE), "cri");
	assert_string_equal(ctr_type_name(CTR_RT_CRIO), "cri");
	assert_string_equal(ctr_type_name(CTR_RT_DOCKER), "docker");
	assert_string_equal(ctr_type_name(CTR_RT_BUILDKIT), "buildkit");
	assert_null(ctr_type_name(CTR_RT_NONE));
	assert_null(ctr_type_name((enum ctr_runtime)99));
	assert_string_equal(ctr_runtime_name(CTR_RT_CRIO), "cri-o");
	assert_null(ctr_runtime_name(CTR_RT_KUBE));
}

static int proc(const char *text, struct ctr_ref *r)
{
	return ctr_from_proc_cgroup(text, strlen(text), r);
}

#define KP "/kubepods/burstable/pod" UID "/" ID

static void test_proc_cgroup(void **state)
{
	struct ctr_ref r;

	(void)state;
	/* pure v2 */
	assert_int_equal(proc("0::" KP "\n", &r), 1);
	assert_string_equal(r.id, ID);
	assert_int_equal(r.v2, 1);
	assert_int_equal(r.runtime, CTR_RT_KUBE);
	/* hybrid, as runc 1.1 sets it up: v1 and unified agree; unified wins */
	assert_int_equal(proc("9:name=systemd:" KP "\n4:memory:" KP "\n1:cpu:" KP "\n0::" KP "\n",
			      &r), 1);
	assert_int_equal(r.v2, 1);
	assert_string_equal(r.cgroup, KP);
	/* v1 only (unified at the root, or absent) */
	assert_int_equal(proc("12:freezer:/docker/" ID "\n11:cpu,cpuacct:/docker/" ID "\n0::/\n",
			      &r), 1);
	assert_int_equal(r.v2, 0);
	assert_int_equal(r.runtime, CTR_RT_DOCKER);
	assert_int_equal(proc("3:cpuset:/docker/" ID "\n", &r), 1);
	/* the path may hold ':' */
	assert_int_equal(proc("0::/weird:name/docker/" ID "\n", &r), 1);
	assert_string_equal(r.cgroup, "/weird:name/docker/" ID);
	/* hosts */
	assert_int_equal(proc("0::/\n", &r), 0);
	assert_int_equal(proc("0::/user.slice/user-1000.slice/session-3.scope\n", &r), 0);
	assert_int_equal(proc("", &r), 0);
	/* no trailing newline */
	assert_int_equal(proc("0::" KP, &r), 1);
}

/* A cgroup name may hold '\n': a process that can name its cgroup can make
 * /proc/PID/cgroup show extra lines. Such texts name no container. */
static const char *const hostile[] = {
	/* a forged unified line after the real one */
	"0::/user.slice/x\n0::" KP "\n",
	/* a forged v1 line for a hierarchy that is also listed */
	"4:memory:/x\n4:memory:/docker/" ID "\n0::/\n",
	/* v1 lines that disagree */
	"4:memory:/docker/" ID "\n3:cpu:/docker/" ID2 "\n",
	/* unified and v1 disagree */
	"4:memory:/docker/" ID2 "\n0::" KP "\n",
	/* malformed lines */
	"0:" KP "\n",
	"x::" KP "\n",
	"0::relative\n",
	":0::/\n",
	"0::/\n\n0::/\n",
	"0::/\n\n",
	"64:cpu:/docker/" ID "\n",
	"1234:cpu:/\n",
	"0::\n",
	"0::/docker/" ID "\n4:memory",
};

static void test_hostile(void **state)
{
	struct ctr_ref r;

	(void)state;
	for (size_t i = 0; i < sizeof(hostile) / sizeof(hostile[0]); i++) {
		memset(&r, 0x55, sizeof(r));
		if (proc(hostile[i], &r) != -EINVAL) {
			print_error("hostile case %zu accepted: %s\n", i, hostile[i]);
			fail();
		}
		assert_int_equal(r.runtime, CTR_RT_NONE);
		assert_int_equal(r.id[0], 0);
	}
	/* embedded NUL, overlong paths, too many components: no container */
	{
		char buf[CTR_PATH_MAX + 64];
		size_t n;

		assert_int_equal(ctr_from_path("/docker/\0" ID, 8 + 1 + 64, &r), 0);
		memset(buf, 'a', sizeof(buf));
		buf[0] = '/';
		n = (size_t)snprintf(buf + CTR_PATH_MAX - 70, 80, "/docker/%s", ID);
		assert_int_equal(ctr_from_path(buf, CTR_PATH_MAX - 70 + n, &r), 0);
		n = 0;
		for (int i = 0; i < 200; i++)
			n += (size_t)snprintf(buf + n, sizeof(buf) - n, "/a");
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "/docker/%s", ID);
		assert_int_equal(ctr_from_path(buf, n, &r), 0);
	}
}

/* Random bytes never crash the parser and never yield an id that is not in
 * the text, or a cgroup that is not a prefix of some line's path. */
static void test_random_texts(void **state)
{
	static const char *const parts[] = {
		"0", "1", "4", ":", "::", "/", "\n", "docker", "docker-", ".scope", ID, ID2,
		"kubepods", ("pod" UID), "cri-containerd-", "crio-", "buildkit", "abc", "memory",
	};
	uint64_t x = 88172645463325252ull;
	char text[2048];
	struct ctr_ref r;

	(void)state;
	for (int round = 0; round < 200000; round++) {
		size_t n = 0;
		int parts_n;

		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		parts_n = (int)(x % 24);
		for (int k = 0; k < parts_n; k++) {
			const char *p;

			x ^= x << 13, x ^= x >> 7, x ^= x << 17;
			p = parts[x % (sizeof(parts) / sizeof(parts[0]))];
			if (n + strlen(p) >= sizeof(text))
				break;
			memcpy(text + n, p, strlen(p));
			n += strlen(p);
		}
		if (ctr_from_proc_cgroup(text, n, &r) == 1) {
			assert_true(memmem(text, n, r.id, strlen(r.id)) != NULL);
			assert_true(memmem(text, n, r.cgroup, strlen(r.cgroup)) != NULL);
			assert_true(r.runtime != CTR_RT_NONE);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_paths),
		cmocka_unit_test(test_type_names),
		cmocka_unit_test(test_proc_cgroup),
		cmocka_unit_test(test_hostile),
		cmocka_unit_test(test_random_texts),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
