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
 * cfg->files, and the RandomX numbers are in range; on failure cfg is
 * unchanged and err is "name:line: ...". */
static void check(const struct config *cfg, const struct config *old, int rc, const char *err)
{
	const char *file = cfg->files[cfg->nfiles - 1];
	size_t i;

	if (rc != 0) {
		if (cfg->nbanned != old->nbanned || cfg->nallowed != old->nallowed ||
		    cfg->nallowed_exes != old->nallowed_exes || cfg->nfiles != old->nfiles ||
		    cfg->monero_threshold != old->monero_threshold ||
		    cfg->monero_window_s != old->monero_window_s ||
		    cfg->monero_threshold_at.line != old->monero_threshold_at.line ||
		    strncmp(err, "f:", 2))
			abort();
		return;
	}
	for (i = old->nbanned; i < cfg->nbanned; i++)
		if (cfg->banned[i].len == 0 || cfg->banned[i].len > CONFIG_STRING_MAX ||
		    strlen(cfg->banned[i].bytes) != cfg->banned[i].len ||
		    cfg->banned[i].at.file != file || cfg->banned[i].at.line < 1)
			abort();
	for (i = old->nallowed; i < cfg->nallowed; i++)
		if (strlen(cfg->allowed[i].regex) == 0 ||
		    strlen(cfg->allowed[i].regex) > CONFIG_PATTERN_MAX ||
		    cfg->allowed[i].at.file != file || cfg->allowed[i].at.line < 1)
			abort();
	for (i = old->nallowed_exes; i < cfg->nallowed_exes; i++)
		if (cfg->allowed_exes[i].path[0] != '/' || strlen(cfg->allowed_exes[i].path) > 4096 ||
		    strstr(cfg->allowed_exes[i].path, "//") ||
		    strstr(cfg->allowed_exes[i].path, "/./") ||
		    cfg->allowed_exes[i].at.file != file || cfg->allowed_exes[i].at.line < 1)
			abort();
	if (cfg->monero_threshold != old->monero_threshold &&
	    (old->monero_threshold || cfg->monero_threshold < 1 ||
	     cfg->monero_threshold > 1000000 || cfg->monero_threshold_at.file != file ||
	     cfg->monero_threshold_at.line < 1))
		abort();
	if (cfg->monero_window_s != old->monero_window_s &&
	    (old->monero_window_s > 0 || !(cfg->monero_window_s >= 0.001) ||
	     cfg->monero_window_s > 3600 || cfg->monero_window_at.file != file ||
	     cfg->monero_window_at.line < 1))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config cfg = { 0 }, old;
	char err[CONFIG_ERR_MAX] = "";
	static const char seed[] = "bannedCommandStrings: [seed]\nallowedExecutables: [/seed]\n";
	static const char seed_monero[] = "moneroThreshold: 5\nmoneroWindowSeconds: 0.5\n";
	int json, rc;

	if (size < 1)
		return 0;
	json = data[0] & 1;
	/* a file already loaded, so appending and "unchanged on error" run too;
	 * sometimes one that sets the numbers, so "already set" runs */
	if (config_parse_buffer(&cfg, "s", seed, sizeof(seed) - 1, 0, err, sizeof(err)))
		abort();
	if ((data[0] & 2) && config_parse_buffer(&cfg, "m", seed_monero, sizeof(seed_monero) - 1,
						 0, err, sizeof(err)))
		abort();
	old = cfg;
	rc = config_parse_buffer(&cfg, "f", (const char *)data + 1, size - 1, json, err,
				 sizeof(err));
	check(&cfg, &old, rc, err);
	config_free(&cfg);
	return 0;
}
