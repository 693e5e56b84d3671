/* SPDX-License-Identifier: BSD-2-Clause */
/* config_watch.c - inotify on the directories that hold the config. */
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>
#include "config_watch.h"

/* Every way a file in a directory can change, including atomic renames. */
#define WATCH_MASK (IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_CREATE | IN_DELETE | \
		    IN_ATTRIB | IN_MODIFY | IN_DELETE_SELF | IN_MOVE_SELF)

static void add(struct config_watch *w, const char *dir, const char *only)
{
	int wd;

	if (w->nwd >= CONFIG_WATCH_MAX)
		return;
	wd = inotify_add_watch(w->fd, dir, WATCH_MASK);
	if (wd < 0)
		return;
	w->wd[w->nwd] = wd;
	w->only[w->nwd] = only ? strdup(only) : NULL;
	w->nwd++;
}

static void add_path(struct config_watch *w, const char *path)
{
	char d[PATH_MAX], b[PATH_MAX];
	struct stat st;

	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
		add(w, path, NULL);
		return;
	}
	snprintf(d, sizeof(d), "%s", path);
	snprintf(b, sizeof(b), "%s", path);
	add(w, dirname(d), basename(b));
}

int config_watch_open(struct config_watch *w, char *const *paths, size_t n)
{
	char real[PATH_MAX];

	memset(w, 0, sizeof(*w));
	w->fd = -1;
	if (n == 0)
		return 0;
	w->fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (w->fd < 0)
		return -errno;
	for (size_t i = 0; i < n; i++) {
		add_path(w, paths[i]);
		if (realpath(paths[i], real) && strcmp(real, paths[i]) != 0)
			add_path(w, real);
	}
	return 0;
}

void config_watch_close(struct config_watch *w)
{
	for (int i = 0; i < w->nwd; i++)
		free(w->only[i]);
	w->nwd = 0;
	if (w->fd >= 0)
		close(w->fd);
	w->fd = -1;
}

/* ConfigMap volumes publish new content by renaming "..data" (and create
 * "..<timestamp>" directories): such names always matter. */
static int relevant(const struct config_watch *w, const struct inotify_event *ev)
{
	for (int i = 0; i < w->nwd; i++) {
		if (w->wd[i] != ev->wd)
			continue;
		if (!w->only[i] || ev->mask & (IN_DELETE_SELF | IN_MOVE_SELF | IN_IGNORED))
			return 1;
		if (ev->len && (!strcmp(ev->name, w->only[i]) || !strncmp(ev->name, "..", 2)))
			return 1;
	}
	return 0;
}

int config_watch_drain(struct config_watch *w)
{
	char buf[16384] __attribute__((aligned(__alignof__(struct inotify_event))));
	int any = 0;
	ssize_t n;

	if (w->fd < 0)
		return 0;
	while ((n = read(w->fd, buf, sizeof(buf))) > 0) {
		for (char *p = buf; p < buf + n;) {
			const struct inotify_event *ev = (const struct inotify_event *)p;

			any |= relevant(w, ev);
			p += sizeof(*ev) + ev->len;
		}
	}
	return any;
}
