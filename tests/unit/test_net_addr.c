/* SPDX-License-Identifier: BSD-2-Clause */
/* test_net_addr.c - banned addresses: one address or CIDR, address-file lines,
 * the config keys, and the list built from a config and its globbed files,
 * with hostile input. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "net_addr.h"
#include "net_list.h"
#include "net_respond.h"
#include "net_types.h"

static int parse_str(const char *s, struct net_prefix *p, char *why)
{
	return net_addr_parse(s, strlen(s), p, why, NET_REASON_MAX);
}

/* s parses to text want (family fam, prefix len). */
static void expect_ok(const char *s, int fam, int len, const char *want)
{
	char why[NET_REASON_MAX], text[NET_TEXT_MAX];
	struct net_prefix p;

	if (parse_str(s, &p, why))
		fail_msg("\"%s\" refused: %s", s, why);
	assert_int_equal(p.family, fam);
	assert_int_equal(p.len, len);
	assert_string_equal(net_prefix_text(&p, text, sizeof(text)), want);
}

/* s is refused, and the reason contains part. */
static void expect_bad(const char *s, size_t n, const char *part)
{
	char why[NET_REASON_MAX];
	struct net_prefix p;

	if (net_addr_parse(s, n, &p, why, sizeof(why)) != -EINVAL)
		fail_msg("\"%.*s\" accepted", (int)n, s);
	if (!strstr(why, part))
		fail_msg("\"%.*s\": reason \"%s\" lacks \"%s\"", (int)n, s, why, part);
	for (const char *c = why; *c; c++)       /* printable, whatever came in */
		assert_true(*c >= 0x20 && *c < 0x7f);
}

static void test_good(void **state)
{
	static const struct { const char *in; int fam, len; const char *text; } t[] = {
		{ "198.51.100.7", 4, 32, "198.51.100.7" },
		{ "198.51.100.0/24", 4, 24, "198.51.100.0/24" },
		{ "0.0.0.0/0", 4, 0, "0.0.0.0/0" },
		{ "255.255.255.255/32", 4, 32, "255.255.255.255" },
		{ "2001:db8::1", 6, 128, "2001:db8::1" },
		{ "2001:DB8::/32", 6, 32, "2001:db8::/32" },
		{ "::/0", 6, 0, "::/0" },
		{ "::1", 6, 128, "::1" },
		/* v4-mapped: kept as the IPv4 network the kernel checks it against */
		{ "::ffff:198.51.100.7", 4, 32, "198.51.100.7" },
		{ "::ffff:198.51.100.0/120", 4, 24, "198.51.100.0/24" },
		{ "::ffff:0:0/96", 4, 0, "0.0.0.0/0" },
		/* shorter than /96: an IPv6 network that merely contains mapped ones */
		{ "::/80", 6, 80, "::/80" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		expect_ok(t[i].in, t[i].fam, t[i].len, t[i].text);
}

static void test_bad(void **state)
{
	char big[4096];

	(void)state;
	expect_bad("", 0, "empty");
	expect_bad("x", 1, "not an IPv4");
	expect_bad("10.1", 4, "not an IPv4");            /* inet_aton would take it */
	expect_bad("010.0.0.1", 9, "no leading zeros");
	expect_bad("1.2.3.256", 9, "not an IPv4");
	expect_bad("1.2.3.4.5", 9, "not an IPv4");
	expect_bad(" 1.2.3.4", 8, "not an IPv4");        /* spaces only in files */
	expect_bad("1.2.3.4 ", 8, "not an IPv4");
	expect_bad("0x7f.0.0.1", 10, "not an IPv4");
	expect_bad("2001:db8:::1", 12, "not an IPv6");
	expect_bad("2001:db8::g", 11, "not an IPv6");
	expect_bad("fe80::1%eth0", 12, "not an IPv6");   /* no zones */
	expect_bad("1.2.3.0/", 8, "prefix length");
	expect_bad("1.2.3.0/33", 10, "0..32");
	expect_bad("1.2.3.0/024", 11, "prefix length");
	expect_bad("1.2.3.0/+24", 11, "prefix length");
	expect_bad("1.2.3.0/-1", 10, "prefix length");
	expect_bad("1.2.3.0/24/8", 12, "prefix length");
	expect_bad("1.2.3.0/99999999999", 19, "prefix length");
	expect_bad("::/129", 6, "0..128");
	expect_bad("/24", 3, "not an IPv4");
	expect_bad("198.51.100.1/24", 15, "bits set past its /24");
	expect_bad("2001:db8::1/32", 14, "bits set past its /32");
	expect_bad("1.2.3.4\0/8", 10, "NUL");
	expect_bad("1.2.3.4\n", 8, "not an IPv4");
	expect_bad("\xff\xfe\x01\x1b[31m", 8, "not an IPv4");
	memset(big, '1', sizeof(big));
	expect_bad(big, sizeof(big), "not an IPv4");
	big[5] = ':';
	expect_bad(big, sizeof(big), "...");            /* cut, not echoed whole */
}

static void test_lines(void **state)
{
	char why[NET_REASON_MAX];
	struct net_prefix p;

	(void)state;
	assert_int_equal(net_addr_line("", 0, &p, why, sizeof(why)), 0);
	assert_int_equal(net_addr_line(" \t\r", 3, &p, why, sizeof(why)), 0);
	assert_int_equal(net_addr_line("# pools", 7, &p, why, sizeof(why)), 0);
	assert_int_equal(net_addr_line("  # x 1.2.3.4", 13, &p, why, sizeof(why)), 0);
	assert_int_equal(net_addr_line("\t198.51.100.0/24  # pool\r", 25, &p, why, sizeof(why)),
			 1);
	assert_int_equal(p.len, 24);
	assert_int_equal(net_addr_line("198.51.100.1 198.51.100.2", 25, &p, why, sizeof(why)),
			 -EINVAL);
	assert_int_equal(net_addr_line("198.51.100.1;", 13, &p, why, sizeof(why)), -EINVAL);
	assert_int_equal(net_addr_line("\x00", 1, &p, why, sizeof(why)), -EINVAL);
}

static void test_contains(void **state)
{
	struct net_prefix p;
	uint8_t a[16];
	char why[NET_REASON_MAX];

	(void)state;
	assert_int_equal(parse_str("198.51.100.128/25", &p, why), 0);
	inet_pton(AF_INET, "198.51.100.200", a);
	assert_true(net_prefix_contains(&p, a));
	inet_pton(AF_INET, "198.51.100.127", a);
	assert_false(net_prefix_contains(&p, a));
	assert_int_equal(parse_str("0.0.0.0/0", &p, why), 0);
	assert_true(net_prefix_contains(&p, a));
	assert_int_equal(parse_str("2001:db8::/33", &p, why), 0);
	inet_pton(AF_INET6, "2001:db8:7fff::1", a);
	assert_true(net_prefix_contains(&p, a));
	inet_pton(AF_INET6, "2001:db8:8000::1", a);
	assert_false(net_prefix_contains(&p, a));
}

/* ---- the config keys ---- */

static int parse_cfg(struct config *c, const char *text, char *err)
{
	memset(c, 0, sizeof(*c));
	return config_parse_buffer(c, "t.yaml", text, strlen(text), 0, err, CONFIG_ERR_MAX);
}

static void test_config_keys(void **state)
{
	char err[CONFIG_ERR_MAX];
	struct config c;

	(void)state;
	assert_int_equal(parse_cfg(&c, "bannedAddresses:\n  - 198.51.100.0/24\n  - \"::1\"\n"
				   "bannedAddressFiles: [\"/etc/nomine/ips/*.txt\"]\n", err), 0);
	assert_int_equal(c.nnames[CONFIG_BANNED_ADDRS], 2);
	assert_string_equal(c.names[CONFIG_BANNED_ADDRS][1].name, "::1");
	assert_int_equal(c.names[CONFIG_BANNED_ADDRS][1].at.line, 3);
	assert_int_equal(c.nnames[CONFIG_BANNED_ADDR_FILES], 1);
	config_free(&c);

	assert_int_equal(parse_cfg(&c, "bannedAddresses:\n  - 198.51.100.0/24\n"
				   "  - 198.51.100.1/24\n", err), -EINVAL);
	assert_non_null(strstr(err, "t.yaml:3: bannedAddresses items must be IPv4 or IPv6"));
	assert_non_null(strstr(err, "bits set"));
	/* a secret file's networks are shown by their origin only */
	assert_int_equal(parse_cfg(&c, "secret: true\nbannedAddresses: [\"198.51.100.0/24\"]\n",
				   err), 0);
	{
		struct nm_net_event ev = { .family = 4, .addr = { 198, 51, 100, 9 } };
		struct net_list l;
		json_t *o;

		assert_int_equal(net_list_build(&l, &c, err, sizeof(err)), 0);
		o = net_evidence(&ev, &l);
		assert_null(json_object_get(o, "banned_address"));
		assert_string_equal(json_string_value(json_object_get(o, "banned_address_at")),
				    "t.yaml:2");
		json_decref(o);
		net_list_free(&l);
	}
	config_free(&c);
	assert_int_equal(parse_cfg(&c, "bannedAddresses: [\"999.1.1.1\"]\n", err), -EINVAL);
	assert_non_null(strstr(err, "t.yaml:1:"));
	assert_int_equal(parse_cfg(&c, "bannedAddresses: [42]\n", err), -EINVAL);
	assert_non_null(strstr(err, "must be a list of strings"));
	assert_int_equal(parse_cfg(&c, "bannedAddresses: \"1.2.3.4\"\n", err), -EINVAL);
	assert_int_equal(parse_cfg(&c, "bannedAddressFiles: [\"ips/*.txt\"]\n", err), -EINVAL);
	assert_non_null(strstr(err, "absolute"));
}

/* ---- lists from files ---- */

static char dir[64];

static void write_file(const char *name, const char *text)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

/* A config naming glob (relative to dir) and addresses. */
static int build(struct config *c, struct net_list *l, const char *glob, const char *addrs,
		 char *err)
{
	char text[1024];

	snprintf(text, sizeof(text), "bannedAddresses: [%s]\nbannedAddressFiles:\n"
		 "  - \"%s/%s\"\n", addrs, dir, glob);
	if (parse_cfg(c, text, err))
		fail_msg("config refused: %s", err);
	return net_list_build(l, c, err, CONFIG_ERR_MAX);
}

static void test_files(void **state)
{
	char err[CONFIG_ERR_MAX], want[256];
	const struct net_entry *e;
	struct net_list l, l2;
	struct config c;
	uint8_t a[16];

	(void)state;
	strcpy(dir, "/tmp/nomine-test-net-XXXXXX");
	assert_non_null(mkdtemp(dir));
	write_file("a.txt", "# pools\n\n198.51.100.0/24\n  203.0.113.9 # one\n2001:db8::/32\n");
	write_file("b.txt", "::ffff:192.0.2.1\n192.0.2.0/28");      /* no final newline */
	write_file("c.other", "garbage\n");
	assert_int_equal(mkdir(strcat(strcpy(want, dir), "/d.txt"), 0700), 0);  /* skipped */
	assert_int_equal(build(&c, &l, "*.txt", "\"192.0.2.77\"", err), 0);
	assert_int_equal(l.n4, 5);
	assert_int_equal(l.n6, 1);
	assert_int_equal(l.naddr_files, 2);
	assert_int_equal(l.v4[0].line, 1);                 /* the config's own entry */
	assert_string_equal(l.v4[0].file, "t.yaml");
	inet_pton(AF_INET, "198.51.100.9", a);
	e = net_list_match(&l, 4, a);
	assert_non_null(e);
	assert_int_equal(e->line, 3);
	assert_non_null(strstr(e->file, "/a.txt"));
	inet_pton(AF_INET, "192.0.2.1", a);                 /* /32 beats the /28 */
	e = net_list_match(&l, 4, a);
	assert_int_equal(e->p.len, 32);
	assert_int_equal(e->line, 1);
	inet_pton(AF_INET, "192.0.2.16", a);
	assert_null(net_list_match(&l, 4, a));
	inet_pton(AF_INET6, "2001:db8:1::5", a);
	assert_non_null(net_list_match(&l, 6, a));
	/* the same again is the same list; another order is not */
	assert_int_equal(net_list_build(&l2, &c, err, sizeof(err)), 0);
	assert_true(net_list_same(&l, &l2));
	net_list_free(&l2);
	net_list_free(&l);
	config_free(&c);

	/* a glob with no match is counted, not an error */
	assert_int_equal(build(&c, &l, "none-*.txt", "", err), 0);
	assert_int_equal(l.nglobs, 1);
	assert_int_equal(l.n4 + l.n6, 0);
	net_list_free(&l);
	config_free(&c);

	/* a bad line: the address file's own path and line */
	write_file("bad.list", "# ok\n198.51.100.0/24\n\n300.1.1.1\n");
	assert_int_equal(build(&c, &l, "bad.list", "", err), -EINVAL);
	snprintf(want, sizeof(want), "%s/bad.list:4: not an IPv4 address", dir);
	if (strncmp(err, want, strlen(want)))
		fail_msg("got \"%s\", want \"%s...\"", err, want);
	assert_int_equal(l.n4, 0);                          /* freed whole */
	config_free(&c);
	write_file("bad.list", "198.51.100.0/24 extra\n");
	assert_int_equal(build(&c, &l, "bad.list", "", err), -EINVAL);
	assert_non_null(strstr(err, "bad.list:1:"));
	config_free(&c);
	write_file("bad.list", "1.2.3.4\n\x01\xff\x00\n");
	assert_int_equal(build(&c, &l, "bad.list", "", err), -EINVAL);
	assert_non_null(strstr(err, "bad.list:2:"));
	config_free(&c);
	/* a FIFO matched by the glob is refused, not waited on */
	snprintf(want, sizeof(want), "%s/fifo.list", dir);
	assert_int_equal(mkfifo(want, 0600), 0);
	assert_int_equal(build(&c, &l, "fifo.list", "", err), -EINVAL);
	assert_non_null(strstr(err, "not a regular file (a FIFO, socket or device)"));
	config_free(&c);
	/* a glob over more than CONFIG_DIR_FILES_MAX files is refused unread */
	snprintf(want, sizeof(want), "%s/many", dir);
	assert_int_equal(mkdir(want, 0755), 0);
	for (int i = 0; i <= CONFIG_DIR_FILES_MAX; i++) {
		char name[300];

		snprintf(name, sizeof(name), "%s/many/%05d.list", dir, i);
		int fd = open(name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);

		assert_true(fd >= 0);
		close(fd);
	}
	assert_int_equal(build(&c, &l, "many/*.list", "", err), -E2BIG);
	assert_non_null(strstr(err, "matches more than 10000 files"));
	config_free(&c);
	snprintf(want, sizeof(want), "rm -rf '%s'", dir);
	assert_int_equal(system(want), 0);
}

/* 200k networks: the limit of a family is far, and each keeps its line. */
static void test_many(void **state)
{
	size_t n = 200000, cap = n * 20;
	char *buf = malloc(cap), err[256];
	struct net_list l = { 0 };
	size_t o = 0;

	(void)state;
	for (size_t i = 0; i < n; i++)
		o += (size_t)snprintf(buf + o, cap - o, "10.%zu.%zu.%zu\n", i >> 16,
				      (i >> 8) & 255, i & 255);
	assert_int_equal(net_list_add_buffer(&l, "big", buf, o, err, sizeof(err)), 0);
	assert_int_equal(l.n4, n);
	assert_int_equal(l.v4[n - 1].line, (int)n);
	net_list_free(&l);
	free(buf);
}

/* What an event says: the destination as called, the network that banned
 * it and where it was written, whether the call was refused. */
static void test_evidence(void **state)
{
	struct nm_net_event ev = { .port = 3333, .family = 4, .op = NM_NET_CONNECT,
				   .flags = NM_NET_DENIED | NM_NET_MAPPED, .protocol = 6 };
	const char *file = "# x\n198.51.100.0/24\n198.51.100.7\n2001:db8::/32\n";
	struct net_list l = { 0 };
	char err[256];
	json_t *o, *dst;

	(void)state;
	assert_int_equal(net_list_add_buffer(&l, "/etc/pools.txt", file, strlen(file), err,
					     sizeof(err)), 0);
	inet_pton(AF_INET, "198.51.100.7", ev.addr);
	o = net_evidence(&ev, &l);
	dst = json_object_get(o, "destination");
	assert_string_equal(json_string_value(json_object_get(dst, "address")), "198.51.100.7");
	assert_int_equal(json_integer_value(json_object_get(dst, "port")), 3333);
	assert_string_equal(json_string_value(json_object_get(dst, "protocol")), "tcp");
	assert_string_equal(json_string_value(json_object_get(dst, "call")), "connect");
	assert_true(json_is_true(json_object_get(dst, "v4_mapped")));
	/* the longest network wins */
	assert_string_equal(json_string_value(json_object_get(o, "banned_address")), "198.51.100.7");
	assert_string_equal(json_string_value(json_object_get(o, "banned_address_at")),
			    "/etc/pools.txt:3");
	assert_true(json_is_true(json_object_get(o, "call_refused")));
	json_decref(o);

	ev.family = 6;
	ev.op = NM_NET_SENDMSG;
	ev.protocol = 17;
	ev.flags = 0;             /* audit: the call went through */
	inet_pton(AF_INET6, "2001:db8::53", ev.addr);
	o = net_evidence(&ev, &l);
	dst = json_object_get(o, "destination");
	assert_string_equal(json_string_value(json_object_get(dst, "address")), "2001:db8::53");
	assert_string_equal(json_string_value(json_object_get(dst, "protocol")), "udp");
	assert_string_equal(json_string_value(json_object_get(dst, "call")), "sendmsg");
	assert_null(json_object_get(dst, "v4_mapped"));
	assert_string_equal(json_string_value(json_object_get(o, "banned_address")),
			    "2001:db8::/32");
	assert_true(json_is_false(json_object_get(o, "call_refused")));
	json_decref(o);

	/* a network a reload dropped: the destination still, no banned entry */
	inet_pton(AF_INET6, "2001:db9::1", ev.addr);
	o = net_evidence(&ev, &l);
	assert_null(json_object_get(o, "banned_address"));
	assert_non_null(json_object_get(o, "destination"));
	json_decref(o);
	net_list_free(&l);
}

/* What is watched for address-file changes: each glob's fixed directory. */
static void test_watch_paths(void **state)
{
	char err[CONFIG_ERR_MAX], *out[8];
	struct config c;
	size_t n;

	(void)state;
	assert_int_equal(parse_cfg(&c, "bannedAddressFiles: [\"/etc/pools/*.txt\", \"/a/b/c.txt\","
				   " \"/x/*/y.list\", \"/p[0-9].txt\", \"/etc/pools/*.txt\"]\n", err), 0);
	n = net_list_watch_paths(&c, out, 3);     /* capped */
	assert_int_equal(n, 3);
	assert_string_equal(out[0], "/etc/pools");
	assert_string_equal(out[1], "/a/b/c.txt");
	assert_string_equal(out[2], "/x");
	for (size_t i = 0; i < n; i++)
		free(out[i]);
	n = net_list_watch_paths(&c, out, 8);
	assert_int_equal(n, 5);
	assert_string_equal(out[3], "/");
	for (size_t i = 0; i < n; i++)
		free(out[i]);
	config_free(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good),
		cmocka_unit_test(test_bad),
		cmocka_unit_test(test_lines),
		cmocka_unit_test(test_contains),
		cmocka_unit_test(test_config_keys),
		cmocka_unit_test(test_files),
		cmocka_unit_test(test_many),
		cmocka_unit_test(test_evidence),
		cmocka_unit_test(test_watch_paths),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
