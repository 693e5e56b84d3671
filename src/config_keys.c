/* SPDX-License-Identifier: BSD-2-Clause */
/* config_keys.c - the table of config keys, one row each, and the defaults it gives. */
#include <math.h>
#include <string.h>
#include "config_keys.h"
#include "net_types.h"
#include "domain_hash.h"
#include "tunables.h"

#define EXE_PATH_MAX CONFIG_PATH_MAX
#define URL_MAX 2048            /* longest URL, bytes (what browsers and proxies take) */
#define HUB_GROUP_MAX 255       /* longest JupyterHub group name, bytes (its database column) */

/* A single value's field in struct config and the field of its origin. */
#define FIELD(value, origin) \
	.field = offsetof(struct config, value), .at = offsetof(struct config, origin)

/* Rows in the order "unknown key" lists them. Numeric defaults come from
 * tunables.h (with what they were measured on); the container paths are
 * what the runtimes use when not told otherwise. */
const struct config_key config_keys[] = {
	{ .name = "bannedCommandStrings", .type = CONFIG_T_STRINGS, .merge = CONFIG_M_APPEND,
	  .maxlen = CONFIG_STRING_MAX },
	{ .name = "allowedCommandPatterns", .type = CONFIG_T_PATTERNS, .merge = CONFIG_M_APPEND,
	  .maxlen = CONFIG_PATTERN_MAX },
	{ .name = "bannedCommandPatterns", .type = CONFIG_T_BANNED_PATTERNS,
	  .merge = CONFIG_M_APPEND, .maxlen = CONFIG_PATTERN_MAX },
	{ .name = "matchMode", .type = CONFIG_T_MODE, .merge = CONFIG_M_PER_FILE },
	{ .name = "secret", .type = CONFIG_T_BOOL, .merge = CONFIG_M_PER_FILE },
	{ .name = "allowedExecutables", .type = CONFIG_T_EXES, .merge = CONFIG_M_APPEND,
	  .maxlen = EXE_PATH_MAX },
	{ .name = "moneroThreshold", .type = CONFIG_T_INT, .merge = CONFIG_M_ONCE,
	  .min = 1, .max = 1000000, .def = NM_RANDOMX_DEFAULT_THRESHOLD,
	  FIELD(monero_threshold, monero_threshold_at) },
	{ .name = "moneroWindowSeconds", .type = CONFIG_T_REAL, .merge = CONFIG_M_ONCE,
	  .min = 0.001, .max = 3600, .def = NM_RANDOMX_DEFAULT_WINDOW_MS / 1000.0,
	  FIELD(monero_window_s, monero_window_at) },
	{ .name = "exemptNamespaces", .type = CONFIG_T_K8S_NAMES, .merge = CONFIG_M_APPEND,
	  .maxlen = CONFIG_STRING_MAX, .list = CONFIG_EXEMPT_NAMESPACES },
	{ .name = "exemptContainerNames", .type = CONFIG_T_K8S_NAMES, .merge = CONFIG_M_APPEND,
	  .maxlen = CONFIG_STRING_MAX, .list = CONFIG_EXEMPT_CONTAINERS },
	{ .name = "environmentVariables", .type = CONFIG_T_ENV_NAMES, .merge = CONFIG_M_APPEND,
	  .maxlen = CONFIG_STRING_MAX, .list = CONFIG_ENV_NAMES },
	/* default 0: the whole-container response is off */
	{ .name = "containerKillAfter", .type = CONFIG_T_INT, .merge = CONFIG_M_ONCE,
	  .min = 1, .max = 1000, .def = 0,
	  FIELD(container_kill_after, container_kill_after_at) },
	{ .name = "containerKillWindowSeconds", .type = CONFIG_T_REAL, .merge = CONFIG_M_ONCE,
	  .min = 0.001, .max = 86400, .def = NM_CONTAINER_KILL_WINDOW_S,
	  FIELD(container_kill_window_s, container_kill_window_at) },
	{ .name = "bannedExecutableStrings", .type = CONFIG_T_BYTES, .merge = CONFIG_M_APPEND,
	  .maxlen = CONFIG_STRING_MAX, .list = CONFIG_EXE_STRINGS },
	{ .name = "bannedExecutableHashes", .type = CONFIG_T_SHA256, .merge = CONFIG_M_APPEND,
	  .maxlen = 64, .list = CONFIG_EXE_HASHES },
	{ .name = "bannedAddresses", .type = CONFIG_T_ADDRESSES, .merge = CONFIG_M_APPEND,
	  .maxlen = 64, .list = CONFIG_BANNED_ADDRS },
	{ .name = "bannedAddressFiles", .type = CONFIG_T_GLOBS, .merge = CONFIG_M_APPEND,
	  .maxlen = EXE_PATH_MAX, .list = CONFIG_BANNED_ADDR_FILES },
	/* Network scans and pool ports (net_scan.c). Threshold default 0: off. */
	{ .name = "uniqueDestinationsThreshold", .type = CONFIG_T_INT, .merge = CONFIG_M_ONCE,
	  .min = 1, .max = NM_SCAN_THRESHOLD_MAX, .def = 0,
	  FIELD(scan_threshold, scan_threshold_at) },
	{ .name = "lookbackSeconds", .type = CONFIG_T_REAL, .merge = CONFIG_M_ONCE,
	  .min = 1, .max = NM_SCAN_LOOKBACK_MAX_S, .def = NM_SCAN_LOOKBACK_S,
	  FIELD(scan_lookback_s, scan_lookback_at) },
	{ .name = "uniqueDestinationsAction", .type = CONFIG_T_CHOICE, .merge = CONFIG_M_ONCE,
	  .choices = (const char *const[]){ "report", "kill", NULL }, .def = 0,
	  FIELD(scan_action, scan_action_at) },
	{ .name = "uncountedNetworks", .type = CONFIG_T_ADDRESSES, .merge = CONFIG_M_APPEND,
	  .maxlen = 64, .list = CONFIG_UNCOUNTED_NETS },
	{ .name = "poolPorts", .type = CONFIG_T_PORTS, .merge = CONFIG_M_APPEND,
	  .maxlen = 5, .list = CONFIG_POOL_PORTS },
	/* default false: a pool port is evidence in the event, not a verdict */
	{ .name = "banPoolPorts", .type = CONFIG_T_BOOL, .merge = CONFIG_M_ONCE,
	  .min = 1, .max = 2, .def = 2, FIELD(ban_pool_ports, ban_pool_ports_at) },
	/* a trailing dot is one byte over the longest name */
	{ .name = "bannedDomains", .type = CONFIG_T_DOMAINS, .merge = CONFIG_M_APPEND,
	  .maxlen = NM_DOMAIN_NAME_MAX + 1, .list = CONFIG_BANNED_DOMAINS },
	/* default false: packing is evidence in the event, not a verdict */
	{ .name = "bannedPackedExecutables", .type = CONFIG_T_BOOL, .merge = CONFIG_M_ONCE,
	  .min = 1, .max = 2, .def = 2, FIELD(ban_packed, ban_packed_at) },
	/* default true: the packet program matches Stratum in first data */
	{ .name = "stratumDetection", .type = CONFIG_T_BOOL, .merge = CONFIG_M_ONCE,
	  .min = 1, .max = 2, .def = 1, FIELD(stratum, stratum_at) },
	{ .name = "executableScanMaxMiB", .type = CONFIG_T_INT, .merge = CONFIG_M_ONCE,
	  .min = 1, .max = 4096, .def = NM_EXE_SCAN_MAX_MIB,
	  FIELD(exe_scan_max_mib, exe_scan_max_mib_at) },
	{ .name = "executableScanSeconds", .type = CONFIG_T_REAL, .merge = CONFIG_M_ONCE,
	  .min = 0.01, .max = 600, .def = NM_EXE_SCAN_SECONDS,
	  FIELD(exe_scan_seconds, exe_scan_seconds_at) },
	{ .name = "hostRoot", .type = CONFIG_T_PATH, .merge = CONFIG_M_ONCE,
	  .maxlen = EXE_PATH_MAX, .def_path = "/",
	  FIELD(paths[CONFIG_HOST_ROOT], paths_at[CONFIG_HOST_ROOT]) },
	{ .name = "containerdStateDir", .type = CONFIG_T_PATH, .merge = CONFIG_M_ONCE,
	  .maxlen = EXE_PATH_MAX, .def_path = "/run/containerd/io.containerd.runtime.v2.task",
	  FIELD(paths[CONFIG_CONTAINERD_DIR], paths_at[CONFIG_CONTAINERD_DIR]) },
	{ .name = "crioStateDir", .type = CONFIG_T_PATH, .merge = CONFIG_M_ONCE,
	  .maxlen = EXE_PATH_MAX, .def_path = "/run/containers/storage/overlay-containers",
	  FIELD(paths[CONFIG_CRIO_DIR], paths_at[CONFIG_CRIO_DIR]) },
	{ .name = "dockerStateDir", .type = CONFIG_T_PATH, .merge = CONFIG_M_ONCE,
	  .maxlen = EXE_PATH_MAX, .def_path = "/var/lib/docker/containers",
	  FIELD(paths[CONFIG_DOCKER_DIR], paths_at[CONFIG_DOCKER_DIR]) },
	/* Responses after a kill (issue 14). Which keys need each other, and
	 * the token and URL files, are checked once every file is read
	 * (config_responses.c). */
	{ .name = "hubApiUrl", .type = CONFIG_T_URL, .merge = CONFIG_M_ONCE,
	  .maxlen = URL_MAX, FIELD(hub_api_url, hub_api_url_at) },
	{ .name = "hubApiTokenFile", .type = CONFIG_T_PATH, .merge = CONFIG_M_ONCE,
	  .maxlen = EXE_PATH_MAX, FIELD(hub_token_file, hub_token_file_at) },
	{ .name = "hubStopServer", .type = CONFIG_T_BOOL, .merge = CONFIG_M_ONCE,
	  .min = 1, .max = 2, .def = 1, FIELD(hub_stop_server, hub_stop_server_at) },
	{ .name = "hubBlockGroup", .type = CONFIG_T_GROUP, .merge = CONFIG_M_ONCE,
	  .maxlen = HUB_GROUP_MAX, .def_path = "nomine-blocked",
	  FIELD(hub_block_group, hub_block_group_at) },
	{ .name = "webhooks", .type = CONFIG_T_WEBHOOKS, .merge = CONFIG_M_APPEND,
	  .maxlen = URL_MAX },
	{ .name = "alertmanagerUrl", .type = CONFIG_T_URL, .merge = CONFIG_M_ONCE,
	  .maxlen = URL_MAX, FIELD(alertmanager_url, alertmanager_url_at) },
	/* 15 minutes: the GuardDuty chain acts once per finding as often */
	{ .name = "notifyDedupeSeconds", .type = CONFIG_T_REAL, .merge = CONFIG_M_ONCE,
	  .min = 1, .max = 604800, .def = 900, FIELD(notify_dedupe_s, notify_dedupe_at) },
	/* 4 at once, then 1 a minute: mybinder's chat relay */
	{ .name = "notifyBurst", .type = CONFIG_T_INT, .merge = CONFIG_M_ONCE,
	  .min = 1, .max = 1000, .def = 4, FIELD(notify_burst, notify_burst_at) },
	{ .name = "notifyPerMinute", .type = CONFIG_T_REAL, .merge = CONFIG_M_ONCE,
	  .min = 0.01, .max = 6000, .def = 1, FIELD(notify_per_minute, notify_per_minute_at) },
	{ .name = "commandHook", .type = CONFIG_T_ARGV, .merge = CONFIG_M_ONCE,
	  .maxlen = CONFIG_STRING_MAX, .max_items = 64, FIELD(hook_argv, hook_at) },
	{ .name = "commandHookTimeoutSeconds", .type = CONFIG_T_REAL, .merge = CONFIG_M_ONCE,
	  .min = 0.1, .max = 3600, .def = 30, FIELD(hook_timeout_s, hook_timeout_at) },
	{ .name = "commandHookConcurrency", .type = CONFIG_T_INT, .merge = CONFIG_M_ONCE,
	  .min = 1, .max = 64, .def = 2, FIELD(hook_concurrency, hook_concurrency_at) },
	{ .name = "evidenceDir", .type = CONFIG_T_PATH, .merge = CONFIG_M_ONCE,
	  .maxlen = EXE_PATH_MAX, FIELD(evidence_dir, evidence_dir_at) },
	{ .name = "evidenceMaxRecords", .type = CONFIG_T_INT, .merge = CONFIG_M_ONCE,
	  .min = 1, .max = 1000000, .def = 1000,
	  FIELD(evidence_max_records, evidence_max_records_at) },
	{ .name = "evidenceMaxMiB", .type = CONFIG_T_INT, .merge = CONFIG_M_ONCE,
	  .min = 1, .max = 1048576, .def = 1024, FIELD(evidence_max_mib, evidence_max_mib_at) },
	/* default 0: executables are hashed, not copied */
	{ .name = "evidenceExecutableMaxMiB", .type = CONFIG_T_INT, .merge = CONFIG_M_ONCE,
	  .min = 1, .max = 4096, .def = 0,
	  FIELD(evidence_exe_max_mib, evidence_exe_max_mib_at) },
	{ .name = "responseTimeoutSeconds", .type = CONFIG_T_REAL, .merge = CONFIG_M_ONCE,
	  .min = 0.1, .max = 300, .def = 10, FIELD(response_timeout_s, response_timeout_at) },
	{ .name = "responseRetrySeconds", .type = CONFIG_T_REAL, .merge = CONFIG_M_ONCE,
	  .min = 1, .max = 86400, .def = 600, FIELD(response_retry_s, response_retry_at) },
	{ .name = "responseQueueLength", .type = CONFIG_T_INT, .merge = CONFIG_M_ONCE,
	  .min = 1, .max = 100000, .def = 1000,
	  FIELD(response_queue_len, response_queue_len_at) },
};

const size_t config_nkeys = sizeof(config_keys) / sizeof(config_keys[0]);

_Static_assert(sizeof(config_keys) / sizeof(config_keys[0]) <= CONFIG_KEYS_MAX,
	       "raise CONFIG_KEYS_MAX");

const struct config_key *config_key_find(const char *name, size_t n)
{
	for (size_t i = 0; i < config_nkeys; i++)
		if (strlen(config_keys[i].name) == n && !memcmp(config_keys[i].name, name, n))
			return &config_keys[i];
	return NULL;
}

static const void *field_of(const struct config *cfg, size_t off)
{
	return (const char *)cfg + off;
}

/* No range includes 0, so a zero (or NULL) field is one no file has set. */
const struct config_origin *config_key_set_at(const struct config *cfg,
					      const struct config_key *k)
{
	const void *v;
	int set;

	/* per-file keys (matchMode, secret) have no field: never set here */
	if (!cfg || k->merge == CONFIG_M_PER_FILE)
		return NULL;
	if (config_key_is_list(k))      /* only commandHook is set once */
		return k->type == CONFIG_T_ARGV && cfg->hook_argv ? &cfg->hook_at : NULL;
	v = field_of(cfg, k->field);
	set = k->type == CONFIG_T_INT || k->type == CONFIG_T_BOOL || k->type == CONFIG_T_CHOICE ?
	      *(const unsigned int *)v != 0 :
	      k->type == CONFIG_T_REAL ? *(const double *)v > 0 :
	      *(char *const *)v != NULL;
	return set ? field_of(cfg, k->at) : NULL;
}

double config_number(const struct config *cfg, const char *key)
{
	const struct config_key *k = config_key_find(key, strlen(key));

	if (!k || (k->type != CONFIG_T_INT && k->type != CONFIG_T_REAL))
		return NAN;
	if (!config_key_set_at(cfg, k))
		return k->def;
	if (k->type == CONFIG_T_INT)
		return *(const unsigned int *)field_of(cfg, k->field);
	return *(const double *)field_of(cfg, k->field);
}

int config_bool(const struct config *cfg, const char *key)
{
	const struct config_key *k = config_key_find(key, strlen(key));
	unsigned int v;

	if (!k || k->type != CONFIG_T_BOOL)
		return 0;
	v = config_key_set_at(cfg, k) ? *(const unsigned int *)field_of(cfg, k->field) :
	    (unsigned int)k->def;
	return v == 1;
}

const char *config_choice(const struct config *cfg, const char *key)
{
	const struct config_key *k = config_key_find(key, strlen(key));

	if (!k || k->type != CONFIG_T_CHOICE)
		return NULL;
	if (!config_key_set_at(cfg, k))
		return k->choices[(size_t)k->def];
	return k->choices[*(const unsigned int *)field_of(cfg, k->field) - 1];
}

const char *config_path(const struct config *cfg, const char *key)
{
	const struct config_key *k = config_key_find(key, strlen(key));

	if (!k || k->type != CONFIG_T_PATH)
		return NULL;
	if (!config_key_set_at(cfg, k))
		return k->def_path;
	return *(char *const *)field_of(cfg, k->field);
}

const char *config_text(const struct config *cfg, const char *key)
{
	const struct config_key *k = config_key_find(key, strlen(key));
	const char *v;

	if (!k || (k->type != CONFIG_T_URL && k->type != CONFIG_T_GROUP) ||
	    !config_key_set_at(cfg, k))
		return NULL;
	v = *(char *const *)field_of(cfg, k->field);
	return v[0] ? v : NULL;         /* hubBlockGroup: false */
}

const struct config_origin *config_origin(const struct config *cfg, const char *key)
{
	const struct config_key *k = config_key_find(key, strlen(key));

	return k ? config_key_set_at(cfg, k) : NULL;
}
