/* SPDX-License-Identifier: BSD-2-Clause */
/* config_watch.h - notices config changes (inotify), including Kubernetes ConfigMap
 * updates, which swap a "..data" symlink instead of writing the files. */
#ifndef NOMINE_CONFIG_WATCH_H
#define NOMINE_CONFIG_WATCH_H

#include <stddef.h>

#define CONFIG_WATCH_MAX 64

struct config_watch {
	int fd;                      /* inotify fd, -1 when nothing is watched */
	int nwd;
	int wd[CONFIG_WATCH_MAX];
	char *only[CONFIG_WATCH_MAX];       /* name that matters in that directory; NULL: all */
};

/* Watches each config path: a directory as a whole; a file through its
 * parent directory (renames and ConfigMap swaps replace it), also at its
 * symlink target's directory. Returns 0 or a negative errno (that of
 * inotify_init1). */
int config_watch_open(struct config_watch *w, char *const *paths, size_t n);
void config_watch_close(struct config_watch *w);

/* Reads pending events; returns 1 if one concerns the config. */
int config_watch_drain(struct config_watch *w);

#endif
