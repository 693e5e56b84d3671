/* SPDX-License-Identifier: BSD-2-Clause */
/* environ.h - selected variables from an environment block (the NUL-
 * separated "NAME=value" strings of /proc/PID/environ or of the exec). */
#ifndef NOMINE_ENVIRON_H
#define NOMINE_ENVIRON_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

/* Adds each wanted NAME found in block to obj as "NAME": "value" (raw bytes
 * escaped as log_set_bytes does; the first occurrence wins, as getenv's).
 * Names already in obj are left alone. Returns how many were added. */
int env_pick(json_t *obj, const uint8_t *block, size_t len, char *const *names, size_t n);

/* The value of name in block (not NUL-terminated; *vlen set), or NULL. */
const uint8_t *env_find(const uint8_t *block, size_t len, const char *name, size_t *vlen);

#endif
