/* SPDX-License-Identifier: BSD-2-Clause */
/* meta_resolve.c - time to resolve one event's container metadata: cold
 * (the container's first event: cgroup id -> path -> id -> the runtime's
 * state file parsed) against cached (every later event), and the JSON
 * fields added to the line.
 *   meta_resolve [CONTAINERS] [ROUNDS]
 * Needs root (it makes real, empty cgroups below a cgroup of its own, so
 * the kernel's cgroup ids are real) and writes containerd-shaped state files
 * of a realistic size (a KubeSpawner pod's OCI spec: ~60 env vars, ~20 mounts). */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <jansson.h>
#include "config.h"
#include "containers.h"
#include "scope.h"

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static uint64_t cgroup_id(const char *dir)
{
	struct {
		struct file_handle fh;
		uint64_t id;
	} h = { .fh.handle_bytes = sizeof(uint64_t) };
	int mount_id;

	if (name_to_handle_at(AT_FDCWD, dir, &h.fh, &mount_id, 0))
		return 0;
	return h.id;
}

/* An OCI spec as containerd's CRI plugin writes it for a hub's notebook. */
static void write_spec(const char *path, int n, const char *cgroups_path)
{
	json_t *spec = json_object(), *proc = json_object(), *env = json_array();
	json_t *ann = json_object(), *mounts = json_array();
	char buf[256];

	for (int i = 0; i < 60; i++) {
		snprintf(buf, sizeof(buf), "KUBERNETES_SERVICE_%d=10.0.%d.%d", i, i, n % 250);
		json_array_append_new(env, json_string(buf));
	}
	snprintf(buf, sizeof(buf), "JUPYTERHUB_USER=user-%d", n);
	json_array_append_new(env, json_string(buf));
	json_array_append_new(env, json_string("JUPYTERHUB_SERVER_NAME="));
	json_array_append_new(env, json_string("BINDER_REPO_URL=https://github.com/org/repo"));
	json_object_set_new(proc, "env", env);
	json_object_set_new(proc, "args", json_pack("[sss]", "jupyterhub-singleuser", "--ip",
						    "0.0.0.0"));
	json_object_set_new(spec, "process", proc);
	for (int i = 0; i < 20; i++) {
		snprintf(buf, sizeof(buf), "/var/lib/kubelet/pods/x/volumes/v%d", i);
		json_array_append_new(mounts, json_pack("{s:s,s:s,s:s,s:[sss]}", "destination",
							"/home/jovyan/v", "type", "bind", "source",
							buf, "options", "rbind", "rprivate", "rw"));
	}
	json_object_set_new(spec, "mounts", mounts);
	json_object_set_new(ann, "io.kubernetes.cri.container-type", json_string("container"));
	snprintf(buf, sizeof(buf), "jupyter-user-%d", n);
	json_object_set_new(ann, "io.kubernetes.cri.sandbox-name", json_string(buf));
	json_object_set_new(ann, "io.kubernetes.cri.sandbox-namespace", json_string("hub"));
	json_object_set_new(ann, "io.kubernetes.cri.sandbox-uid",
			    json_string("6c1f6a3e-8d1b-4b52-9a35-0b8c2f3d4e5f"));
	json_object_set_new(ann, "io.kubernetes.cri.container-name", json_string("notebook"));
	json_object_set_new(ann, "io.kubernetes.cri.image-name",
			    json_string("quay.io/jupyterhub/k8s-singleuser-sample:4.0.0"));
	json_object_set_new(spec, "annotations", ann);
	json_object_set_new(spec, "linux", json_pack("{s:s}", "cgroupsPath", cgroups_path));
	json_dump_file(spec, path, JSON_INDENT(2));
	json_decref(spec);
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 200, rounds = argc > 2 ? atoi(argv[2]) : 5;
	char mount[4096], base[4200], tmp[] = "/tmp/nomine-meta-XXXXXX", path[8192], err[256];
	char **dirs = calloc((size_t)n, sizeof(*dirs));
	uint64_t *ids = calloc((size_t)n, sizeof(*ids));
	double *cold = calloc((size_t)(n * rounds), sizeof(double));
	double *warm = calloc((size_t)(n * rounds), sizeof(double));
	double *desc = calloc((size_t)(n * rounds), sizeof(double));
	struct config cfg;
	struct stat st;
	int nc = 0, nw = 0, nd = 0, bad = 0;
	off_t spec_size = 0;

	if (!dirs || !ids || !cold || !warm || !desc || n < 1 || rounds < 1)
		return 2;
	if (scope_find_cgroup2("/proc/self/mountinfo", mount, sizeof(mount)) || !mkdtemp(tmp)) {
		fprintf(stderr, "meta_resolve: needs a cgroup2 mount and /tmp\n");
		return 2;
	}
	snprintf(base, sizeof(base), "%s/nomine-metabench-%d", mount, (int)getpid());
	if (mkdir(base, 0755)) {
		perror(base);
		return 2;
	}
	for (int i = 0; i < n; i++) {
		char id[65];

		for (int k = 0; k < 64; k++)
			id[k] = "0123456789abcdef"[(unsigned)(i * 7919 + k * 31 + (k * k) % 13) % 16];
		snprintf(id + 56, 9, "%08x", (unsigned)i);
		snprintf(path, sizeof(path), "%s/kubepods-%d", base, i);
		mkdir(path, 0755);
		if (asprintf(&dirs[i], "%s/kubepods-%d/%s", base, i, id) < 0 || mkdir(dirs[i], 0755))
			return 2;
		ids[i] = cgroup_id(dirs[i]);
		snprintf(path, sizeof(path), "%s/k8s.io", tmp);
		mkdir(path, 0755);
		snprintf(path, sizeof(path), "%s/k8s.io/%s", tmp, id);
		mkdir(path, 0755);
		snprintf(path, sizeof(path), "%s/k8s.io/%s/config.json", tmp, id);
		write_spec(path, i, dirs[i] + strlen(mount));
		if (!stat(path, &st))
			spec_size = st.st_size;
	}
	memset(&cfg, 0, sizeof(cfg));
	cfg.paths[CONFIG_CONTAINERD_DIR] = tmp;
	for (int r = 0; r < rounds; r++) {
		struct containers *cs = containers_new(mount, NULL);

		if (!cs || containers_configure(cs, &cfg, err, sizeof(err)))
			return 2;
		for (int i = 0; i < n; i++) {
			double t0 = now_ns(), t1, t2, t3;
			struct container *c = containers_of(cs, 0, 0, ids[i], 0);
			json_t *o;

			t1 = now_ns();
			if (!c || !c->meta_ok)
				bad++;
			if (containers_of(cs, 0, 0, ids[i], 0) != c)
				bad++;
			t2 = now_ns();
			o = json_object();
			containers_describe(cs, c, (const uint8_t *)"JUPYTERHUB_USER=x", 17, o);
			json_decref(o);
			t3 = now_ns();
			cold[nc++] = t1 - t0;
			warm[nw++] = t2 - t1;
			desc[nd++] = t3 - t2;
		}
		containers_free(cs);
	}
	qsort(cold, (size_t)nc, sizeof(double), cmp);
	qsort(warm, (size_t)nw, sizeof(double), cmp);
	qsort(desc, (size_t)nd, sizeof(double), cmp);
	printf("container metadata resolution (%d containers x %d rounds, spec %lld bytes)\n", n,
	       rounds, (long long)spec_size);
	printf("  cold   (first event of a container): median %8.1f us  p95 %8.1f us\n",
	       cold[nc / 2] / 1e3, cold[nc * 95 / 100] / 1e3);
	printf("  cached (every later event)         : median %8.2f us  p95 %8.2f us\n",
	       warm[nw / 2] / 1e3, warm[nw * 95 / 100] / 1e3);
	printf("  fields added to the log line       : median %8.2f us\n", desc[nd / 2] / 1e3);
	printf("  ratio cold / cached: %.0fx%s\n", cold[nc / 2] / warm[nw / 2],
	       bad ? "   (SOME LOOKUPS FAILED)" : "");
	for (int i = 0; i < n; i++) {
		rmdir(dirs[i]);
		snprintf(path, sizeof(path), "%s/kubepods-%d", base, i);
		rmdir(path);
		free(dirs[i]);
	}
	rmdir(base);
	snprintf(path, sizeof(path), "rm -rf '%s'", tmp);
	if (system(path))
		bad++;
	return bad ? 1 : 0;
}
