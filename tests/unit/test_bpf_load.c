/* SPDX-License-Identifier: BSD-2-Clause */
/* test_bpf_load.c - reading the verifier's statistics-level log: the cost of
 * an accepted program, and the lines that say why one was refused. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>
#include "bpf_load.h"

/* As 6.18 prints a refusal at log level 4. */
static const char refused[] =
	"Validating kw_banned_block() func#4...\n"
	"R4 unbounded memory access, make sure to bounds check any such access\n"
	"verification time 5292 usec\n"
	"stack depth 128+16+24+0+48\n"
	"processed 15949 insns (limit 1000000) max_states_per_insn 4 total_states 236 "
	"peak_states 186 mark_read 0\n";

static void test_parse_stats(void **state)
{
	uint32_t insns, us;

	(void)state;
	bpf_load_parse_stats(refused, &insns, &us);
	assert_int_equal(insns, 15949);
	assert_int_equal(us, 5292);
	/* the limit message comes first on an overrun; the count is the same */
	bpf_load_parse_stats("BPF program is too large. Processed 1000001 insn\n"
			     "processed 1000001 insns (limit 1000000) max_states_per_insn 19\n",
			     &insns, &us);
	assert_int_equal(insns, 1000001);
	assert_int_equal(us, 0);              /* before 5.15: no timing */
	bpf_load_parse_stats("nothing to see\n", &insns, &us);
	assert_int_equal(insns, 0);
	bpf_load_parse_stats(NULL, &insns, &us);
	assert_int_equal(insns, 0);
	/* "processed" inside another line is not the statistic */
	bpf_load_parse_stats("processed badly\nprocessed 12 insns (limit 1000000)\n", &insns, &us);
	assert_int_equal(insns, 12);
}

static void test_log_tail(void **state)
{
	char out[256];

	(void)state;
	bpf_load_log_tail(refused, 2, out, sizeof(out));
	assert_string_equal(out, "Validating kw_banned_block() func#4... | R4 unbounded memory "
			    "access, make sure to bounds check any such access");
	bpf_load_log_tail(refused, 1, out, sizeof(out));
	assert_string_equal(out, "R4 unbounded memory access, make sure to bounds check any such "
			    "access");
	bpf_load_log_tail("\n\none\n\n\ntwo\n\n", 3, out, sizeof(out));
	assert_string_equal(out, "one | two");
	bpf_load_log_tail("", 3, out, sizeof(out));
	assert_string_equal(out, "");
	/* a small buffer ends with whole lines only, and terminated */
	bpf_load_log_tail("aaaaaaaa\nbbbbbbbb\n", 2, out, 12);
	assert_string_equal(out, "aaaaaaaa");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_stats),
		cmocka_unit_test(test_log_tail),
	};

	return cmocka_run_group_tests_name("bpf_load", tests, NULL, NULL);
}
