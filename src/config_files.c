/* SPDX-License-Identifier: BSD-2-Clause */
/* config_files.c - loads configs from files, directories of them, or the
 * built-in default. */
#include "config_parse.h"
#include "file_read.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* The bytes of config read by one config_load, over all its files: each
 * file is checked against what is left (docs/config.md, "Limits"). */
#define TOTAL_MAX ((size_t)CONFIG_TOTAL_MIB << 20)

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

/* *left: the bytes the files still to read may have in all. */
static int load_file(struct config *cfg, const char *path, int json, size_t *left, char *err,
		     size_t errlen)
{
	char *buf = NULL, why[128];
	size_t len = 0;
	int rc;

	rc = file_read_regular(path, *left, &buf, &len, why, sizeof(why));
	if (rc == -EFBIG)
		cfg_set_err(err, errlen, "%s: %s", path, *left == TOTAL_MAX ?
			    "file is larger than " CONFIG_TOTAL_MIB_TEXT " MiB" :
			    "the config files are larger than " CONFIG_TOTAL_MIB_TEXT " MiB in all");
	else if (rc)
		cfg_set_err(err, errlen, "%s: %s", path, why);
	if (rc)
		return rc;
	*left -= len;
	rc = config_parse_buffer(cfg, path, buf, len, json, err, errlen);
	free(buf);
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
 * is (or links to) a regular file. Broken links and directories are
 * skipped; other names cost no system call, so a directory of 100,000 other
 * files stays cheap. Returns 0 (the answer in *yes), or a negative errno
 * (fstatat's, or -EINVAL for a config name that is a FIFO, socket or
 * device: refused, not skipped, so a mistake there is seen). */
static int wanted(int dfd, const char *name, int *yes)
{
	struct stat st;

	*yes = 0;
	if (name[0] == '.' || !file_kind(name))
		return 0;
	if (fstatat(dfd, name, &st, 0))
		return errno == ENOENT ? 0 : -errno;
	if (!S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode))
		return -EINVAL;
	*yes = S_ISREG(st.st_mode);
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

/* Collects wanted entry names of dir, sorted with strcmp, at most
 * CONFIG_DIR_FILES_MAX of them. Returns 0, or a negative errno with err. */
static int list_dir(const char *dir, char ***out, size_t *nout, char *err, size_t errlen)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char **names = NULL, why[128];
	size_t n = 0;
	int rc, yes;

	if (!d) {
		rc = -errno;
		file_read_why(rc, why, sizeof(why));
		cfg_set_err(err, errlen, "%s: %s", dir, why);
		return rc;
	}
	for (errno = 0; (de = readdir(d)); errno = 0) {
		if ((rc = wanted(dirfd(d), de->d_name, &yes))) {
			file_read_why(rc, why, sizeof(why));
			cfg_set_err(err, errlen, "%s%s%s: %s", dir,
				    dir[0] && dir[strlen(dir) - 1] == '/' ? "" : "/", de->d_name, why);
			goto out;
		}
		if (!yes)
			continue;
		if (n == CONFIG_DIR_FILES_MAX) {
			rc = -E2BIG;
			cfg_set_err(err, errlen, "%s: more than %d config files in the directory",
				    dir, CONFIG_DIR_FILES_MAX);
			goto out;
		}
		if ((rc = push_name(&names, &n, de->d_name))) {
			cfg_set_err(err, errlen, "%s: %s", dir, strerror(-rc));
			goto out;
		}
	}
	if (errno) {
		rc = -errno;
		cfg_set_err(err, errlen, "%s: %s", dir, strerror(-rc));
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

static int load_dir(struct config *cfg, const char *dir, size_t *left, char *err, size_t errlen)
{
	char **names = NULL, *path;
	size_t n = 0, i;
	int rc = list_dir(dir, &names, &n, err, errlen);

	if (rc)
		return rc;
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
		rc = load_file(cfg, path, file_kind(names[i]) == 2, left, err, errlen);
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

static int load_path(struct config *cfg, const char *path, size_t *left, char *err,
		     size_t errlen)
{
	struct stat st;
	char why[128];
	int rc;

	if (stat(path, &st)) {
		rc = file_read_why(-errno, why, sizeof(why));
		cfg_set_err(err, errlen, "%s: %s", path, why);
		return rc;
	}
	if (S_ISDIR(st.st_mode))
		return load_dir(cfg, path, left, err, errlen);
	if (!file_kind(path)) {
		cfg_set_err(err, errlen, "%s: unsupported file type (want .json, .yaml or .yml)", path);
		return -EINVAL;
	}
	return load_file(cfg, path, file_kind(path) == 2, left, err, errlen);
}

int config_load(struct config *cfg, char *const *paths, size_t npaths, char *err, size_t errlen)
{
	size_t i, left = TOTAL_MAX;
	int rc;

	memset(cfg, 0, sizeof(*cfg));
	for (i = 0; i < npaths; i++) {
		rc = load_path(cfg, paths[i], &left, err, errlen);
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
