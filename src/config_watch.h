/* SPDX-License-Identifier: BSD-2-Clause */
/* watch.h - notices config changes (inotify), including Kubernetes ConfigMap
 * updates, which swap a "..data" symlink instead of writing the files. */
#ifndef NOMINE_WATCH_H
#define NOMINE_WATCH_H

#include <stddef.h>

#define WATCH_MAX 64

struct watch {
	int fd;                      /* inotify fd, -1 when nothing is watched */
	int nwd;
	int wd[WATCH_MAX];
	char *only[WATCH_MAX];       /* name that matters in that directory; NULL: all */
};

/* Watches each config path: a directory as a whole; a file through its
 * parent directory (renames and ConfigMap swaps replace it), also at its
 * symlink target's directory. Returns 0 or a negative errno (that of
 * inotify_init1). */
int watch_open(struct watch *w, char *const *paths, size_t n);
void watch_close(struct watch *w);

/* Reads pending events; returns 1 if one concerns the config. */
int watch_drain(struct watch *w);

#endif
