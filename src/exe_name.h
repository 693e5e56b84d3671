/* SPDX-License-Identifier: BSD-2-Clause */
/* exe_name.h - the name of the file an exec really ran, from the path the
 * kernel walked for an exec whose own name did not say (exec.bpf.c). */
#ifndef NOMINE_EXE_NAME_H
#define NOMINE_EXE_NAME_H

#include <stddef.h>
#include "exec_event.h"

/* Room for any name exe_name_format gives, with its NUL. */
#define NM_EXE_NAME_MAX (NM_FILENAME_MAX + 16)

/* The file's path as /proc/PID/exe gives it ("/memfd:NAME (deleted)",
 * "/tmp/x (deleted)"; ".../dir/x" when its first directories did not fit)
 * in buf (n >= NM_EXE_NAME_MAX), when the kernel walked it
 * (NM_EXEC_EXE_NAMED); NULL otherwise, or for a malformed record: the
 * exec's own name (filename) is then all there is. */
const char *exe_name_format(const struct exec_record *h, char *buf, size_t n);

#endif
