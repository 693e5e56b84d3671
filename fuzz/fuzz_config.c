/* SPDX-License-Identifier: BSD-2-Clause */
/* fuzz_config.c - libFuzzer harness: arbitrary bytes as a JSON or YAML config file. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "config_keys.h"
#include "http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A single value as a number (text keys: 0), whatever its kind. */
static double value(const struct config *cfg, const struct config_key *k)
{
	if (k->type == CONFIG_T_BOOL || k->type == CONFIG_T_CHOICE)   /* 1 or 2; index + 1 */
		return config_key_set_at(cfg, k) ? *(const unsigned int *)((const char *)cfg +
									 k->field) : 0;
	if (k->type == CONFIG_T_INT || k->type == CONFIG_T_REAL)
		return config_number(cfg, k->name);
	return 0;
}

/* A single value's string (the field itself), or NULL for number keys. */
static const char *text(const struct config *cfg, const struct config_key *k)
{
	if (k->type == CONFIG_T_PATH)
		return config_path(cfg, k->name);
	if (k->type == CONFIG_T_URL || k->type == CONFIG_T_GROUP)
		return config_key_set_at(cfg, k) ?
		       *(char *const *)((const char *)cfg + k->field) : NULL;
	return NULL;
}

/* Whether single value k is the same in both (unset in both, or the same
 * value from the same place). */
static int same_single(const struct config *a, const struct config *b, const struct config_key *k)
{
	const struct config_origin *at = config_key_set_at(a, k), *bt = config_key_set_at(b, k);

	if (!at || !bt)
		return !at && !bt;
	if (at->file != bt->file || at->line != bt->line)
		return 0;
	return value(a, k) == value(b, k) && text(a, k) == text(b, k);
}

/* A single value changes only when a file that parsed sets it for the
 * first time, and then within its row's range. */
static void check_single(const struct config *cfg, const struct config *old,
			 const struct config_key *k, int rc, const char *file)
{
	const struct config_origin *at = config_key_set_at(cfg, k);
	double v = value(cfg, k);
	const char *t = text(cfg, k);
	char why[256];

	if (same_single(cfg, old, k))
		return;
	if (rc != 0 || config_key_set_at(old, k) || at->file != file || at->line < 1)
		abort();
	if ((k->type == CONFIG_T_INT || k->type == CONFIG_T_REAL || k->type == CONFIG_T_BOOL) &&
	    !(v >= k->min && v <= k->max))
		abort();
	if (k->type == CONFIG_T_INT && v != (unsigned int)v)
		abort();
	if (k->type == CONFIG_T_URL && (strlen(t) > k->maxlen || http_url_check(t, why, sizeof(why))))
		abort();
	if (k->type == CONFIG_T_GROUP && (strlen(t) > k->maxlen || strchr(t, '/')))
		abort();
}

/* Checks what config_parse_buffer promises: on success every item is a
 * NUL-terminated, non-empty string within its limit, with an origin in
 * cfg->files, and every single value keeps its row's rules; on failure cfg
 * is unchanged and err is "name:line: ...". */
static void check(const struct config *cfg, const struct config *old, int rc, const char *err)
{
	const char *file = cfg->files[cfg->nfiles - 1];
	size_t i;

	for (i = 0; i < config_nkeys; i++)
		if (!config_key_is_list(&config_keys[i]) && config_keys[i].merge != CONFIG_M_PER_FILE)
			check_single(cfg, old, &config_keys[i], rc, file);
	if (rc != 0) {
		if (cfg->nbanned != old->nbanned || cfg->nallowed != old->nallowed ||
		    cfg->nbanned_patterns != old->nbanned_patterns ||
		    cfg->nallowed_exes != old->nallowed_exes || cfg->nfiles != old->nfiles ||
		    cfg->nwebhooks != old->nwebhooks || cfg->nhook_argv != old->nhook_argv ||
		    strncmp(err, "f:", 2))
			abort();
		return;
	}
	for (i = old->nbanned; i < cfg->nbanned; i++)
		if (cfg->banned[i].len == 0 || cfg->banned[i].len > CONFIG_STRING_MAX ||
		    strlen(cfg->banned[i].bytes) != cfg->banned[i].len ||
		    cfg->banned[i].at.file != file || cfg->banned[i].at.line < 1)
			abort();
	/* banned strings and patterns: what is shown is the text, or for a
	 * secret file "f:LINE" */
	for (i = old->nbanned_patterns; i < cfg->nbanned_patterns; i++)
		if (cfg->banned_patterns[i].len == 0 ||
		    cfg->banned_patterns[i].len > CONFIG_PATTERN_MAX ||
		    strlen(cfg->banned_patterns[i].bytes) != cfg->banned_patterns[i].len ||
		    cfg->banned_patterns[i].at.file != file || cfg->banned_patterns[i].at.line < 1)
			abort();
	for (i = old->nbanned; i < cfg->nbanned; i++)
		if (strlen(cfg->banned[i].shown) != cfg->banned[i].shown_len ||
		    (cfg->banned[i].secret ? strncmp(cfg->banned[i].shown, "f:", 2) :
		     cfg->banned[i].shown != cfg->banned[i].bytes))
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
	/* webhooks: exactly one of url and urlFile, with an origin */
	for (i = old->nwebhooks; i < cfg->nwebhooks; i++)
		if (!cfg->webhooks[i].url == !cfg->webhooks[i].url_file ||
		    (cfg->webhooks[i].url_file && cfg->webhooks[i].url_file[0] != '/') ||
		    cfg->webhooks[i].format > CONFIG_WEBHOOK_ZULIP ||
		    cfg->webhooks[i].at.file != file || cfg->webhooks[i].at.line < 1)
			abort();
	/* commandHook: from one file, 1..64 items, the first absolute */
	if (cfg->nhook_argv != old->nhook_argv &&
	    (old->nhook_argv || cfg->nhook_argv > 64 || cfg->hook_argv[0][0] != '/' ||
	     cfg->hook_argv[cfg->nhook_argv] || cfg->hook_at.file != file))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config cfg = { 0 }, old;
	char err[CONFIG_ERR_MAX] = "";
	static const char seed[] = "bannedCommandStrings: [seed]\nallowedExecutables: [/seed]\n";
	static const char seed_monero[] = "moneroThreshold: 5\nmoneroWindowSeconds: 0.5\n"
		"containerKillAfter: 2\nhostRoot: /h\nhubApiUrl: http://h/\nhubBlockGroup: g\n"
		"commandHook: [/h]\nwebhooks: [{urlFile: /u}]\nhubStopServer: true\n";
	int json, rc;

	if (size < 1)
		return 0;
	json = data[0] & 1;
	/* a file already loaded, so appending and "unchanged on error" run too;
	 * sometimes one that sets single values, so "already set" runs */
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
