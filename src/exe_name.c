/* SPDX-License-Identifier: BSD-2-Clause */
/* exe_name.c - the walked path of an exec's file, as a name for events. */
#include <stdio.h>
#include <string.h>
#include "exe_name.h"

const char *exe_name_format(const struct exec_record *h, char *buf, size_t n)
{
	const char *path;
	size_t room;

	if (!(h->flags & NM_EXEC_EXE_NAMED) || h->exe_name_off >= NM_FILENAME_MAX ||
	    n < NM_EXE_NAME_MAX)
		return NULL;
	path = h->exe_name + h->exe_name_off;
	room = NM_FILENAME_MAX - h->exe_name_off;
	/* the kernel ends it with a NUL; a record that does not is not its */
	if (!memchr(path, 0, room))
		return NULL;
	snprintf(buf, n, "%s%s%s", (h->flags & NM_EXEC_EXE_PARTIAL) ? "..." : "",
		 path[0] ? path : "/", (h->flags & NM_EXEC_EXE_DELETED) ? " (deleted)" : "");
	return buf;
}
