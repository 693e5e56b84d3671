/* SPDX-License-Identifier: BSD-2-Clause */
/* containers.c - process -> container -> metadata, cached (see containers.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "config.h"
#include "containers.h"
#include "environ.h"
#include "log.h"
#include "proc.h"
#include "tunables.h"
#include "mono_clock.h"

/* Bounds on what is remembered: a node runs a few hundred containers. */
#define MAX_CONTAINERS 1024
#define MAX_CGIDS 4096
#define FILEID_KERNFS 0xfe       /* exportfs handle type of kernfs (cgroupfs) */

const char *const containers_default_env[] = {
	"JUPYTERHUB_USER", "JUPYTERHUB_SERVER_NAME", "BINDER_REPO_URL", "BINDER_REF_URL",
	"BINDER_LAUNCH_HOST", "BINDER_PERSISTENT_REQUEST", NULL
};

struct cgid_entry {
	uint64_t id;
	struct container *c;     /* NULL: a host cgroup */
};

struct containers {
	int mount_fd;            /* the cgroup2 mount, -1 if none */
	char mount[CTR_PATH_MAX];
	int v1_fd;               /* the v1 freezer mount, -1 if none */
	char v1_mount[CTR_PATH_MAX];
	struct rt_dirs dirs;
	char **env;              /* environment names reported */
	size_t nenv;
	char **exempt_ns, **exempt_names;
	size_t nexempt_ns, nexempt_names;
	struct container *list[MAX_CONTAINERS];
	size_t n;
	struct cgid_entry cgids[MAX_CGIDS];
	size_t ncgids;
	struct containers_stats st;
};

static void container_free(struct container *c)
{
	if (!c)
		return;
	rt_meta_free(&c->meta);
	free(c->exempt);
	free(c->kills);
	free(c);
}

static void forget_all(struct containers *cs)
{
	for (size_t i = 0; i < cs->n; i++)
		container_free(cs->list[i]);
	cs->n = 0;
	cs->ncgids = 0;
}

static void free_names(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

struct containers *containers_new(const char *cgroup2_mount, const char *freezer_mount)
{
	struct containers *cs = calloc(1, sizeof(*cs));

	if (!cs)
		return NULL;
	cs->mount_fd = cs->v1_fd = -1;
	if (cgroup2_mount && *cgroup2_mount) {
		snprintf(cs->mount, sizeof(cs->mount), "%s", cgroup2_mount);
		cs->mount_fd = open(cgroup2_mount, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	}
	if (freezer_mount && *freezer_mount) {
		snprintf(cs->v1_mount, sizeof(cs->v1_mount), "%s", freezer_mount);
		cs->v1_fd = open(freezer_mount, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	}
	return cs;
}

void containers_free(struct containers *cs)
{
	if (!cs)
		return;
	forget_all(cs);
	free_names(cs->env, cs->nenv);
	free_names(cs->exempt_ns, cs->nexempt_ns);
	free_names(cs->exempt_names, cs->nexempt_names);
	if (cs->mount_fd >= 0)
		close(cs->mount_fd);
	if (cs->v1_fd >= 0)
		close(cs->v1_fd);
	free(cs);
}

/* Copies a config name list, or the NULL-terminated fallback when the
 * config does not have the key. 0 or -ENOMEM. */
static int copy_names(char ***out, size_t *nout, const struct config_name *names, size_t n,
		      int set, const char *const *fallback)
{
	size_t count = n, i;
	char **v;

	if (!set && fallback)
		for (count = 0; fallback[count]; count++)
			;
	v = calloc(count ? count : 1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (i = 0; i < count; i++)
		if (!(v[i] = strdup(set || !fallback ? names[i].name : fallback[i]))) {
			free_names(v, i);
			return -ENOMEM;
		}
	*out = v;
	*nout = count;
	return 0;
}

int containers_configure(struct containers *cs, const struct config *cfg, char *err, size_t errlen)
{
	static const char *const defaults[CONFIG_NPATHS] = {
		"/", "/run/containerd/io.containerd.runtime.v2.task",
		"/run/containers/storage/overlay-containers", "/var/lib/docker/containers",
	};
	const char *p[CONFIG_NPATHS];
	struct rt_dirs dirs;
	char **env = NULL, **ns = NULL, **names = NULL;
	size_t nenv = 0, nns = 0, nnames = 0;
	int ret;

	for (int i = 0; i < CONFIG_NPATHS; i++)
		p[i] = cfg->paths[i] ? cfg->paths[i] : defaults[i];
	if ((ret = rt_join_root(dirs.containerd, sizeof(dirs.containerd), p[CONFIG_HOST_ROOT],
				p[CONFIG_CONTAINERD_DIR])) ||
	    (ret = rt_join_root(dirs.crio, sizeof(dirs.crio), p[CONFIG_HOST_ROOT],
				p[CONFIG_CRIO_DIR])) ||
	    (ret = rt_join_root(dirs.docker, sizeof(dirs.docker), p[CONFIG_HOST_ROOT],
				p[CONFIG_DOCKER_DIR]))) {
		snprintf(err, errlen, "container state paths are too long");
		return ret;
	}
	if ((ret = copy_names(&env, &nenv, cfg->names[CONFIG_ENV_NAMES],
			      cfg->nnames[CONFIG_ENV_NAMES], cfg->names_set[CONFIG_ENV_NAMES],
			      containers_default_env)) ||
	    (ret = copy_names(&ns, &nns, cfg->names[CONFIG_EXEMPT_NAMESPACES],
			      cfg->nnames[CONFIG_EXEMPT_NAMESPACES], 1, NULL)) ||
	    (ret = copy_names(&names, &nnames, cfg->names[CONFIG_EXEMPT_CONTAINERS],
			      cfg->nnames[CONFIG_EXEMPT_CONTAINERS], 1, NULL))) {
		free_names(env, nenv);
		free_names(ns, nns);
		snprintf(err, errlen, "out of memory");
		return ret;
	}
	forget_all(cs);
	free_names(cs->env, cs->nenv);
	free_names(cs->exempt_ns, cs->nexempt_ns);
	free_names(cs->exempt_names, cs->nexempt_names);
	cs->dirs = dirs;
	cs->env = env, cs->nenv = nenv;
	cs->exempt_ns = ns, cs->nexempt_ns = nns;
	cs->exempt_names = names, cs->nexempt_names = nnames;
	return 0;
}

const struct rt_dirs *containers_dirs(const struct containers *cs)
{
	return &cs->dirs;
}

int containers_want_env(const struct containers *cs)
{
	return cs->nenv > 0;
}

int containers_exemptions_on(const struct containers *cs)
{
	return cs->nexempt_ns + cs->nexempt_names > 0;
}

static int listed(char *const *v, size_t n, const char *s)
{
	for (size_t i = 0; s && i < n; i++)
		if (!strcmp(v[i], s))
			return 1;
	return 0;
}

static void decide_exempt(const struct containers *cs, struct container *c)
{
	const char *ns = c->meta.labels[RT_POD_NAMESPACE];
	const char *name = c->meta.labels[RT_CONTAINER_NAME];
	char buf[256];

	if (listed(cs->exempt_ns, cs->nexempt_ns, ns))
		snprintf(buf, sizeof(buf), "namespace %s", ns);
	else if (listed(cs->exempt_names, cs->nexempt_names, name))
		snprintf(buf, sizeof(buf), "container name %s", name);
	else
		return;
	c->exempt = strdup(buf);
}

/* Reads c's metadata; the first failure of a container is logged. */
static void load_meta(struct containers *cs, struct container *c)
{
	char err[3 * CTR_PATH_MAX + 256];

	rt_meta_free(&c->meta);
	free(c->exempt);
	c->exempt = NULL;
	if (rt_meta_load(&cs->dirs, &c->ref, cs->env, cs->nenv, &c->meta, err, sizeof(err)) == 0) {
		c->meta_ok = 1;
		decide_exempt(cs, c);
		return;
	}
	cs->st.failures++;
	c->failed_at = mono_s();
	if (!c->failure_logged)
		log_msg("warning", "container metadata unavailable: %s", err);
	c->failure_logged = 1;
}

/* The cached container of ref's cgroup, or a new one with its metadata.
 * Keyed by the cgroup path, not the id: a cgroup named after a container
 * elsewhere is another entry (whose metadata check fails). */
static struct container *by_ref(struct containers *cs, const struct ctr_ref *ref)
{
	struct container *c;

	for (size_t i = 0; i < cs->n; i++) {
		c = cs->list[i];
		if (strcmp(c->ref.cgroup, ref->cgroup) || strcmp(c->ref.id, ref->id))
			continue;
		cs->st.cached++;
		/* the state may not have been written yet: try again, quietly */
		if (!c->meta_ok && c->ref.runtime != CTR_RT_BUILDKIT &&
		    mono_s() - c->failed_at > NM_METADATA_RETRY_S) {
			cs->st.resolved++;
			load_meta(cs, c);
		}
		return c;
	}
	if (cs->n == MAX_CONTAINERS)
		forget_all(cs);  /* rare: churn past the bound; start over */
	c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->ref = *ref;
	cs->st.resolved++;
	load_meta(cs, c);
	cs->list[cs->n++] = c;
	return c;
}

/* The path of a cgroup (kernfs) id, relative to the hierarchy's mount.
 * 0 or a negative errno (-ENOENT: no mount, no id, or not under the mount). */
static int id_path(int mount_fd, const char *mount, uint64_t id, char *out, size_t n)
{
	struct {
		struct file_handle fh;
		uint64_t id;
	} h;
	char link[64], full[CTR_PATH_MAX + 1];
	size_t ml = strlen(mount);
	ssize_t len;
	int fd, e;

	if (mount_fd < 0 || !id)
		return -ENOENT;
	h.fh.handle_bytes = sizeof(uint64_t);
	h.fh.handle_type = FILEID_KERNFS;
	memcpy(h.fh.f_handle, &id, sizeof(id));
	fd = open_by_handle_at(mount_fd, &h.fh, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	len = readlink(link, full, sizeof(full) - 1);
	e = len < 0 ? -errno : 0;
	close(fd);
	if (e)
		return e;
	if (len == 0 || (size_t)len < ml || memcmp(full, mount, ml))
		return -ENOENT;
	full[len] = '\0';
	snprintf(out, n, "%s", full[ml] ? full + ml : "/");
	return 0;
}

static const struct cgid_entry *find_cgid(const struct containers *cs, uint64_t id)
{
	for (size_t i = 0; id && i < cs->ncgids; i++)
		if (cs->cgids[i].id == id)
			return &cs->cgids[i];
	return NULL;
}

static void remember_cgid(struct containers *cs, uint64_t id, struct container *c)
{
	if (!id)
		return;
	if (cs->ncgids == MAX_CGIDS)
		cs->ncgids = 0;
	cs->cgids[cs->ncgids].id = id;
	cs->cgids[cs->ncgids++].c = c;
}

/* /proc/PID/FILE of the process that started at start_ticks, at most max
 * bytes; never of a process that took over its PID. 0 or a negative errno. */
int containers_read_proc(pid_t pid, uint64_t start_ticks, const char *file, size_t max,
			 uint8_t **buf, size_t *len)
{
	int fd = pid > 0 ? proc_pidfd_open(pid, start_ticks) : -EINVAL, rc;

	if (fd < 0)
		return fd;
	rc = proc_read_file_max(pid, file, max, buf, len);
	/* alive after the read: the PID was not reused meanwhile */
	if (rc == 0 && (rc = proc_pidfd_signal(fd, 0)))
		free(*buf);
	close(fd);
	return rc;
}

struct container *containers_of(struct containers *cs, pid_t pid, uint64_t start_ticks,
				uint64_t cgroup_id, uint64_t cgroup1_id)
{
	char path[CTR_PATH_MAX];
	struct ctr_ref ref;
	uint8_t *text;
	size_t len;
	int found;
	const struct cgid_entry *known = find_cgid(cs, cgroup_id);

	cs->st.lookups++;
	if (known) {
		cs->st.cached++;
		return known->c;
	}
	/* The kernel's cgroup id names the cgroup even after the process died
	 * (killed at exec and reaped), and is not text a process can forge. */
	if (id_path(cs->mount_fd, cs->mount, cgroup_id, path, sizeof(path)) == 0) {
		if (ctr_from_path(path, strlen(path), &ref)) {
			struct container *c;

			ref.v2 = 1;
			c = by_ref(cs, &ref);
			remember_cgid(cs, cgroup_id, c);
			return c;
		}
		/* a host cgroup, unless v1 hierarchies place containers too */
		if (strcmp(path, "/") && cs->v1_fd < 0) {
			remember_cgid(cs, cgroup_id, NULL);
			return NULL;
		}
	}
	/* cgroup v1 placements: the freezer cgroup the kernel saw, else the v1
	 * lines of /proc/PID/cgroup (of that very process) */
	if (id_path(cs->v1_fd, cs->v1_mount, cgroup1_id, path, sizeof(path)) == 0)
		return ctr_from_path(path, strlen(path), &ref) ? by_ref(cs, &ref) : NULL;
	if (containers_read_proc(pid, start_ticks, "cgroup", CTR_PATH_MAX * 16, &text, &len))
		return NULL;
	found = ctr_from_proc_cgroup((const char *)text, len, &ref);
	free(text);
	if (found < 0) {
		cs->st.forged++;
		log_msg("warning", "/proc/%d/cgroup is malformed or forged: no container metadata",
			(int)pid);
		return NULL;
	}
	return found ? by_ref(cs, &ref) : NULL;
}

int containers_cgid_known(const struct containers *cs, uint64_t cgroup_id)
{
	return find_cgid(cs, cgroup_id) != NULL;
}

void containers_describe(const struct containers *cs, const struct container *c,
			 const uint8_t *env, size_t env_len, json_t *o)
{
	json_t *envo = json_object(), *labels;
	const char *user_from = NULL;

	if (c) {
		const char *rt = ctr_runtime_name(c->meta.runtime);

		log_set_str(o, "container_type", ctr_type_name(c->ref.runtime));
		log_set_str(o, "container_id", c->ref.id);
		if (rt)
			log_set_str(o, "container_runtime", rt);
		labels = json_object();
		for (int l = 0; l < RT_NLABELS; l++)
			if (c->meta.labels[l])
				log_set_str(labels, rt_label_keys[l], c->meta.labels[l]);
		if (!c->meta.labels[RT_POD_UID] && c->ref.pod_uid[0])
			log_set_str(labels, rt_label_keys[RT_POD_UID], c->ref.pod_uid);
		json_object_set_new(o, "labels", labels);
		if (c->meta.image)
			log_set_str(o, "image", c->meta.image);
		if (c->exempt)
			log_set_str(o, "exemptby", c->exempt);
		/* The hub user from the container's spec (set by the spawner) is
		 * trusted over the process's own, which the offender chose. */
		for (size_t i = 0; i < c->meta.nenv; i++)
			if (!strncmp(c->meta.env[i], "JUPYTERHUB_USER=", 16) && c->meta.env[i][16]) {
				log_set_str(o, "user", c->meta.env[i] + 16);
				user_from = "container";
				break;
			}
		/* and the named server, where the spawner said which (the
		 * responders stop that one) */
		for (size_t i = 0; user_from && i < c->meta.nenv; i++)
			if (!strncmp(c->meta.env[i], "JUPYTERHUB_SERVER_NAME=", 23) &&
			    c->meta.env[i][23]) {
				log_set_str(o, "server_name", c->meta.env[i] + 23);
				break;
			}
	}
	if (env)
		env_pick(envo, env, env_len, cs->env, cs->nenv);
	/* the process's claim, before the spec's variables join envo: a
	 * spec's empty "JUPYTERHUB_USER=" is no claim of the process */
	if (!user_from && json_object_get(envo, "JUPYTERHUB_USER")) {
		json_object_set(o, "user", json_object_get(envo, "JUPYTERHUB_USER"));
		user_from = "process";
	}
	for (size_t i = 0; c && i < c->meta.nenv; i++) {
		const char *eq = strchr(c->meta.env[i], '=');
		char name[256];

		if (!eq || (size_t)(eq - c->meta.env[i]) >= sizeof(name))
			continue;
		memcpy(name, c->meta.env[i], (size_t)(eq - c->meta.env[i]));
		name[eq - c->meta.env[i]] = '\0';
		if (!json_object_get(envo, name))
			log_set_str(envo, name, eq + 1);
	}
	if (user_from)
		log_set_str(o, "user_source", user_from);
	if (json_object_size(envo))
		json_object_set_new(o, "environment", envo);
	else
		json_decref(envo);
}

int containers_note_kill(struct container *c, double now, unsigned int after, double window)
{
	unsigned int in = 0;

	if (!c || !after || c->container_killed)
		return 0;
	if (!c->kills && !(c->kills = calloc(after, sizeof(*c->kills))))
		return 0;
	c->kills[c->kill_next] = now;
	c->kill_next = (c->kill_next + 1) % after;
	if (c->nkills < after)
		c->nkills++;
	for (unsigned int i = 0; i < c->nkills; i++)
		if (now - c->kills[i] <= window)
			in++;
	if (in < after)
		return 0;
	c->container_killed = 1;
	return 1;
}

void containers_stats(const struct containers *cs, struct containers_stats *st)
{
	*st = cs->st;
}
