/* SPDX-License-Identifier: BSD-2-Clause */
/* config_files.c - loads configs from files, directories of them, or the
 * built-in default. */
#include "config_parse.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define FILE_MAX ((size_t)64 << 20)   /* largest config file we read */

extern const char nomine_default_config[], nomine_default_config_end[];

/* 1 for YAML, 2 for JSON, 0 for anything else. */
static int file_kind(const char *name)
{
	size_t n = strlen(name);

	if (n > 5 && !strcmp(name + n - 5, ".json"))
		return 2;
	if ((n > 5 && !strcmp(name + n - 5, ".yaml")) || (n > 4 && !strcmp(name + n - 4, ".yml")))
		return 1;
	return 0;
}

/* Reads fd to the end into a malloc'd buffer. Returns 0, or a negative
 * errno: -EFBIG if larger than FILE_MAX (even if the file grew after fstat),
 * -ENOMEM, or read's. */
static int read_all(int fd, size_t hint, char **out, size_t *outlen)
{
	size_t cap = hint < 4096 ? 4096 : hint > FILE_MAX ? FILE_MAX + 1 : hint + 1;
	size_t len = 0;
	char *buf = malloc(cap), *n;
	ssize_t r;
	int rc = -ENOMEM;

	while (buf) {
		if (len == cap) {
			if (cap > FILE_MAX) {
				rc = -EFBIG;
				break;
			}
			cap = cap > FILE_MAX / 2 ? FILE_MAX + 1 : cap * 2;
			n = realloc(buf, cap);
			if (!n)
				break;
			buf = n;
		}
		r = read(fd, buf + len, cap - len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			rc = -errno;
			break;
		}
		if (r == 0) {
			*out = buf;
			*outlen = len;
			return 0;
		}
		len += (size_t)r;
	}
	free(buf);
	return rc;
}

static int load_file(struct config *cfg, const char *path, int json, char *err, size_t errlen)
{
	struct stat st;
	char *buf = NULL;
	size_t len = 0;
	int fd, rc;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		rc = -errno;
		cfg_set_err(err, errlen, "%s: %s", path, strerror(-rc));
		return rc;
	}
	rc = fstat(fd, &st) ? -errno : S_ISREG(st.st_mode) ? 0 : -EINVAL;
	if (rc) {
		cfg_set_err(err, errlen, "%s: not a regular file", path);
		goto out;
	}
	if ((unsigned long long)st.st_size > FILE_MAX)
		rc = -EFBIG;
	else if ((rc = read_all(fd, (size_t)st.st_size, &buf, &len)) == 0)
		rc = config_parse_buffer(cfg, path, buf, len, json, err, errlen);
	if (rc && !buf)
		cfg_set_err(err, errlen, "%s: %s", path,
			    rc == -EFBIG ? "file is larger than 64 MiB" : strerror(-rc));
out:
	free(buf);
	close(fd);
	return rc;
}

/* dir/name, malloc'd; NULL with errno set (ENOMEM). */
static char *join_path(const char *dir, const char *name)
{
	size_t n = strlen(dir);
	const char *sep = n > 0 && dir[n - 1] == '/' ? "" : "/";

	size_t size = n + strlen(sep) + strlen(name) + 1;
	char *s = malloc(size);

	if (s)
		snprintf(s, size, "%s%s%s", dir, sep, name);
	return s;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A directory entry is loaded if it is visible, has a config extension and
 * is (or links to) a regular file. Broken links are skipped. Returns 0 (the
 * answer in *yes) or -ENOMEM. */
static int wanted(const char *dir, const char *name, int *yes)
{
	struct stat st;
	char *path;

	*yes = 0;
	if (name[0] == '.' || !file_kind(name))
		return 0;
	path = join_path(dir, name);
	if (!path)
		return -ENOMEM;
	*yes = !stat(path, &st) && S_ISREG(st.st_mode);
	free(path);
	return 0;
}

/* Returns 0 or -ENOMEM. */
static int push_name(char ***names, size_t *n, const char *name)
{
	void *m = cfg_grow(*names, *n, 1, sizeof(**names));

	if (!m)
		return -ENOMEM;
	*names = m;
	(*names)[*n] = strdup(name);
	if (!(*names)[*n])
		return -ENOMEM;
	(*n)++;
	return 0;
}

/* Collects wanted entry names of dir, sorted with strcmp. Returns 0 or a
 * negative errno. */
static int list_dir(const char *dir, char ***out, size_t *nout)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char **names = NULL;
	size_t n = 0;
	int rc, yes;

	if (!d)
		return -errno;
	for (errno = 0; (de = readdir(d)); errno = 0) {
		if ((rc = wanted(dir, de->d_name, &yes)))
			goto out;
		if (!yes)
			continue;
		if ((rc = push_name(&names, &n, de->d_name)))
			goto out;
	}
	if (errno) {
		rc = -errno;
		goto out;
	}
	if (n)
		qsort(names, n, sizeof(*names), cmp_names);
	*out = names;
	*nout = n;
	names = NULL;
	n = 0;
	rc = 0;
out:
	while (n)
		free(names[--n]);
	free(names);
	closedir(d);
	return rc;
}

static int load_dir(struct config *cfg, const char *dir, char *err, size_t errlen)
{
	char **names = NULL, *path;
	size_t n = 0, i;
	int rc = list_dir(dir, &names, &n);

	if (rc) {
		cfg_set_err(err, errlen, "%s: %s", dir, strerror(-rc));
		return rc;
	}
	if (n == 0) {
		rc = -ENOENT;
		cfg_set_err(err, errlen, "%s: no .json, .yaml or .yml files", dir);
		goto out;
	}
	for (i = 0; i < n; i++) {
		path = join_path(dir, names[i]);
		if (!path) {
			rc = -ENOMEM;
			cfg_set_err(err, errlen, "%s: %s", dir, strerror(ENOMEM));
			goto out;
		}
		rc = load_file(cfg, path, file_kind(names[i]) == 2, err, errlen);
		free(path);
		if (rc)
			goto out;
	}
	rc = 0;
out:
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return rc;
}

static int load_path(struct config *cfg, const char *path, char *err, size_t errlen)
{
	struct stat st;
	int rc;

	if (stat(path, &st)) {
		rc = -errno;
		cfg_set_err(err, errlen, "%s: %s", path, strerror(-rc));
		return rc;
	}
	if (S_ISDIR(st.st_mode))
		return load_dir(cfg, path, err, errlen);
	if (!file_kind(path)) {
		cfg_set_err(err, errlen, "%s: unsupported file type (want .json, .yaml or .yml)", path);
		return -EINVAL;
	}
	return load_file(cfg, path, file_kind(path) == 2, err, errlen);
}

int config_load(struct config *cfg, char *const *paths, size_t npaths, char *err, size_t errlen)
{
	size_t i;
	int rc;

	memset(cfg, 0, sizeof(*cfg));
	for (i = 0; i < npaths; i++) {
		rc = load_path(cfg, paths[i], err, errlen);
		if (rc) {
			config_free(cfg);
			return rc;
		}
	}
	rc = cfg_check_responses(cfg, err, errlen);
	if (rc)
		config_free(cfg);
	return rc;
}

int config_load_builtin(struct config *cfg, char *err, size_t errlen)
{
	memset(cfg, 0, sizeof(*cfg));
	return config_parse_buffer(cfg, CONFIG_BUILTIN_NAME, nomine_default_config,
				   (size_t)(nomine_default_config_end - nomine_default_config),
				   0, err, errlen);
}
