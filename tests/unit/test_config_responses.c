/* SPDX-License-Identifier: BSD-2-Clause */
/* test_config_responses.c - unit tests for the response keys of the config
 * (issue 14): their forms in YAML and JSON, defaults, exact file:line
 * errors, webhooks items, the set-once commandHook, and the checks made once
 * every file is read (partners, token and URL files) that never show a
 * secret. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <ftw.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "config.h"
#include "config_keys.h"
#include "config_test_util.h"

static int parse(struct config *c, const char *name, const char *text, int json, char *err)
{
	return config_parse_buffer(c, name, text, strlen(text), json, err, CONFIG_ERR_MAX);
}

/* ---- valid forms ---- */

static const char full_yaml[] =
	"hubApiUrl: http://hub:8081/hub/api\n"                  /* 1 */
	"hubApiTokenFile: /etc/nomine/hub-token\n"
	"hubStopServer: false\n"
	"hubBlockGroup: miners-out\n"
	"webhooks:\n"                                           /* 5 */
	"  - url: https://chat.example/hooks/abc\n"
	"    format: slack\n"
	"  - urlFile: /etc/nomine/zulip-url\n"
	"    format: zulip\n"
	"  - {url: \"http://127.0.0.1:9/x\"}\n"                 /* 10 */
	"alertmanagerUrl: http://127.0.0.1:9093\n"
	"notifyDedupeSeconds: 60\n"
	"notifyBurst: 10\n"
	"notifyPerMinute: 0.5\n"
	"commandHook: [/usr/local/bin/respond, --pod, \"x y\"]\n" /* 15 */
	"commandHookTimeoutSeconds: 2.5\n"
	"commandHookConcurrency: 8\n"
	"evidenceDir: /var/lib/nomine/evidence\n"
	"evidenceMaxRecords: 50\n"
	"evidenceMaxMiB: 64\n"                                  /* 20 */
	"evidenceExecutableMaxMiB: 16\n"
	"responseTimeoutSeconds: 3\n"
	"responseRetrySeconds: 120\n"
	"responseQueueLength: 77\n";

static const char full_json[] =
	"{\"hubApiUrl\": \"http://hub:8081/hub/api\",\n"        /* 1 */
	" \"hubApiTokenFile\": \"/etc/nomine/hub-token\",\n"
	" \"hubStopServer\": false,\n"
	" \"hubBlockGroup\": \"miners-out\",\n"
	" \"webhooks\": [\n"                                    /* 5 */
	"  {\"url\": \"https://chat.example/hooks/abc\",\n"
	"   \"format\": \"slack\"},\n"
	"  {\"urlFile\": \"/etc/nomine/zulip-url\",\n"
	"   \"format\": \"zulip\"},\n"
	"  {\"url\": \"http://127.0.0.1:9/x\"}],\n"             /* 10 */
	" \"alertmanagerUrl\": \"http://127.0.0.1:9093\",\n"
	" \"notifyDedupeSeconds\": 60,\n"
	" \"notifyBurst\": 10,\n"
	" \"notifyPerMinute\": 0.5,\n"
	" \"commandHook\": [\"/usr/local/bin/respond\", \"--pod\", \"x y\"],\n" /* 15 */
	" \"commandHookTimeoutSeconds\": 2.5,\n"
	" \"commandHookConcurrency\": 8,\n"
	" \"evidenceDir\": \"/var/lib/nomine/evidence\",\n"
	" \"evidenceMaxRecords\": 50,\n"
	" \"evidenceMaxMiB\": 64,\n"                            /* 20 */
	" \"evidenceExecutableMaxMiB\": 16,\n"
	" \"responseTimeoutSeconds\": 3,\n"
	" \"responseRetrySeconds\": 120,\n"
	" \"responseQueueLength\": 77}\n";

static void expect_line(const struct config *c, const char *key, int line)
{
	const struct config_origin *at = config_origin(c, key);

	if (!at)
		fail_msg("%s: no origin", key);
	assert_ptr_equal(at->file, c->files[0]);
	if (at->line != line)
		fail_msg("%s: line %d, want %d", key, at->line, line);
}

static void test_full(void **state)
{
	static const char *const keys[] = {
		"hubApiUrl", "hubApiTokenFile", "hubStopServer", "hubBlockGroup",
		NULL, NULL, NULL, NULL, NULL, NULL,     /* webhooks: no single origin */
		"alertmanagerUrl", "notifyDedupeSeconds", "notifyBurst", "notifyPerMinute",
		"commandHook", "commandHookTimeoutSeconds",
		"commandHookConcurrency", "evidenceDir", "evidenceMaxRecords", "evidenceMaxMiB",
		"evidenceExecutableMaxMiB", "responseTimeoutSeconds", "responseRetrySeconds",
		"responseQueueLength",
	};
	char err[CONFIG_ERR_MAX] = "";

	(void)state;
	for (int json = 0; json <= 1; json++) {
		struct config c = { 0 };

		if (parse(&c, json ? "f.json" : "f.yaml", json ? full_json : full_yaml, json, err))
			fail_msg("%s", err);
		assert_string_equal(config_text(&c, "hubApiUrl"), "http://hub:8081/hub/api");
		assert_string_equal(config_path(&c, "hubApiTokenFile"), "/etc/nomine/hub-token");
		assert_int_equal(config_bool(&c, "hubStopServer"), 0);
		assert_string_equal(config_text(&c, "hubBlockGroup"), "miners-out");
		assert_string_equal(config_text(&c, "alertmanagerUrl"), "http://127.0.0.1:9093");
		assert_true(config_number(&c, "notifyDedupeSeconds") == 60);
		assert_true(config_number(&c, "notifyBurst") == 10);
		assert_true(config_number(&c, "notifyPerMinute") == 0.5);
		assert_true(config_number(&c, "commandHookTimeoutSeconds") == 2.5);
		assert_true(config_number(&c, "commandHookConcurrency") == 8);
		assert_string_equal(config_path(&c, "evidenceDir"), "/var/lib/nomine/evidence");
		assert_true(config_number(&c, "evidenceMaxRecords") == 50);
		assert_true(config_number(&c, "evidenceMaxMiB") == 64);
		assert_true(config_number(&c, "evidenceExecutableMaxMiB") == 16);
		assert_true(config_number(&c, "responseTimeoutSeconds") == 3);
		assert_true(config_number(&c, "responseRetrySeconds") == 120);
		assert_true(config_number(&c, "responseQueueLength") == 77);
		assert_int_equal(c.nwebhooks, 3);
		assert_string_equal(c.webhooks[0].url, "https://chat.example/hooks/abc");
		assert_null(c.webhooks[0].url_file);
		assert_int_equal(c.webhooks[0].format, CONFIG_WEBHOOK_SLACK);
		assert_int_equal(c.webhooks[0].at.line, 6);
		assert_null(c.webhooks[1].url);
		assert_string_equal(c.webhooks[1].url_file, "/etc/nomine/zulip-url");
		assert_int_equal(c.webhooks[1].format, CONFIG_WEBHOOK_ZULIP);
		assert_int_equal(c.webhooks[1].at.line, 8);
		assert_string_equal(c.webhooks[2].url, "http://127.0.0.1:9/x");
		assert_int_equal(c.webhooks[2].format, CONFIG_WEBHOOK_JSON);
		assert_int_equal(c.webhooks[2].at.line, 10);
		assert_ptr_equal(c.webhooks[2].at.file, c.files[0]);
		assert_int_equal(c.nhook_argv, 3);
		assert_string_equal(c.hook_argv[0], "/usr/local/bin/respond");
		assert_string_equal(c.hook_argv[1], "--pod");
		assert_string_equal(c.hook_argv[2], "x y");
		assert_null(c.hook_argv[3]);
		assert_int_equal(c.hook_at.line, 15);
		for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
			if (keys[i])
				expect_line(&c, keys[i], (int)i + 1);
		config_free(&c);
	}
}

static void test_defaults(void **state)
{
	char err[CONFIG_ERR_MAX];
	struct config c = { 0 };

	(void)state;
	assert_int_equal(parse(&c, "e.yaml", "bannedCommandStrings: []\n", 0, err), 0);
	assert_null(config_text(&c, "hubApiUrl"));
	assert_null(config_text(&c, "alertmanagerUrl"));
	assert_null(config_text(&c, "hubBlockGroup"));
	assert_null(config_path(&c, "hubApiTokenFile"));
	assert_null(config_path(&c, "evidenceDir"));
	assert_int_equal(config_bool(&c, "hubStopServer"), 1);
	assert_true(config_number(&c, "notifyDedupeSeconds") == 900);
	assert_true(config_number(&c, "notifyBurst") == 4);
	assert_true(config_number(&c, "notifyPerMinute") == 1);
	assert_true(config_number(&c, "commandHookTimeoutSeconds") == 30);
	assert_true(config_number(&c, "commandHookConcurrency") == 2);
	assert_true(config_number(&c, "evidenceMaxRecords") == 1000);
	assert_true(config_number(&c, "evidenceMaxMiB") == 1024);
	assert_true(config_number(&c, "evidenceExecutableMaxMiB") == 0);   /* not copied */
	assert_true(config_number(&c, "responseTimeoutSeconds") == 10);
	assert_true(config_number(&c, "responseRetrySeconds") == 600);
	assert_true(config_number(&c, "responseQueueLength") == 1000);
	assert_int_equal(c.nwebhooks, 0);
	assert_null(c.hook_argv);
	assert_int_equal(c.nhook_argv, 0);
	for (size_t i = 0; i < config_nkeys; i++)
		assert_null(config_origin(&c, config_keys[i].name));
	assert_null(config_origin(&c, "noSuchKey"));
	assert_null(config_text(&c, "hubApiTokenFile"));   /* a path, not a text key */
	assert_null(config_text(&c, "noSuchKey"));
	config_free(&c);
}

/* hubBlockGroup: true is the default group, false is off (yet set). */
static void test_block_group(void **state)
{
	static const struct { const char *text; const char *want; } cases[] = {
		{ "hubBlockGroup: true\n", "nomine-blocked" },
		{ "hubBlockGroup: false\n", NULL },
		{ "hubBlockGroup: \"No Miners\"\n", "No Miners" },
		{ "{\"hubBlockGroup\": true}", "nomine-blocked" },
		{ "{\"hubBlockGroup\": false}", NULL },
		{ "{\"hubBlockGroup\": \"grp\"}", "grp" },
	};
	char err[CONFIG_ERR_MAX];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct config c = { 0 };
		int json = cases[i].text[0] == '{';

		if (parse(&c, json ? "g.json" : "g.yaml", cases[i].text, json, err))
			fail_msg("case %zu: %s", i, err);
		if (cases[i].want)
			assert_string_equal(config_text(&c, "hubBlockGroup"), cases[i].want);
		else
			assert_null(config_text(&c, "hubBlockGroup"));
		assert_non_null(config_origin(&c, "hubBlockGroup"));
		config_free(&c);
	}
}

/* ---- one file's errors, with their exact file:line ---- */

struct bad_case {
	int json;
	const char *text;
	const char *want;
};

#define WH_LIST "webhooks must be a list of mappings ({url or urlFile, format}), got "

static const struct bad_case bad_cases[] = {
	{ 0, "hubApiUrl: ftp://hub/api\n",
	  "bad.yaml:1: hubApiUrl must be an http:// or https:// URL with a host: the URL must "
	  "start with http:// or https://" },
	{ 0, "\nhubApiUrl: file:///run/hub.sock\n",
	  "bad.yaml:2: hubApiUrl must be an http:// or https:// URL with a host: the URL must "
	  "start with http:// or https://" },
	{ 1, "{\n\"alertmanagerUrl\": 9093}",
	  "bad.json:2: alertmanagerUrl must be a string, got a number (quote it to make it a "
	  "string)" },
	{ 0, "alertmanagerUrl: \"\"\n",
	  "bad.yaml:1: alertmanagerUrl must be a URL of 1..2048 bytes without NUL" },
	{ 0, "hubApiTokenFile: token\n",
	  "bad.yaml:1: hubApiTokenFile must be absolute paths, got \"token\"" },
	{ 0, "evidenceDir: /var/lib/../x\n",
	  "bad.yaml:1: evidenceDir must be normalized paths (no empty, \".\" or \"..\" "
	  "components, no trailing \"/\"), got \"/var/lib/../x\"" },
	{ 0, "hubStopServer: yes\n",
	  "bad.yaml:1: hubStopServer must be true or false, got \"yes\" (YAML readers disagree "
	  "on it)" },
	{ 1, "{\"hubStopServer\": \"true\"}",
	  "bad.json:1: hubStopServer must be true or false, got a string" },
	{ 0, "hubBlockGroup: a/b\n",
	  "bad.yaml:1: hubBlockGroup must be a group name without '/' or control characters, "
	  "got \"a/b\"" },
	{ 0, "hubBlockGroup: \"a\\tb\"\n",
	  "bad.yaml:1: hubBlockGroup must be a group name without '/' or control characters, "
	  "got \"a\\x09b\"" },
	{ 0, "hubBlockGroup: \" a\"\n",
	  "bad.yaml:1: hubBlockGroup must be a group name of 1..255 bytes without spaces at "
	  "either end, got \" a\"" },
	{ 0, "hubBlockGroup: \"\"\n",
	  "bad.yaml:1: hubBlockGroup must be a group name of 1..255 bytes without spaces at "
	  "either end, got \"\"" },
	{ 0, "hubBlockGroup: on\n",
	  "bad.yaml:1: hubBlockGroup must be true, false or a group name, got \"on\" (YAML "
	  "readers disagree on it)" },
	{ 0, "hubBlockGroup: 5\n",
	  "bad.yaml:1: hubBlockGroup must be true, false or a group name, got a number (quote "
	  "it to make it a string)" },
	{ 0, "notifyDedupeSeconds: 0\n",
	  "bad.yaml:1: notifyDedupeSeconds must be a number 1..604800, got 0" },
	{ 0, "notifyBurst: 1001\n", "bad.yaml:1: notifyBurst must be an integer 1..1000, got 1001" },
	{ 1, "{\"notifyPerMinute\": 0.001}",
	  "bad.json:1: notifyPerMinute must be a number 0.01..6000, got 0.001" },
	{ 0, "commandHookTimeoutSeconds: 3601\n",
	  "bad.yaml:1: commandHookTimeoutSeconds must be a number 0.1..3600, got 3601" },
	{ 0, "commandHookConcurrency: 65\n",
	  "bad.yaml:1: commandHookConcurrency must be an integer 1..64, got 65" },
	{ 0, "evidenceMaxRecords: 1000001\n",
	  "bad.yaml:1: evidenceMaxRecords must be an integer 1..1000000, got 1000001" },
	{ 0, "evidenceMaxMiB: 0\n", "bad.yaml:1: evidenceMaxMiB must be an integer 1..1048576, got 0" },
	{ 0, "evidenceExecutableMaxMiB: 4097\n",
	  "bad.yaml:1: evidenceExecutableMaxMiB must be an integer 1..4096, got 4097" },
	{ 0, "responseTimeoutSeconds: 301\n",
	  "bad.yaml:1: responseTimeoutSeconds must be a number 0.1..300, got 301" },
	{ 0, "responseRetrySeconds: 0.5\n",
	  "bad.yaml:1: responseRetrySeconds must be a number 1..86400, got 0.5" },
	{ 0, "responseQueueLength: 1.5\n",
	  "bad.yaml:1: responseQueueLength must be an integer 1..100000, got 1.5" },
	/* commandHook */
	{ 0, "commandHook: /bin/true\n",
	  "bad.yaml:1: commandHook must be a list of strings, got a string" },
	{ 0, "\ncommandHook: []\n",
	  "bad.yaml:2: commandHook must have 1..64 items (the program and its arguments), got "
	  "none" },
	{ 0, "commandHook:\n  - kubectl\n  - delete\n",
	  "bad.yaml:2: commandHook: the first item (the program) must be an absolute path, got "
	  "\"kubectl\"" },
	{ 1, "{\"commandHook\": [\"/bin/x\",\n 5]}",
	  "bad.json:2: commandHook must be a list of strings, got a number (quote it to make it "
	  "a string)" },
	{ 0, "commandHook: [/bin/x, \"\"]\n", "bad.yaml:1: empty string in commandHook" },
	/* webhooks */
	{ 0, "webhooks: http://x/\n", "bad.yaml:1: " WH_LIST "a string" },
	{ 0, "webhooks:\n  - http://x/\n", "bad.yaml:2: " WH_LIST "a string" },
	{ 1, "{\"webhooks\": [\n[\"http://x/\"]]}", "bad.json:2: " WH_LIST "a list" },
	{ 0, "webhooks:\n  - url: http://x/\n    method: POST\n",
	  "bad.yaml:3: webhooks item: unknown field \"method\" (valid fields: url, urlFile, "
	  "format)" },
	{ 1, "{\"webhooks\": [\n{\"url\": \"http://x/\",\n\"URL\": \"http://y/\"}]}",
	  "bad.json:3: webhooks item: unknown field \"URL\" (valid fields: url, urlFile, format)" },
	{ 0, "webhooks:\n  - url: http://x/\n    url: http://y/\n",
	  "bad.yaml:3: webhooks item: duplicate field \"url\"" },
	{ 0, "webhooks:\n  - format: json\n",
	  "bad.yaml:2: webhooks item must have exactly one of url and urlFile" },
	{ 0, "webhooks:\n  - {}\n",
	  "bad.yaml:2: webhooks item must have exactly one of url and urlFile" },
	{ 0, "webhooks:\n  - url: http://x/\n  - url: http://y/\n    urlFile: /run/u\n",
	  "bad.yaml:3: webhooks item must have exactly one of url and urlFile" },
	{ 1, "{\"webhooks\": [{\"url\": \"http://x/\"},\n {\"urlFile\": \"/a\", \"url\": \"http://y/\"}]}",
	  "bad.json:2: webhooks item must have exactly one of url and urlFile" },
	{ 0, "webhooks:\n  - url: ftp://ops.example.org/\n",
	  "bad.yaml:2: webhooks item url must be an http:// or https:// URL with a host: the URL "
	  "must start with http:// or https://" },
	{ 0, "webhooks:\n  - url: [http://x/]\n",
	  "bad.yaml:2: webhooks item url must be a string, got a list" },
	{ 0, "webhooks:\n  - urlFile: run/url\n",
	  "bad.yaml:2: webhooks item urlFile must be an absolute normalized path of 1..4096 "
	  "bytes, got \"run/url\"" },
	{ 0, "webhooks:\n  - urlFile: /run//url\n",
	  "bad.yaml:2: webhooks item urlFile must be an absolute normalized path of 1..4096 "
	  "bytes, got \"/run//url\"" },
	{ 0, "webhooks:\n  - url: http://x/\n    format: teams\n",
	  "bad.yaml:3: webhooks item format must be \"json\", \"slack\" or \"zulip\", got "
	  "\"teams\"" },
	{ 1, "{\"webhooks\": [{\"url\": \"http://x/\",\n\"format\": null}]}",
	  "bad.json:2: webhooks item format must be a string, got null (quote it to make it a "
	  "string)" },
	{ 0, "webhooks:\n  - ? [a]\n    : b\n",
	  "bad.yaml:2: webhooks item: fields must be strings, got a list" },
	{ 0, "webhooks:\n  - url: http://x/\n    format: {a: b}\n",
	  "bad.yaml:3: webhooks item format must be a string, got a mapping" },
	{ 1, "{\"webhooks\": [{\"url\": \"http://x/\", \"format\": [[[\"deep\"]]]}]}",
	  "bad.json:1: webhooks item format must be a string, got a list" },
	/* other lists still refuse mappings, however deep */
	{ 1, "{\"bannedCommandStrings\": [{\"a\": \"b\"}]}",
	  "bad.json:1: bannedCommandStrings must be a list of strings, got a mapping" },
};

static void test_bad_inputs(void **state)
{
	char err[CONFIG_ERR_MAX];

	(void)state;
	for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		const struct bad_case *t = &bad_cases[i];
		struct config c = { 0 };
		int rc;

		assert_int_equal(parse(&c, "good.yaml", "webhooks: [{url: \"http://a/\"}]\n", 0, err),
				 0);
		strcpy(err, "(not set)");
		rc = parse(&c, t->json ? "bad.json" : "bad.yaml", t->text, t->json, err);
		if (rc != -EINVAL)
			fail_msg("case %zu: got %d, want -EINVAL: %s", i, rc, t->text);
		if (strcmp(err, t->want))
			fail_msg("case %zu:\n  got  %s\n  want %s", i, err, t->want);
		/* unchanged on error */
		assert_int_equal(c.nwebhooks, 1);
		assert_int_equal(c.nfiles, 1);
		assert_null(c.hook_argv);
		assert_null(c.hub_api_url);
		config_free(&c);
	}
}

/* An inline URL is a secret too: no message quotes it. */
static void test_url_never_shown(void **state)
{
	static const char *const texts[] = {
		"hubApiUrl: \"gopher://s3cr3t@hub/\"\n",
		"alertmanagerUrl: \"http://\"\n",
		"webhooks: [{url: \"https://hooks.slack.com/s3cr3t x\"}]\n",
		"webhooks: [{url: \"ftp://s3cr3t/\"}]\n",
	};
	char err[CONFIG_ERR_MAX];

	(void)state;
	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		struct config c = { 0 };

		assert_int_equal(parse(&c, "u.yaml", texts[i], 0, err), -EINVAL);
		if (strstr(err, "s3cr3t"))
			fail_msg("case %zu shows the URL: %s", i, err);
		assert_int_equal(strncmp(err, "u.yaml:1: ", 10), 0);
	}
}

/* commandHook comes from one file: a second is refused naming the first. */
static void test_hook_once(void **state)
{
	char err[CONFIG_ERR_MAX], text[2048];
	struct config c = { 0 };
	size_t o;

	(void)state;
	assert_int_equal(parse(&c, "a.yaml", "\ncommandHook:\n  - /bin/hook\n", 0, err), 0);
	assert_int_equal(config_origin(&c, "commandHook")->line, 2);
	assert_int_equal(parse(&c, "b.json", "{\n\"commandHook\": [\"/bin/other\"]}", 1, err),
			 -EINVAL);
	assert_string_equal(err, "b.json:2: commandHook already set at a.yaml:2");
	assert_int_equal(c.nhook_argv, 1);
	assert_string_equal(c.hook_argv[0], "/bin/hook");
	/* other keys of other files still come in */
	assert_int_equal(parse(&c, "c.yaml", "commandHookConcurrency: 3\n", 0, err), 0);
	config_free(&c);

	/* 64 items are fine, 65 are not */
	o = (size_t)snprintf(text, sizeof(text), "commandHook: [/bin/h");
	for (int i = 1; i < 64; i++)
		o += (size_t)snprintf(text + o, sizeof(text) - o, ", a%d", i);
	snprintf(text + o, sizeof(text) - o, "]\n");
	assert_int_equal(parse(&c, "h.yaml", text, 0, err), 0);
	assert_int_equal(c.nhook_argv, 64);
	assert_null(c.hook_argv[64]);
	config_free(&c);
	snprintf(text + o, sizeof(text) - o, ", one-more]\n");
	assert_int_equal(parse(&c, "h.yaml", text, 0, err), -EINVAL);
	assert_string_equal(err, "h.yaml:1: commandHook has more than 64 items");
}

/* ---- checks once every file is read (config_load) ---- */

static int load(struct config *c, const char *const *rels, size_t n, char *err)
{
	char *paths[4];
	int rc;

	for (size_t i = 0; i < n; i++)
		paths[i] = strdup(tpath(rels[i]));
	rc = config_load(c, paths, n, err, CONFIG_ERR_MAX);
	for (size_t i = 0; i < n; i++)
		free(paths[i]);
	return rc;
}

/* Loads rel, which must be refused with "tmpdir/want". */
static void expect_refused(const char *rel, const char *want)
{
	char err[CONFIG_ERR_MAX], full[CONFIG_ERR_MAX];
	struct config c;

	snprintf(full, sizeof(full), "%s/%s", tmpdir, want);
	assert_int_equal(load(&c, &rel, 1, err), -EINVAL);
	assert_string_equal(err, full);
	assert_int_equal(c.nfiles, 0);          /* emptied */
}

static void test_partners(void **state)
{
	const char *rel = "p.yaml";
	char text[512];

	(void)state;
	write_file("p.yaml", "bannedCommandStrings: [x]\nhubApiUrl: http://hub/hub/api\n");
	expect_refused(rel, "p.yaml:2: hubApiUrl needs hubApiTokenFile (the file holding the "
		       "hub's API token)");
	write_file("token", "abc\n");
	snprintf(text, sizeof(text), "\n\nhubApiTokenFile: %s/token\n", tmpdir);
	write_file("p.yaml", text);
	expect_refused(rel, "p.yaml:3: hubApiTokenFile needs hubApiUrl (the hub's API URL)");
	write_file("p.yaml", "hubStopServer: true\n");
	expect_refused(rel, "p.yaml:1: hubStopServer needs hubApiUrl (the hub's API URL)");
	write_file("p.yaml", "evidenceDir: /x\nhubBlockGroup: false\n");
	expect_refused(rel, "p.yaml:2: hubBlockGroup needs hubApiUrl (the hub's API URL)");
}

/* The hub's URL and token from two files, webhooks appended over files. */
static void test_merge(void **state)
{
	static const char *const rels[] = { "1.yaml", "2.json" };
	char err[CONFIG_ERR_MAX], text[1024];
	struct config c;

	(void)state;
	write_file("token", "  secret-token\n\n");
	write_file("url", "https://chat.example/hooks/k\n");
	snprintf(text, sizeof(text), "hubApiUrl: http://hub:8081/hub/api\nwebhooks:\n"
		 "  - url: http://127.0.0.1:1/a\n  - urlFile: %s/url\n    format: slack\n",
		 tmpdir);
	write_file("1.yaml", text);
	snprintf(text, sizeof(text), "{\"hubApiTokenFile\": \"%s/token\",\n\"hubBlockGroup\": true,"
		 "\n\"webhooks\": [{\"format\": \"zulip\", \"url\": \"http://127.0.0.1:2/b\"}]}",
		 tmpdir);
	write_file("2.json", text);
	if (load(&c, (const char *const *)rels, 2, err))
		fail_msg("%s", err);
	assert_int_equal(c.nwebhooks, 3);
	assert_string_equal(c.webhooks[0].url, "http://127.0.0.1:1/a");
	assert_string_equal(c.webhooks[0].at.file, tpath("1.yaml"));
	assert_int_equal(c.webhooks[0].at.line, 3);
	assert_string_equal(c.webhooks[1].url_file, tpath("url"));
	assert_int_equal(c.webhooks[1].format, CONFIG_WEBHOOK_SLACK);
	assert_int_equal(c.webhooks[1].at.line, 4);
	assert_string_equal(c.webhooks[2].url, "http://127.0.0.1:2/b");
	assert_int_equal(c.webhooks[2].format, CONFIG_WEBHOOK_ZULIP);
	assert_string_equal(c.webhooks[2].at.file, tpath("2.json"));
	assert_int_equal(c.webhooks[2].at.line, 3);
	assert_string_equal(config_text(&c, "hubBlockGroup"), "nomine-blocked");
	assert_int_equal(config_bool(&c, "hubStopServer"), 1);
	config_free(&c);
}

/* Writes a config naming tmpdir/token (line 2) and a webhook urlFile
 * tmpdir/url (line 4). */
static void write_secret_config(void)
{
	char text[1024];

	snprintf(text, sizeof(text), "hubApiUrl: http://hub/hub/api\nhubApiTokenFile: %s/token\n"
		 "webhooks:\n  - urlFile: %s/url\n", tmpdir, tmpdir);
	write_file("s.yaml", text);
}

static void expect_secret_refused(const char *line_key, const char *path_rel, const char *why)
{
	char want[CONFIG_ERR_MAX];

	snprintf(want, sizeof(want), "s.yaml:%s %s/%s: %s", line_key, tmpdir, path_rel, why);
	expect_refused("s.yaml", want);
}

static void test_token_file(void **state)
{
	char big[5000];

	(void)state;
	write_secret_config();
	write_file("url", "http://127.0.0.1:9/hook\n");
	expect_secret_refused("2: hubApiTokenFile", "token", "No such file or directory");
	write_file("token", " \n\t\n");
	expect_secret_refused("2: hubApiTokenFile", "token", "empty");
	write_file("token", "");
	expect_secret_refused("2: hubApiTokenFile", "token", "empty");
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	write_file("token", big);
	expect_secret_refused("2: hubApiTokenFile", "token", "larger than 4096 bytes");
	assert_int_equal(remove(tpath("token")), 0);
	assert_int_equal(mkdir(tpath("token"), 0700), 0);
	expect_secret_refused("2: hubApiTokenFile", "token", "not a regular file");
	assert_int_equal(rmdir(tpath("token")), 0);
	write_file("token", "tok\n");
	{
		struct config c;
		char err[CONFIG_ERR_MAX];
		const char *rel = "s.yaml";

		if (load(&c, &rel, 1, err))
			fail_msg("%s", err);
		config_free(&c);
	}
}

/* A token file root may read and the daemon's user may not: refused (run
 * in a child as nobody when the test runs as root). */
static void test_token_unreadable(void **state)
{
	pid_t pid;
	int status;

	(void)state;
	write_secret_config();
	write_file("url", "http://127.0.0.1:9/hook\n");
	write_file("token", "tok\n");
	assert_int_equal(chmod(tmpdir, 0755), 0);
	assert_int_equal(chmod(tpath("s.yaml"), 0644), 0);
	assert_int_equal(chmod(tpath("token"), 0600), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		char err[CONFIG_ERR_MAX], want[CONFIG_ERR_MAX];
		struct config c;
		const char *rel = "s.yaml";

		if (geteuid() == 0 && (setgid(65534) || setuid(65534)))
			_exit(3);
		snprintf(want, sizeof(want), "%s/s.yaml:2: hubApiTokenFile %s/token: Permission denied",
			 tmpdir, tmpdir);
		if (access(tpath("token"), R_OK) == 0)
			_exit(0);       /* not run as root: our own file, nothing to test */
		_exit(load(&c, &rel, 1, err) == -EINVAL && !strcmp(err, want) ? 0 : 1);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

/* A URL file that holds no URL is refused without showing what it holds. */
static void test_url_file(void **state)
{
	char err[CONFIG_ERR_MAX];
	struct config c;
	const char *rel = "s.yaml";

	(void)state;
	write_secret_config();
	write_file("token", "tok\n");
	write_file("url", "hooks.slack.com/services/S3CR3T\n");
	assert_int_equal(load(&c, &rel, 1, err), -EINVAL);
	assert_null(strstr(err, "S3CR3T"));
	assert_null(strstr(err, "slack"));
	write_file("url", "file:///S3CR3T\n");
	expect_secret_refused("4: webhooks item urlFile", "url",
			      "does not hold a usable URL: the URL must start with http:// or "
			      "https://");
	write_file("url", "ftp://S3CR3T@host/\n");
	assert_int_equal(load(&c, &rel, 1, err), -EINVAL);
	assert_null(strstr(err, "S3CR3T"));
	write_file("url", "\n");
	expect_secret_refused("4: webhooks item urlFile", "url", "empty");
	assert_int_equal(remove(tpath("url")), 0);
	expect_secret_refused("4: webhooks item urlFile", "url", "No such file or directory");
	write_file("url", "  https://chat.example/hooks/S3CR3T  \n");
	if (load(&c, &rel, 1, err))
		fail_msg("%s", err);
	config_free(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_full),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_block_group),
		cmocka_unit_test(test_bad_inputs),
		cmocka_unit_test(test_url_never_shown),
		cmocka_unit_test(test_hook_once),
		cmocka_unit_test_setup_teardown(test_partners, mktmp, rmtmp),
		cmocka_unit_test_setup_teardown(test_merge, mktmp, rmtmp),
		cmocka_unit_test_setup_teardown(test_token_file, mktmp, rmtmp),
		cmocka_unit_test_setup_teardown(test_token_unreadable, mktmp, rmtmp),
		cmocka_unit_test_setup_teardown(test_url_file, mktmp, rmtmp),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
