/* SPDX-License-Identifier: BSD-2-Clause */
/* watch.h - notices config changes (inotify), including Kubernetes ConfigMap
 * updates, which swap a "..data" symlink instead of writing the files. */
#ifndef NOMINE_WATCH_H
#define NOMINE_WATCH_H

#include <stddef.h>

struct watch {
	int fd;   /* inotify fd, -1 when nothing is watched */
};

/* Watches each path's directory (a directory itself, a file's parent, and
 * the parent of a symlinked file's target). Returns 0 or -1 with errno. */
int watch_open(struct watch *w, char *const *paths, size_t n);
void watch_close(struct watch *w);

/* Reads pending events; returns 1 if any arrived (a reload is due). */
int watch_drain(struct watch *w);

#endif
