/* SPDX-License-Identifier: BSD-2-Clause */
/* watch.c - inotify on the directories that hold the config. */
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>
#include "watch.h"

/* Every way a file in a directory can change, including atomic renames. */
#define WATCH_MASK (IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_CREATE | IN_DELETE | \
		    IN_ATTRIB | IN_MODIFY | IN_DELETE_SELF | IN_MOVE_SELF)

static void add_dir_of(int fd, const char *path)
{
	char buf[PATH_MAX];
	struct stat st;

	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
		inotify_add_watch(fd, path, WATCH_MASK);
		return;
	}
	snprintf(buf, sizeof(buf), "%s", path);
	inotify_add_watch(fd, dirname(buf), WATCH_MASK);
}

int watch_open(struct watch *w, char *const *paths, size_t n)
{
	char real[PATH_MAX];

	w->fd = -1;
	if (n == 0)
		return 0;
	w->fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (w->fd < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		add_dir_of(w->fd, paths[i]);
		/* A file may be a symlink into a directory that changes alone. */
		if (realpath(paths[i], real) && strcmp(real, paths[i]) != 0)
			add_dir_of(w->fd, real);
	}
	return 0;
}

void watch_close(struct watch *w)
{
	if (w->fd >= 0)
		close(w->fd);
	w->fd = -1;
}

int watch_drain(struct watch *w)
{
	char buf[16384] __attribute__((aligned(__alignof__(struct inotify_event))));
	int any = 0;
	ssize_t n;

	if (w->fd < 0)
		return 0;
	while ((n = read(w->fd, buf, sizeof(buf))) > 0)
		any = 1;
	return any;
}
