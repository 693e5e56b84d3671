/* SPDX-License-Identifier: BSD-2-Clause */
/* test_containers.c - metadata from each runtime's state files (fixtures
 * written from their documented layouts), hostile state files, environment
 * selection, the event fields, and the whole-container kill counter. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>
#include <jansson.h>
#include "config.h"
#include "containers.h"
#include "environ.h"
#include "proc.h"
#include "runtime_state.h"

#define ID "0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0"
#define UID "6c1f6a3e-8d1b-4b52-9a35-0b8c2f3d4e5f"

static char root[256];
static struct rt_dirs dirs;
static char *env_names[] = { "JUPYTERHUB_USER", "BINDER_REPO_URL" };

static void mkdirs(const char *path)
{
	char buf[1024], *p;

	snprintf(buf, sizeof(buf), "%s", path);
	for (p = buf + 1; *p; p++)
		if (*p == '/') {
			*p = '\0';
			mkdir(buf, 0755);
			*p = '/';
		}
	mkdir(buf, 0755);
}

static void write_at(const char *dir, const char *rel, const char *text)
{
	char path[2048], parent[2048];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	snprintf(parent, sizeof(parent), "%s", path);
	*strrchr(parent, '/') = '\0';
	mkdirs(parent);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static int setup(void **state)
{
	(void)state;
	snprintf(root, sizeof(root), "/tmp/nomine-ctr-XXXXXX");
	assert_non_null(mkdtemp(root));
	snprintf(dirs.containerd, sizeof(dirs.containerd), "%s/containerd", root);
	snprintf(dirs.crio, sizeof(dirs.crio), "%s/crio", root);
	snprintf(dirs.docker, sizeof(dirs.docker), "%s/docker", root);
	mkdirs(dirs.containerd);
	mkdirs(dirs.crio);
	mkdirs(dirs.docker);
	return 0;
}

static int teardown(void **state)
{
	char cmd[512];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	return system(cmd) == 0 ? 0 : -1;
}

#define KP "/kubepods/burstable/pod" UID "/" ID
#define KS "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" \
	"6c1f6a3e_8d1b_4b52_9a35_0b8c2f3d4e5f.slice/cri-containerd-" ID ".scope"

static struct ctr_ref ref_of(enum ctr_runtime rt, const char *id)
{
	struct ctr_ref r;

	memset(&r, 0, sizeof(r));
	r.runtime = rt;
	snprintf(r.id, sizeof(r.id), "%s", id);
	snprintf(r.cgroup, sizeof(r.cgroup), "%s", KP);
	return r;
}

/* containerd's CRI plugin: OCI spec with io.kubernetes.cri.* annotations,
 * under a namespace directory ("k8s.io"); other namespaces are searched too. */
static void test_containerd(void **state)
{
	struct ctr_ref r = ref_of(CTR_RT_CONTAINERD, ID);
	struct rt_meta m;
	char err[8192];

	(void)state;
	write_at(dirs.containerd, "moby/.keep", "");
	write_at(dirs.containerd, "k8s.io/" ID "/config.json",
		 "{\"ociVersion\": \"1.0.2\", \"process\": {\"env\": [\"PATH=/bin\", "
		 "\"JUPYTERHUB_USER=alice\", \"OTHER=x\", \"BINDER_REPO_URL=https://e.org/r\", "
		 "\"JUPYTERHUB_USER=second\", \"NOEQUALS\", 5]},"
		 "\"linux\": {\"cgroupsPath\": \"" KP "\"},"
		 "\"annotations\": {\"io.kubernetes.cri.container-type\": \"container\","
		 "\"io.kubernetes.cri.sandbox-name\": \"jupyter-alice\","
		 "\"io.kubernetes.cri.sandbox-namespace\": \"hub\","
		 "\"io.kubernetes.cri.sandbox-uid\": \"" UID "\","
		 "\"io.kubernetes.cri.container-name\": \"notebook\","
		 "\"io.kubernetes.cri.image-name\": \"quay.io/jupyter/base:2024\"}}");
	assert_int_equal(rt_meta_load(&dirs, &r, env_names, 2, &m, err, sizeof(err)), 0);
	assert_int_equal(m.runtime, CTR_RT_CONTAINERD);
	assert_string_equal(m.labels[RT_POD_NAME], "jupyter-alice");
	assert_string_equal(m.labels[RT_POD_NAMESPACE], "hub");
	assert_string_equal(m.labels[RT_POD_UID], UID);
	assert_string_equal(m.labels[RT_CONTAINER_NAME], "notebook");
	assert_string_equal(m.image, "quay.io/jupyter/base:2024");
	assert_false(m.sandbox);
	assert_int_equal(m.nenv, 3);
	assert_string_equal(m.env[0], "JUPYTERHUB_USER=alice");
	assert_string_equal(m.env[1], "BINDER_REPO_URL=https://e.org/r");
	rt_meta_free(&m);
	/* a cgroupfs kubepods path does not say the runtime: found all the same */
	r.runtime = CTR_RT_KUBE;
	assert_int_equal(rt_meta_load(&dirs, &r, NULL, 0, &m, err, sizeof(err)), 0);
	assert_int_equal(m.runtime, CTR_RT_CONTAINERD);
	assert_int_equal(m.nenv, 0);
	rt_meta_free(&m);
	/* the same id in a cgroup anyone could make elsewhere: not this container */
	snprintf(r.cgroup, sizeof(r.cgroup), "/user.slice/user-1000.slice/kubepods/x/%s", ID);
	assert_int_equal(rt_meta_load(&dirs, &r, NULL, 0, &m, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "is not containerd container 0f1e2d3c4b5a's (its spec says "
			       KP ")"));
	assert_null(m.labels[RT_POD_NAMESPACE]);
}

/* The systemd driver's cgroupsPath "SLICE:PREFIX:ID", expanded as systemd
 * nests slices, must be exactly the process's cgroup. */
static void test_systemd_cgroups_path(void **state)
{
	static const char id3[] = "3333333333333333333333333333333333333333333333333333333333333333";
	struct ctr_ref r = ref_of(CTR_RT_CONTAINERD, id3);
	struct rt_meta m;
	char err[8192];

	(void)state;
	write_at(dirs.containerd, "k8s.io/3333333333333333333333333333333333333333333333333333333333333333"
		 "/config.json", "{\"linux\": {\"cgroupsPath\": \"kubepods-burstable-pod"
		 "6c1f6a3e_8d1b_4b52_9a35_0b8c2f3d4e5f.slice:cri-containerd:"
		 "3333333333333333333333333333333333333333333333333333333333333333\"},"
		 "\"annotations\": {\"io.kubernetes.cri.sandbox-namespace\": \"hub\"}}");
	snprintf(r.cgroup, sizeof(r.cgroup), "/kubepods.slice/kubepods-burstable.slice/"
		 "kubepods-burstable-pod6c1f6a3e_8d1b_4b52_9a35_0b8c2f3d4e5f.slice/"
		 "cri-containerd-%s.scope", id3);
	assert_int_equal(rt_meta_load(&dirs, &r, NULL, 0, &m, err, sizeof(err)), 0);
	assert_string_equal(m.labels[RT_POD_NAMESPACE], "hub");
	rt_meta_free(&m);
	/* one level short, or a different prefix: refused */
	snprintf(r.cgroup, sizeof(r.cgroup), "/kubepods.slice/"
		 "kubepods-burstable-pod6c1f6a3e_8d1b_4b52_9a35_0b8c2f3d4e5f.slice/"
		 "cri-containerd-%s.scope", id3);
	assert_int_equal(rt_meta_load(&dirs, &r, NULL, 0, &m, err, sizeof(err)), -EINVAL);
	snprintf(r.cgroup, sizeof(r.cgroup), "/kubepods.slice/kubepods-burstable.slice/"
		 "kubepods-burstable-pod6c1f6a3e_8d1b_4b52_9a35_0b8c2f3d4e5f.slice/"
		 "crio-%s.scope", id3);
	assert_int_equal(rt_meta_load(&dirs, &r, NULL, 0, &m, err, sizeof(err)), -EINVAL);
}

/* CRI-O: labels packed as a JSON string in io.kubernetes.cri-o.Labels. */
static void test_crio(void **state)
{
	struct ctr_ref r = ref_of(CTR_RT_CRIO, ID);
	struct rt_meta m;
	char err[8192];

	(void)state;
	write_at(dirs.crio, ID "/userdata/config.json",
		 "{\"process\": {\"env\": [\"JUPYTERHUB_USER=bob\"]},"
		 "\"linux\": {\"cgroupsPath\": \"" KP "\"},"
		 "\"annotations\": {\"io.kubernetes.cri-o.ContainerType\": \"container\","
		 "\"io.kubernetes.cri-o.ImageName\": \"docker.io/library/python:3.12\","
		 "\"io.kubernetes.cri-o.Labels\": \"{\\\"io.kubernetes.container.name\\\":"
		 "\\\"notebook\\\",\\\"io.kubernetes.pod.name\\\":\\\"jupyter-bob\\\","
		 "\\\"io.kubernetes.pod.namespace\\\":\\\"binder\\\","
		 "\\\"io.kubernetes.pod.uid\\\":\\\"" UID "\\\"}\"}}");
	assert_int_equal(rt_meta_load(&dirs, &r, env_names, 2, &m, err, sizeof(err)), 0);
	assert_string_equal(m.labels[RT_POD_NAME], "jupyter-bob");
	assert_string_equal(m.labels[RT_POD_NAMESPACE], "binder");
	assert_string_equal(m.labels[RT_CONTAINER_NAME], "notebook");
	assert_string_equal(m.image, "docker.io/library/python:3.12");
	assert_int_equal(m.nenv, 1);
	rt_meta_free(&m);
}

/* Docker (dockershim/cri-dockerd labels, or BinderHub's docker-in-docker). */
static void test_docker(void **state)
{
	struct ctr_ref r = ref_of(CTR_RT_DOCKER, ID);
	struct rt_meta m;
	char err[8192];

	(void)state;
	write_at(dirs.docker, ID "/config.v2.json",
		 "{\"ID\": \"" ID "\", \"Name\": \"/build-r2d\", \"Config\": {"
		 "\"Image\": \"r2d-abc123:latest\", \"Env\": [\"BINDER_REPO_URL=https://g.com/x\"],"
		 "\"Labels\": {\"repo2docker.ref\": \"main\", "
		 "\"io.kubernetes.pod.namespace\": \"kube-system\"}}}");
	write_at(dirs.docker, ID "/hostconfig.json", "{\"CgroupParent\": \"\"}");
	snprintf(r.cgroup, sizeof(r.cgroup), "/docker/%s", ID);
	assert_int_equal(rt_meta_load(&dirs, &r, env_names, 2, &m, err, sizeof(err)), 0);
	/* not made by the kubelet: an image's own io.kubernetes.* LABELs are not
	 * believed (an image could name itself into an exempt namespace) */
	assert_null(m.labels[RT_POD_NAMESPACE]);
	assert_null(m.labels[RT_POD_NAME]);
	assert_string_equal(m.image, "r2d-abc123:latest");
	assert_int_equal(m.nenv, 1);
	assert_string_equal(m.env[0], "BINDER_REPO_URL=https://g.com/x");
	rt_meta_free(&m);
	/* systemd driver default */
	snprintf(r.cgroup, sizeof(r.cgroup), "/system.slice/docker-%s.scope", ID);
	assert_int_equal(rt_meta_load(&dirs, &r, NULL, 0, &m, err, sizeof(err)), 0);
	rt_meta_free(&m);
	/* made by the kubelet (cri-dockerd): labels believed */
	write_at(dirs.docker, ID "/hostconfig.json",
		 "{\"CgroupParent\": \"/kubepods/burstable/pod" UID "\"}");
	snprintf(r.cgroup, sizeof(r.cgroup), "%s", KP);
	assert_int_equal(rt_meta_load(&dirs, &r, NULL, 0, &m, err, sizeof(err)), 0);
	assert_string_equal(m.labels[RT_POD_NAMESPACE], "kube-system");
	rt_meta_free(&m);
	write_at(dirs.docker, ID "/hostconfig.json",
		 "{\"CgroupParent\": \"kubepods-burstable.slice\"}");
	snprintf(r.cgroup, sizeof(r.cgroup), "/kubepods.slice/kubepods-burstable.slice/"
		 "docker-%s.scope", ID);
	assert_int_equal(rt_meta_load(&dirs, &r, NULL, 0, &m, err, sizeof(err)), 0);
	rt_meta_free(&m);
	/* elsewhere: refused */
	snprintf(r.cgroup, sizeof(r.cgroup), "/evil/docker/%s", ID);
	assert_int_equal(rt_meta_load(&dirs, &r, NULL, 0, &m, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "is not docker container"));
	/* buildkit keeps nothing readable: no metadata, not a failure */
	r = ref_of(CTR_RT_BUILDKIT, "x8m3k2p9q7w1e5r4t6y0u2i3o");
	assert_int_equal(rt_meta_load(&dirs, &r, NULL, 0, &m, err, sizeof(err)), 0);
	assert_null(m.image);
}

/* Broken, hostile or missing state: an error naming the file, never a crash. */
static void test_bad_state(void **state)
{
	static const char id2[] = "1111111111111111111111111111111111111111111111111111111111111111";
	struct ctr_ref r = ref_of(CTR_RT_DOCKER, id2);
	struct rt_meta m;
	char err[8192], path[CTR_PATH_MAX + 128];
	int fd;

	(void)state;
	assert_int_equal(rt_meta_load(&dirs, &r, NULL, 0, &m, err, sizeof(err)), -ENOENT);
	assert_non_null(strstr(err, "no state found for docker container 111111111111 in "));
	write_at(dirs.docker, "1111111111111111111111111111111111111111111111111111111111111111"
		 "/config.v2.json", "{\"Config\": {\n\"Image\": }");
	assert_int_equal(rt_meta_load(&dirs, &r, NULL, 0, &m, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "config.v2.json:2: "));
	write_at(dirs.docker, "1111111111111111111111111111111111111111111111111111111111111111"
		 "/config.v2.json", "[1, 2]");
	assert_int_equal(rt_meta_load(&dirs, &r, NULL, 0, &m, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "not a JSON object"));
	/* duplicate keys could smuggle a second value past a reviewer */
	write_at(dirs.docker, "1111111111111111111111111111111111111111111111111111111111111111"
		 "/config.v2.json", "{\"Config\": {}, \"Config\": {}}");
	assert_int_equal(rt_meta_load(&dirs, &r, NULL, 0, &m, err, sizeof(err)), -EINVAL);
	/* wrong types everywhere: loads, with nothing (no hostconfig.json:
	 * Docker's default cgroup parent) */
	snprintf(r.cgroup, sizeof(r.cgroup), "/docker/%s", id2);
	write_at(dirs.docker, "1111111111111111111111111111111111111111111111111111111111111111"
		 "/config.v2.json", "{\"Config\": {\"Image\": 5, \"Labels\": [], \"Env\": {}}}");
	assert_int_equal(rt_meta_load(&dirs, &r, env_names, 2, &m, err, sizeof(err)), 0);
	assert_null(m.image);
	assert_int_equal(m.nenv, 0);
	rt_meta_free(&m);
	/* oversized (sparse) */
	snprintf(path, sizeof(path), "%s/%s/config.v2.json", dirs.docker, id2);
	fd = open(path, O_WRONLY | O_TRUNC);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, (off_t)RT_FILE_MAX + 1), 0);
	close(fd);
	assert_int_equal(rt_meta_load(&dirs, &r, NULL, 0, &m, err, sizeof(err)), -E2BIG);
	assert_non_null(strstr(err, "not a regular file of at most"));
	/* a symlink planted in the state dir is not followed */
	unlink(path);
	assert_int_equal(symlink("/etc/passwd", path), 0);
	assert_int_equal(rt_meta_load(&dirs, &r, NULL, 0, &m, err, sizeof(err)), -ELOOP);
	assert_non_null(strstr(err, strerror(ELOOP)));
	/* a directory where the file should be */
	unlink(path);
	mkdir(path, 0755);
	assert_int_equal(rt_meta_load(&dirs, &r, NULL, 0, &m, err, sizeof(err)), -EINVAL);
	rmdir(path);
	/* the kubepods lookup names every dir it tried */
	r.runtime = CTR_RT_KUBE;
	assert_int_equal(rt_meta_load(&dirs, &r, NULL, 0, &m, err, sizeof(err)), -ENOENT);
	assert_non_null(strstr(err, dirs.crio));
	assert_non_null(strstr(err, dirs.docker));
}

static void test_join_root(void **state)
{
	char out[64];

	(void)state;
	assert_int_equal(rt_join_root(out, sizeof(out), "/host", "/run/x"), 0);
	assert_string_equal(out, "/host/run/x");
	assert_int_equal(rt_join_root(out, sizeof(out), "/", "/run/x"), 0);
	assert_string_equal(out, "/run/x");
	assert_int_equal(rt_join_root(out, sizeof(out), NULL, "/run/x"), 0);
	assert_int_equal(rt_join_root(out, 8, "/host", "/run/x"), -ENAMETOOLONG);
}

static void test_env_pick(void **state)
{
	static const uint8_t block[] = "A=1\0JUPYTERHUB_USER=eve\0JUPYTERHUB_USER=late\0"
				       "BINDER_REPO_URL=\xff\xfe\0JUPYTERHUB_USERX=no\0=\0B";
	json_t *o = json_object();
	size_t vl;

	(void)state;
	assert_int_equal(env_pick(o, block, sizeof(block) - 1, env_names, 2), 2);
	assert_string_equal(json_string_value(json_object_get(o, "JUPYTERHUB_USER")), "eve");
	assert_string_equal(json_string_value(json_object_get(o, "BINDER_REPO_URL")), "\\xff\\xfe");
	/* already there: kept */
	assert_int_equal(env_pick(o, (const uint8_t *)"JUPYTERHUB_USER=x", 17, env_names, 1), 0);
	json_decref(o);
	assert_null(env_find(block, sizeof(block) - 1, "B", &vl));   /* unterminated "B" */
	assert_null(env_find((const uint8_t *)"", 0, "A", &vl));
	assert_non_null(env_find((const uint8_t *)"A=", 2, "A", &vl));
	assert_int_equal(vl, 0);
}

static json_t *describe(struct containers *cs, struct container *c, const char *env, size_t n)
{
	json_t *o = json_object();

	containers_describe(cs, c, (const uint8_t *)env, n, o);
	return o;
}

/* The event fields: cryptnono's names, the trusted hub user, and what the
 * cgroup alone tells when the state could not be read. */
static void test_describe(void **state)
{
	struct containers *cs = containers_new(NULL, NULL);
	struct config cfg;
	struct container c;
	char err[256];
	json_t *o;

	(void)state;
	memset(&cfg, 0, sizeof(cfg));
	assert_non_null(cs);
	assert_int_equal(containers_configure(cs, &cfg, err, sizeof(err)), 0);
	assert_false(containers_exemptions_on(cs));
	/* host: no container fields; user from the process */
	o = describe(cs, NULL, "JUPYTERHUB_USER=bob\0BINDER_REF_URL=r", 36);
	assert_null(json_object_get(o, "container_type"));
	assert_string_equal(json_string_value(json_object_get(o, "user")), "bob");
	assert_string_equal(json_string_value(json_object_get(o, "user_source")), "process");
	assert_string_equal(json_string_value(json_object_get(json_object_get(o, "environment"),
							      "BINDER_REF_URL")), "r");
	json_decref(o);
	/* container with metadata: the spec's user wins over the process's */
	memset(&c, 0, sizeof(c));
	c.ref = ref_of(CTR_RT_CONTAINERD, ID);
	c.meta.runtime = CTR_RT_CONTAINERD;
	c.meta.labels[RT_POD_NAME] = "jupyter-alice";
	c.meta.labels[RT_POD_NAMESPACE] = "hub";
	c.meta.image = "img:1";
	char *env[] = { "JUPYTERHUB_USER=alice", "BINDER_LAUNCH_HOST=https://mybinder.org/" };
	c.meta.env = env;
	c.meta.nenv = 2;
	o = describe(cs, &c, "JUPYTERHUB_USER=mallory", 23);
	assert_string_equal(json_string_value(json_object_get(o, "container_type")), "cri");
	assert_string_equal(json_string_value(json_object_get(o, "container_id")), ID);
	assert_string_equal(json_string_value(json_object_get(o, "container_runtime")), "containerd");
	assert_int_equal(json_object_size(json_object_get(o, "labels")), 2);
	assert_string_equal(json_string_value(json_object_get(o, "image")), "img:1");
	assert_string_equal(json_string_value(json_object_get(o, "user")), "alice");
	assert_string_equal(json_string_value(json_object_get(o, "user_source")), "container");
	json_t *e = json_object_get(o, "environment");
	assert_string_equal(json_string_value(json_object_get(e, "JUPYTERHUB_USER")), "mallory");
	assert_string_equal(json_string_value(json_object_get(e, "BINDER_LAUNCH_HOST")),
			    "https://mybinder.org/");
	json_decref(o);
	/* the spec's empty JUPYTERHUB_USER names nobody, and is no claim of the
	 * process (found by fuzz_runtime_state: it came out as user "" from
	 * "process"); it stays in the environment */
	char *empty_user[] = { "JUPYTERHUB_USER=" };
	c.meta.env = empty_user;
	c.meta.nenv = 1;
	o = describe(cs, &c, NULL, 0);
	assert_null(json_object_get(o, "user"));
	assert_null(json_object_get(o, "user_source"));
	assert_string_equal(json_string_value(json_object_get(json_object_get(o, "environment"),
							      "JUPYTERHUB_USER")), "");
	json_decref(o);
	o = describe(cs, &c, "JUPYTERHUB_USER=mallory", 23);
	assert_string_equal(json_string_value(json_object_get(o, "user")), "mallory");
	assert_string_equal(json_string_value(json_object_get(o, "user_source")), "process");
	json_decref(o);
	/* no metadata: the pod uid from the cgroup path, nothing invented */
	memset(&c, 0, sizeof(c));
	c.ref = ref_of(CTR_RT_KUBE, ID);
	snprintf(c.ref.pod_uid, sizeof(c.ref.pod_uid), "%s", UID);
	c.meta.runtime = CTR_RT_KUBE;
	o = describe(cs, &c, NULL, 0);
	assert_null(json_object_get(o, "container_runtime"));
	assert_null(json_object_get(o, "image"));
	assert_null(json_object_get(o, "user"));
	assert_null(json_object_get(o, "environment"));
	assert_string_equal(json_string_value(json_object_get(json_object_get(o, "labels"),
							      "io.kubernetes.pod.uid")), UID);
	json_decref(o);
	containers_free(cs);
}

/* environmentVariables replaces the default list; an empty list reports none. */
static void test_env_config(void **state)
{
	struct containers *cs = containers_new(NULL, NULL);
	struct config cfg;
	struct config_name only = { .name = "ONLY" };
	char err[256];
	json_t *o;

	(void)state;
	memset(&cfg, 0, sizeof(cfg));
	cfg.names[CONFIG_ENV_NAMES] = &only;
	cfg.nnames[CONFIG_ENV_NAMES] = 1;
	cfg.names_set[CONFIG_ENV_NAMES] = 1;
	assert_int_equal(containers_configure(cs, &cfg, err, sizeof(err)), 0);
	o = describe(cs, NULL, "JUPYTERHUB_USER=x\0ONLY=y", 24);
	assert_null(json_object_get(o, "user"));
	assert_int_equal(json_object_size(json_object_get(o, "environment")), 1);
	json_decref(o);
	cfg.nnames[CONFIG_ENV_NAMES] = 0;
	assert_int_equal(containers_configure(cs, &cfg, err, sizeof(err)), 0);
	o = describe(cs, NULL, "JUPYTERHUB_USER=x\0ONLY=y", 24);
	assert_null(json_object_get(o, "environment"));
	json_decref(o);
	/* exemptions switch the kernel's classification on */
	struct config_name ns = { .name = "kube-system" };
	cfg.names[CONFIG_EXEMPT_NAMESPACES] = &ns;
	cfg.nnames[CONFIG_EXEMPT_NAMESPACES] = 1;
	assert_int_equal(containers_configure(cs, &cfg, err, sizeof(err)), 0);
	assert_true(containers_exemptions_on(cs));
	/* state paths too long for PATH_MAX: refused, old settings kept */
	char longp[CTR_PATH_MAX];
	memset(longp, 'a', sizeof(longp) - 1);
	longp[0] = '/';
	longp[sizeof(longp) - 1] = '\0';
	cfg.paths[CONFIG_HOST_ROOT] = longp;
	cfg.paths[CONFIG_DOCKER_DIR] = "/var/lib/docker/containers";
	assert_int_equal(containers_configure(cs, &cfg, err, sizeof(err)), -ENAMETOOLONG);
	assert_true(containers_exemptions_on(cs));
	containers_free(cs);
}

static void test_note_kill(void **state)
{
	struct container c;

	(void)state;
	memset(&c, 0, sizeof(c));
	assert_false(containers_note_kill(&c, 0.0, 3, 10.0));
	assert_false(containers_note_kill(&c, 5.0, 3, 10.0));
	assert_false(containers_note_kill(&c, 20.0, 3, 10.0));   /* 0 and 5 fell out */
	assert_false(containers_note_kill(&c, 25.0, 3, 10.0));
	assert_true(containers_note_kill(&c, 29.0, 3, 10.0));    /* 20, 25, 29 */
	assert_false(containers_note_kill(&c, 30.0, 3, 10.0));   /* once per container */
	free(c.kills);
	memset(&c, 0, sizeof(c));
	assert_false(containers_note_kill(&c, 1.0, 0, 10.0));    /* off */
	assert_false(containers_note_kill(NULL, 1.0, 1, 10.0));  /* host */
	assert_true(containers_note_kill(&c, 1.0, 1, 10.0));
	free(c.kills);
}

/* The environment of a stopped process is read, and only of the process
 * that started at the given time; a stop is waited for, not assumed. */
static void test_read_stopped_env(void **state)
{
	struct proc_stat st;
	uint8_t *buf = NULL;
	size_t len = 0;
	int pipefd[2];
	char c;
	pid_t pid;

	(void)state;
	assert_int_equal(pipe(pipefd), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		char *argv[] = { "sleep", "30", NULL };
		char *envp[] = { "JUPYTERHUB_USER=mallory", NULL };

		close(pipefd[0]);
		fcntl(pipefd[1], F_SETFD, FD_CLOEXEC);   /* closed by the exec */
		execve("/bin/sleep", argv, envp);
		_exit(127);
	}
	close(pipefd[1]);
	assert_int_equal(read(pipefd[0], &c, 1), 0);   /* the exec is done */
	close(pipefd[0]);
	assert_int_equal(proc_read_stat(pid, &st), 0);
	assert_int_equal(proc_wait_stopped(pid, 2000), -ETIMEDOUT);   /* running */
	kill(pid, SIGSTOP);
	assert_int_equal(proc_wait_stopped(pid, 2000000), 0);
	assert_int_equal(containers_read_proc(pid, st.start_ticks, "environ", 0, &buf, &len), 0);
	assert_int_equal(len, sizeof("JUPYTERHUB_USER=mallory"));
	assert_memory_equal(buf, "JUPYTERHUB_USER=mallory", len);
	free(buf);
	assert_int_equal(containers_read_proc(pid, st.start_ticks + 1, "environ", 0, &buf, &len),
			 -ESRCH);
	kill(pid, SIGKILL);
	assert_int_equal(waitpid(pid, NULL, 0), pid);
	assert_int_equal(proc_wait_stopped(pid, 1000), -ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_containerd),
		cmocka_unit_test(test_systemd_cgroups_path),
		cmocka_unit_test(test_crio),
		cmocka_unit_test(test_docker),
		cmocka_unit_test(test_bad_state),
		cmocka_unit_test(test_join_root),
		cmocka_unit_test(test_env_pick),
		cmocka_unit_test(test_describe),
		cmocka_unit_test(test_env_config),
		cmocka_unit_test(test_note_kill),
		cmocka_unit_test(test_read_stopped_env),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
