/* SPDX-License-Identifier: BSD-2-Clause */
/* test_net_scan.c - scan detection and pool ports: their config keys and
 * errors, the settings built from a config (defaults, replacement), and
 * the evidence of a scan or pool-port event. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "net_list.h"
#include "net_respond.h"
#include "net_scan.h"
#include "net_types.h"
#include "tunables.h"

static int parse_cfg(struct config *c, const char *text, int json, char *err)
{
	memset(c, 0, sizeof(*c));
	return config_parse_buffer(c, json ? "t.json" : "t.yaml", text, strlen(text), json, err,
				   CONFIG_ERR_MAX);
}

/* text is refused with exactly want. */
static void expect_refused(const char *text, int json, const char *want)
{
	char err[CONFIG_ERR_MAX];
	struct config c;

	if (parse_cfg(&c, text, json, err) != -EINVAL)
		fail_msg("accepted: %s", text);
	if (strcmp(err, want))
		fail_msg("%s\n  got  %s\n  want %s", text, err, want);
	config_free(&c);
}

static void test_bad_values(void **state)
{
	(void)state;
	expect_refused("poolPorts: [3333, 0]\n", 0,
		       "t.yaml:1: poolPorts items must be port numbers 1..65535, got 0");
	expect_refused("poolPorts:\n  - 3333\n  - 65536\n", 0,
		       "t.yaml:3: poolPorts items must be port numbers 1..65535, got 65536");
	expect_refused("{\"poolPorts\": [\n -1]}", 1,
		       "t.json:2: poolPorts items must be port numbers 1..65535, got -1");
	expect_refused("poolPorts: [3333.5]\n", 0,
		       "t.yaml:1: poolPorts items must be port numbers 1..65535, got 3333.5");
	expect_refused("poolPorts: [\"3333\"]\n", 0,
		       "t.yaml:1: poolPorts items must be port numbers 1..65535, got a string");
	expect_refused("poolPorts: 3333\n", 0,
		       "t.yaml:1: poolPorts must be a list of port numbers, got a number");
	expect_refused("uniqueDestinationsAction: kil\n", 0,
		       "t.yaml:1: uniqueDestinationsAction must be \"report\" or \"kill\", got \"kil\"");
	expect_refused("{\"uniqueDestinationsAction\": true}", 1,
		       "t.json:1: uniqueDestinationsAction must be \"report\" or \"kill\", got a "
		       "boolean");
	expect_refused("uniqueDestinationsThreshold: 128\n", 0,
		       "t.yaml:1: uniqueDestinationsThreshold must be an integer 1..127, got 128");
	expect_refused("uniqueDestinationsThreshold: 0\n", 0,
		       "t.yaml:1: uniqueDestinationsThreshold must be an integer 1..127, got 0");
	expect_refused("lookbackSeconds: 0.5\n", 0,
		       "t.yaml:1: lookbackSeconds must be a number 1..3600, got 0.5");
	expect_refused("uncountedNetworks: [\"10.0.0.0/8\", \"10.96.0.1/12\"]\n", 0,
		       "t.yaml:1: uncountedNetworks items must be IPv4 or IPv6 addresses or CIDRs: "
		       "\"10.96.0.1/12\" has bits set past its /12 prefix (a network starts at "
		       "its first address)");
	expect_refused("banPoolPorts: yes\n", 0,
		       "t.yaml:1: banPoolPorts must be true or false, got \"yes\" (YAML readers "
		       "disagree on it)");
}

static void build(struct net_scan *s, const char *text)
{
	char err[CONFIG_ERR_MAX];
	struct config c;

	if (parse_cfg(&c, text, 0, err))
		fail_msg("%s: %s", text, err);
	if (net_scan_build(s, &c, err, sizeof(err)))
		fail_msg("%s: %s", text, err);
	config_free(&c);
}

static int uncounted_has(const struct net_scan *s, const char *text)
{
	char out[NET_TEXT_MAX];

	for (size_t i = 0; i < s->nuncounted; i++)
		if (!strcmp(net_prefix_text(&s->uncounted[i], out, sizeof(out)), text))
			return 1;
	return 0;
}

static void test_defaults(void **state)
{
	struct net_scan s;

	(void)state;
	build(&s, "bannedCommandStrings: []\n");
	assert_int_equal(s.threshold, 0);           /* off */
	assert_int_equal(s.window_ms, (unsigned int)(NM_SCAN_LOOKBACK_S * 1000));
	assert_false(s.kill);
	assert_false(s.ban_pool_ports);
	assert_true(s.uncounted_default);
	assert_int_equal(s.nuncounted, 11);
	assert_true(uncounted_has(&s, "10.0.0.0/8"));
	assert_true(uncounted_has(&s, "127.0.0.0/8"));
	assert_true(uncounted_has(&s, "fc00::/7"));
	assert_true(uncounted_has(&s, "::1"));
	assert_int_equal(s.npool_ports, 18);
	assert_true(net_scan_pool_port(&s, 3333));
	assert_true(net_scan_pool_port(&s, 14444));
	assert_true(net_scan_pool_port(&s, 45700));
	assert_false(net_scan_pool_port(&s, 8888));  /* Jupyter's */
	assert_false(net_scan_pool_port(&s, 443));
	assert_false(net_scan_pool_port(&s, 0));
	assert_false(net_scan_pool_port(&s, 70000));
	net_scan_free(&s);
}

static void test_set(void **state)
{
	struct net_scan a, b;

	(void)state;
	build(&a, "uniqueDestinationsThreshold: 24\nlookbackSeconds: 2.5\n"
		  "uniqueDestinationsAction: kill\nbanPoolPorts: true\n"
		  "uncountedNetworks: [\"10.96.0.0/12\", \"2001:db8::/32\"]\n"
		  "poolPorts: [1, 65535, 1]\n");
	assert_int_equal(a.threshold, 24);
	assert_int_equal(a.window_ms, 2500);
	assert_true(a.kill);
	assert_true(a.ban_pool_ports);
	/* the lists replace the defaults */
	assert_false(a.uncounted_default);
	assert_int_equal(a.nuncounted, 2);
	assert_false(uncounted_has(&a, "127.0.0.0/8"));
	assert_int_equal(a.npool_ports, 2);         /* 1 twice is one port */
	assert_true(net_scan_pool_port(&a, 1) && net_scan_pool_port(&a, 65535));
	assert_false(net_scan_pool_port(&a, 3333));
	/* empty lists: nothing uncounted, no pool ports */
	build(&b, "uncountedNetworks: []\npoolPorts: []\nuniqueDestinationsAction: report\n");
	assert_int_equal(b.nuncounted, 0);
	assert_int_equal(b.npool_ports, 0);
	assert_false(b.kill);
	assert_false(net_scan_same_networks(&a, &b));
	net_scan_free(&b);
	build(&b, "uncountedNetworks: [\"10.96.0.0/12\", \"2001:db8::/32\"]\n");
	assert_true(net_scan_same_networks(&a, &b));
	net_scan_free(&a);
	net_scan_free(&b);
}

/* Two files: a second setting a single-value key is refused; list keys
 * add up. */
static void test_two_files(void **state)
{
	char err[CONFIG_ERR_MAX];
	struct config c;
	struct net_scan s;

	(void)state;
	assert_int_equal(parse_cfg(&c, "uniqueDestinationsAction: kill\npoolPorts: [3333]\n", 0,
				   err), 0);
	assert_int_equal(config_parse_buffer(&c, "u.yaml", "poolPorts: [4444]\n", 18, 0, err,
					     sizeof(err)), 0);
	assert_int_equal(config_parse_buffer(&c, "v.yaml", "uniqueDestinationsAction: report\n",
					     33, 0, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "v.yaml:1: uniqueDestinationsAction already set at t.yaml:1");
	assert_string_equal(config_choice(&c, "uniqueDestinationsAction"), "kill");
	assert_null(config_choice(&c, "poolPorts"));
	assert_int_equal(net_scan_build(&s, &c, err, sizeof(err)), 0);
	assert_int_equal(s.npool_ports, 2);
	net_scan_free(&s);
	config_free(&c);
}

static const char *str(json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

static void test_scan_evidence(void **state)
{
	struct nm_net_event ev = { .family = 4, .op = NM_NET_CONNECT, .protocol = 6,
				   .flags = NM_NET_SCAN | NM_NET_POOL_PORT, .port = 3333,
				   .count = 25, .threshold = 24, .window_ms = 60000,
				   .span_ms = 1500 };
	struct net_list l = { 0 };
	json_t *o, *scan, *dsts;

	(void)state;
	inet_pton(AF_INET, "198.51.100.25", ev.addr);
	for (unsigned int i = 0; i < NM_SCAN_RECENT; i++) {
		ev.recent[i].family = 4;
		ev.recent[i].port = (unsigned short)(3333 - i);
		inet_pton(AF_INET, "198.51.100.25", ev.recent[i].addr);
	}
	ev.recent[1].family = 6;
	inet_pton(AF_INET6, "2001:db8::1", ev.recent[1].addr);
	o = net_evidence(&ev, &l);
	assert_string_equal(str(o, "reason"), "scan");
	assert_true(json_is_true(json_object_get(o, "pool_port")));
	assert_true(json_is_false(json_object_get(o, "call_refused")));
	scan = json_object_get(o, "scan");
	assert_int_equal(json_integer_value(json_object_get(scan, "unique_destinations")), 25);
	assert_int_equal(json_integer_value(json_object_get(scan, "threshold")), 24);
	assert_true(json_real_value(json_object_get(scan, "lookback_seconds")) == 60.0);
	assert_true(json_real_value(json_object_get(scan, "within_seconds")) == 1.5);
	dsts = json_object_get(scan, "last_destinations");
	assert_int_equal(json_array_size(dsts), 4);
	assert_string_equal(json_string_value(json_array_get(dsts, 0)), "198.51.100.25:3333");
	assert_string_equal(json_string_value(json_array_get(dsts, 1)), "[2001:db8::1]:3332");
	json_decref(o);

	/* a process that went over a threshold of 1: two destinations known */
	ev.count = 2;
	o = net_evidence(&ev, &l);
	assert_int_equal(json_array_size(json_object_get(json_object_get(o, "scan"),
							 "last_destinations")), 2);
	json_decref(o);

	/* refused for its pool port alone (banPoolPorts) */
	ev.flags = NM_NET_POOL_PORT | NM_NET_DENIED;
	o = net_evidence(&ev, &l);
	assert_string_equal(str(o, "reason"), "pool_port");
	assert_null(json_object_get(o, "scan"));
	assert_true(json_is_true(json_object_get(o, "call_refused")));
	json_decref(o);

	/* banned, on a port that is not a pool port */
	ev.flags = NM_NET_BANNED | NM_NET_DENIED;
	o = net_evidence(&ev, &l);
	assert_string_equal(str(o, "reason"), "banned_address");
	assert_null(json_object_get(o, "pool_port"));
	json_decref(o);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bad_values),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_set),
		cmocka_unit_test(test_two_files),
		cmocka_unit_test(test_scan_evidence),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
