/* SPDX-License-Identifier: BSD-2-Clause */
/* config.h - execwhacker-compatible config: banned strings and allow patterns.
 *
 * A config is built from one or more files (JSON, or YAML with the same
 * shape) or directories of them, or from the built-in default. Files are
 * cryptnono execwhacker configs:
 *   {"bannedCommandStrings": [...], "allowedCommandPatterns": [...]}
 * plus nomine's optional "matchMode": "word" | "substring" for that file's
 * banned strings, "bannedCommandPatterns" (regexes that ban a line they match
 * anywhere in) and "secret": true (that file's banned strings and patterns
 * are shown as their origin, never as text). Banned strings are unioned,
 * patterns concatenated. */
#ifndef NOMINE_CONFIG_H
#define NOMINE_CONFIG_H

#include <stddef.h>

#define CONFIG_STRING_MAX 4096      /* longest banned string, bytes */
#define CONFIG_PATTERN_MAX 65536    /* longest allow or banned pattern, bytes */
#define CONFIG_ERR_MAX 2048      /* the unknown-key message lists every key */
#define CONFIG_BUILTIN_NAME "<built-in>/default.yaml"

enum config_mode { CONFIG_WORD = 0, CONFIG_SUBSTRING = 1 };

/* Where an item came from, for error messages and logs. */
struct config_origin {
	const char *file;   /* points into config.files */
	int line;           /* 1-based */
};

/* A banned string, or a banned pattern (its regex in bytes). */
struct config_string {
	char *bytes;        /* NUL-terminated, UTF-8 as written in the file */
	size_t len;
	enum config_mode mode;  /* strings only */
	struct config_origin at;
	int secret;         /* its file said "secret: true" */
	/* What events, logs and `nomine check` show for it: bytes, or for a
	 * secret one its origin "file:line" (owned). */
	const char *shown;
	size_t shown_len;
	char *label;
};

struct config_pattern {
	char *regex;        /* NUL-terminated */
	struct config_origin at;
};

/* An allowed executable: an absolute path, compared with the process's
 * /proc/PID/exe (the RandomX detector spares these). */
struct config_exe {
	char *path;
	struct config_origin at;
};

/* A name from one of the name lists below. */
struct config_name {
	char *name;
	struct config_origin at;
	int secret;         /* an executable string or hash of a "secret: true" file */
};

enum config_list {
	CONFIG_EXEMPT_NAMESPACES,   /* "exemptNamespaces": Kubernetes namespaces */
	CONFIG_EXEMPT_CONTAINERS,   /* "exemptContainerNames": container names */
	CONFIG_ENV_NAMES,           /* "environmentVariables" reported with events */
	CONFIG_EXE_STRINGS,         /* "bannedExecutableStrings": bytes a miner's file carries */
	CONFIG_EXE_HASHES,          /* "bannedExecutableHashes": SHA-256, lowercase hex */
	CONFIG_BANNED_ADDRS,        /* "bannedAddresses": IPv4/IPv6 addresses and CIDRs */
	CONFIG_BANNED_ADDR_FILES,   /* "bannedAddressFiles": globs of address files */
	CONFIG_UNCOUNTED_NETS,      /* "uncountedNetworks": CIDRs scans do not count */
	CONFIG_POOL_PORTS,          /* "poolPorts": TCP ports of mining pools, as text */
	CONFIG_BANNED_DOMAINS,      /* "bannedDomains": names banned with every name under them */
	CONFIG_NLISTS
};

/* Where container runtimes keep their state (absolute paths). */
enum config_path {
	CONFIG_HOST_ROOT,           /* "hostRoot": prefixed to the three below */
	CONFIG_CONTAINERD_DIR,      /* "containerdStateDir" */
	CONFIG_CRIO_DIR,            /* "crioStateDir" */
	CONFIG_DOCKER_DIR,          /* "dockerStateDir" */
	CONFIG_NPATHS
};

/* Responses (issue 14): where a notification goes. */
enum config_webhook_format { CONFIG_WEBHOOK_JSON, CONFIG_WEBHOOK_SLACK, CONFIG_WEBHOOK_ZULIP };

/* One item of "webhooks": exactly one of url and url_file is set. The URL
 * is a secret (a Slack or Zulip URL carries its key): show it nowhere. */
struct config_webhook {
	char *url;          /* inline URL, or NULL */
	char *url_file;     /* absolute path of a file holding the URL, or NULL */
	enum config_webhook_format format;
	struct config_origin at;
};

struct config {
	struct config_string *banned;
	size_t nbanned;
	/* "bannedCommandPatterns": regexes searched for anywhere in the line */
	struct config_string *banned_patterns;
	size_t nbanned_patterns;
	struct config_pattern *allowed;
	size_t nallowed;
	struct config_exe *allowed_exes;   /* "allowedExecutables" */
	size_t nallowed_exes;
	/* Single values, here and below (container_kill_*, paths): each is a
	 * row of config_keys.c, with its range, default and merge rule; 0 or
	 * NULL while no file sets it (config_number and config_path give the
	 * default then). A second file setting one is an error naming both
	 * places. RandomX detector: "moneroThreshold" observations within
	 * "moneroWindowSeconds". */
	unsigned int monero_threshold;
	double monero_window_s;
	struct config_origin monero_threshold_at, monero_window_at;
	struct config_name *names[CONFIG_NLISTS];   /* unioned over files */
	size_t nnames[CONFIG_NLISTS];
	int names_set[CONFIG_NLISTS];   /* some file had the key (even empty) */
	/* Whole-container response: "containerKillAfter" kills in one
	 * container within "containerKillWindowSeconds". */
	unsigned int container_kill_after;
	double container_kill_window_s;
	struct config_origin container_kill_after_at, container_kill_window_at;
	char *paths[CONFIG_NPATHS];
	struct config_origin paths_at[CONFIG_NPATHS];
	/* Executable scans: "bannedPackedExecutables" (1 yes, 2 no, 0 unset),
	 * "executableScanMaxMiB", "executableScanSeconds". */
	unsigned int ban_packed;
	unsigned int exe_scan_max_mib;
	double exe_scan_seconds;
	struct config_origin ban_packed_at, exe_scan_max_mib_at, exe_scan_seconds_at;
	/* Network scans and pool ports (net_scan.c): more than
	 * "uniqueDestinationsThreshold" destinations within "lookbackSeconds",
	 * acted on as "uniqueDestinationsAction" says (1 report, 2 kill);
	 * "banPoolPorts" (1 yes, 2 no). */
	unsigned int scan_threshold;
	double scan_lookback_s;
	unsigned int scan_action;
	unsigned int ban_pool_ports;
	struct config_origin scan_threshold_at, scan_lookback_at, scan_action_at;
	struct config_origin ban_pool_ports_at;
	/* "stratumDetection" (1 yes, 2 no, 0 unset): the network detector's
	 * packet program matches the Stratum protocol */
	unsigned int stratum;
	struct config_origin stratum_at;
	/* Responses after a kill (issue 14); single values as above, read
	 * them with config_text, config_path, config_bool, config_number.
	 * JupyterHub: "hubApiUrl", "hubApiTokenFile", "hubStopServer" (1 yes,
	 * 2 no), "hubBlockGroup" (the group, "" for false). */
	char *hub_api_url, *hub_token_file, *hub_block_group;
	unsigned int hub_stop_server;
	struct config_origin hub_api_url_at, hub_token_file_at, hub_block_group_at;
	struct config_origin hub_stop_server_at;
	struct config_webhook *webhooks;   /* "webhooks", in file order */
	size_t nwebhooks;
	char *alertmanager_url;            /* "alertmanagerUrl" */
	struct config_origin alertmanager_url_at;
	/* "notifyDedupeSeconds", "notifyBurst", "notifyPerMinute" */
	double notify_dedupe_s, notify_per_minute;
	unsigned int notify_burst;
	struct config_origin notify_dedupe_at, notify_per_minute_at, notify_burst_at;
	char **hook_argv;                  /* "commandHook", NULL-terminated, or NULL */
	size_t nhook_argv;
	struct config_origin hook_at;
	/* "commandHookTimeoutSeconds", "commandHookConcurrency" */
	double hook_timeout_s;
	unsigned int hook_concurrency;
	struct config_origin hook_timeout_at, hook_concurrency_at;
	/* "evidenceDir", "evidenceMaxRecords", "evidenceMaxMiB",
	 * "evidenceExecutableMaxMiB" (unset: executables are hashed, not copied) */
	char *evidence_dir;
	unsigned int evidence_max_records, evidence_max_mib, evidence_exe_max_mib;
	struct config_origin evidence_dir_at, evidence_max_records_at, evidence_max_mib_at;
	struct config_origin evidence_exe_max_mib_at;
	/* "responseTimeoutSeconds", "responseRetrySeconds", "responseQueueLength" */
	double response_timeout_s, response_retry_s;
	unsigned int response_queue_len;
	struct config_origin response_timeout_at, response_retry_at, response_queue_len_at;
	char **files;       /* every file read, in order (names used in errors) */
	size_t nfiles;
	size_t banned_bytes;    /* of bannedCommandStrings and bannedExecutableStrings */
};

/* Limits of one config_load (docs/config.md, "Limits"): the bytes of all
 * its files together (one file alone is held to the same), the config files
 * one directory may hold, the list items (banned strings, patterns, names,
 * hashes...) and the bytes of banned strings of all files together. Chosen
 * from measurements: at either item limit the tables take about 240-400 MB
 * and loading peaks at 1.3-1.4 times what stays (docs/config.md, "Limits"). */
#define CONFIG_TOTAL_MIB 64
#define CONFIG_TOTAL_MIB_TEXT "64"
#define CONFIG_DIR_FILES_MAX 10000
#define CONFIG_ITEMS_MAX 1000000
/* The bytes of banned strings (command and executable) of all files: what
 * the automatons grow with (up to about 24 bytes of tables per byte). */
#define CONFIG_BANNED_MIB 16

/* Loads every path in order (a file, or a directory: each *.json, *.yaml and
 * *.yml inside, in name order, skipping names that start with '.', as
 * Kubernetes ConfigMap mounts keep their internals there), then checks the
 * keys that depend on each other or name secret files (config_responses.c).
 * Returns 0, or a negative errno with "file:line: reason" in err; cfg is
 * then empty: -EINVAL a file's contents (or an unsupported file type, or a
 * response key without its partner, or a token or URL file that cannot be
 * used, or a path that is not a regular file or directory: a FIFO, a
 * socket or a device, never opened or waited on), -ENOENT a missing path or
 * a directory without config files, -EFBIG a file over 64 MiB or files over
 * 64 MiB in all, -E2BIG a directory with more than CONFIG_DIR_FILES_MAX
 * config files, -EAGAIN a file that changed size while read (a writer at
 * work), -ELOOP a symbolic link loop, -ENOMEM, or what open/stat/read/
 * readdir failed with. More than CONFIG_ITEMS_MAX list items or
 * CONFIG_BANNED_MIB of banned strings is -EINVAL at the item that passes. Patterns are not compiled here
 * (policy_build reports bad regexes with their origin). */
int config_load(struct config *cfg, char *const *paths, size_t npaths, char *err, size_t errlen);

/* Loads the built-in default config compiled into the binary. Returns 0 or
 * a negative errno (as config_parse_buffer) with err. */
int config_load_builtin(struct config *cfg, char *err, size_t errlen);

/* Parses one in-memory file and appends it to cfg. name is used in errors
 * and kept; json selects strict JSON (else YAML). Returns 0, or a negative
 * errno with err (-EINVAL: the file is refused, -ENOMEM); on error cfg is
 * unchanged. */
int config_parse_buffer(struct config *cfg, const char *name, const char *buf, size_t len,
			int json, char *err, size_t errlen);

/* The list items cfg holds, as CONFIG_ITEMS_MAX counts them. */
size_t config_nitems(const struct config *cfg);

void config_free(struct config *cfg);

/* The value of number key `key`, spelt as in files ("moneroThreshold"):
 * the one a file set, else the key's default (0 for containerKillAfter:
 * off). NaN if key is not a number key. */
double config_number(const struct config *cfg, const char *key);

/* The value of true/false key `key` ("bannedPackedExecutables"): 1 or 0
 * (0 also if key is not a true/false key). */
int config_bool(const struct config *cfg, const char *key);

/* The word chosen for choice key `key` ("uniqueDestinationsAction"): the
 * one a file set, else the key's default. NULL if key is not a choice key. */
const char *config_choice(const struct config *cfg, const char *key);

/* The value of path key `key` ("hostRoot", "dockerStateDir", ...): the one
 * a file set, else the key's default. NULL if key is not a path key. */
const char *config_path(const struct config *cfg, const char *key);

/* The string of a URL or text key ("hubApiUrl", "alertmanagerUrl",
 * "hubBlockGroup"): the one a file set (hubBlockGroup: true gives
 * "nomine-blocked"), else NULL. */
const char *config_text(const struct config *cfg, const char *key);

/* Where a file set single-value key `key`, or NULL while none has. */
const struct config_origin *config_origin(const struct config *cfg, const char *key);

#endif
