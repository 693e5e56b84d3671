/* SPDX-License-Identifier: BSD-2-Clause */
/* test_config.c - unit tests for config loading (JSON, YAML, dirs). The built-in
 * default's contents are tested by test_default_config.c. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <math.h>
#include <unistd.h>

#include "config.h"
#include "config_keys.h"
#include "config_test_util.h"
#include "randomx_detect.h"

/* ---- helpers ---- */

static void check_banned(const struct config *c, size_t i, const char *s, enum config_mode mode,
			 const char *file, int line)
{
	assert_true(i < c->nbanned);
	assert_string_equal(c->banned[i].bytes, s);
	assert_int_equal(c->banned[i].len, strlen(s));
	assert_int_equal(c->banned[i].mode, mode);
	assert_string_equal(c->banned[i].at.file, file);
	assert_int_equal(c->banned[i].at.line, line);
}

static void check_pattern(const struct config *c, size_t i, const char *re, const char *file,
			  int line)
{
	assert_true(i < c->nallowed);
	assert_string_equal(c->allowed[i].regex, re);
	assert_string_equal(c->allowed[i].at.file, file);
	assert_int_equal(c->allowed[i].at.line, line);
}

static void check_exe(const struct config *c, size_t i, const char *path, const char *file,
		      int line)
{
	assert_true(i < c->nallowed_exes);
	assert_string_equal(c->allowed_exes[i].path, path);
	assert_string_equal(c->allowed_exes[i].at.file, file);
	assert_int_equal(c->allowed_exes[i].at.line, line);
}

static int owned(const struct config *c, const char *f)
{
	size_t k;

	for (k = 0; k < c->nfiles; k++)
		if (f == c->files[k])
			return 1;
	return 0;
}

/* Every origin must point into cfg->files, not at a copy. */
static void check_origins_owned(const struct config *c)
{
	size_t i;

	for (i = 0; i < c->nbanned; i++)
		assert_true(owned(c, c->banned[i].at.file));
	for (i = 0; i < c->nallowed; i++)
		assert_true(owned(c, c->allowed[i].at.file));
	for (i = 0; i < c->nallowed_exes; i++)
		assert_true(owned(c, c->allowed_exes[i].at.file));
	assert_true(!c->monero_threshold || owned(c, c->monero_threshold_at.file));
	assert_true(!c->monero_window_s || owned(c, c->monero_window_at.file));
}

static void expect_load_error(char **paths, size_t n, int rc, const char *want);

static int parse(struct config *c, const char *name, const char *text, int json, char *err)
{
	return config_parse_buffer(c, name, text, strlen(text), json, err, CONFIG_ERR_MAX);
}

static int is_empty(const struct config *c)
{
	return !c->banned && !c->nbanned && !c->allowed && !c->nallowed && !c->allowed_exes &&
	       !c->nallowed_exes && !c->monero_threshold && !c->monero_window_s &&
	       !c->monero_threshold_at.file && !c->monero_threshold_at.line &&
	       !c->monero_window_at.file && !c->monero_window_at.line && !c->files && !c->nfiles &&
	       !c->container_kill_after && !c->container_kill_window_s &&
	       !c->names[0] && !c->names[1] && !c->names[2] && !c->nnames[0] && !c->nnames[2] &&
	       !c->names_set[0] && !c->paths[0] && !c->paths[3];
}

/* ---- cryptnono compatibility ---- */

/* Shape of a cryptnono execwhacker config as Helm's toJson writes it: one
 * line, keys sorted, '<' '>' '&' escaped as \u003c \u003e \u0026. */
static const char helm_json[] =
	"{\"allowedCommandPatterns\":[\"^(/usr/bin/)?ls.*$\",\"^/srv/conda/bin/python -m "
	"ipykernel_launcher .*$\"],\"bannedCommandStrings\":[\"xmrig\",\"stratum+tcp\","
	"\"c3pool.com\",\"a\\u0026b\\u003cc\\u003e\"]}\n";

static void test_cryptnono_helm_json(void **state)
{
	struct config c = { 0 };
	char err[CONFIG_ERR_MAX] = "";
	const char *f = "execwhacker.json";

	(void)state;
	assert_int_equal(parse(&c, f, helm_json, 1, err), 0);
	assert_int_equal(c.nbanned, 4);
	assert_int_equal(c.nallowed, 2);
	assert_int_equal(c.nfiles, 1);
	assert_string_equal(c.files[0], f);
	check_banned(&c, 0, "xmrig", CONFIG_WORD, f, 1);
	check_banned(&c, 1, "stratum+tcp", CONFIG_WORD, f, 1);
	check_banned(&c, 2, "c3pool.com", CONFIG_WORD, f, 1);
	check_banned(&c, 3, "a&b<c>", CONFIG_WORD, f, 1);
	check_pattern(&c, 0, "^(/usr/bin/)?ls.*$", f, 1);
	check_pattern(&c, 1, "^/srv/conda/bin/python -m ipykernel_launcher .*$", f, 1);
	check_origins_owned(&c);
	/* cryptnono's "noop" configs: nothing banned, still a file that was read */
	assert_int_equal(parse(&c, "noop.json", "{\"bannedCommandStrings\":[]}", 1, err), 0);
	assert_int_equal(parse(&c, "empty.json", "{}", 1, err), 0);
	assert_int_equal(parse(&c, "empty.yaml", "{}\n", 0, err), 0);
	assert_int_equal(c.nbanned, 4);
	assert_int_equal(c.nallowed, 2);
	assert_int_equal(c.nfiles, 4);
	assert_string_equal(c.files[3], "empty.yaml");
	config_free(&c);
	assert_true(is_empty(&c));
}

static const char pretty_json[] =
	"{\n"
	"  \"bannedCommandStrings\": [\n"
	"    \"xmrig\",\n"
	"    \"stratum+tcp\",\n"
	"    \"c3pool.com\"\n"
	"  ],\n"
	"  \"allowedCommandPatterns\": [\n"
	"    \"^(/usr/bin/)?ls.*$\"\n"
	"  ]\n"
	"}\n";

static const char pretty_yaml[] =
	"# the same config as YAML\n"
	"bannedCommandStrings:\n"
	"  - xmrig\n"
	"  - \"stratum+tcp\"\n"
	"  - 'c3pool.com'\n"
	"allowedCommandPatterns:\n"
	"  - '^(/usr/bin/)?ls.*$'\n";

static void test_cryptnono_json_lines(void **state)
{
	struct config c = { 0 };
	char err[CONFIG_ERR_MAX] = "";

	(void)state;
	assert_int_equal(parse(&c, "a.json", pretty_json, 1, err), 0);
	check_banned(&c, 0, "xmrig", CONFIG_WORD, "a.json", 3);
	check_banned(&c, 1, "stratum+tcp", CONFIG_WORD, "a.json", 4);
	check_banned(&c, 2, "c3pool.com", CONFIG_WORD, "a.json", 5);
	check_pattern(&c, 0, "^(/usr/bin/)?ls.*$", "a.json", 8);
	config_free(&c);
}

static void test_yaml_equivalent(void **state)
{
	struct config c = { 0 };
	char err[CONFIG_ERR_MAX] = "";

	(void)state;
	assert_int_equal(parse(&c, "a.yaml", pretty_yaml, 0, err), 0);
	assert_int_equal(c.nbanned, 3);
	assert_int_equal(c.nallowed, 1);
	check_banned(&c, 0, "xmrig", CONFIG_WORD, "a.yaml", 3);
	check_banned(&c, 1, "stratum+tcp", CONFIG_WORD, "a.yaml", 4);
	check_banned(&c, 2, "c3pool.com", CONFIG_WORD, "a.yaml", 5);
	check_pattern(&c, 0, "^(/usr/bin/)?ls.*$", "a.yaml", 7);
	config_free(&c);
}

/* Escapes decoded by jansson, and where libyaml agrees, its line numbers. */
static void test_json_escapes(void **state)
{
	struct config c = { 0 };
	char err[CONFIG_ERR_MAX] = "";
	const char *text =
		"{\"bannedCommandStrings\": [\n"
		"\t\"caf\\u00e9\",\t\"a\\/b\",\n"
		"\"tab\\there\", \"q\\\"\\\\\"]}";

	(void)state;
	assert_int_equal(parse(&c, "e.json", text, 1, err), 0);
	check_banned(&c, 0, "caf\xc3\xa9", CONFIG_WORD, "e.json", 2);
	check_banned(&c, 1, "a/b", CONFIG_WORD, "e.json", 2);
	check_banned(&c, 2, "tab\there", CONFIG_WORD, "e.json", 3);
	check_banned(&c, 3, "q\"\\", CONFIG_WORD, "e.json", 3);
	config_free(&c);
}

/* libyaml refuses surrogate pairs and a tab before the top-level '{'; jansson
 * accepts both, so values come from jansson and every line is 1. */
static void test_json_fallback(void **state)
{
	struct config c = { 0 };
	char err[CONFIG_ERR_MAX] = "";
	const char *surrogate =
		"{\n\"bannedCommandStrings\": [\n\"x\\ud83d\\ude00y\",\n\"z\"\n]\n}\n";
	const char *tabbed = "\t{\"bannedCommandStrings\":\n\t[\"xmrig\"]}\n";
	const char *bad = "{\n\"bannedCommandStrings\": [\n\"\\ud83d\\ude00\",\n5\n]\n}\n";

	(void)state;
	assert_int_equal(parse(&c, "s.json", surrogate, 1, err), 0);
	check_banned(&c, 0, "x\xf0\x9f\x98\x80y", CONFIG_WORD, "s.json", 1);
	check_banned(&c, 1, "z", CONFIG_WORD, "s.json", 1);
	assert_int_equal(parse(&c, "t.json", tabbed, 1, err), 0);
	check_banned(&c, 2, "xmrig", CONFIG_WORD, "t.json", 1);
	/* raw U+2028 and U+0085 are line breaks to libyaml, text to JSON */
	assert_int_equal(parse(&c, "n.json", "{\"bannedCommandStrings\":\n[\"a\xe2\x80\xa8"
			       "b\", \"c\xc2\x85" "d\"]}", 1, err), 0);
	check_banned(&c, 3, "a\xe2\x80\xa8" "b", CONFIG_WORD, "n.json", 1);
	check_banned(&c, 4, "c\xc2\x85" "d", CONFIG_WORD, "n.json", 1);
	assert_int_equal(parse(&c, "b.json", bad, 1, err), -EINVAL);
	assert_string_equal(err, "b.json:1: bannedCommandStrings must be a list of strings, "
			    "got a number (quote it to make it a string)");
	assert_int_equal(c.nbanned, 5);
	config_free(&c);
}

static void test_match_mode(void **state)
{
	struct config c = { 0 };
	char err[CONFIG_ERR_MAX] = "";

	(void)state;
	/* matchMode applies to the whole file, even when written after the list */
	assert_int_equal(parse(&c, "s.yaml", "bannedCommandStrings: [ab, cd]\n"
			       "matchMode: substring\n", 0, err), 0);
	assert_int_equal(parse(&c, "w.json", "{\"matchMode\": \"word\", "
			       "\"bannedCommandStrings\": [\"ef\"]}", 1, err), 0);
	assert_int_equal(parse(&c, "d.yaml", "bannedCommandStrings: [gh]\n", 0, err), 0);
	assert_int_equal(parse(&c, "j.json", "{\"bannedCommandStrings\": [\"ij\"], "
			       "\"matchMode\": \"substring\"}", 1, err), 0);
	check_banned(&c, 0, "ab", CONFIG_SUBSTRING, "s.yaml", 1);
	check_banned(&c, 1, "cd", CONFIG_SUBSTRING, "s.yaml", 1);
	check_banned(&c, 2, "ef", CONFIG_WORD, "w.json", 1);
	check_banned(&c, 3, "gh", CONFIG_WORD, "d.yaml", 1);
	check_banned(&c, 4, "ij", CONFIG_SUBSTRING, "j.json", 1);
	config_free(&c);
}

/* bannedCommandPatterns are kept in file order with their origins; secret
 * (per file, wherever it stands in it) shows a file's banned strings and
 * patterns as "file:line" and nothing else of them. */
static void test_patterns_and_secret(void **state)
{
	struct config c = { 0 };
	char err[CONFIG_ERR_MAX] = "";

	(void)state;
	assert_int_equal(parse(&c, "open.yaml", "bannedCommandStrings: [ab]\n"
			       "bannedCommandPatterns:\n  - 'x\\d+'\n  - '^y'\n", 0, err), 0);
	assert_int_equal(parse(&c, "hid.yaml", "bannedCommandStrings: [cd]\n"
			       "bannedCommandPatterns: ['z.*z']\nallowedCommandPatterns: [ok]\n"
			       "secret: true\n", 0, err), 0);
	assert_int_equal(parse(&c, "hid.json", "{\"secret\": true,\n\"bannedCommandStrings\":"
			       " [\"ef\"]}", 1, err), 0);
	assert_int_equal(parse(&c, "off.json", "{\"secret\": false, \"bannedCommandPatterns\":"
			       " [\"q\"]}", 1, err), 0);
	assert_int_equal(c.nbanned, 3);
	assert_int_equal(c.nbanned_patterns, 4);
	assert_string_equal(c.banned_patterns[0].bytes, "x\\d+");
	assert_int_equal(c.banned_patterns[1].at.line, 4);
	assert_string_equal(c.banned_patterns[1].at.file, "open.yaml");
	/* shown: the text, or for a secret file its origin */
	assert_false(c.banned[0].secret);
	assert_string_equal(c.banned[0].shown, "ab");
	assert_string_equal(c.banned_patterns[0].shown, "x\\d+");
	assert_true(c.banned[1].secret);
	assert_string_equal(c.banned[1].shown, "hid.yaml:1");
	assert_int_equal(c.banned[1].shown_len, strlen("hid.yaml:1"));
	assert_string_equal(c.banned[1].bytes, "cd");          /* still matched by its text */
	assert_true(c.banned_patterns[2].secret);
	assert_string_equal(c.banned_patterns[2].shown, "hid.yaml:2");
	assert_string_equal(c.banned[2].shown, "hid.json:2");
	assert_false(c.banned_patterns[3].secret);
	assert_string_equal(c.banned_patterns[3].shown, "q");
	config_free(&c);
}

/* Plain YAML scalars that some YAML reader would not take as strings must be
 * quoted; ordinary words, versions and flags are fine unquoted. */
static void test_plain_scalars(void **state)
{
	static const char *const ok[] = {
		"xmrig", "1.2.3", "0x", "v1", "--donate-level", "1.2.3.4:3333", "_1", "e5",
		"0xZZ", "yess", "NULL_", "12:60", ".", "-x", "1e", "1.5e+", "+", "1-2",
	};
	static const char *const bad[] = {
		"123", "-1", "+1.5", "1_000", "0x1F", "0o17", "0b101", "1e5", "1.5E-3", ".5",
		"1.", ".inf", "-.Inf", ".NaN", "12:30", "1:20:30", "yes", "No", "ON", "off",
		"true", "FALSE", "y", "N", "~", "null", "Null",
	};
	char text[128], err[CONFIG_ERR_MAX];
	struct config c = { 0 };
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		snprintf(text, sizeof(text), "bannedCommandStrings:\n  - %s\n", ok[i]);
		if (parse(&c, "p.yaml", text, 0, err))
			fail_msg("plain %s refused: %s", ok[i], err);
		assert_string_equal(c.banned[i].bytes, ok[i]);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(text, sizeof(text), "bannedCommandStrings:\n  - %s\n", bad[i]);
		if (parse(&c, "p.yaml", text, 0, err) == 0)
			fail_msg("plain %s was taken as a string", bad[i]);
		assert_non_null(strstr(err, "(quote it to make it a string)"));
		assert_int_equal(strncmp(err, "p.yaml:2: bannedCommandStrings must be a list of "
					 "strings, got ", 60), 0);
		/* quoted, or tagged !!str, it is a string */
		snprintf(text, sizeof(text), "bannedCommandStrings: ['%s', !!str %s]\n",
			 bad[i], bad[i]);
		if (parse(&c, "p.yaml", text, 0, err))
			fail_msg("quoted %s refused: %s", bad[i], err);
	}
	config_free(&c);
}

static void test_limits(void **state)
{
	struct config c = { 0 };
	char err[CONFIG_ERR_MAX];
	size_t n = CONFIG_PATTERN_MAX + 64;
	char *text = malloc(n + 64);

	(void)state;
	assert_non_null(text);
	snprintf(text, n, "bannedCommandStrings: ['%0*d']\n", CONFIG_STRING_MAX, 0);
	assert_int_equal(parse(&c, "l.yaml", text, 0, err), 0);
	assert_int_equal(c.banned[0].len, CONFIG_STRING_MAX);
	snprintf(text, n, "bannedCommandStrings: ['%0*d']\n", CONFIG_STRING_MAX + 1, 0);
	assert_int_equal(parse(&c, "l.yaml", text, 0, err), -EINVAL);
	assert_string_equal(err, "l.yaml:1: string in bannedCommandStrings is too long "
			    "(4097 bytes, max 4096)");
	snprintf(text, n, "{\"allowedCommandPatterns\": [\"%0*d\"]}", CONFIG_PATTERN_MAX, 0);
	assert_int_equal(parse(&c, "l.json", text, 1, err), 0);
	assert_int_equal(strlen(c.allowed[0].regex), CONFIG_PATTERN_MAX);
	snprintf(text, n, "{\"allowedCommandPatterns\": [\"%0*d\"]}", CONFIG_PATTERN_MAX + 1, 0);
	assert_int_equal(parse(&c, "l.json", text, 1, err), -EINVAL);
	assert_string_equal(err, "l.json:1: string in allowedCommandPatterns is too long "
			    "(65537 bytes, max 65536)");
	/* allowedExecutables: up to 4096 bytes, like PATH_MAX */
	memset(text, 'a', CONFIG_STRING_MAX + 64);
	memcpy(text, "allowedExecutables: [/", 22);
	strcpy(text + 22 + 4095, "]\n");
	assert_int_equal(parse(&c, "x.yaml", text, 0, err), 0);
	assert_int_equal(strlen(c.allowed_exes[0].path), 4096);
	assert_int_equal(c.allowed_exes[0].path[0], '/');
	memset(text, 'a', CONFIG_STRING_MAX + 64);
	memcpy(text, "allowedExecutables: [/", 22);
	strcpy(text + 22 + 4096, "]\n");
	assert_int_equal(parse(&c, "x.yaml", text, 0, err), -EINVAL);
	assert_string_equal(err, "x.yaml:1: string in allowedExecutables is too long "
			    "(4097 bytes, max 4096)");
	assert_int_equal(c.nbanned, 1);
	assert_int_equal(c.nallowed, 1);
	assert_int_equal(c.nallowed_exes, 1);
	free(text);
	config_free(&c);
}

/* ---- allowedExecutables, moneroThreshold, moneroWindowSeconds ---- */

static const char monero_json[] =
	"{\n"
	"  \"bannedCommandStrings\": [\"xmrig\"],\n"
	"  \"allowedExecutables\": [\n"
	"    \"/opt/conda/bin/python3.11\",\n"
	"    \"/usr/local/bin/hash\\u0040work\"\n"
	"  ],\n"
	"  \"moneroThreshold\": 128,\n"
	"  \"moneroWindowSeconds\": 2.5\n"
	"}\n";

static const char monero_yaml[] =
	"# the same, as YAML\n"
	"bannedCommandStrings: [xmrig]\n"
	"allowedExecutables:\n"
	"  - /opt/conda/bin/python3.11\n"
	"  - \"/usr/local/bin/hash@work\"\n"
	"moneroThreshold: 128\n"
	"moneroWindowSeconds: 2.5\n";

static void test_monero_keys(void **state)
{
	struct config c = { 0 };
	char err[CONFIG_ERR_MAX] = "";

	(void)state;
	assert_int_equal(parse(&c, "m.json", monero_json, 1, err), 0);
	assert_int_equal(c.nbanned, 1);
	assert_int_equal(c.nallowed, 0);
	assert_int_equal(c.nallowed_exes, 2);
	check_exe(&c, 0, "/opt/conda/bin/python3.11", "m.json", 4);
	check_exe(&c, 1, "/usr/local/bin/hash@work", "m.json", 5);
	assert_int_equal(c.monero_threshold, 128);
	assert_string_equal(c.monero_threshold_at.file, "m.json");
	assert_int_equal(c.monero_threshold_at.line, 7);
	assert_true(c.monero_window_s == 2.5);
	assert_string_equal(c.monero_window_at.file, "m.json");
	assert_int_equal(c.monero_window_at.line, 8);
	check_origins_owned(&c);
	config_free(&c);
	assert_true(is_empty(&c));

	assert_int_equal(parse(&c, "m.yaml", monero_yaml, 0, err), 0);
	assert_int_equal(c.nallowed_exes, 2);
	check_exe(&c, 0, "/opt/conda/bin/python3.11", "m.yaml", 4);
	check_exe(&c, 1, "/usr/local/bin/hash@work", "m.yaml", 5);
	assert_int_equal(c.monero_threshold, 128);
	assert_int_equal(c.monero_threshold_at.line, 6);
	assert_true(c.monero_window_s == 2.5);
	assert_int_equal(c.monero_window_at.line, 7);
	check_origins_owned(&c);
	config_free(&c);

	/* a file without them sets nothing; empty lists are fine */
	assert_int_equal(parse(&c, "e.yaml", "allowedExecutables: []\n", 0, err), 0);
	assert_int_equal(parse(&c, "f.json", "{\"allowedExecutables\": []}", 1, err), 0);
	assert_int_equal(c.nallowed_exes, 0);
	assert_int_equal(c.monero_threshold, 0);
	assert_true(c.monero_window_s == 0);
	assert_null(c.monero_threshold_at.file);
	assert_null(c.monero_window_at.file);
	config_free(&c);
}

/* Values read back exactly, in every accepted form. */
static void test_monero_numbers(void **state)
{
	static const struct { int json; const char *text; unsigned int want; } thr[] = {
		{ 0, "1", 1 }, { 0, "1000000", 1000000 }, { 0, "+64", 64 }, { 0, "64", 64 },
		{ 1, "1", 1 }, { 1, "1000000", 1000000 }, { 1, "64", 64 },
	};
	static const struct { int json; const char *text; double want; } win[] = {
		{ 0, "0.001", 0.001 }, { 0, "3600", 3600 }, { 0, "3600.0", 3600 },
		{ 0, "10", 10 }, { 0, "+1.5", 1.5 }, { 0, ".5", 0.5 }, { 0, "5.", 5 },
		{ 0, "0.25", 0.25 }, { 0, "1.5e+2", 150 }, { 0, "2.5E-1", 0.25 },
		{ 0, "00.5", 0.5 }, { 0, "0.1", 0.1 },
		{ 1, "0.001", 0.001 }, { 1, "3600", 3600 }, { 1, "10", 10 }, { 1, "1e-3", 0.001 },
		{ 1, "1E+2", 100 }, { 1, "2.5e1", 25 }, { 1, "0.1", 0.1 }, { 1, "3.6e3", 3600 },
	};
	struct config c = { 0 };
	char text[128], err[CONFIG_ERR_MAX];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(thr) / sizeof(thr[0]); i++) {
		snprintf(text, sizeof(text), thr[i].json ? "{\"moneroThreshold\": %s}" :
			 "moneroThreshold: %s\n", thr[i].text);
		if (parse(&c, "n", text, thr[i].json, err))
			fail_msg("threshold %s refused: %s", thr[i].text, err);
		assert_int_equal(c.monero_threshold, thr[i].want);
		assert_int_equal(c.monero_threshold_at.line, 1);
		config_free(&c);
	}
	for (i = 0; i < sizeof(win) / sizeof(win[0]); i++) {
		snprintf(text, sizeof(text), win[i].json ? "{\"moneroWindowSeconds\": %s}" :
			 "moneroWindowSeconds: %s\n", win[i].text);
		if (parse(&c, "n", text, win[i].json, err))
			fail_msg("window %s refused: %s", win[i].text, err);
		if (c.monero_window_s != win[i].want)
			fail_msg("window %s read as %.17g", win[i].text, c.monero_window_s);
		config_free(&c);
	}
}

/* allowedExecutables are unioned in file order, each keeping its origin;
 * the two numbers may come from different files. */
static void test_monero_union(void **state)
{
	struct config c;
	char err[CONFIG_ERR_MAX] = "";
	char *paths[1];

	(void)state;
	assert_int_equal(mkdir(tpath("m"), 0755), 0);
	write_file("m/a.json", "{\"allowedExecutables\": [\"/usr/bin/a\",\n\"/usr/bin/b\"],\n"
		   "\"moneroThreshold\": 32}\n");
	write_file("m/b.yaml", "bannedCommandStrings: [xmrig]\n");
	write_file("m/c.yml", "moneroWindowSeconds: 0.5\nallowedExecutables:\n"
		   "  - /usr/bin/a\n  - /opt/c\n");
	paths[0] = (char *)tpath("m");
	assert_int_equal(config_load(&c, paths, 1, err, sizeof(err)), 0);
	assert_int_equal(c.nfiles, 3);
	assert_int_equal(c.nallowed_exes, 4);
	check_exe(&c, 0, "/usr/bin/a", tpath("m/a.json"), 1);
	check_exe(&c, 1, "/usr/bin/b", tpath("m/a.json"), 2);
	check_exe(&c, 2, "/usr/bin/a", tpath("m/c.yml"), 3);   /* duplicates are kept */
	check_exe(&c, 3, "/opt/c", tpath("m/c.yml"), 4);
	assert_int_equal(c.monero_threshold, 32);
	assert_string_equal(c.monero_threshold_at.file, tpath("m/a.json"));
	assert_int_equal(c.monero_threshold_at.line, 3);
	assert_true(c.monero_window_s == 0.5);
	assert_string_equal(c.monero_window_at.file, tpath("m/c.yml"));
	assert_int_equal(c.monero_window_at.line, 1);
	check_origins_owned(&c);
	config_free(&c);
	assert_true(is_empty(&c));
}

/* The container keys: name lists union over files (and remember that a file
 * set one, even empty), numbers and paths are set once. */
static void test_container_keys(void **state)
{
	struct config c = { 0 };
	char err[CONFIG_ERR_MAX] = "";

	(void)state;
	assert_int_equal(parse(&c, "a.yaml", "exemptNamespaces: [kube-system, ops]\n"
			       "environmentVariables: []\n"
			       "containerKillAfter: 3\n"
			       "hostRoot: /host\n", 0, err), 0);
	assert_int_equal(parse(&c, "b.json", "{\"exemptContainerNames\": [\"prometheus\"],\n"
			       "\"exemptNamespaces\": [\"monitoring\"],\n"
			       "\"containerKillWindowSeconds\": 120.5,\n"
			       "\"containerdStateDir\": \"/run/containerd/io.containerd.runtime.v2.task\"}",
			       1, err), 0);
	assert_int_equal(c.nnames[CONFIG_EXEMPT_NAMESPACES], 3);
	assert_string_equal(c.names[CONFIG_EXEMPT_NAMESPACES][0].name, "kube-system");
	assert_string_equal(c.names[CONFIG_EXEMPT_NAMESPACES][2].name, "monitoring");
	assert_int_equal(c.names[CONFIG_EXEMPT_NAMESPACES][2].at.line, 2);
	assert_int_equal(c.nnames[CONFIG_EXEMPT_CONTAINERS], 1);
	assert_int_equal(c.nnames[CONFIG_ENV_NAMES], 0);
	assert_true(c.names_set[CONFIG_ENV_NAMES]);
	assert_false(c.names_set[CONFIG_EXEMPT_CONTAINERS] == 0);
	assert_int_equal(c.container_kill_after, 3);
	assert_int_equal(c.container_kill_after_at.line, 3);
	assert_true(c.container_kill_window_s == 120.5);
	assert_string_equal(c.paths[CONFIG_HOST_ROOT], "/host");
	assert_int_equal(c.paths_at[CONFIG_HOST_ROOT].line, 4);
	assert_string_equal(c.paths[CONFIG_CONTAINERD_DIR],
			    "/run/containerd/io.containerd.runtime.v2.task");
	assert_null(c.paths[CONFIG_CRIO_DIR]);
	assert_int_equal(parse(&c, "c.yaml", "bannedCommandStrings: [x]\nhostRoot: /\n", 0, err),
			 -EINVAL);
	assert_string_equal(err, "c.yaml:2: hostRoot already set at a.yaml:4");
	assert_int_equal(parse(&c, "d.yaml", "containerKillAfter: 9\n", 0, err), -EINVAL);
	assert_string_equal(err, "d.yaml:1: containerKillAfter already set at a.yaml:3");
	assert_int_equal(c.nfiles, 2);
	assert_int_equal(c.nbanned, 0);
	config_free(&c);
	assert_true(is_empty(&c));
}

/* A second file setting a number again fails at its own place, naming the
 * first; config_parse_buffer leaves cfg as it was, config_load empty. */
static void test_monero_set_twice(void **state)
{
	struct config c = { 0 };
	char err[CONFIG_ERR_MAX] = "", want[1024], *paths[2];

	(void)state;
	assert_int_equal(parse(&c, "a.json", "{\"allowedExecutables\": [\"/x\"],\n"
			       "\"moneroThreshold\": 10,\n\"moneroWindowSeconds\": 1}", 1, err), 0);
	assert_int_equal(parse(&c, "b.yaml", "allowedExecutables: [/y]\n\n"
			       "moneroThreshold: 10\n", 0, err), -EINVAL);
	assert_string_equal(err, "b.yaml:3: moneroThreshold already set at a.json:2");
	assert_int_equal(parse(&c, "c.json", "{\"bannedCommandStrings\": [\"z\"],\n"
			       "\"moneroWindowSeconds\":\n 1}", 1, err), -EINVAL);
	assert_string_equal(err, "c.json:3: moneroWindowSeconds already set at a.json:3");
	/* a bad value is reported before the clash */
	assert_int_equal(parse(&c, "d.yaml", "moneroThreshold: 0\n", 0, err), -EINVAL);
	assert_string_equal(err, "d.yaml:1: moneroThreshold must be an integer 1..1000000, got 0");
	assert_int_equal(c.nfiles, 1);
	assert_int_equal(c.nbanned, 0);
	assert_int_equal(c.nallowed_exes, 1);
	check_exe(&c, 0, "/x", "a.json", 1);
	assert_int_equal(c.monero_threshold, 10);
	assert_int_equal(c.monero_threshold_at.line, 2);
	assert_true(c.monero_window_s == 1);
	assert_int_equal(c.monero_window_at.line, 3);
	/* other files may still add executables */
	assert_int_equal(parse(&c, "e.yaml", "allowedExecutables: [/y]\n", 0, err), 0);
	check_exe(&c, 1, "/y", "e.yaml", 1);
	check_origins_owned(&c);
	config_free(&c);

	write_file("1.yaml", "moneroWindowSeconds: 10\n");
	write_file("2.json", "{\n\n  \"allowedExecutables\": [\"/bin/ok\"],\n"
		   "  \"moneroWindowSeconds\": 10.0\n}\n");
	paths[0] = strdup(tpath("1.yaml"));
	paths[1] = strdup(tpath("2.json"));
	snprintf(want, sizeof(want), "%s:4: moneroWindowSeconds already set at %s:1",
		 paths[1], paths[0]);
	expect_load_error(paths, 2, -EINVAL, want);
	free(paths[0]);
	free(paths[1]);
}


/* ---- every kind of bad input, with its exact message and line ---- */

struct bad_case {
	int json;
	const char *text;
	size_t len;             /* 0: strlen(text) */
	const char *want;       /* whole message, or its start when prefix is set */
	int prefix;
};

#define VALID_KEYS "(valid keys: bannedCommandStrings, allowedCommandPatterns, " \
	"bannedCommandPatterns, matchMode, secret, allowedExecutables, moneroThreshold, moneroWindowSeconds, exemptNamespaces, " \
	"exemptContainerNames, environmentVariables, containerKillAfter, " \
	"containerKillWindowSeconds, bannedExecutableStrings, bannedExecutableHashes, " \
	"bannedAddresses, bannedAddressFiles, uniqueDestinationsThreshold, lookbackSeconds, " \
	"uniqueDestinationsAction, uncountedNetworks, poolPorts, banPoolPorts, bannedDomains, bannedPackedExecutables, stratumDetection, executableScanMaxMiB, executableScanSeconds, hostRoot, " \
	"containerdStateDir, crioStateDir, dockerStateDir, hubApiUrl, hubApiTokenFile, " \
	"hubStopServer, hubBlockGroup, webhooks, alertmanagerUrl, notifyDedupeSeconds, " \
	"notifyBurst, notifyPerMinute, commandHook, commandHookTimeoutSeconds, " \
	"commandHookConcurrency, evidenceDir, evidenceMaxRecords, evidenceMaxMiB, " \
	"evidenceExecutableMaxMiB, responseTimeoutSeconds, responseRetrySeconds, " \
	"responseQueueLength)"
#define NOT_LIST "bannedCommandStrings must be a list of strings, got "
#define QUOTE_IT " (quote it to make it a string)"
#define EXES_NOT_LIST "allowedExecutables must be a list of strings, got "
#define EXES_ABS "allowedExecutables items must be absolute paths, got "
#define EXES_NORM "allowedExecutables items must be normalized paths (no empty, \".\" or " \
	"\"..\" components, no trailing \"/\"), got "
#define THR "moneroThreshold must be an integer 1..1000000, got "
#define WIN "moneroWindowSeconds must be a number 0.001..3600, got "
#define DECIMAL " (write it in plain decimal)"

static const struct bad_case bad_cases[] = {
	/* container keys */
	{ 0, "exemptNamespaces: kube-system\n", 0,
	  "bad.yaml:1: exemptNamespaces must be a list of strings, got a string", 0 },
	{ 0, "exemptNamespaces: [Kube-System]\n", 0,
	  "bad.yaml:1: exemptNamespaces items must be Kubernetes names (lowercase letters, "
	  "digits and inner '-', at most 63), got \"Kube-System\"", 0 },
	{ 0, "exemptNamespaces:\n  - ok\n  - -bad\n", 0,
	  "bad.yaml:3: exemptNamespaces items must be Kubernetes names", 1 },
	{ 0, "exemptNamespaces: [bad-]\n", 0,
	  "bad.yaml:1: exemptNamespaces items must be Kubernetes names", 1 },
	{ 0, "exemptNamespaces: [\"a b\"]\n", 0,
	  "bad.yaml:1: exemptNamespaces items must be Kubernetes names", 1 },
	{ 0, "exemptNamespaces: [aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa]\n", 0,
	  "bad.yaml:1: exemptNamespaces items must be Kubernetes names", 1 },
	{ 0, "exemptContainerNames: [notebook, Notebook]\n", 0,
	  "bad.yaml:1: exemptContainerNames items must be Kubernetes names", 1 },
	{ 0, "exemptContainerNames: [5]\n", 0,
	  "bad.yaml:1: exemptContainerNames must be a list of strings, got a number" QUOTE_IT, 0 },
	{ 0, "environmentVariables: [\"A=B\"]\n", 0,
	  "bad.yaml:1: environmentVariables items must be variable names (printable ASCII, "
	  "no '=' or spaces), got \"A=B\"", 0 },
	{ 0, "environmentVariables: [\"A B\"]\n", 0,
	  "bad.yaml:1: environmentVariables items must be variable names", 1 },
	{ 1, "{\"environmentVariables\": [\"\\u00e9\"]}", 0,
	  "bad.json:1: environmentVariables items must be variable names", 1 },
	{ 0, "environmentVariables: [\"\"]\n", 0,
	  "bad.yaml:1: empty string in environmentVariables", 0 },
	{ 0, "containerKillAfter: 0\n", 0,
	  "bad.yaml:1: containerKillAfter must be an integer 1..1000, got 0", 0 },
	{ 0, "containerKillAfter: 1001\n", 0,
	  "bad.yaml:1: containerKillAfter must be an integer 1..1000, got 1001", 0 },
	{ 0, "containerKillAfter: 2.5\n", 0,
	  "bad.yaml:1: containerKillAfter must be an integer 1..1000, got 2.5", 0 },
	{ 0, "containerKillAfter: \"3\"\n", 0,
	  "bad.yaml:1: containerKillAfter must be an integer 1..1000, got a string", 0 },
	{ 0, "containerKillWindowSeconds: 0\n", 0,
	  "bad.yaml:1: containerKillWindowSeconds must be a number 0.001..86400, got 0", 0 },
	{ 1, "{\"containerKillWindowSeconds\": 86401}", 0,
	  "bad.json:1: containerKillWindowSeconds must be a number 0.001..86400, got 86401", 0 },
	{ 0, "containerKillWindowSeconds: .nan\n", 0,
	  "bad.yaml:1: containerKillWindowSeconds must be a number 0.001..86400, got \".nan\" "
	  "(write it in plain decimal)", 0 },
	{ 0, "hostRoot: host\n", 0,
	  "bad.yaml:1: hostRoot must be absolute paths, got \"host\"", 0 },
	{ 0, "hostRoot: /host/\n", 0,
	  "bad.yaml:1: hostRoot must be normalized paths", 1 },
	{ 0, "containerdStateDir: /run/../etc\n", 0,
	  "bad.yaml:1: containerdStateDir must be normalized paths", 1 },
	{ 0, "crioStateDir: [/run/crio]\n", 0,
	  "bad.yaml:1: crioStateDir must be a string, got a list", 0 },
	{ 0, "dockerStateDir: 5\n", 0,
	  "bad.yaml:1: dockerStateDir must be a string, got a number" QUOTE_IT, 0 },
	{ 0, "dockerStateDir: \"\"\n", 0,
	  "bad.yaml:1: dockerStateDir must be a path of 1..4096 bytes without NUL", 0 },
	{ 0, "hostRoot: /a\nhostRoot: /b\n", 0, "bad.yaml:2: duplicate key \"hostRoot\"", 0 },
	/* unknown keys */
	{ 0, "bannedCommandStrings: [a]\nbannedStrings: [b]\n", 0,
	  "bad.yaml:2: unknown key \"bannedStrings\" " VALID_KEYS, 0 },
	{ 1, "{\"bannedCommandStrings\": [],\n \"extra\": 1}", 0,
	  "bad.json:2: unknown key \"extra\" " VALID_KEYS, 0 },
	{ 0, "\"ma\\ttch\": 1\n", 0, "bad.yaml:1: unknown key \"ma\\x09tch\" " VALID_KEYS, 0 },
	/* wrong types */
	{ 0, "bannedCommandStrings: xmrig\n", 0, "bad.yaml:1: " NOT_LIST "a string", 0 },
	{ 0, "bannedCommandStrings: 5\n", 0, "bad.yaml:1: " NOT_LIST "a number", 0 },
	{ 0, "bannedCommandStrings:\n", 0, "bad.yaml:1: " NOT_LIST "null", 0 },
	{ 0, "bannedCommandStrings:\n  a: b\n", 0, "bad.yaml:2: " NOT_LIST "a mapping", 0 },
	{ 1, "{\"bannedCommandStrings\": {}}", 0, "bad.json:1: " NOT_LIST "a mapping", 0 },
	{ 0, "bannedCommandStrings:\n  - xmrig\n  - 3333\n", 0,
	  "bad.yaml:3: " NOT_LIST "a number" QUOTE_IT, 0 },
	{ 0, "bannedCommandStrings:\n  - yes\n", 0, "bad.yaml:2: " NOT_LIST "a boolean" QUOTE_IT, 0 },
	{ 0, "bannedCommandStrings:\n  - ~\n", 0, "bad.yaml:2: " NOT_LIST "null" QUOTE_IT, 0 },
	{ 0, "bannedCommandStrings:\n  -\n  - a\n", 0, "bad.yaml:2: " NOT_LIST "null", 0 },
	{ 0, "bannedCommandStrings:\n  - [a]\n", 0, "bad.yaml:2: " NOT_LIST "a list", 0 },
	{ 0, "bannedCommandStrings:\n  - {a: b}\n", 0, "bad.yaml:2: " NOT_LIST "a mapping", 0 },
	{ 1, "{\"bannedCommandStrings\": [\n\"a\",\n1.5]}", 0,
	  "bad.json:3: " NOT_LIST "a number" QUOTE_IT, 0 },
	{ 1, "{\"bannedCommandStrings\": [\n\"a\",\nnull]}", 0,
	  "bad.json:3: " NOT_LIST "null" QUOTE_IT, 0 },
	{ 1, "{\"bannedCommandStrings\": [true]}", 0, "bad.json:1: " NOT_LIST "a boolean" QUOTE_IT, 0 },
	{ 1, "{\"allowedCommandPatterns\": [[\"a\"]]}", 0,
	  "bad.json:1: allowedCommandPatterns must be a list of strings, got a list", 0 },
	{ 0, "matchMode: fuzzy\n", 0,
	  "bad.yaml:1: matchMode must be \"word\" or \"substring\", got \"fuzzy\"", 0 },
	{ 0, "matchMode: Word\n", 0,
	  "bad.yaml:1: matchMode must be \"word\" or \"substring\", got \"Word\"", 0 },
	{ 0, "\nmatchMode: [word]\n", 0,
	  "bad.yaml:2: matchMode must be \"word\" or \"substring\", got a list", 0 },
	{ 1, "{\"matchMode\": true}", 0,
	  "bad.json:1: matchMode must be \"word\" or \"substring\", got a boolean", 0 },
	{ 0, "? [a]\n: b\n", 0, "bad.yaml:1: keys must be strings, got a list", 0 },
	/* duplicate keys */
	{ 0, "matchMode: word\nbannedCommandStrings: []\nmatchMode: word\n", 0,
	  "bad.yaml:3: duplicate key \"matchMode\"", 0 },
	{ 1, "{\n\"bannedCommandStrings\": [],\n\"bannedCommandStrings\": []\n}", 0,
	  "bad.json:3: invalid JSON: duplicate object key", 1 },
	/* bad strings */
	{ 0, "bannedCommandStrings:\n  - a\n  - ''\n", 0,
	  "bad.yaml:3: empty string in bannedCommandStrings", 0 },
	{ 1, "{\"allowedCommandPatterns\": [\"\"]}", 0,
	  "bad.json:1: empty string in allowedCommandPatterns", 0 },
	{ 0, "bannedCommandStrings:\n  - \"a\\0b\"\n", 0,
	  "bad.yaml:2: string in bannedCommandStrings contains a NUL byte", 0 },
	{ 1, "{\"bannedCommandStrings\":\n [\"a\\u0000b\"]}", 0,
	  "bad.json:2: string in bannedCommandStrings contains a NUL byte", 0 },
	/* YAML features we refuse */
	{ 0, "bannedCommandStrings: &x [a]\nallowedCommandPatterns: *x\n", 0,
	  "bad.yaml:1: YAML anchors and aliases are not supported", 0 },
	{ 0, "bannedCommandStrings:\n  - &x xmrig\n", 0,
	  "bad.yaml:2: YAML anchors and aliases are not supported", 0 },
	{ 0, "--- &top\nbannedCommandStrings: []\n", 0,
	  "bad.yaml:1: YAML anchors and aliases are not supported", 0 },
	{ 0, "bannedCommandStrings:\n  - *x\n", 0,
	  "bad.yaml:2: YAML anchors and aliases are not supported", 0 },
	{ 0, "bannedCommandStrings:\n  - !!int 5\n", 0,
	  "bad.yaml:2: YAML tag \"!!int\" is not supported", 0 },
	{ 0, "bannedCommandStrings: !!set {a: null}\n", 0,
	  "bad.yaml:1: YAML tag \"!!set\" is not supported", 0 },
	{ 0, "bannedCommandStrings: !foo [a]\n", 0,
	  "bad.yaml:1: YAML tag \"!foo\" is not supported", 0 },
	{ 0, "bannedCommandStrings: [a]\n---\nbannedCommandStrings: [b]\n", 0,
	  "bad.yaml:2: multiple YAML documents are not supported", 0 },
	{ 0, "---\nbannedCommandStrings: [a]\n...\n---\n", 0,
	  "bad.yaml:4: multiple YAML documents are not supported", 0 },
	/* top level */
	{ 0, "- a\n", 0, "bad.yaml:1: top level must be a mapping, got a list", 0 },
	{ 0, "hello\n", 0, "bad.yaml:1: top level must be a mapping, got a string", 0 },
	{ 0, "null\n", 0, "bad.yaml:1: top level must be a mapping, got null", 0 },
	{ 1, "[]", 0, "bad.json:1: top level must be a mapping, got a list", 0 },
	{ 1, "\n42\n", 0, "bad.json:2: top level must be a mapping, got a number", 0 },
	/* empty */
	{ 0, "", 0, "bad.yaml:1: file is empty", 0 },
	{ 0, "# nothing here\n\n", 0, "bad.yaml:1: file is empty", 0 },
	{ 0, "---\n", 0, "bad.yaml:1: file is empty", 0 },
	{ 1, "", 0, "bad.json:1: file is empty", 0 },
	{ 1, " \n\t\r\n", 0, "bad.json:1: file is empty", 0 },
	/* encoding and syntax */
	{ 0, "bannedCommandStrings:\n  - \"\xff\"\n", 0,
	  "bad.yaml:2: invalid YAML: invalid leading UTF-8 octet", 1 },
	{ 0, "bannedCommandStrings:\n  - \"\xc3\"\n", 0,
	  "bad.yaml:2: invalid YAML: invalid trailing UTF-8 octet", 1 },
	{ 0, "bannedCommandStrings:\n  - a\x00 b\n", 31,
	  "bad.yaml:2: invalid YAML: control characters are not allowed", 1 },
	{ 0, "\xff\xfe" "b\0a\0:\0 \0[\0]\0", 14, "bad.yaml:1: invalid YAML: invalid leading", 1 },
	{ 1, "{\"bannedCommandStrings\": [\"\xff\"]}", 0, "bad.json:1: invalid JSON: ", 1 },
	{ 0, "bannedCommandStrings: [a\n", 0,
	  "bad.yaml:2: invalid YAML: did not find expected ',' or ']'", 1 },
	{ 0, "bannedCommandStrings:\n  - a\n b: c\n", 0, "bad.yaml:3: invalid YAML: ", 1 },
	{ 1, "{\n  \"bannedCommandStrings\": [\n    \"a\",\n  ]\n}", 0,
	  "bad.json:4: invalid JSON: unexpected token near ']'", 0 },
	{ 1, "{\"bannedCommandStrings\": []} {}", 0, "bad.json:1: invalid JSON: end of file expected", 1 },
	{ 1, "// comment\n{}", 0, "bad.json:1: invalid JSON: ", 1 },
	/* allowedExecutables */
	{ 0, "allowedExecutables: /usr/bin/x\n", 0, "bad.yaml:1: " EXES_NOT_LIST "a string", 0 },
	{ 0, "allowedExecutables:\n", 0, "bad.yaml:1: " EXES_NOT_LIST "null", 0 },
	{ 0, "allowedExecutables:\n  /a: b\n", 0, "bad.yaml:2: " EXES_NOT_LIST "a mapping", 0 },
	{ 1, "{\"allowedExecutables\": \"/usr/bin/x\"}", 0,
	  "bad.json:1: " EXES_NOT_LIST "a string", 0 },
	{ 0, "allowedExecutables:\n  - /a\n  - 5\n", 0,
	  "bad.yaml:3: " EXES_NOT_LIST "a number" QUOTE_IT, 0 },
	{ 0, "allowedExecutables:\n  - [/a]\n", 0, "bad.yaml:2: " EXES_NOT_LIST "a list", 0 },
	{ 1, "{\"allowedExecutables\": [\n\"/a\",\nnull]}", 0,
	  "bad.json:3: " EXES_NOT_LIST "null" QUOTE_IT, 0 },
	{ 0, "allowedExecutables:\n  - /a\n  - bin/xmrig\n", 0,
	  "bad.yaml:3: " EXES_ABS "\"bin/xmrig\"", 0 },
	{ 0, "allowedExecutables: [~/bin/x]\n", 0, "bad.yaml:1: " EXES_ABS "\"~/bin/x\"", 0 },
	{ 0, "allowedExecutables: [' /bin/x']\n", 0, "bad.yaml:1: " EXES_ABS "\" /bin/x\"", 0 },
	{ 1, "{\"allowedExecutables\": [\n\"x\"]}", 0, "bad.json:2: " EXES_ABS "\"x\"", 0 },
	{ 0, "allowedExecutables: ['']\n", 0, "bad.yaml:1: empty string in allowedExecutables", 0 },
	{ 1, "{\"allowedExecutables\":\n [\"/a\\u0000b\"]}", 0,
	  "bad.json:2: string in allowedExecutables contains a NUL byte", 0 },
	{ 0, "allowedExecutables: [/]\n", 0, "bad.yaml:1: " EXES_NORM "\"/\"", 0 },
	{ 0, "allowedExecutables: [/usr/bin/]\n", 0, "bad.yaml:1: " EXES_NORM "\"/usr/bin/\"", 0 },
	{ 0, "allowedExecutables: [/usr//bin/x]\n", 0,
	  "bad.yaml:1: " EXES_NORM "\"/usr//bin/x\"", 0 },
	{ 0, "allowedExecutables: [/usr/./x]\n", 0, "bad.yaml:1: " EXES_NORM "\"/usr/./x\"", 0 },
	{ 0, "allowedExecutables: [/usr/../x]\n", 0, "bad.yaml:1: " EXES_NORM "\"/usr/../x\"", 0 },
	{ 0, "allowedExecutables: [/usr/bin/.]\n", 0,
	  "bad.yaml:1: " EXES_NORM "\"/usr/bin/.\"", 0 },
	{ 0, "allowedExecutables: [/a]\nallowedExecutables: [/b]\n", 0,
	  "bad.yaml:2: duplicate key \"allowedExecutables\"", 0 },
	/* moneroThreshold */
	{ 0, "moneroThreshold: \"64\"\n", 0, "bad.yaml:1: " THR "a string", 0 },
	{ 0, "moneroThreshold: 64x\n", 0, "bad.yaml:1: " THR "a string", 0 },
	{ 0, "moneroThreshold:\n", 0, "bad.yaml:1: " THR "null", 0 },
	{ 0, "moneroThreshold: yes\n", 0, "bad.yaml:1: " THR "a boolean", 0 },
	{ 0, "moneroThreshold: [64]\n", 0, "bad.yaml:1: " THR "a list", 0 },
	{ 0, "moneroThreshold:\n  a: 1\n", 0, "bad.yaml:2: " THR "a mapping", 0 },
	{ 0, "moneroThreshold: 0\n", 0, "bad.yaml:1: " THR "0", 0 },
	{ 0, "\nmoneroThreshold: -5\n", 0, "bad.yaml:2: " THR "-5", 0 },
	{ 0, "moneroThreshold: 1000001\n", 0, "bad.yaml:1: " THR "1000001", 0 },
	{ 0, "moneroThreshold: 99999999999999999999\n", 0,
	  "bad.yaml:1: " THR "99999999999999999999", 0 },
	{ 0, "moneroThreshold: 64.0\n", 0, "bad.yaml:1: " THR "64.0", 0 },
	{ 0, "moneroThreshold: 1.5\n", 0, "bad.yaml:1: " THR "1.5", 0 },
	{ 0, "moneroThreshold: 0x40\n", 0, "bad.yaml:1: " THR "\"0x40\"" DECIMAL, 0 },
	{ 0, "moneroThreshold: 064\n", 0, "bad.yaml:1: " THR "\"064\"" DECIMAL, 0 },
	{ 0, "moneroThreshold: 1_000\n", 0, "bad.yaml:1: " THR "\"1_000\"" DECIMAL, 0 },
	{ 0, "moneroThreshold: 1:04\n", 0, "bad.yaml:1: " THR "\"1:04\"" DECIMAL, 0 },
	{ 0, "moneroThreshold: 1e2\n", 0, "bad.yaml:1: " THR "\"1e2\"" DECIMAL, 0 },
	{ 0, "moneroThreshold: .inf\n", 0, "bad.yaml:1: " THR "\".inf\"" DECIMAL, 0 },
	{ 0, "moneroThreshold: !!int 64\n", 0, "bad.yaml:1: YAML tag \"!!int\" is not supported", 0 },
	{ 0, "moneroThreshold: 5\nmoneroThreshold: 5\n", 0,
	  "bad.yaml:2: duplicate key \"moneroThreshold\"", 0 },
	{ 1, "{\"moneroThreshold\": \"64\"}", 0, "bad.json:1: " THR "a string", 0 },
	{ 1, "{\"moneroThreshold\": true}", 0, "bad.json:1: " THR "a boolean", 0 },
	{ 1, "{\"moneroThreshold\": null}", 0, "bad.json:1: " THR "null", 0 },
	{ 1, "{\n\"bannedCommandStrings\": [],\n\"moneroThreshold\": 0\n}", 0,
	  "bad.json:3: " THR "0", 0 },
	{ 1, "{\"moneroThreshold\":\n-0}", 0, "bad.json:2: " THR "0", 0 },
	{ 1, "{\"moneroThreshold\": 2000000}", 0, "bad.json:1: " THR "2000000", 0 },
	{ 1, "{\"moneroThreshold\": 1.5}", 0, "bad.json:1: " THR "1.5", 0 },
	{ 1, "{\"moneroThreshold\":\n 64.0}", 0, "bad.json:2: " THR "64.0", 0 },
	{ 1, "{\"moneroThreshold\": 1e3}", 0, "bad.json:1: " THR "1000.0", 0 },
	{ 1, "{\"moneroThreshold\": 1e30}", 0, "bad.json:1: " THR "1e+30", 0 },
	{ 1, "{\"moneroThreshold\": 5, \"moneroThreshold\": 5}", 0,
	  "bad.json:1: invalid JSON: duplicate object key", 1 },
	/* moneroWindowSeconds */
	{ 0, "moneroWindowSeconds: 10s\n", 0, "bad.yaml:1: " WIN "a string", 0 },
	{ 0, "moneroWindowSeconds: '10'\n", 0, "bad.yaml:1: " WIN "a string", 0 },
	{ 0, "moneroWindowSeconds: ~\n", 0, "bad.yaml:1: " WIN "null", 0 },
	{ 0, "moneroWindowSeconds: off\n", 0, "bad.yaml:1: " WIN "a boolean", 0 },
	{ 0, "moneroWindowSeconds:\n  - 1\n", 0, "bad.yaml:2: " WIN "a list", 0 },
	{ 0, "moneroWindowSeconds: 0\n", 0, "bad.yaml:1: " WIN "0", 0 },
	{ 0, "moneroWindowSeconds: 0.0\n", 0, "bad.yaml:1: " WIN "0.0", 0 },
	{ 0, "moneroWindowSeconds: 0.0009\n", 0, "bad.yaml:1: " WIN "0.0009", 0 },
	{ 0, "moneroWindowSeconds: 3600.001\n", 0, "bad.yaml:1: " WIN "3600.001", 0 },
	{ 0, "moneroWindowSeconds: 3601\n", 0, "bad.yaml:1: " WIN "3601", 0 },
	{ 0, "moneroWindowSeconds: -1.5\n", 0, "bad.yaml:1: " WIN "-1.5", 0 },
	{ 0, "moneroWindowSeconds: 1.0e+400\n", 0, "bad.yaml:1: " WIN "inf", 0 },
	{ 0, "moneroWindowSeconds: 99999999999999999999\n", 0,
	  "bad.yaml:1: " WIN "99999999999999999999", 0 },
	{ 0, "moneroWindowSeconds: 1e-3\n", 0, "bad.yaml:1: " WIN "\"1e-3\"" DECIMAL, 0 },
	{ 0, "moneroWindowSeconds: 1.5e3\n", 0, "bad.yaml:1: " WIN "\"1.5e3\"" DECIMAL, 0 },
	{ 0, "moneroWindowSeconds: 010\n", 0, "bad.yaml:1: " WIN "\"010\"" DECIMAL, 0 },
	{ 0, "moneroWindowSeconds: 0o10\n", 0, "bad.yaml:1: " WIN "\"0o10\"" DECIMAL, 0 },
	{ 0, "moneroWindowSeconds: 1_0.5\n", 0, "bad.yaml:1: " WIN "\"1_0.5\"" DECIMAL, 0 },
	{ 0, "moneroWindowSeconds: .NaN\n", 0, "bad.yaml:1: " WIN "\".NaN\"" DECIMAL, 0 },
	{ 0, "moneroWindowSeconds: 1\nmoneroWindowSeconds: 2\n", 0,
	  "bad.yaml:2: duplicate key \"moneroWindowSeconds\"", 0 },
	{ 1, "{\"moneroWindowSeconds\": \"10\"}", 0, "bad.json:1: " WIN "a string", 0 },
	{ 1, "{\"moneroWindowSeconds\": false}", 0, "bad.json:1: " WIN "a boolean", 0 },
	{ 1, "{\"moneroWindowSeconds\": {}}", 0, "bad.json:1: " WIN "a mapping", 0 },
	{ 1, "{\n\"moneroWindowSeconds\": 0}", 0, "bad.json:2: " WIN "0", 0 },
	{ 1, "{\"moneroWindowSeconds\":\n\n -0.0}", 0, "bad.json:3: " WIN "-0.0", 0 },
	{ 1, "{\"moneroWindowSeconds\": 1e-4}", 0, "bad.json:1: " WIN "0.0001", 0 },
	{ 1, "{\"moneroWindowSeconds\": 3600.0000001}", 0, "bad.json:1: " WIN "3600.0000001", 0 },
	{ 1, "{\"moneroWindowSeconds\": 1E4}", 0, "bad.json:1: " WIN "10000.0", 0 },
	{ 1, "{\"moneroWindowSeconds\": 1e400}", 0, "bad.json:1: invalid JSON: ", 1 },
	{ 0, "secret: yes\n", 0, "bad.yaml:1: secret must be true or false, got \"yes\" (YAML "
	  "readers disagree on it)", 0 },
	{ 0, "secret: 'true'\n", 0, "bad.yaml:1: secret must be true or false, got a string", 0 },
	{ 0, "secret: [true]\n", 0, "bad.yaml:1: secret must be true or false, got a list", 0 },
	{ 1, "{\"secret\": 1}", 0, "bad.json:1: secret must be true or false, got a number", 0 },
	{ 0, "secret: true\nsecret: false\n", 0, "bad.yaml:2: duplicate key \"secret\"", 0 },
	{ 0, "bannedCommandPatterns: x\n", 0,
	  "bad.yaml:1: bannedCommandPatterns must be a list of strings, got a string", 0 },
	{ 0, "bannedCommandPatterns: ['']\n", 0, "bad.yaml:1: empty string in bannedCommandPatterns", 0 },
};

static void test_bad_inputs(void **state)
{
	char err[CONFIG_ERR_MAX];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		const struct bad_case *t = &bad_cases[i];
		struct config c = { 0 };
		size_t len = t->len ? t->len : strlen(t->text);
		const char *name = t->json ? "bad.json" : "bad.yaml";
		int rc;

		/* a good file first, so "unchanged on error" is tested too */
		assert_int_equal(parse(&c, "good.yaml", "bannedCommandStrings: [x]\n", 0, err), 0);
		strcpy(err, "(not set)");
		rc = config_parse_buffer(&c, name, t->text, len, t->json, err, sizeof(err));
		if (rc != -EINVAL)
			fail_msg("case %zu: got %d, want -EINVAL: %s", i, rc, t->text);
		if (t->prefix ? strncmp(err, t->want, strlen(t->want)) : strcmp(err, t->want))
			fail_msg("case %zu:\n  got  %s\n  want %s%s", i, err, t->want,
				 t->prefix ? "..." : "");
		assert_int_equal(c.nbanned, 1);
		assert_int_equal(c.nbanned_patterns, 0);
		assert_int_equal(c.nallowed, 0);
		assert_int_equal(c.nallowed_exes, 0);
		assert_int_equal(c.monero_threshold, 0);
		assert_true(c.monero_window_s == 0);
		assert_null(c.monero_threshold_at.file);
		assert_null(c.monero_window_at.file);
		assert_int_equal(c.nfiles, 1);
		assert_string_equal(c.banned[0].bytes, "x");
		config_free(&c);
	}
}

/* Error text is cut to errlen, always NUL-terminated. */
static void test_error_truncation(void **state)
{
	struct config c = { 0 };
	char err[16];

	(void)state;
	memset(err, 'Z', sizeof(err));
	assert_int_equal(config_parse_buffer(&c, "long-name.yaml", "x: 1\n", 5, 0, err, 10),
			 -EINVAL);
	assert_string_equal(err, "long-name");
	assert_int_equal(err[10], 'Z');
	assert_int_equal(config_parse_buffer(&c, "n.yaml", "x: 1\n", 5, 0, NULL, 0), -EINVAL);
	assert_true(is_empty(&c));
}

/* ---- the key table drives checks, messages, merging and defaults ---- */

static int is_number_key(const struct config_key *k)
{
	return k->type == CONFIG_T_INT || k->type == CONFIG_T_REAL;
}

/* Parses "key: value" (YAML) or {"key": value} (JSON) into a fresh c. */
static int parse_one(struct config *c, const struct config_key *k, const char *value, int json,
		     char *err)
{
	char text[256];

	snprintf(text, sizeof(text), json ? "{\"%s\": %s}" : "%s: %s\n", k->name, value);
	memset(c, 0, sizeof(*c));
	return parse(c, json ? "t.json" : "t.yaml", text, json, err);
}

/* Refused with "FILE:1: KEY must be an integer MIN..MAX, got VALUE", the
 * message restated here from the row, and c left empty. */
static void expect_out_of_range(const struct config_key *k, const char *value, int json)
{
	char err[CONFIG_ERR_MAX], want[CONFIG_ERR_MAX];
	struct config c;

	snprintf(want, sizeof(want), "%s:1: %s must be %s %.15g..%.15g, got %s",
		 json ? "t.json" : "t.yaml", k->name,
		 k->type == CONFIG_T_INT ? "an integer" : "a number", k->min, k->max, value);
	if (parse_one(&c, k, value, json, err) != -EINVAL)
		fail_msg("%s: %s was accepted", k->name, value);
	assert_string_equal(err, want);
	assert_true(is_empty(&c));
}

static void expect_number(const struct config_key *k, const char *value, int json, double want)
{
	char err[CONFIG_ERR_MAX];
	struct config c;
	const struct config_origin *at;

	if (parse_one(&c, k, value, json, err))
		fail_msg("%s: %s refused: %s", k->name, value, err);
	assert_true(config_number(&c, k->name) == want);
	at = config_key_set_at(&c, k);
	assert_non_null(at);
	assert_ptr_equal(at->file, c.files[0]);
	assert_int_equal(at->line, 1);
	config_free(&c);
}

/* Every number key: values just outside its range are refused with the
 * message its row gives, its bounds are accepted, and without it the row's
 * default applies while the field itself stays unset. */
static void test_table_number_keys(void **state)
{
	char err[CONFIG_ERR_MAX], lo[64], hi[64], below[64], above[64], half[64];
	struct config c;
	size_t i, n = 0;

	(void)state;
	for (i = 0; i < config_nkeys; i++) {
		const struct config_key *k = &config_keys[i];
		int integer = k->type == CONFIG_T_INT;

		if (!is_number_key(k))
			continue;
		n++;
		assert_true(k->merge == CONFIG_M_ONCE);
		assert_true(k->min > 0 && k->min < k->max);
		assert_true(k->def == 0 || (k->def >= k->min && k->def <= k->max));
		snprintf(lo, sizeof(lo), "%.15g", k->min);
		snprintf(hi, sizeof(hi), "%.15g", k->max);
		snprintf(below, sizeof(below), "%.15g", integer ? k->min - 1 : k->min * 0.9);
		snprintf(above, sizeof(above), "%.15g", integer ? k->max + 1 : k->max + 0.001);
		snprintf(half, sizeof(half), "%.15g", k->min + 0.5);
		for (int json = 0; json <= 1; json++) {
			expect_out_of_range(k, below, json);
			expect_out_of_range(k, above, json);
			if (integer)
				expect_out_of_range(k, half, json);
			expect_number(k, lo, json, k->min);
			expect_number(k, hi, json, k->max);
		}
		memset(&c, 0, sizeof(c));
		assert_int_equal(parse(&c, "e.yaml", "bannedCommandStrings: []\n", 0, err), 0);
		assert_null(config_key_set_at(&c, k));
		assert_true(config_number(&c, k->name) == k->def);
		config_free(&c);
	}
	assert_int_equal(n, 19);
}

/* Every single-value key may be set by one file only; the second is
 * refused at its own place, naming the first. */
static void test_table_set_once(void **state)
{
	char err[CONFIG_ERR_MAX], value[64], text[128], want[CONFIG_ERR_MAX];
	struct config c = { 0 };
	size_t i;

	(void)state;
	for (i = 0; i < config_nkeys; i++) {
		const struct config_key *k = &config_keys[i];

		if (k->merge != CONFIG_M_ONCE)
			continue;
		if (k->type == CONFIG_T_PATH)
			snprintf(value, sizeof(value), "/x");
		else if (k->type == CONFIG_T_URL)
			snprintf(value, sizeof(value), "http://h");
		else if (k->type == CONFIG_T_GROUP)
			snprintf(value, sizeof(value), "g");
		else if (k->type == CONFIG_T_ARGV)
			snprintf(value, sizeof(value), "[/x]");
		else if (k->type == CONFIG_T_BOOL)
			snprintf(value, sizeof(value), "true");
		else if (k->type == CONFIG_T_CHOICE)
			snprintf(value, sizeof(value), "%s", k->choices[0]);
		else
			snprintf(value, sizeof(value), "%.15g", k->min);
		snprintf(text, sizeof(text), "%s: %s\n", k->name, value);
		assert_int_equal(parse(&c, "a.yaml", text, 0, err), 0);
		snprintf(text, sizeof(text), "\n%s: %s\n", k->name, value);
		assert_int_equal(parse(&c, "b.yaml", text, 0, err), -EINVAL);
		snprintf(want, sizeof(want), "b.yaml:2: %s already set at a.yaml:1", k->name);
		assert_string_equal(err, want);
		assert_int_equal(config_key_set_at(&c, k)->line, 1);
		config_free(&c);
	}
}

/* Defaults of keys nobody set: the numbers the RandomX detector was
 * calibrated with, and absolute paths; a key of the wrong kind has none. */
static void test_table_defaults(void **state)
{
	char err[CONFIG_ERR_MAX];
	struct config c = { 0 };
	size_t i;

	(void)state;
	assert_int_equal(parse(&c, "e.json", "{}", 1, err), 0);
	assert_true(config_number(&c, "moneroThreshold") == NM_RANDOMX_DEFAULT_THRESHOLD);
	assert_true(config_number(&c, "moneroWindowSeconds") ==
		    NM_RANDOMX_DEFAULT_WINDOW_MS / 1000.0);
	assert_true(config_number(&c, "containerKillAfter") == 0);   /* off */
	assert_true(isnan(config_number(&c, "hostRoot")));
	assert_true(isnan(config_number(&c, "noSuchKey")));
	assert_null(config_path(&c, "moneroThreshold"));
	assert_null(config_path(&c, "noSuchKey"));
	for (i = 0; i < config_nkeys; i++) {
		const struct config_key *k = &config_keys[i];

		if (k->type != CONFIG_T_PATH)
			continue;
		assert_ptr_equal(config_path(&c, k->name), k->def_path);
		/* the runtimes' paths have defaults; response paths none */
		assert_true(!k->def_path || k->def_path[0] == '/');
	}
	assert_int_equal(parse(&c, "p.yaml", "hostRoot: /host\n", 0, err), 0);
	assert_string_equal(config_path(&c, "hostRoot"), "/host");
	assert_string_equal(config_path(&c, "crioStateDir"),
			    "/run/containers/storage/overlay-containers");
	config_free(&c);
}

/* ---- files and directories ---- */

static void test_load_files(void **state)
{
	struct config c;
	char err[CONFIG_ERR_MAX] = "";
	char *paths[3];

	(void)state;
	write_file("one.json", pretty_json);
	write_file("two.yaml", "matchMode: substring\nbannedCommandStrings:\n  - xmrig\n"
		   "  - minerd\nallowedCommandPatterns: ['^b$']\n");
	write_file("three.yml", "allowedCommandPatterns:\n  - '^c$'\n");
	paths[0] = strdup(tpath("one.json"));
	paths[1] = strdup(tpath("two.yaml"));
	paths[2] = strdup(tpath("three.yml"));
	assert_int_equal(config_load(&c, paths, 3, err, sizeof(err)), 0);
	assert_int_equal(c.nfiles, 3);
	assert_string_equal(c.files[0], paths[0]);
	assert_string_equal(c.files[2], paths[2]);
	/* banned strings in file order; duplicates are kept with their origins */
	assert_int_equal(c.nbanned, 5);
	check_banned(&c, 0, "xmrig", CONFIG_WORD, paths[0], 3);
	check_banned(&c, 2, "c3pool.com", CONFIG_WORD, paths[0], 5);
	check_banned(&c, 3, "xmrig", CONFIG_SUBSTRING, paths[1], 3);
	check_banned(&c, 4, "minerd", CONFIG_SUBSTRING, paths[1], 4);
	assert_int_equal(c.nallowed, 3);
	check_pattern(&c, 0, "^(/usr/bin/)?ls.*$", paths[0], 8);
	check_pattern(&c, 1, "^b$", paths[1], 5);
	check_pattern(&c, 2, "^c$", paths[2], 2);
	check_origins_owned(&c);
	config_free(&c);
	free(paths[0]);
	free(paths[1]);
	free(paths[2]);
}

static void test_load_directory(void **state)
{
	struct config c;
	char err[CONFIG_ERR_MAX] = "";
	char *paths[1];

	(void)state;
	assert_int_equal(mkdir(tpath("d"), 0755), 0);
	assert_int_equal(mkdir(tpath("d/sub.json"), 0755), 0);   /* a directory: skipped */
	write_file("d/b.yaml", "bannedCommandStrings: [bee]\n");
	write_file("d/a.json", "{\"bannedCommandStrings\": [\"ay\"]}");
	write_file("d/C.yml", "bannedCommandStrings: [cee]\n");  /* 'C' < 'a' in strcmp */
	write_file("d/a2.json", "{\"bannedCommandStrings\": [\"ay2\"]}");
	write_file("d/.hidden.json", "not json at all");
	write_file("d/notes.txt", "not yaml: [");
	write_file("d/x.json.bak", "{");
	assert_int_equal(symlink("b.yaml", tpath("d/link.yaml")), 0);
	assert_int_equal(symlink("missing.yaml", tpath("d/broken.yaml")), 0);
	paths[0] = (char *)tpath("d/");   /* trailing slash: no "//" in names */
	assert_int_equal(config_load(&c, paths, 1, err, sizeof(err)), 0);
	assert_int_equal(c.nfiles, 5);
	assert_string_equal(c.files[0], tpath("d/C.yml"));
	assert_string_equal(c.files[1], tpath("d/a.json"));
	assert_string_equal(c.files[2], tpath("d/a2.json"));
	assert_string_equal(c.files[3], tpath("d/b.yaml"));
	assert_string_equal(c.files[4], tpath("d/link.yaml"));
	assert_int_equal(c.nbanned, 5);
	check_banned(&c, 0, "cee", CONFIG_WORD, tpath("d/C.yml"), 1);
	check_banned(&c, 1, "ay", CONFIG_WORD, tpath("d/a.json"), 1);
	check_banned(&c, 4, "bee", CONFIG_WORD, tpath("d/link.yaml"), 1);
	check_origins_owned(&c);
	config_free(&c);
}

/* A Kubernetes ConfigMap volume: real files in a timestamped hidden dir,
 * "..data" pointing at it, and visible names linking through "..data". */
static void test_configmap_layout(void **state)
{
	struct config c;
	char err[CONFIG_ERR_MAX] = "";
	char *paths[1];

	(void)state;
	assert_int_equal(mkdir(tpath("cm"), 0755), 0);
	assert_int_equal(mkdir(tpath("cm/..2026_01_01_00_00_00.123"), 0755), 0);
	write_file("cm/..2026_01_01_00_00_00.123/a.json", "{\"bannedCommandStrings\": [\"one\"]}");
	write_file("cm/..2026_01_01_00_00_00.123/b.yaml", "bannedCommandStrings: [two]\n");
	assert_int_equal(symlink("..2026_01_01_00_00_00.123", tpath("cm/..data")), 0);
	assert_int_equal(symlink("..data/a.json", tpath("cm/a.json")), 0);
	assert_int_equal(symlink("..data/b.yaml", tpath("cm/b.yaml")), 0);
	paths[0] = (char *)tpath("cm");
	assert_int_equal(config_load(&c, paths, 1, err, sizeof(err)), 0);
	assert_int_equal(c.nfiles, 2);
	assert_int_equal(c.nbanned, 2);
	check_banned(&c, 0, "one", CONFIG_WORD, tpath("cm/a.json"), 1);
	check_banned(&c, 1, "two", CONFIG_WORD, tpath("cm/b.yaml"), 1);
	config_free(&c);
}

static void expect_load_error(char **paths, size_t n, int rc, const char *want)
{
	struct config c;
	char err[CONFIG_ERR_MAX] = "";

	memset(&c, 0x5a, sizeof(c));   /* config_load must not read old contents */
	assert_int_equal(config_load(&c, paths, n, err, sizeof(err)), rc);
	assert_string_equal(err, want);
	assert_true(is_empty(&c));
	config_free(&c);               /* after a failed load: harmless */
	assert_true(is_empty(&c));
}

static void test_load_errors(void **state)
{
	char want[1024], *paths[1];
	int fd;

	(void)state;
	paths[0] = strdup(tpath("missing.json"));
	snprintf(want, sizeof(want), "%s: No such file or directory", paths[0]);
	expect_load_error(paths, 1, -ENOENT, want);
	free(paths[0]);

	write_file("conf.txt", "bannedCommandStrings: [a]\n");
	paths[0] = strdup(tpath("conf.txt"));
	snprintf(want, sizeof(want), "%s: unsupported file type (want .json, .yaml or .yml)",
		 paths[0]);
	expect_load_error(paths, 1, -EINVAL, want);
	free(paths[0]);

	assert_int_equal(mkdir(tpath("empty"), 0755), 0);
	write_file("empty/readme.md", "nothing");
	write_file("empty/.x.yaml", "bannedCommandStrings: [a]\n");
	paths[0] = strdup(tpath("empty"));
	snprintf(want, sizeof(want), "%s: no .json, .yaml or .yml files", paths[0]);
	expect_load_error(paths, 1, -ENOENT, want);
	free(paths[0]);

	fd = open(tpath("big.yaml"), O_CREAT | O_WRONLY, 0644);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, (off_t)(64 << 20) + 1), 0);
	close(fd);
	paths[0] = strdup(tpath("big.yaml"));
	snprintf(want, sizeof(want), "%s: file is larger than 64 MiB", paths[0]);
	expect_load_error(paths, 1, -EFBIG, want);
	free(paths[0]);
}

/* A partial load (good files, then a bad one) leaves nothing behind. */
static void test_partial_load(void **state)
{
	char want[1024], *paths[2];

	(void)state;
	assert_int_equal(mkdir(tpath("p"), 0755), 0);
	write_file("p/1.yaml", "bannedCommandStrings: [a, b]\n");
	write_file("p/2.json", "{\"allowedCommandPatterns\": [\"x\"]}");
	write_file("p/3.yaml", "bannedCommandStrings:\n  - ok\n  - 12\n");
	paths[0] = strdup(tpath("p/1.yaml"));
	paths[1] = strdup(tpath("p"));
	snprintf(want, sizeof(want), "%s: " NOT_LIST "a number" QUOTE_IT, tpath("p/3.yaml:3"));
	expect_load_error(paths, 2, -EINVAL, want);
	free(paths[0]);
	free(paths[1]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cryptnono_helm_json),
		cmocka_unit_test(test_cryptnono_json_lines),
		cmocka_unit_test(test_yaml_equivalent),
		cmocka_unit_test(test_json_escapes),
		cmocka_unit_test(test_json_fallback),
		cmocka_unit_test(test_match_mode),
		cmocka_unit_test(test_patterns_and_secret),
		cmocka_unit_test(test_plain_scalars),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_monero_keys),
		cmocka_unit_test(test_container_keys),
		cmocka_unit_test(test_monero_numbers),
		cmocka_unit_test_setup_teardown(test_monero_union, mktmp, rmtmp),
		cmocka_unit_test_setup_teardown(test_monero_set_twice, mktmp, rmtmp),
		cmocka_unit_test(test_bad_inputs),
		cmocka_unit_test(test_error_truncation),
		cmocka_unit_test(test_table_number_keys),
		cmocka_unit_test(test_table_set_once),
		cmocka_unit_test(test_table_defaults),
		cmocka_unit_test_setup_teardown(test_load_files, mktmp, rmtmp),
		cmocka_unit_test_setup_teardown(test_load_directory, mktmp, rmtmp),
		cmocka_unit_test_setup_teardown(test_configmap_layout, mktmp, rmtmp),
		cmocka_unit_test_setup_teardown(test_load_errors, mktmp, rmtmp),
		cmocka_unit_test_setup_teardown(test_partial_load, mktmp, rmtmp),
	};

	return cmocka_run_group_tests_name("config", tests, NULL, NULL);
}
