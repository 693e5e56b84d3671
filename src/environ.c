/* SPDX-License-Identifier: BSD-2-Clause */
/* environ.c - picking variables out of an environment block. */
#include <string.h>
#include "environ.h"
#include "log.h"

const uint8_t *env_find(const uint8_t *block, size_t len, const char *name, size_t *vlen)
{
	size_t nl = strlen(name), i = 0;

	while (i < len) {
		const uint8_t *s = block + i, *end = memchr(s, '\0', len - i);
		size_t sl = end ? (size_t)(end - s) : len - i;

		if (sl > nl && s[nl] == '=' && !memcmp(s, name, nl)) {
			*vlen = sl - nl - 1;
			return s + nl + 1;
		}
		i += sl + 1;
	}
	return NULL;
}

int env_pick(json_t *obj, const uint8_t *block, size_t len, char *const *names, size_t n)
{
	int added = 0;

	for (size_t k = 0; k < n; k++) {
		const uint8_t *v;
		size_t vl;

		if (json_object_get(obj, names[k]) || !(v = env_find(block, len, names[k], &vl)))
			continue;
		log_set_bytes(obj, names[k], v, vl);
		added++;
	}
	return added;
}
