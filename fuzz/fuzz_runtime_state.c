/* SPDX-License-Identifier: BSD-2-Clause */
/* fuzz_runtime_state.c - libFuzzer harness: the container runtimes' state
 * files (containerd's and CRI-O's OCI config.json, docker's config.v2.json
 * and hostconfig.json) as rt_meta_load reads them, then the event fields
 * containers_describe makes of them. The first byte picks the file and
 * the mode: arbitrary bytes as one file, a state path that is not a
 * regular file of at most RT_FILE_MAX, or a near-valid spec built from
 * the input (env arrays with odd entries: no '=', empty or huge values,
 * \u0000, non-string items, deep nesting, duplicate keys, annotations of
 * odd types). The last bytes (their count from the second byte) are the
 * process's own environment block.
 *
 * What must hold: no crash or leak; a failure leaves the metadata empty
 * and returns a documented errno; labels and image are non-empty valid
 * UTF-8 no longer than the file; env holds exactly the spec's string
 * items "NAME=value" whose NAME is asked for, in order; docker labels only
 * under a kubepods parent; the event's user comes from the container only
 * as the value of a spec item "JUPYTERHUB_USER=value", from the process
 * only as its block's first such value, and every string of the event is
 * valid UTF-8 without NUL. Files go to a temporary directory made once per
 * process and removed at exit. */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <jansson.h>

#include "config.h"
#include "containers.h"
#include "environ.h"
#include "log.h"
#include "runtime_state.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define ID "0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0"
#define UID "6c1f6a3e-8d1b-4b52-9a35-0b8c2f3d4e5f"
#define KUBE_PARENT "/kubepods/burstable/pod" UID
#define KP KUBE_PARENT "/" ID
#define KS_SLICE "kubepods-burstable-pod6c1f6a3e_8d1b_4b52_9a35_0b8c2f3d4e5f.slice"
#define KS "/kubepods.slice/kubepods-burstable.slice/" KS_SLICE "/cri-containerd-" ID ".scope"
#define DOCKER_CG "/docker/" ID

enum file { F_CONTAINERD, F_CRIO, F_DOCKER, F_DOCKER_HOST, F_N };

static char root[64];
static struct rt_dirs dirs;
static char paths[F_N][CTR_PATH_MAX + 128];
static struct containers *cs;
static size_t nnames;

static int rm_one(const char *p, const struct stat *st, int flag, struct FTW *f)
{
	(void)st, (void)flag, (void)f;
	return remove(p);
}

static void cleanup(void)
{
	containers_free(cs);
	nftw(root, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static void mkdirs(const char *path)
{
	char buf[CTR_PATH_MAX + 128];

	snprintf(buf, sizeof(buf), "%s", path);
	for (char *p = buf + 1; *p; p++)
		if (*p == '/') {
			*p = '\0';
			mkdir(buf, 0700);
			*p = '/';
		}
	mkdir(buf, 0700);
}

static void init(void)
{
	struct config cfg;
	char err[256];

	snprintf(root, sizeof(root), "/tmp/nomine-fuzz-rt-XXXXXX");
	if (!mkdtemp(root))
		abort();
	snprintf(dirs.containerd, sizeof(dirs.containerd), "%s/containerd", root);
	snprintf(dirs.crio, sizeof(dirs.crio), "%s/crio", root);
	snprintf(dirs.docker, sizeof(dirs.docker), "%s/docker", root);
	snprintf(paths[F_CONTAINERD], sizeof(paths[0]), "%s/k8s.io/%s/config.json",
		 dirs.containerd, ID);
	snprintf(paths[F_CRIO], sizeof(paths[0]), "%s/%s/userdata/config.json", dirs.crio, ID);
	snprintf(paths[F_DOCKER], sizeof(paths[0]), "%s/%s/config.v2.json", dirs.docker, ID);
	snprintf(paths[F_DOCKER_HOST], sizeof(paths[0]), "%s/%s/hostconfig.json", dirs.docker, ID);
	for (int f = 0; f < F_N; f++) {
		char d[sizeof(paths[0])];

		snprintf(d, sizeof(d), "%s", paths[f]);
		*strrchr(d, '/') = '\0';
		mkdirs(d);
	}
	mkdirs(dirs.containerd);       /* another namespace, searched too */
	memset(&cfg, 0, sizeof(cfg));  /* the default environment names */
	cs = containers_new(NULL, NULL);
	if (!cs || containers_configure(cs, &cfg, err, sizeof(err)))
		abort();
	while (containers_default_env[nnames])
		nnames++;
	atexit(cleanup);
}

/* ---- a growing text ---- */
struct buf {
	char *s;
	size_t n, cap;
};

static void put(struct buf *b, const void *p, size_t n)
{
	if (b->n + n + 1 > b->cap) {
		size_t cap = (b->n + n + 1) * 2;
		char *s = realloc(b->s, cap);

		if (!s)
			abort();
		b->s = s;
		b->cap = cap;
	}
	memcpy(b->s + b->n, p, n);
	b->n += n;
	b->s[b->n] = '\0';
}

static void puts_(struct buf *b, const char *s)
{
	put(b, s, strlen(s));
}

/* ---- the input, read from the front ---- */
struct in {
	const uint8_t *p, *end;
};

static unsigned int take(struct in *in)
{
	return in->p < in->end ? *in->p++ : 0;
}

/* Up to max input bytes, as a JSON string's contents: quotes and
 * backslashes escaped, control bytes as \u00XX, others raw (so invalid
 * UTF-8 may reach the parser). */
static void put_bytes(struct buf *b, struct in *in, size_t max)
{
	size_t n = take(in) % (max + 1);

	for (size_t i = 0; i < n && in->p < in->end; i++) {
		unsigned int c = take(in);
		char esc[8];

		if (c == '"' || c == '\\') {
			esc[0] = '\\', esc[1] = (char)c;
			put(b, esc, 2);
		} else if (c < 0x20) {
			snprintf(esc, sizeof(esc), "\\u%04x", c);
			put(b, esc, 6);
		} else {
			esc[0] = (char)c;
			put(b, esc, 1);
		}
	}
}

static const char *const odd_names[] = {
	"JUPYTERHUB_USER", "JUPYTERHUB_SERVER_NAME", "BINDER_REPO_URL", "PATH",
	"JUPYTERHUB_USERX", "XJUPYTERHUB_USER", " JUPYTERHUB_USER", "JUPYTERHUB_USER ",
	"jupyterhub_user", "", "JUPYTERHUB_USER\\u0000", "JUPYTERHUB_\\u0055SER",
};

static void value(struct buf *b, struct in *in, int depth);

/* An odd JSON string: the input's bytes, escapes, huge, NUL, surrogates. */
static void string(struct buf *b, struct in *in)
{
	static const char *const odd[] = {
		"", "\\u0000", "a\\u0000b", "\\ud800", "\\udc00x", "\\ud83d\\ude00", "\\u00e9",
		"\xc3\xa9", "\xff\xfe", "\xed\xa0\x80", "\\x41", "=", "==", "a=b",
	};
	unsigned int c = take(in);

	puts_(b, "\"");
	if (c < 160) {
		put_bytes(b, in, 64);
	} else if (c < 224) {
		puts_(b, odd[c % (sizeof(odd) / sizeof(odd[0]))]);
		put_bytes(b, in, 8);
	} else {                 /* huge: up to 1 MiB */
		size_t n = (size_t)take(in) << (c & 15);
		char *fill;

		if (n > (1u << 20))
			n = 1u << 20;
		fill = malloc(n + 1);
		if (!fill)
			abort();
		memset(fill, 'u', n);
		put(b, fill, n);
		free(fill);
	}
	puts_(b, "\"");
}

/* One item of an env array: mostly "NAME=value" strings, some odd. */
static void env_item(struct buf *b, struct in *in, int depth)
{
	unsigned int c = take(in);

	if (c >= 200) {          /* not a string */
		value(b, in, depth + 1);
		return;
	}
	puts_(b, "\"");
	puts_(b, odd_names[c % (sizeof(odd_names) / sizeof(odd_names[0]))]);
	switch ((c >> 4) % 6) {
	case 0:                  /* no '=' */
		break;
	case 1:                  /* empty value */
		puts_(b, "=");
		break;
	case 2:                  /* a NUL in the value */
		puts_(b, "=al\\u0000ice");
		break;
	default:
		puts_(b, "=");
		put_bytes(b, in, 48);
	}
	puts_(b, "\"");
}

/* Any JSON value, nested (and, rarely, past the parser's depth limit). */
static void value(struct buf *b, struct in *in, int depth)
{
	unsigned int c = take(in), n;

	if (depth > 6)
		c %= 80;
	if (c < 40) {
		string(b, in);
	} else if (c < 60) {
		static const char *const lit[] = {
			"0", "-1", "1e999", "18446744073709551616", "null", "true", "false", "0.5",
		};
		puts_(b, lit[c % 8]);
	} else if (c < 80) {
		puts_(b, "{}");
	} else if (c < 240) {    /* an array, or an object (keys may repeat) */
		int obj = c >= 150;

		puts_(b, obj ? "{" : "[");
		n = take(in) % 6;
		for (unsigned int i = 0; i < n; i++) {
			if (i)
				puts_(b, ",");
			if (obj) {
				string(b, in);
				puts_(b, ":");
			}
			value(b, in, depth + 1);
		}
		puts_(b, obj ? "}" : "]");
	} else {                 /* deep: around jansson's limit of 2048 */
		n = 1900 + take(in) * 2;
		for (unsigned int i = 0; i < n; i++)
			puts_(b, "[");
		for (unsigned int i = 0; i < n; i++)
			puts_(b, "]");
	}
}

/* "s", or (s NULL) a value of any type. */
static void quoted(struct buf *b, struct in *in, const char *s)
{
	if (!s) {
		value(b, in, 1);
		return;
	}
	puts_(b, "\"");
	puts_(b, s);
	puts_(b, "\"");
}

static void env_array(struct buf *b, struct in *in)
{
	unsigned int n = take(in) % 12;

	puts_(b, "[");
	for (unsigned int i = 0; i < n; i++) {
		if (i)
			puts_(b, ",");
		env_item(b, in, 0);
	}
	puts_(b, "]");
}

/* "key": value, where value is mostly a string, sometimes of an odd type. */
static void member(struct buf *b, struct in *in, const char *key, int *first)
{
	unsigned int c = take(in);

	if (c < 24)              /* absent */
		return;
	if (!*first)
		puts_(b, ",");
	*first = 0;
	puts_(b, "\"");
	puts_(b, key);
	puts_(b, "\":");
	if (c < 160)
		string(b, in);
	else
		value(b, in, 1);
	if (c >= 250) {          /* the same key twice: the file is refused */
		puts_(b, ",\"");
		puts_(b, key);
		puts_(b, "\":\"again\"");
	}
}

/* A JSON text as a string's contents (CRI-O packs its labels so). */
static void packed(struct buf *b, const char *json)
{
	for (const char *p = json; *p; p++) {
		if (*p == '"' || *p == '\\')
			puts_(b, "\\");
		put(b, p, 1);
	}
}

static const char *cgroups_path(struct in *in, const char *actual)
{
	unsigned int c = take(in);

	if (c < 128)
		return strcmp(actual, KS) ? actual : KS_SLICE ":cri-containerd:" ID;
	if (c < 160)
		return actual + 1;
	if (c < 192)
		return "system.slice:docker:" ID;
	return NULL;             /* odd: decided by the caller */
}

/* containerd's or CRI-O's OCI spec. */
static void oci_spec(struct buf *b, struct in *in, int crio, const char *cg)
{
	static const char *const cri[] = {
		"io.kubernetes.cri.sandbox-name", "io.kubernetes.cri.sandbox-namespace",
		"io.kubernetes.cri.sandbox-uid", "io.kubernetes.cri.container-name",
		"io.kubernetes.cri.image-name", "io.kubernetes.cri.container-type",
	};
	static const char *const crio_keys[] = {
		"io.kubernetes.pod.name", "io.kubernetes.pod.namespace", "io.kubernetes.pod.uid",
		"io.kubernetes.container.name", "io.kubernetes.cri-o.ImageName",
		"io.kubernetes.cri-o.Image", "io.kubernetes.cri-o.ContainerType",
	};
	const char *path = cgroups_path(in, cg);
	int first = 1;

	puts_(b, "{\"ociVersion\":\"1.1.0\",\"process\":");
	if (take(in) < 240) {
		puts_(b, "{\"env\":");
		env_array(b, in);
		puts_(b, "}");
	} else {
		value(b, in, 1);
	}
	puts_(b, ",\"linux\":{\"cgroupsPath\":");
	quoted(b, in, path);
	puts_(b, "},\"annotations\":{");
	if (crio) {
		for (size_t i = 0; i < sizeof(crio_keys) / sizeof(crio_keys[0]); i++)
			member(b, in, crio_keys[i], &first);
		if (take(in) < 200) {
			struct buf lb = { 0 };
			int lfirst = 1;

			puts_(&lb, "{");
			for (size_t i = 0; i < 4; i++)
				member(&lb, in, crio_keys[i], &lfirst);
			puts_(&lb, take(in) < 220 ? "}" : "");   /* or cut short */
			puts_(b, first ? "" : ",");
			puts_(b, "\"io.kubernetes.cri-o.Labels\":\"");
			packed(b, lb.s);
			puts_(b, "\"");
			first = 0;
			free(lb.s);
		}
	} else {
		for (size_t i = 0; i < sizeof(cri) / sizeof(cri[0]); i++)
			member(b, in, cri[i], &first);
	}
	puts_(b, "}}");
}

/* docker's config.v2.json, and hostconfig.json into host. */
static void docker_state(struct buf *b, struct buf *host, struct in *in, int kube)
{
	static const char *const labels[] = {
		"io.kubernetes.pod.name", "io.kubernetes.pod.namespace", "io.kubernetes.pod.uid",
		"io.kubernetes.container.name", "io.kubernetes.docker.type",
	};
	int first = 1;

	puts_(b, "{\"ID\":\"" ID "\",\"Config\":{\"Image\":");
	string(b, in);
	puts_(b, ",\"Env\":");
	if (take(in) < 240)
		env_array(b, in);
	else
		value(b, in, 1);
	puts_(b, ",\"Labels\":{");
	for (size_t i = 0; i < sizeof(labels) / sizeof(labels[0]); i++)
		member(b, in, labels[i], &first);
	puts_(b, "}}}");
	puts_(host, "{\"CgroupParent\":");
	quoted(host, in, take(in) < 240 ? (kube ? KUBE_PARENT : "") : NULL);
	puts_(host, "}");
}

/* ---- the files ---- */
static void write_file(enum file f, const void *p, size_t n)
{
	int fd = open(paths[f], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

	if (fd < 0 || (n && write(fd, p, n) != (ssize_t)n))
		abort();
	close(fd);
}

static void clear_files(void)
{
	for (int f = 0; f < F_N; f++)
		remove(paths[f]);
}

/* ---- the checks ---- */
/* Valid UTF-8 (jansson's check), within max bytes (the NUL ends it: none
 * inside). */
static void check_text(const char *s, size_t max)
{
	json_t *t = json_string(s);

	if (!t || strlen(s) > max)
		abort();
	json_decref(t);
}

static int wanted(const char *s, size_t namelen)
{
	for (size_t k = 0; k < nnames; k++)
		if (strlen(containers_default_env[k]) == namelen &&
		    !memcmp(containers_default_env[k], s, namelen))
			return 1;
	return 0;
}

/* The spec's env array as its own parse says (NULL: none). */
static const json_t *spec_env(const json_t *doc, enum ctr_runtime rt)
{
	if (rt == CTR_RT_DOCKER)
		return json_object_get(json_object_get(doc, "Config"), "Env");
	return json_object_get(json_object_get(doc, "process"), "env");
}

/* Is s the value of a string item "JUPYTERHUB_USER=s" of the array? */
static int spec_user(const json_t *env, const char *s)
{
	size_t i;
	json_t *v;

	json_array_foreach(env, i, v) {
		const char *t = json_string_value(v);

		if (t && !strncmp(t, "JUPYTERHUB_USER=", 16) && !strcmp(t + 16, s))
			return 1;
	}
	return 0;
}

static void check_meta(const struct rt_meta *m, const json_t *doc, size_t file_len)
{
	const json_t *env = spec_env(doc, m->runtime);
	size_t i, k = 0;
	json_t *v;

	for (int l = 0; l < RT_NLABELS; l++)
		if (m->labels[l] && (!*m->labels[l] || (check_text(m->labels[l], file_len), 0)))
			abort();
	if (m->image && (!*m->image || (check_text(m->image, file_len), 0)))
		abort();
	if (m->nenv && !m->env)
		abort();
	/* exactly the wanted "NAME=value" string items, in order */
	json_array_foreach(env, i, v) {
		const char *s = json_string_value(v), *eq;

		if (!s || !(eq = strchr(s, '=')) || !wanted(s, (size_t)(eq - s)))
			continue;
		if (k >= m->nenv || strcmp(m->env[k], s))
			abort();
		check_text(m->env[k], file_len);
		k++;
	}
	if (k != m->nenv)
		abort();
}

static void check_strings(const json_t *o)
{
	const char *key;
	json_t *v;

	json_object_foreach((json_t *)o, key, v) {
		check_text(key, SIZE_MAX);
		if (json_is_object(v))
			check_strings(v);
		else if (json_is_string(v) &&
			 strlen(json_string_value(v)) != json_string_length(v))
			abort();
		else if (json_is_string(v))
			check_text(json_string_value(v), SIZE_MAX);
	}
}

/* The event's fields: the user from the spec only as a well-formed
 * item's value, from the process only as its block's value. */
static void check_describe(const struct rt_meta *m, const json_t *doc, enum ctr_runtime rt,
			   const uint8_t *penv, size_t plen)
{
	struct container c;
	json_t *o = json_object();
	const char *user, *from;
	char *dump;

	memset(&c, 0, sizeof(c));
	c.ref.runtime = rt;
	snprintf(c.ref.id, sizeof(c.ref.id), "%s", ID);
	c.meta = *m;
	c.meta_ok = 1;
	containers_describe(cs, &c, plen ? penv : NULL, plen, o);
	user = json_string_value(json_object_get(o, "user"));
	from = json_string_value(json_object_get(o, "user_source"));
	if (!user != !from)
		abort();
	if (from && !strcmp(from, "container")) {
		if (!*user || !spec_user(spec_env(doc, m->runtime), user))
			abort();
	} else if (from) {
		size_t vl;
		const uint8_t *pv = plen ? env_find(penv, plen, "JUPYTERHUB_USER", &vl) : NULL;
		char *esc;

		if (strcmp(from, "process") || !pv)
			abort();
		esc = log_utf8_escape(pv, vl);
		if (!esc || strcmp(esc, user))
			abort();
		free(esc);
	}
	check_strings(o);
	dump = json_dumps(o, JSON_COMPACT);
	if (!dump)
		abort();
	free(dump);
	json_decref(o);
}

static int empty(const struct rt_meta *m, enum ctr_runtime rt)
{
	for (int l = 0; l < RT_NLABELS; l++)
		if (m->labels[l])
			return 0;
	return !m->image && !m->env && !m->nenv && !m->sandbox &&
	       (m->runtime == rt || rt == CTR_RT_KUBE);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const enum ctr_runtime for_file[F_N] = {
		CTR_RT_CONTAINERD, CTR_RT_CRIO, CTR_RT_DOCKER, CTR_RT_DOCKER,
	};
	struct in in = { data, data + size };
	struct buf b = { 0 }, host = { 0 };
	unsigned int mode = take(&in), plen = take(&in) % 64;
	enum file f = (enum file)(mode % F_N);
	const uint8_t *penv;
	struct ctr_ref ref;
	struct rt_meta m;
	json_t *doc = NULL;
	char err[3 * CTR_PATH_MAX + 256];
	int rc, kube = (mode >> 2) & 1;

	if (!root[0])
		init();
	if (plen > (size_t)(in.end - in.p))
		plen = (unsigned int)(in.end - in.p);
	in.end -= plen;
	penv = in.end;
	clear_files();
	memset(&ref, 0, sizeof(ref));
	ref.runtime = (mode >> 3) & 1 ? CTR_RT_KUBE : for_file[f];
	if (f == F_CRIO && (mode >> 4) % 3 == 1)
		ref.runtime = CTR_RT_PODMAN;
	snprintf(ref.id, sizeof(ref.id), "%s", ID);
	snprintf(ref.cgroup, sizeof(ref.cgroup), "%s",
		 for_file[f] == CTR_RT_DOCKER ? (kube ? KP : DOCKER_CG) : (kube ? KS : KP));
	switch (mode >> 5) {
	case 0:                  /* arbitrary bytes as the file */
		if (f == F_DOCKER_HOST)
			puts_(&b, "{\"Config\":{\"Env\":[\"JUPYTERHUB_USER=alice\"]}}");
		else if (f == F_DOCKER)
			puts_(&host, "{\"CgroupParent\":\"" KUBE_PARENT "\"}");
		put(f == F_DOCKER_HOST ? &host : &b, in.p, (size_t)(in.end - in.p));
		break;
	case 1:                  /* not a regular file of at most RT_FILE_MAX */
		puts_(&b, "{}");
		puts_(&host, "{}");
		break;
	default:                 /* a near-valid spec */
		if (for_file[f] == CTR_RT_DOCKER)
			docker_state(&b, &host, &in, kube);
		else
			oci_spec(&b, &in, f == F_CRIO, ref.cgroup);
	}
	if (for_file[f] == CTR_RT_DOCKER) {
		write_file(F_DOCKER, b.s ? b.s : "", b.n);
		write_file(F_DOCKER_HOST, host.s ? host.s : "", host.n);
	} else {
		write_file(f, b.s ? b.s : "", b.n);
	}
	if (mode >> 5 == 1) {
		enum file at = f == F_DOCKER_HOST ? F_DOCKER_HOST : for_file[f] == CTR_RT_DOCKER ?
			       F_DOCKER : f;

		switch (take(&in) % 4) {
		case 0:          /* a FIFO: must not block */
			remove(paths[at]);
			if (mkfifo(paths[at], 0600))
				abort();
			break;
		case 1:          /* a symlink to a good file */
			remove(paths[at]);
			if (symlink("/dev/null", paths[at]))
				abort();
			break;
		case 2:          /* a directory */
			remove(paths[at]);
			if (mkdir(paths[at], 0700))
				abort();
			break;
		default:         /* past RT_FILE_MAX (sparse) */
			if (truncate(paths[at], (off_t)RT_FILE_MAX + 1))
				abort();
		}
	}
	rc = rt_meta_load(&dirs, &ref, (char *const *)containers_default_env, nnames, &m, err,
			  sizeof(err));
	if (rc) {
		if ((rc != -ENOENT && rc != -EINVAL && rc != -E2BIG && rc != -ELOOP &&
		     rc != -EISDIR && rc != -ENOMEM) || !empty(&m, ref.runtime) || !err[0] ||
		    strlen(err) >= sizeof(err))
			abort();
	} else {
		size_t file_len = b.n;  /* what the fields come from */

		doc = json_loadb(b.s ? b.s : "", b.n, JSON_REJECT_DUPLICATES, NULL);
		if (!doc || (mode >> 5) == 1)
			abort();
		/* docker: the labels count only under kubepods */
		if (m.runtime == CTR_RT_DOCKER && !kube && (mode >> 5) >= 2)
			for (int l = 0; l < RT_NLABELS; l++)
				if (m.labels[l])
					abort();
		check_meta(&m, doc, file_len);
		check_describe(&m, doc, ref.runtime, penv, plen);
		json_decref(doc);
	}
	rt_meta_free(&m);
	free(b.s);
	free(host.s);
	return 0;
}
