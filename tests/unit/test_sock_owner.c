/* SPDX-License-Identifier: BSD-2-Clause */
/* test_sock_owner.c - finding a socket's line in /proc/net/tcp and tcp6
 * text (what sock_owner_find reads for the stratum-drop-anon variant), and
 * the escaped excerpt of a packet event. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <netinet/in.h>
#include <string.h>

#include "sock_owner.h"
#include "wire_respond.h"

/* Lines as 6.18 wrote them: a listener, then connections from ports
 * 0xC350 (50000) and 0xC351 to 127.0.0.1:8080, then one to 127.0.0.2. */
static const char TCP[] =
	"  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  "
	"timeout inode\n"
	"   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0"
	"        0 1000 1 0000000000000000 100 0 0 10 0\n"
	"   1: 0100007F:C350 0100007F:1F90 01 00000000:00000000 00:00000000 00000000     0"
	"        0 1001 1 0000000000000000 20 4 30 10 -1\n"
	"   2: 0100007F:C351 0100007F:1F90 01 00000000:00000000 00:00000000 00000000  1000"
	"        0 1002 1 0000000000000000 20 4 30 10 -1\n"
	"   3: 0100007F:C352 0200007F:1F90 01 00000000:00000000 00:00000000 00000000     0"
	"        0 1003 1 0000000000000000 20 4 30 10 -1\n";

static const char TCP6[] =
	"  sl  local_address                         remote_address                        st "
	"tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"
	"   0: 0000000000000000FFFF00000100007F:C360 0000000000000000FFFF00000100007F:1F90 01 "
	"00000000:00000000 00:00000000 00000000     0        0 2001 1 0000000000000000 20 4 30 10 -1\n"
	"   1: 00000000000000000000000001000000:C361 00000000000000000000000001000000:1F90 01 "
	"00000000:00000000 00:00000000 00000000     0        0 2002 1 0000000000000000 20 4 30 10 -1\n";

static void test_ipv4(void **state)
{
	struct sock_key k = { .family = 4, .daddr = { 127, 0, 0, 1 }, .dport = 8080,
			      .sport = 50001 };

	(void)state;
	assert_int_equal(sock_owner_inode(TCP, &k), 1002);
	k.sport = 50000;
	assert_int_equal(sock_owner_inode(TCP, &k), 1001);
	k.daddr[3] = 2;                 /* 127.0.0.2 is port 50002's */
	assert_int_equal(sock_owner_inode(TCP, &k), 0);
	k.sport = 50002;
	assert_int_equal(sock_owner_inode(TCP, &k), 1003);
	k.dport = 8081;
	assert_int_equal(sock_owner_inode(TCP, &k), 0);
	assert_int_equal(sock_owner_inode("", &k), 0);
	assert_int_equal(sock_owner_inode("garbage\n\n  0: zz\n", &k), 0);
}

static void test_ipv6_and_mapped(void **state)
{
	struct sock_key k = { .family = 4, .mapped = 1, .daddr = { 127, 0, 0, 1 }, .dport = 8080,
			      .sport = 0xC360 };
	struct sock_key six = { .family = 6, .daddr = { [15] = 1 }, .dport = 8080,
				.sport = 0xC361 };

	(void)state;
	assert_int_equal(sock_owner_inode(TCP6, &k), 2001);
	k.mapped = 0;                   /* not an IPv6 socket: not in tcp6 */
	assert_int_equal(sock_owner_inode(TCP6, &k), 0);
	assert_int_equal(sock_owner_inode(TCP6, &six), 2002);
	six.daddr[15] = 2;
	assert_int_equal(sock_owner_inode(TCP6, &six), 0);
}

/* A resolver's table: UDP bound to 127.0.0.53:53 and to another port; TCP
 * listening on :53, and a connection from port 53 (not a server's). */
static const char UDP[] =
	"   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  "
	"timeout inode ref pointer drops\n"
	"  100: 3500007F:0035 00000000:0000 07 00000000:00000000 00:00000000 00000000   991"
	"        0 3001 2 0000000000000000 0\n"
	"  101: 00000000:14E9 00000000:0000 07 00000000:00000000 00:00000000 00000000     0"
	"        0 3002 2 0000000000000000 0\n";

static const char TCP53[] =
	"  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  "
	"timeout inode\n"
	"   0: 00000000:0035 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0"
	"        0 4001 1 0000000000000000 100 0 0 10 0\n"
	"   1: 0100007F:0035 0100007F:C350 01 00000000:00000000 00:00000000 00000000     0"
	"        0 4002 1 0000000000000000 20 4 30 10 -1\n";

static void test_bound_port(void **state)
{
	unsigned long in[4];

	(void)state;
	assert_int_equal(sock_owner_bound(UDP, 0, 53, in, 4), 1);
	assert_int_equal(in[0], 3001);
	assert_int_equal(sock_owner_bound(UDP, 0, 5353, in, 4), 1);
	assert_int_equal(in[0], 3002);
	/* TCP: the listener only, not a connection that happens to use 53 */
	assert_int_equal(sock_owner_bound(TCP53, 1, 53, in, 4), 1);
	assert_int_equal(in[0], 4001);
	assert_int_equal(sock_owner_bound(TCP, 1, 53, in, 4), 0);
	/* bounded by max; garbage and an empty table find nothing */
	assert_int_equal(sock_owner_bound(UDP, 0, 53, in, 0), 0);
	assert_int_equal(sock_owner_bound("\n\n garbage 1: x:y\n", 0, 53, in, 4), 0);
	assert_int_equal(sock_owner_bound("", 0, 53, in, 4), 0);
}

static void test_evidence_escapes(void **state)
{
	struct nm_wire_event ev = { .family = 4, .protocol = IPPROTO_TCP, .port = 3333,
				    .reason = NM_WIRE_STRATUM, .flags = NM_WIRE_DROPPED,
				    .addr = { 127, 0, 0, 1 } };
	const char line[] = "{\"method\":\"login\\\x01\xff";
	json_t *o;

	(void)state;
	memcpy(ev.excerpt, line, sizeof(line) - 1);
	ev.excerpt_len = sizeof(line) - 1;
	o = wire_evidence(&ev);
	assert_string_equal(json_string_value(json_object_get(o, "matched")),
			    "{\"method\":\"login\\x5c\\x01\\xff");
	assert_string_equal(json_string_value(json_object_get(o, "reason")), "stratum");
	assert_true(json_is_true(json_object_get(o, "dropped")));
	assert_true(json_is_false(json_object_get(o, "stopped_in_kernel")));
	assert_string_equal(json_string_value(json_object_get(json_object_get(o, "destination"),
							     "address")), "127.0.0.1");
	json_decref(o);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ipv4),
		cmocka_unit_test(test_ipv6_and_mapped),
		cmocka_unit_test(test_bound_port),
		cmocka_unit_test(test_evidence_escapes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
