/* SPDX-License-Identifier: BSD-2-Clause */
/* runtime_state.h - a container's pod, name, image and environment, read
 * from its runtime's files on disk (no API calls, no processes spawned):
 *   containerd  <containerd dir>/<namespace>/<id>/config.json  (OCI bundle:
 *               io.kubernetes.cri.* annotations, process.env)
 *   CRI-O       <crio dir>/<id>/userdata/config.json  (io.kubernetes.cri-o.*
 *               annotations; podman uses the same store)
 *   Docker      <docker dir>/<id>/config.v2.json  (Config.Labels, Image, Env) */
#ifndef NOMINE_RUNTIME_STATE_H
#define NOMINE_RUNTIME_STATE_H

#include <stddef.h>
#include "cgroup_path.h"

#define RT_FILE_MAX ((size_t)8 << 20)   /* larger state files are refused */

struct rt_dirs {
	char containerd[CTR_PATH_MAX];
	char crio[CTR_PATH_MAX];
	char docker[CTR_PATH_MAX];
};

/* cryptnono's label keys, in this order. */
enum rt_label { RT_POD_NAME, RT_POD_NAMESPACE, RT_POD_UID, RT_CONTAINER_NAME, RT_NLABELS };
extern const char *const rt_label_keys[RT_NLABELS];

struct rt_meta {
	enum ctr_runtime runtime;   /* where it was found (resolves CTR_RT_KUBE) */
	char *labels[RT_NLABELS];   /* NULL when unknown */
	char *image;
	char **env;                 /* "NAME=value" from the container's spec, */
	size_t nenv;                /* only the names asked for, in spec order */
	int sandbox;                /* a pod's sandbox (pause) container */
};

/* Loads the metadata of ref. env_names (n) selects spec variables kept.
 * Returns 0, or a negative errno with the reason (naming the file) in err;
 * m is then empty: -ENOENT (no state found), -EINVAL (unparsable state, or
 * state that does not name ref's cgroup), -E2BIG (file over RT_FILE_MAX),
 * -ENOMEM, or the errno of a failed open/fstat. A buildkit container has
 * no metadata on disk: 0 with nothing. */
int rt_meta_load(const struct rt_dirs *dirs, const struct ctr_ref *ref,
		 char *const *env_names, size_t n, struct rt_meta *m, char *err, size_t errlen);
void rt_meta_free(struct rt_meta *m);

/* Joins root and dir into out ("/host" + "/run/x"; root "/" or NULL: dir).
 * Returns 0, or -ENAMETOOLONG when it does not fit in n. */
int rt_join_root(char *out, size_t n, const char *root, const char *dir);

#endif
