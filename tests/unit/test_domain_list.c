/* SPDX-License-Identifier: BSD-2-Clause */
/* test_domain_list.c - banned domains: a name as the config writes it, the
 * "bannedDomains" key, matching at label boundaries, and the kernel's DNS
 * check (dns.bpf.h, run through BPF_PROG_TEST_RUN in dns_probe.bpf.c)
 * against the C reference on built and random queries. The kernel part
 * needs root and BPF (bpf_required.h). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "bpf_required.h"
#include "config.h"
#include "domain_evidence.h"
#include "domain_hash.h"
#include "domain_list.h"
#include "domain_map.h"
#include "domain_name.h"
#include "dns_probe.h"
#include "dns_probe.skel.h"

static int parse(const char *s, char *out, char *why)
{
	return domain_name_parse(s, strlen(s), out, why, DOMAIN_REASON_MAX);
}

static void expect_name(const char *s, const char *want)
{
	char out[NM_DOMAIN_NAME_MAX + 1], why[DOMAIN_REASON_MAX];
	int n = parse(s, out, why);

	if (n < 0)
		fail_msg("\"%s\" refused: %s", s, why);
	assert_string_equal(out, want);
	assert_int_equal(n, strlen(want));
}

static void expect_refused(const char *s, size_t n, const char *reason)
{
	char out[NM_DOMAIN_NAME_MAX + 1], why[DOMAIN_REASON_MAX];

	if (domain_name_parse(s, n, out, why, sizeof(why)) != -EINVAL)
		fail_msg("\"%.*s\" accepted", (int)n, s);
	if (!strstr(why, reason))
		fail_msg("\"%.*s\": \"%s\" does not say \"%s\"", (int)n, s, why, reason);
}

#define REFUSED(s, reason) expect_refused(s, strlen(s), reason)

/* "l.l.l...": labels of lab bytes until at least len bytes, cut to len. */
static void long_name(char *buf, size_t len, size_t lab)
{
	for (size_t i = 0; i < len; i++)
		buf[i] = (i % (lab + 1)) == lab ? '.' : 'a' + (char)(i % 26);
	buf[len] = 0;
}

static void test_names(void **state)
{
	char buf[400];

	(void)state;
	expect_name("pool.example", "pool.example");
	expect_name("Pool.EXAMPLE.", "pool.example");
	expect_name("a-b.c_d.xn--p1ai", "a-b.c_d.xn--p1ai");
	expect_name("x1.example", "x1.example");
	long_name(buf, NM_DOMAIN_NAME_MAX, 62);   /* labels of 62, dots every 63rd byte */
	expect_name(buf, buf);
	memset(buf, 'a', 63);
	strcpy(buf + 63, ".example");
	expect_name(buf, buf);

	REFUSED("", "empty name");
	REFUSED(".", "empty name");
	REFUSED("pool..example", "empty label");
	REFUSED(".pool.example", "empty label");
	REFUSED("pool.example..", "empty label");
	memset(buf, 'a', 64);
	strcpy(buf + 64, ".example");
	REFUSED(buf, "label of 64 bytes");
	long_name(buf, NM_DOMAIN_NAME_MAX + 1, 62);
	REFUSED(buf, "name of 254 bytes");
	REFUSED("pool example.com", "byte 0x20");
	REFUSED("pool.exa*mple", "'*'");
	REFUSED("pool/x.example", "'/'");
	REFUSED("p\xc3\xb6ol.example", "byte 0xc3");
	REFUSED("*.pool.example", "write \"pool.example\"");
	REFUSED("-pool.example", "starts or ends with '-'");
	REFUSED("pool-.example", "starts or ends with '-'");
	REFUSED("example", "single label");
	REFUSED("example.", "single label");
	REFUSED("198.51.100.7", "IPv4 address");
	expect_refused("pool\0.example", 13, "byte 0x00");
	expect_name("198.51.100.x7", "198.51.100.x7");
}

static int parse_cfg(struct config *c, const char *text, char *err)
{
	memset(c, 0, sizeof(*c));
	return config_parse_buffer(c, "t.yaml", text, strlen(text), 0, err, CONFIG_ERR_MAX);
}

static void test_config_key(void **state)
{
	char err[CONFIG_ERR_MAX], at[300];
	struct domain_list l;
	struct config c;
	const char *name;

	(void)state;
	assert_int_equal(parse_cfg(&c, "bannedDomains:\n  - Pool.Example.\n  - b.test\n", err), 0);
	assert_int_equal(c.nnames[CONFIG_BANNED_DOMAINS], 2);
	assert_int_equal(domain_list_build(&l, &c, err, sizeof(err)), 0);
	assert_int_equal(l.n, 2);
	assert_string_equal(l.v[0].name, "pool.example");
	domain_entry_describe(&l.v[1], &name, at, sizeof(at));
	assert_string_equal(name, "b.test");
	assert_string_equal(at, "t.yaml:3");
	domain_list_free(&l);
	config_free(&c);

	assert_int_equal(parse_cfg(&c, "bannedDomains:\n  - pool.example\n  - \"*.b.test\"\n",
				   err), -EINVAL);
	assert_non_null(strstr(err, "t.yaml:3: bannedDomains items must be domain names"));
	assert_int_equal(parse_cfg(&c, "bannedDomains: [\"a..b\"]\n", err), -EINVAL);
	assert_non_null(strstr(err, "t.yaml:1: bannedDomains items must be domain names: "
			       "empty label"));
	assert_int_equal(parse_cfg(&c, "bannedDomains: [\"\"]\n", err), -EINVAL);
	assert_non_null(strstr(err, "t.yaml:1:"));
	assert_int_equal(parse_cfg(&c, "bannedDomains: pool.example\n", err), -EINVAL);
	assert_non_null(strstr(err, "t.yaml:1:"));

	/* a secret file's names are shown by their origin only */
	assert_int_equal(parse_cfg(&c, "secret: true\nbannedDomains: [pool.example]\n", err), 0);
	assert_int_equal(domain_list_build(&l, &c, err, sizeof(err)), 0);
	domain_entry_describe(domain_list_match(&l, "x.pool.example", 14), &name, at, sizeof(at));
	assert_null(name);
	assert_string_equal(at, "t.yaml:2");
	domain_list_free(&l);
	config_free(&c);
}

static void build(struct domain_list *l, struct config *c, const char *text)
{
	char err[CONFIG_ERR_MAX];

	if (parse_cfg(c, text, err))
		fail_msg("%s", err);
	if (domain_list_build(l, c, err, sizeof(err)))
		fail_msg("%s", err);
}

static const char *match(const struct domain_list *l, const char *q, size_t n)
{
	const struct domain_entry *e = domain_list_match(l, q, n);

	return e ? e->name : NULL;
}

#define M(l, q) match(l, q, strlen(q))

static void test_match(void **state)
{
	struct domain_list l;
	struct config c;

	(void)state;
	build(&l, &c, "bannedDomains: [pool.example, deep.mine.example, mine.example]\n");
	assert_string_equal(M(&l, "pool.example"), "pool.example");
	assert_string_equal(M(&l, "a.pool.example"), "pool.example");
	assert_string_equal(M(&l, "x.y.z.pool.example"), "pool.example");
	assert_string_equal(M(&l, "A.POOL.Example"), "pool.example");
	assert_null(M(&l, "apool.example"));
	assert_null(M(&l, "pool.example.org"));
	assert_null(M(&l, "example"));
	assert_null(M(&l, ""));
	assert_null(M(&l, "pool-example"));
	/* the most specific entry names the event */
	assert_string_equal(M(&l, "a.deep.mine.example"), "deep.mine.example");
	assert_string_equal(M(&l, "a.mine.example"), "mine.example");
	/* hostile bytes before the boundary change nothing; inside, no match */
	assert_string_equal(match(&l, "\xff\x00\x01.pool.example", 16), "pool.example");
	assert_null(match(&l, "pool.exampl\xc5", 12));
	assert_null(match(&l, "pool\0example", 12));
	domain_list_free(&l);
	config_free(&c);
}

static const char *field(json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

/* The event's fields: the name asked for, the entry that covers it, its
 * origin; a secret file's entry by its origin only. */
static void test_evidence(void **state)
{
	struct domain_list l;
	struct config c;
	json_t *o;

	(void)state;
	build(&l, &c, "bannedDomains:\n  - pool.example\n  - x.pool.example\n");
	o = json_object();
	assert_int_equal(domain_evidence(o, &l, "a.x.pool.example", 16, 0), 1);
	assert_string_equal(field(o, "query_name"), "a.x.pool.example");
	assert_string_equal(field(o, "banned_domain"), "x.pool.example");
	assert_string_equal(field(o, "banned_domain_at"), "t.yaml:3");
	json_decref(o);
	/* a name no entry covers (a reload dropped it): the name alone */
	o = json_object();
	assert_int_equal(domain_evidence(o, &l, "pool\xff.test", 10, 0), 0);
	assert_string_equal(field(o, "query_name"), "pool\\xff.test");
	assert_null(json_object_get(o, "banned_domain_at"));
	json_decref(o);
	/* the end of a longer name: the first label shown may be cut, so an
	 * entry that is the whole excerpt does not cover it */
	o = json_object();
	assert_int_equal(domain_evidence(o, &l, "x.pool.example", 14, 100), 1);
	assert_string_equal(field(o, "banned_domain"), "pool.example");
	assert_int_equal(json_integer_value(json_object_get(o, "query_name_cut")), 100);
	json_decref(o);
	o = json_object();
	assert_int_equal(domain_evidence(o, &l, "pool.example", 12, 100), 0);
	json_decref(o);
	domain_list_free(&l);
	config_free(&c);

	build(&l, &c, "secret: true\nbannedDomains: [pool.example]\n");
	o = json_object();
	assert_int_equal(domain_evidence(o, &l, "pool.example", 12, 0), 1);
	assert_null(json_object_get(o, "banned_domain"));
	assert_string_equal(field(o, "banned_domain_at"), "t.yaml:2");
	json_decref(o);
	domain_list_free(&l);
	config_free(&c);
}

/* The backward pass of dns.bpf.h in C: the hash at each dot is the hash of
 * the suffix behind it, so one pass finds each banned suffix. */
static void test_hash_suffixes(void **state)
{
	const char *q = "X.Pool.Example";
	unsigned long long seed = 0x0123456789abcdefULL, h = seed;
	const char *want[] = { "example", "pool.example", "x.pool.example" };
	int k = 0;

	(void)state;
	for (size_t i = strlen(q); i-- > 0;) {
		if (q[i] == '.') {
			const char *s = want[k++];

			assert_true(h == nm_domain_hash(seed, s, (unsigned int)strlen(s)));
		}
		h = nm_domain_step(h, nm_domain_lower((unsigned char)q[i]));
	}
	assert_true(h == nm_domain_hash(seed, want[2], 14));
	/* the seed changes every hash; case does not */
	assert_true(nm_domain_hash(seed, "pool.example", 12) !=
		    nm_domain_hash(seed + 1, "pool.example", 12));
	assert_true(nm_domain_hash(seed, "POOL.example", 12) ==
		    nm_domain_hash(seed, "pool.example", 12));
	assert_true(nm_domain_hash(seed, "apool.example", 13) !=
		    nm_domain_hash(seed, "a.pool.example", 14));
}

/* The built-in list: loads, bans its pools' hosts, and none of the names
 * a hub's ordinary traffic asks for (package registries, code hosts, CDNs,
 * cloud APIs, exchanges' and price APIs a finance notebook reads). */
static void test_default_list(void **state)
{
	static const char *benign[] = {
		"pypi.org", "files.pythonhosted.org", "registry.npmjs.org", "deb.debian.org",
		"security.debian.org", "archive.ubuntu.com", "conda.anaconda.org",
		"repo.anaconda.com", "cran.r-project.org", "crates.io", "proxy.golang.org",
		"repo1.maven.org", "rubygems.org", "github.com", "objects.githubusercontent.com",
		"raw.githubusercontent.com", "gitlab.com", "huggingface.co", "cdn.jsdelivr.net",
		"unpkg.com", "cdnjs.cloudflare.com", "fonts.googleapis.com", "storage.googleapis.com",
		"s3.amazonaws.com", "quay.io", "registry-1.docker.io", "ghcr.io", "mybinder.org",
		"api.coingecko.com", "api.binance.com", "getmonero.org", "xmrig.com",
		"www.minecraft.net", "pool.ntp.org", "0.debian.pool.ntp.org", "kernel.org",
	};
	static const char *pools[] = {
		"pool.supportxmr.com", "gulf.moneroocean.stream", "xmr-eu1.nanopool.org",
		"auto.c3pool.org", "rx.unmineable.com", "donate.v2.xmrig.com", "cn.stratum.slushpool.com",
	};
	char err[CONFIG_ERR_MAX];
	struct domain_list l;
	struct config c;

	(void)state;
	memset(&c, 0, sizeof(c));
	assert_int_equal(config_load_builtin(&c, err, sizeof(err)), 0);
	assert_int_equal(domain_list_build(&l, &c, err, sizeof(err)), 0);
	assert_true(l.n >= 30);
	for (size_t i = 0; i < sizeof(benign) / sizeof(benign[0]); i++)
		if (M(&l, benign[i]))
			fail_msg("the built-in list bans %s (%s)", benign[i], M(&l, benign[i]));
	for (size_t i = 0; i < sizeof(pools) / sizeof(pools[0]); i++)
		if (!M(&l, pools[i]))
			fail_msg("the built-in list lets %s through", pools[i]);
	domain_list_free(&l);
	config_free(&c);
}

/* ---- the kernel's check ---- */

struct kfix {
	struct dns_probe_bpf *skel;
	uint64_t seed;
	char err[300];
};

static struct kfix kf;

static int ksetup(void **state)
{
	int e;

	(void)state;
	kf.seed = domain_map_seed();
	kf.skel = dns_probe_bpf__open();
	if (!kf.skel) {
		snprintf(kf.err, sizeof(kf.err), "open: %s", strerror(errno));
		return 0;
	}
	kf.skel->rodata->domain_seed = kf.seed;
	e = dns_probe_bpf__load(kf.skel);
	if (e) {
		snprintf(kf.err, sizeof(kf.err), "load: %s", strerror(-e));
		dns_probe_bpf__destroy(kf.skel);
		kf.skel = NULL;
	}
	return 0;
}

static int kteardown(void **state)
{
	(void)state;
	dns_probe_bpf__destroy(kf.skel);
	return 0;
}

static void need_bpf(void)
{
	const char *why;

	if (kf.skel)
		return;
	why = bpf_required();
	if (why)
		fail_msg("BPF unavailable: %s (required: %s)", kf.err, why);
	print_message("skipped: BPF unavailable: %s\n", kf.err);
	skip();
}

static void install(const struct domain_list *l)
{
	char err[300];

	if (domain_map_install(bpf_map__fd(kf.skel->maps.banned_domains), l, kf.seed, err,
			       sizeof(err)))
		fail_msg("%s", err);
}

/* An Ethernet + IPv4 + UDP packet to port 53 carrying a DNS message with
 * the header hdr (12 bytes) and qname (n bytes, wire format, as given),
 * then QTYPE and QCLASS unless cut. Returns the packet's length. */
static size_t packet(uint8_t *p, const uint8_t *hdr, const uint8_t *qname, size_t n, int cut)
{
	size_t len = 14 + 20 + 8 + 12 + n + (cut ? 0 : 4);

	memset(p, 0, len);
	p[12] = 0x08;                           /* ETH_P_IP */
	p[14] = 0x45;
	p[16] = (uint8_t)((len - 14) >> 8);
	p[17] = (uint8_t)(len - 14);
	p[22] = 64;
	p[23] = 17;                             /* UDP */
	p[26] = 127, p[29] = 1, p[30] = 127, p[33] = 1;
	p[36] = 0, p[37] = 53;
	p[38] = (uint8_t)((len - 34) >> 8);
	p[39] = (uint8_t)(len - 34);
	memcpy(p + 42, hdr, 12);
	memcpy(p + 54, qname, n);
	if (!cut)
		p[54 + n + 1] = 1, p[54 + n + 3] = 1;   /* A, IN */
	return len;
}

static uint32_t last_entry;     /* the list index the kernel named at the last drop */

static const uint8_t query_hdr[12] = { 0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0 };

/* Runs the probe on one query; returns 1 dropped (the name it saw in got,
 * NUL-terminated), 0 passed. */
static int run_cut(const uint8_t *hdr, const uint8_t *qname, size_t n, int cut, char *got)
{
	static uint8_t pkt[1024];
	size_t len = packet(pkt, hdr, qname, n, cut);
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = pkt, .data_size_in = (uint32_t)len);
	struct dns_probe_result r;
	uint32_t zero = 0;
	int fd = bpf_map__fd(kf.skel->maps.result);

	memset(&r, 0, sizeof(r));
	assert_int_equal(bpf_map_update_elem(fd, &zero, &r, BPF_ANY), 0);
	assert_int_equal(bpf_prog_test_run_opts(bpf_program__fd(kf.skel->progs.dns_probe), &o), 0);
	if (o.retval == 1)
		return 0;
	assert_int_equal(o.retval, 0);
	assert_int_equal(bpf_map_lookup_elem(fd, &zero, &r), 0);
	assert_true(r.len >= 1 && r.len <= NM_DOMAIN_NAME_MAX);
	memcpy(got, r.name, r.len);
	got[r.len] = 0;
	last_entry = r.entry;
	return 1;
}

static int run_hdr(const uint8_t *hdr, const uint8_t *qname, size_t n, char *got)
{
	return run_cut(hdr, qname, n, 0, got);
}

static int run(const uint8_t *qname, size_t n, char *got)
{
	return run_hdr(query_hdr, qname, n, got);
}

/* The wire format of text name ("a.b.c"), with its root 0. */
static size_t wire(uint8_t *out, const char *name)
{
	size_t n = 0, start = 0, len = strlen(name);

	for (size_t i = 0; i <= len; i++) {
		if (i < len && name[i] != '.')
			continue;
		out[n++] = (uint8_t)(i - start);
		memcpy(out + n, name + start, i - start);
		n += i - start;
		start = i + 1;
	}
	out[n++] = 0;
	return n;
}

static int runs(const char *name, char *got)
{
	uint8_t q[600];

	return run(q, wire(q, name), got);
}

static void test_kernel_check(void **state)
{
	struct domain_list l, l2;
	struct config c, c2;
	char got[300], big[300];
	uint8_t q[600];
	size_t n;

	(void)state;
	need_bpf();
	build(&l, &c, "bannedDomains: [pool.example, Mine.Test.]\n");
	install(&l);
	assert_int_equal(runs("pool.example", got), 1);
	assert_string_equal(got, "pool.example");
	assert_int_equal(runs("a.pool.example", got), 1);
	assert_string_equal(got, "a.pool.example");
	assert_int_equal(runs("B.A.POOL.Example", got), 1);
	assert_string_equal(got, "b.a.pool.example");
	assert_int_equal(runs("x.mine.test", got), 1);
	assert_int_equal(runs("apool.example", got), 0);
	assert_int_equal(runs("pool.example.org", got), 0);
	assert_int_equal(runs("example", got), 0);
	assert_int_equal(runs("other.test", got), 0);

	/* a response is not judged */
	{
		uint8_t h[12];

		memcpy(h, query_hdr, 12);
		h[2] |= 0x80;
		assert_int_equal(run_hdr(h, q, wire(q, "pool.example"), got), 0);
		h[2] &= 0x7f;
		h[5] = 0;       /* no question */
		assert_int_equal(run_hdr(h, q, wire(q, "pool.example"), got), 0);
	}
	/* a compression pointer is refused, not followed */
	n = wire(q, "a");
	q[n - 1] = 0xc0;
	q[n] = 12;
	assert_int_equal(run(q, n + 1, got), 0);
	/* reserved label types, a label over 63 */
	q[0] = 0x41;
	assert_int_equal(run(q, n, got), 0);
	memset(big, 'a', 64);
	strcpy(big + 64, ".pool.example");
	assert_int_equal(runs(big, got), 0);
	/* a label of 63 under a banned name: dropped */
	assert_int_equal(runs(big + 1, got), 1);
	assert_string_equal(got, big + 1);
	/* one label holding a '.' is not two labels */
	q[0] = 12;
	memcpy(q + 1, "pool.example", 12);
	q[13] = 0;
	assert_int_equal(run(q, 14, got), 0);
	/* cut short by the end of the packet: no name to judge */
	n = wire(q, "a.pool.example");
	assert_int_equal(run_cut(query_hdr, q, n, 1, got), 1);
	assert_int_equal(run_cut(query_hdr, q, n - 1, 1, got), 0);
	assert_int_equal(run_cut(query_hdr, q, 3, 1, got), 0);
	/* the root alone, an empty message */
	q[0] = 0;
	assert_int_equal(run(q, 1, got), 0);
	/* the longest name the check reads */
	long_name(big, NM_DOMAIN_NAME_MAX - 13, 62);
	strcat(big, ".pool.example");
	assert_int_equal(strlen(big), NM_DOMAIN_NAME_MAX);
	assert_int_equal(runs(big, got), 1);
	assert_string_equal(got, big);

	/* what one judged query costs in the kernel (BPF_PROG_TEST_RUN's mean
	 * over 20000 runs; printed, not asserted: a loaded machine is slow) */
	{
		static uint8_t pkt[1024];
		uint8_t w[300];
		const char *names[] = { "a.b.pool.example", "www.example.org", big };

		for (int i = 0; i < 3; i++) {
			size_t len = packet(pkt, query_hdr, w, wire(w, names[i]), 0);
			LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = pkt,
				    .data_size_in = (uint32_t)len, .repeat = 20000);

			assert_int_equal(bpf_prog_test_run_opts(
				bpf_program__fd(kf.skel->progs.dns_probe), &o), 0);
			print_message("%zu-byte name: %u ns a query\n", strlen(names[i]), o.duration);
		}
	}

	/* reload: the new list alone holds */
	build(&l2, &c2, "bannedDomains: [other.test]\n");
	install(&l2);
	assert_int_equal(runs("a.pool.example", got), 0);
	assert_int_equal(runs("x.other.test", got), 1);
	/* an empty list bans nothing */
	domain_list_free(&l2);
	install(&l2);
	assert_int_equal(runs("x.other.test", got), 0);
	config_free(&c2);
	domain_list_free(&l);
	config_free(&c);
}

/* Random queries over a small alphabet (so that suffixes of banned names
 * come up often), each judged by the kernel and by domain_list_match. */
static void test_kernel_random(void **state)
{
	static const char *parts[] = { "pool", "example", "a", "x", "test", "Pool", "EXAMPLE",
				       "apool", "mine", "b-c", "pool.example" };
	struct domain_list l;
	struct config c;
	char name[300], got[300];
	unsigned int seed = 13, hits = 0;

	(void)state;
	need_bpf();
	build(&l, &c, "bannedDomains: [pool.example, a.test, x.mine.example, mine.example, "
		  "a.pool.example]\n");
	install(&l);
	for (int i = 0; i < 20000; i++) {
		int labels = 1 + rand_r(&seed) % 5, k;
		const struct domain_entry *e;

		name[0] = 0;
		for (k = 0; k < labels; k++) {
			if (k)
				strcat(name, ".");
			strcat(name, parts[rand_r(&seed) % 11]);
		}
		e = domain_list_match(&l, name, strlen(name));
		k = runs(name, got);
		if (k != (e != NULL))
			fail_msg("\"%s\": kernel %d, user space %s", name, k, e ? e->name : "none");
		/* the same entry: the longest banned suffix */
		if (k && last_entry != (uint32_t)(e - l.v))
			fail_msg("\"%s\": kernel entry %u, user space %s", name, last_entry, e->name);
		hits += (unsigned int)k;
	}
	/* both outcomes were exercised */
	print_message("%u of 20000 random names banned\n", hits);
	assert_true(hits > 1000 && hits < 19000);
	domain_list_free(&l);
	config_free(&c);
}

/* What the kernel should read from the n wire bytes at q, per the rules
 * of dns.bpf.h, written plainly: the text (lowercased, a '.' byte inside a
 * label as 0) and its length, or -1 when the name is not judged. */
static int wire_ref(const uint8_t *q, size_t n, char *text)
{
	size_t p = 0, t = 0;

	for (;;) {
		if (p >= n || p >= NM_DOMAIN_WIRE_MAX)
			return -1;
		if (q[p] == 0)
			return t > 0 ? (int)t : -1;
		if (q[p] > NM_DOMAIN_LABEL_MAX)
			return -1;
		if (t > 0)
			text[t++] = '.';
		for (size_t i = 1; i <= q[p]; i++) {
			unsigned char c = p + i < n ? nm_domain_lower(q[p + i]) : 0;

			text[t++] = (char)(c == '.' ? 0 : c);
		}
		p += 1u + q[p];
	}
}

/* Hostile names: random label lengths (some over 63, some pointers) and
 * bytes (dots, NULs, capitals, high bytes), often ending in a banned
 * name; the kernel must agree with wire_ref + domain_list_match. */
static void test_kernel_hostile(void **state)
{
	static const uint8_t bytes[] = { 'p', 'O', 'o', 'l', '.', 0, 0xff, 0xc0, 'a', '-', 'E' };
	struct domain_list l;
	struct config c;
	unsigned int seed = 53, hits = 0, judged = 0;
	char got[300], text[600];

	(void)state;
	need_bpf();
	build(&l, &c, "bannedDomains: [pool.example, a.test]\n");
	install(&l);
	for (int i = 0; i < 20000; i++) {
		uint8_t q[600];
		size_t n = 0;
		int labels = 1 + rand_r(&seed) % 6, k, len;
		const struct domain_entry *e = NULL;

		for (k = 0; k < labels && n < 300; k++) {
			int r = rand_r(&seed) % 100;
			size_t ll = r < 2 ? (size_t)(64 + rand_r(&seed) % 3) : r < 4 ? 0xc0u :
				    (size_t)(1 + rand_r(&seed) % 6);

			q[n++] = (uint8_t)ll;
			for (size_t j = 0; j < ll && ll <= 63; j++)
				q[n++] = bytes[rand_r(&seed) % sizeof(bytes)];
		}
		if (rand_r(&seed) % 2)
			n += wire(q + n, rand_r(&seed) % 2 ? "pool.example" : "a.test");
		else
			q[n++] = 0;
		len = wire_ref(q, n, text);
		if (len > 0 && len <= NM_DOMAIN_NAME_MAX)
			e = domain_list_match(&l, text, (size_t)len);
		judged += len > 0;
		k = run(q, n, got);
		if (k != (e != NULL))
			fail_msg("case %d: kernel %d, reference %s", i, k, e ? e->name : "none");
		if (k && memcmp(got, text, (size_t)len))
			fail_msg("case %d: the kernel read another name", i);
		hits += (unsigned int)k;
	}
	print_message("%u of 20000 hostile names judged, %u banned\n", judged, hits);
	assert_true(hits > 1000 && judged > hits);
	domain_list_free(&l);
	config_free(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_config_key),
		cmocka_unit_test(test_match),
		cmocka_unit_test(test_hash_suffixes),
		cmocka_unit_test(test_default_list),
		cmocka_unit_test(test_evidence),
		cmocka_unit_test(test_kernel_check),
		cmocka_unit_test(test_kernel_random),
		cmocka_unit_test(test_kernel_hostile),
	};

	return cmocka_run_group_tests(tests, ksetup, kteardown);
}
