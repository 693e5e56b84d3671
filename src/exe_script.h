/* SPDX-License-Identifier: BSD-2-Clause */
/* exe_script.h - which executables are interpreters, and which argument of
 * theirs names the script they run (`python3 -u x.py`, `bash x.sh`, a #!
 * script, whose argv the kernel rewrites to "interpreter [arg] path", and
 * the dynamic loader run as a program, `ld.so ./prog`). */
#ifndef NOMINE_EXE_SCRIPT_H
#define NOMINE_EXE_SCRIPT_H

#include <stddef.h>
#include <stdint.h>

/* The interpreter family of an executable's path (by its base name:
 * python3.11, perl5.36, bash, node, Rscript, ...), or NULL. */
const char *exe_interpreter(const char *path);

/* The script path an interpreter of family fam is given in argv (the raw
 * area, "a\0b\0"), copied into out. Returns 1 if there is one, 0 when the
 * code comes inline (-c, -e), from stdin or a module (-m), or the path
 * does not fit. */
int exe_script_arg(const char *fam, const uint8_t *argv, size_t len, char *out, size_t outlen);

#endif
