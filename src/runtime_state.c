/* SPDX-License-Identifier: BSD-2-Clause */
/* runtime_state.c - container metadata from the runtimes' state files. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <jansson.h>
#include "runtime_state.h"

const char *const rt_label_keys[RT_NLABELS] = {
	"io.kubernetes.pod.name", "io.kubernetes.pod.namespace",
	"io.kubernetes.pod.uid", "io.kubernetes.container.name",
};

/* containerd's CRI plugin writes these into the OCI spec. */
static const char *const cri_keys[RT_NLABELS] = {
	"io.kubernetes.cri.sandbox-name", "io.kubernetes.cri.sandbox-namespace",
	"io.kubernetes.cri.sandbox-uid", "io.kubernetes.cri.container-name",
};

int rt_join_root(char *out, size_t n, const char *root, const char *dir)
{
	int w;

	if (!root || !strcmp(root, "/"))
		root = "";
	w = snprintf(out, n, "%s%s", root, dir);
	if (w < 0)
		return -EINVAL;
	return (size_t)w >= n ? -ENAMETOOLONG : 0;
}

/* Parses path as JSON: 0 with *out, 1 if it does not exist, a negative
 * errno on error (with err). */
static int load_json(const char *path, json_t **out, char *err, size_t errlen)
{
	json_error_t je;
	struct stat st;
	char *buf;
	ssize_t got;
	size_t have = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK), e;

	*out = NULL;
	if (fd < 0) {
		e = errno;
		if (e == ENOENT || e == ENOTDIR)
			return 1;
		snprintf(err, errlen, "%s: %s", path, strerror(e));
		return -e;
	}
	if (fstat(fd, &st))
		e = -errno;
	else if (!S_ISREG(st.st_mode))
		e = -EINVAL;
	else if ((size_t)st.st_size > RT_FILE_MAX)
		e = -E2BIG;
	else
		e = 0;
	if (e) {
		snprintf(err, errlen, "%s: not a regular file of at most %zu bytes", path,
			 RT_FILE_MAX);
		close(fd);
		return e;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		close(fd);
		snprintf(err, errlen, "%s: out of memory", path);
		return -ENOMEM;
	}
	while (have < (size_t)st.st_size &&
	       (got = read(fd, buf + have, (size_t)st.st_size - have)) > 0)
		have += (size_t)got;
	close(fd);
	*out = json_loadb(buf, have, JSON_REJECT_DUPLICATES, &je);
	free(buf);
	if (!*out || !json_is_object(*out)) {
		snprintf(err, errlen, "%s:%d: %s", path, je.line,
			 *out ? "not a JSON object" : je.text);
		json_decref(*out);
		*out = NULL;
		return -EINVAL;
	}
	return 0;
}

static char *dup_str(const json_t *obj, const char *key)
{
	const char *s = json_string_value(json_object_get(obj, key));

	return s && *s ? strdup(s) : NULL;
}

/* Keeps the "NAME=value" strings of env (a JSON array) whose NAME is wanted.
 * 0 or -ENOMEM. */
static int pick_env(struct rt_meta *m, const json_t *env, char *const *names, size_t n)
{
	size_t i;
	json_t *v;

	json_array_foreach(env, i, v) {
		const char *s = json_string_value(v), *eq;
		char **grown;

		if (!s || !(eq = strchr(s, '=')))
			continue;
		for (size_t k = 0; k < n; k++) {
			if (strlen(names[k]) != (size_t)(eq - s) || memcmp(names[k], s, (size_t)(eq - s)))
				continue;
			grown = realloc(m->env, (m->nenv + 1) * sizeof(*grown));
			if (!grown)
				return -ENOMEM;
			m->env = grown;
			if (!(m->env[m->nenv] = strdup(s)))
				return -ENOMEM;
			m->nenv++;
			break;
		}
	}
	return 0;
}

static void from_oci(struct rt_meta *m, const json_t *spec, char *const *names, size_t n)
{
	const json_t *ann = json_object_get(spec, "annotations");
	const char *type = json_string_value(json_object_get(ann, "io.kubernetes.cri.container-type"));

	for (int l = 0; l < RT_NLABELS; l++)
		m->labels[l] = dup_str(ann, cri_keys[l]);
	m->image = dup_str(ann, "io.kubernetes.cri.image-name");
	m->sandbox = type && !strcmp(type, "sandbox");
	(void)pick_env(m, json_object_get(json_object_get(spec, "process"), "env"), names, n);
}

static void from_crio(struct rt_meta *m, const json_t *spec, char *const *names, size_t n)
{
	const json_t *ann = json_object_get(spec, "annotations");
	const char *packed = json_string_value(json_object_get(ann, "io.kubernetes.cri-o.Labels"));
	const char *type = json_string_value(json_object_get(ann, "io.kubernetes.cri-o.ContainerType"));
	json_t *labels = packed ? json_loads(packed, 0, NULL) : NULL;

	for (int l = 0; l < RT_NLABELS; l++) {
		m->labels[l] = dup_str(ann, rt_label_keys[l]);
		if (!m->labels[l] && labels)
			m->labels[l] = dup_str(labels, rt_label_keys[l]);
	}
	json_decref(labels);
	m->image = dup_str(ann, "io.kubernetes.cri-o.ImageName");
	if (!m->image)
		m->image = dup_str(ann, "io.kubernetes.cri-o.Image");
	m->sandbox = type && !strcmp(type, "sandbox");
	(void)pick_env(m, json_object_get(json_object_get(spec, "process"), "env"), names, n);
}

/* kubernetes: the kubelet created it (its cgroup parent is under kubepods).
 * Elsewhere io.kubernetes.* labels may come from the image's own LABELs and
 * must not name a namespace (an image could exempt itself). */
static void from_docker(struct rt_meta *m, const json_t *st, char *const *names, size_t n,
			int kubernetes)
{
	const json_t *cfg = json_object_get(st, "Config");
	const json_t *labels = json_object_get(cfg, "Labels");
	const char *type = json_string_value(json_object_get(labels, "io.kubernetes.docker.type"));

	for (int l = 0; kubernetes && l < RT_NLABELS; l++)
		m->labels[l] = dup_str(labels, rt_label_keys[l]);
	m->image = dup_str(cfg, "Image");
	m->sandbox = type && !strcmp(type, "podsandbox");
	(void)pick_env(m, json_object_get(cfg, "Env"), names, n);
}

/* "kubepods-burstable-pod1.slice" -> "/kubepods.slice/kubepods-burstable.slice/
 * kubepods-burstable-pod1.slice", as systemd nests slices. 0, -EINVAL (not a
 * slice) or -ENAMETOOLONG. */
static int expand_slice(const char *slice, char *out, size_t n)
{
	size_t sl = strlen(slice), o = 0;

	if (sl < 6 || strcmp(slice + sl - 6, ".slice"))
		return -EINVAL;
	sl -= 6;
	if (sl == 1 && slice[0] == '-') {            /* "-.slice": the root */
		out[0] = '\0';
		return 0;
	}
	for (size_t i = 0; i <= sl; i++) {
		if (i < sl && slice[i] != '-')
			continue;
		int w = snprintf(out + o, n - o, "/%.*s.slice", (int)i, slice);

		if (w < 0 || (size_t)w >= n - o)
			return -ENAMETOOLONG;
		o += (size_t)w;
	}
	return 0;
}

/* Does the runtime's cgroup for the container (an OCI linux.cgroupsPath:
 * "/a/b/ID", or systemd's "SLICE:PREFIX:NAME") name exactly the cgroup the
 * process is in? A cgroup anyone can create elsewhere with a container's
 * name must not borrow that container's identity. */
static int cgroup_is(const char *spec_path, const char *actual)
{
	char want[CTR_PATH_MAX], slice[CTR_PATH_MAX];
	const char *c1, *c2;

	if (!spec_path || !*spec_path)
		return 0;
	c1 = strchr(spec_path, ':');
	if (!c1) {
		if (spec_path[0] == '/')
			return !strcmp(spec_path, actual);
		return actual[0] == '/' && !strcmp(spec_path, actual + 1);
	}
	c2 = strchr(c1 + 1, ':');
	if (!c2 || (size_t)(c1 - spec_path) >= sizeof(slice))
		return 0;
	memcpy(slice, spec_path, (size_t)(c1 - spec_path));
	slice[c1 - spec_path] = '\0';
	if (expand_slice(*slice ? slice : "system.slice", want, sizeof(want)))
		return 0;
	size_t o = strlen(want);
	int w = c2 > c1 + 1 ?
		snprintf(want + o, sizeof(want) - o, "/%.*s-%s.scope", (int)(c2 - c1 - 1), c1 + 1,
			 c2 + 1) :
		snprintf(want + o, sizeof(want) - o, "/%s", c2 + 1);

	return w > 0 && (size_t)w < sizeof(want) - o && !strcmp(want, actual);
}

/* Docker: CgroupParent (hostconfig.json) + the id, in either driver's form. */
static int docker_cgroup_is(const char *parent, const char *id, const char *actual)
{
	char want[CTR_PATH_MAX];

	if (!parent || !*parent) {
		snprintf(want, sizeof(want), "/docker/%s", id);
		if (!strcmp(want, actual))
			return 1;
		snprintf(want, sizeof(want), "/system.slice/docker-%s.scope", id);
		return !strcmp(want, actual);
	}
	if (strlen(parent) > 6 && !strcmp(parent + strlen(parent) - 6, ".slice")) {
		size_t o;

		if (expand_slice(parent, want, sizeof(want)))
			return 0;
		o = strlen(want);
		snprintf(want + o, sizeof(want) - o, "/docker-%s.scope", id);
		return !strcmp(want, actual);
	}
	snprintf(want, sizeof(want), "%s%s/%s", parent[0] == '/' ? "" : "/", parent, id);
	return !strcmp(want, actual);
}

/* containerd keeps one directory per namespace ("k8s.io", "moby", ...).
 * As load_json: 0, 1 (none) or a negative errno. */
static int find_containerd(const char *dir, const char *id, json_t **spec, char *err,
			   size_t errlen)
{
	char path[CTR_PATH_MAX + 256];
	struct dirent *de;
	DIR *d = opendir(dir);
	int rc = 1;

	if (!d)
		return 1;
	while (rc == 1 && (de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		if (snprintf(path, sizeof(path), "%s/%s/%s/config.json", dir, de->d_name, id) >=
		    (int)sizeof(path))
			continue;
		rc = load_json(path, spec, err, errlen);
	}
	closedir(d);
	return rc;
}

/* As load_json: 0, 1 (no state there) or a negative errno. */
static int try_runtime(const struct rt_dirs *dirs, enum ctr_runtime rt, const char *id,
		       json_t **doc, char *err, size_t errlen)
{
	char path[CTR_PATH_MAX + 128];

	switch (rt) {
	case CTR_RT_CONTAINERD:
		return find_containerd(dirs->containerd, id, doc, err, errlen);
	case CTR_RT_CRIO:
	case CTR_RT_PODMAN:
		snprintf(path, sizeof(path), "%s/%s/userdata/config.json", dirs->crio, id);
		return load_json(path, doc, err, errlen);
	case CTR_RT_DOCKER:
		snprintf(path, sizeof(path), "%s/%s/config.v2.json", dirs->docker, id);
		return load_json(path, doc, err, errlen);
	default:
		return 1;
	}
}

int rt_meta_load(const struct rt_dirs *dirs, const struct ctr_ref *ref,
		 char *const *env_names, size_t n, struct rt_meta *m, char *err, size_t errlen)
{
	static const enum ctr_runtime kube_order[] = {
		CTR_RT_CONTAINERD, CTR_RT_CRIO, CTR_RT_DOCKER
	};
	enum ctr_runtime one[1] = { ref->runtime };
	const enum ctr_runtime *order = one;
	size_t norder = 1;
	json_t *doc = NULL;
	int rc = 1;

	memset(m, 0, sizeof(*m));
	m->runtime = ref->runtime;
	if (ref->runtime == CTR_RT_BUILDKIT)
		return 0;
	if (ref->runtime == CTR_RT_KUBE) {
		order = kube_order;
		norder = 3;
	}
	for (size_t i = 0; i < norder && rc == 1; i++) {
		rc = try_runtime(dirs, order[i], ref->id, &doc, err, errlen);
		if (rc == 0)
			m->runtime = order[i];
	}
	if (rc == 1) {
		if (ref->runtime == CTR_RT_KUBE)
			snprintf(err, errlen, "no state found for cri container %.12s in %s, %s or %s",
				 ref->id, dirs->containerd, dirs->crio, dirs->docker);
		else
			snprintf(err, errlen, "no state found for %s container %.12s in %s",
				 ctr_type_name(ref->runtime), ref->id,
				 ref->runtime == CTR_RT_DOCKER ? dirs->docker :
				 ref->runtime == CTR_RT_CONTAINERD ? dirs->containerd : dirs->crio);
		return -ENOENT;
	}
	if (rc < 0)
		return rc;
	if (m->runtime == CTR_RT_DOCKER) {
		char path[CTR_PATH_MAX + 128];
		json_t *host = NULL;
		const char *parent;

		snprintf(path, sizeof(path), "%s/%s/hostconfig.json", dirs->docker, ref->id);
		rc = load_json(path, &host, err, errlen);
		if (rc < 0) {
			json_decref(doc);
			return rc;
		}
		parent = json_string_value(json_object_get(host, "CgroupParent"));
		if (!docker_cgroup_is(parent, ref->id, ref->cgroup)) {
			snprintf(err, errlen, "cgroup %.200s is not docker container %.12s's "
				 "(CgroupParent %.200s)", ref->cgroup, ref->id, parent ? parent : "");
			json_decref(host);
			json_decref(doc);
			return -EINVAL;
		}
		from_docker(m, doc, env_names, n, parent && strstr(parent, "kubepods") != NULL);
		json_decref(host);
	} else {
		const char *cgp = json_string_value(json_object_get(
			json_object_get(doc, "linux"), "cgroupsPath"));

		if (!cgroup_is(cgp, ref->cgroup)) {
			snprintf(err, errlen, "cgroup %.200s is not %s container %.12s's "
				 "(its spec says %.200s)", ref->cgroup, ctr_runtime_name(m->runtime),
				 ref->id, cgp ? cgp : "nothing");
			json_decref(doc);
			return -EINVAL;
		}
		if (m->runtime == CTR_RT_CONTAINERD)
			from_oci(m, doc, env_names, n);
		else
			from_crio(m, doc, env_names, n);
	}
	json_decref(doc);
	return 0;
}

void rt_meta_free(struct rt_meta *m)
{
	for (int l = 0; l < RT_NLABELS; l++)
		free(m->labels[l]);
	free(m->image);
	for (size_t i = 0; i < m->nenv; i++)
		free(m->env[i]);
	free(m->env);
	memset(m, 0, sizeof(*m));
}
