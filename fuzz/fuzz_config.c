/* SPDX-License-Identifier: BSD-2-Clause */
/* fuzz_config.c - libFuzzer harness: arbitrary bytes as a JSON or YAML config file. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Checks what config_parse_buffer promises: on success every item is a
 * NUL-terminated, non-empty string within its limit, with an origin in
 * cfg->files; on failure cfg is unchanged and err is "name:line: ...". */
static void check(const struct config *cfg, size_t nb, size_t na, int rc, const char *err)
{
	size_t i;

	if (rc != 0) {
		if (cfg->nbanned != nb || cfg->nallowed != na || strncmp(err, "f:", 2))
			abort();
		return;
	}
	for (i = nb; i < cfg->nbanned; i++)
		if (cfg->banned[i].len == 0 || cfg->banned[i].len > CONFIG_STRING_MAX ||
		    strlen(cfg->banned[i].bytes) != cfg->banned[i].len ||
		    cfg->banned[i].at.file != cfg->files[cfg->nfiles - 1] ||
		    cfg->banned[i].at.line < 1)
			abort();
	for (i = na; i < cfg->nallowed; i++)
		if (strlen(cfg->allowed[i].regex) == 0 ||
		    strlen(cfg->allowed[i].regex) > CONFIG_PATTERN_MAX ||
		    cfg->allowed[i].at.line < 1)
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config cfg = { 0 };
	char err[CONFIG_ERR_MAX] = "";
	static const char seed[] = "bannedCommandStrings: [seed]\n";
	int json, rc;

	if (size < 1)
		return 0;
	json = data[0] & 1;
	/* a file already loaded, so appending and "unchanged on error" run too */
	if (config_parse_buffer(&cfg, "s", seed, sizeof(seed) - 1, 0, err, sizeof(err)))
		abort();
	rc = config_parse_buffer(&cfg, "f", (const char *)data + 1, size - 1, json, err,
				 sizeof(err));
	check(&cfg, 1, 0, rc, err);
	config_free(&cfg);
	return 0;
}
