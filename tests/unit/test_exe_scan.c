/* SPDX-License-Identifier: BSD-2-Clause */
/* test_exe_scan.c - an executable's bytes: strings across read boundaries,
 * SHA-256, banned hashes, the size and time caps, FIFOs, files changing
 * under the scan, packers; the config keys behind them; and the script
 * argument of each interpreter family. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "exe_scan.h"
#include "exe_script.h"
#include "tunables.h"
#include "exe_test_util.h"


static int config_error(const char *yaml, char *err, size_t n)
{
	struct config cfg = { 0 };
	int rc = config_parse_buffer(&cfg, "t.yaml", yaml, strlen(yaml), 0, err, n);

	config_free(&cfg);
	return rc;
}

/* A file of size bytes of filler with text written at each offset. */
static int file_with(const char *name, size_t size, const char *text, const size_t *offs,
		     size_t noffs)
{
	char path[128];
	uint8_t *b = malloc(size);
	int fd;

	assert_non_null(b);
	for (size_t i = 0; i < size; i++)
		b[i] = (uint8_t)(i * 7 % 251);    /* no banned text by chance */
	for (size_t i = 0; i < noffs; i++)
		memcpy(b + offs[i], text, strlen(text));
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0755);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, b, size), (ssize_t)size);
	free(b);
	lseek(fd, 0, SEEK_SET);
	return fd;
}

static void test_string_across_reads(void **state)
{
	struct exe_rules *r = rules_of("bannedExecutableStrings: [\"mining.subscribe\"]\n");
	struct exe_report rep;
	/* straddles the first read (NM_EXE_SCAN_CHUNK) */
	size_t at = NM_EXE_SCAN_CHUNK - 7;
	int fd = file_with("straddle", 3 * NM_EXE_SCAN_CHUNK, "MINING.subscribe", &at, 1);

	(void)state;
	assert_int_equal(exe_scan_fd(fd, r, &rep), 0);
	assert_int_equal(rep.status, EXE_SCANNED);
	assert_int_equal(rep.string, 0);        /* ASCII case folded */
	assert_true(rep.banned);
	assert_true(rep.have_sha256);
	assert_int_equal(rep.bytes_read, 3 * NM_EXE_SCAN_CHUNK);
	close(fd);
	fd = file_with("clean", 2 * NM_EXE_SCAN_CHUNK + 5, "mining.subscrib", &at, 1);
	assert_int_equal(exe_scan_fd(fd, r, &rep), 0);
	assert_int_equal(rep.string, -1);
	assert_false(rep.banned);
	close(fd);
	exe_rules_put(r);
}

static void test_sha256_and_banned_hash(void **state)
{
	/* SHA-256("abc"), FIPS 180-2's example, in upper case in the config */
	struct exe_rules *r = rules_of("bannedExecutableHashes:\n"
		"  - BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD\n"
		"  - \"0000000000000000000000000000000000000000000000000000000000000000\"\n");
	struct exe_report rep;
	char path[128], hex[65];
	json_t *o = json_object();
	int fd;

	(void)state;
	snprintf(path, sizeof(path), "%s/abc", dir);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
	assert_int_equal(write(fd, "abc", 3), 3);
	assert_int_equal(exe_scan_fd(fd, r, &rep), 0);
	assert_true(rep.have_sha256);
	exe_sha256_hex(rep.sha256, hex);
	assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	assert_true(rep.hash >= 0);
	assert_true(rep.banned);
	exe_report_json(&rep, r, o);
	assert_string_equal(json_string_value(json_object_get(json_object_get(o, "executable"),
							      "matched_at")), "t.yaml:2");
	json_decref(o);
	assert_int_equal(write(fd, "d", 1), 1);
	assert_int_equal(exe_scan_fd(fd, r, &rep), 0);
	assert_int_equal(rep.hash, -1);
	assert_false(rep.banned);
	close(fd);
	exe_rules_put(r);
}

/* A "secret: true" file's strings are named by their origin, never their
 * text, in what an event carries. */
static void test_secret_strings(void **state)
{
	struct exe_rules *r = rules_of("secret: true\nbannedExecutableStrings:\n"
				       "  - hidden-pool-name\n");
	struct exe_report rep;
	size_t at = 10;
	json_t *o = json_object();
	char *text;
	int fd = file_with("secret", 4096, "hidden-pool-name", &at, 1);

	(void)state;
	assert_int_equal(exe_scan_fd(fd, r, &rep), 0);
	assert_true(rep.banned);
	exe_report_json(&rep, r, o);
	text = json_dumps(o, 0);
	assert_null(strstr(text, "hidden-pool-name"));
	assert_non_null(strstr(text, "\"matched_string\": \"t.yaml:3\""));
	free(text);
	json_decref(o);
	close(fd);
	exe_rules_put(r);
}

static void test_config_keys(void **state)
{
	char err[CONFIG_ERR_MAX];
	struct config cfg = { 0 };

	(void)state;
	assert_int_equal(config_error("bannedExecutableHashes: [\"abc\"]\n", err, sizeof(err)),
			 -EINVAL);
	assert_non_null(strstr(err, "t.yaml:1"));
	assert_non_null(strstr(err, "SHA-256"));
	assert_int_equal(config_error("bannedExecutableStrings: [\"\"]\n", err, sizeof(err)),
			 -EINVAL);
	assert_int_equal(config_error("bannedPackedExecutables: yes\n", err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "true or false"));
	assert_int_equal(config_error("executableScanMaxMiB: 0\n", err, sizeof(err)), -EINVAL);
	assert_int_equal(config_parse_buffer(&cfg, "a.json", "{\"bannedPackedExecutables\": true}",
					     33, 1, err, sizeof(err)), 0);
	assert_int_equal(config_bool(&cfg, "bannedPackedExecutables"), 1);
	config_free(&cfg);
	memset(&cfg, 0, sizeof(cfg));
	assert_int_equal(config_bool(&cfg, "bannedPackedExecutables"), 0);   /* default */
	assert_int_equal(config_number(&cfg, "executableScanMaxMiB"), NM_EXE_SCAN_MAX_MIB);
}

static void test_caps(void **state)
{
	struct exe_rules *r = rules_of("bannedExecutableStrings: [\"cryptonight\"]\n"
				       "executableScanMaxMiB: 1\n");
	struct exe_report rep;
	size_t at[2] = { 100, (1u << 20) + 100 };
	char path[128];
	int fd;

	(void)state;
	/* beyond the cap: not read, no hash */
	fd = file_with("big", 3u << 20, "cryptonight", &at[1], 1);
	assert_int_equal(exe_scan_fd(fd, r, &rep), 0);
	assert_int_equal(rep.status, EXE_TRUNCATED);
	assert_false(rep.have_sha256);
	assert_int_equal(rep.bytes_read, 1u << 20);
	assert_false(rep.banned);
	close(fd);
	/* within it: found even so */
	fd = file_with("big2", 3u << 20, "cryptonight", at, 2);
	assert_int_equal(exe_scan_fd(fd, r, &rep), 0);
	assert_int_equal(rep.status, EXE_TRUNCATED);
	assert_true(rep.banned);
	close(fd);
	exe_rules_put(r);

	/* a huge sparse file: the time cap ends it */
	r = rules_of("executableScanMaxMiB: 4096\nexecutableScanSeconds: 0.01\n");
	snprintf(path, sizeof(path), "%s/sparse", dir);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0755);
	assert_int_equal(ftruncate(fd, (off_t)4 << 30), 0);
	assert_int_equal(exe_scan_fd(fd, r, &rep), 0);
	assert_int_equal(rep.status, EXE_TIMED_OUT);
	assert_false(rep.have_sha256);
	assert_true(rep.bytes_read < ((uint64_t)4 << 30));
	close(fd);

	/* a FIFO is never read (a read would wait for a writer) */
	snprintf(path, sizeof(path), "%s/fifo", dir);
	assert_int_equal(mkfifo(path, 0600), 0);
	fd = open(path, O_RDONLY | O_NONBLOCK);
	assert_true(fd >= 0);
	assert_int_equal(exe_scan_fd(fd, r, &rep), 0);
	assert_int_equal(rep.status, EXE_NOT_REGULAR);
	close(fd);
	exe_rules_put(r);
}

struct writer {
	int fd;
	volatile int stop;
	int writes;
};

static void *append(void *arg)
{
	struct writer *w = arg;

	while (!w->stop) {
		if (write(w->fd, "x", 1) == 1)
			w->writes++;
		usleep(100);
	}
	return NULL;
}

static void test_changed_while_read(void **state)
{
	struct exe_rules *r = rules_of("executableScanMaxMiB: 1024\n");
	struct writer w = { 0 };
	struct exe_report rep;
	pthread_t t;
	char path[128];
	int fd = file_with("growing", 256u << 20, "", NULL, 0);

	(void)state;
	snprintf(path, sizeof(path), "%s/growing", dir);
	w.fd = open(path, O_WRONLY | O_APPEND);
	assert_int_equal(pthread_create(&t, NULL, append, &w), 0);
	while (!w.writes)
		usleep(100);
	assert_int_equal(exe_scan_fd(fd, r, &rep), 0);
	w.stop = 1;
	pthread_join(t, NULL);
	assert_int_equal(rep.status, EXE_CHANGED);
	assert_false(rep.have_sha256);
	close(w.fd);
	close(fd);
	exe_rules_put(r);
}

static void test_packed(void **state)
{
	struct exe_rules *evidence = rules_of("executableScanMaxMiB: 64\n");
	struct exe_rules *ban = rules_of("bannedPackedExecutables: true\n");
	struct exe_report rep;
	size_t at = 5000;
	uint8_t elf[64] = { 0x7f, 'E', 'L', 'F', 2, 1, 1 };
	char path[128];
	int fd;

	(void)state;
	fd = file_with("upx", 100000, "UPX!", &at, 1);
	assert_int_equal(exe_scan_fd(fd, evidence, &rep), 0);
	assert_string_equal(rep.packed, "UPX");
	assert_false(rep.banned);
	assert_int_equal(exe_scan_fd(fd, ban, &rep), 0);
	assert_true(rep.banned);
	close(fd);

	/* an ELF with no section headers whose bytes are random */
	snprintf(path, sizeof(path), "%s/random", dir);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0755);
	assert_int_equal(write(fd, elf, sizeof(elf)), 64);
	for (int i = 0; i < 64; i++) {
		uint8_t b[4096];

		for (size_t k = 0; k < sizeof(b); k++)
			b[k] = (uint8_t)(random() >> 7);
		assert_int_equal(write(fd, b, sizeof(b)), (ssize_t)sizeof(b));
	}
	assert_int_equal(exe_scan_fd(fd, evidence, &rep), 0);
	assert_non_null(rep.packed);
	close(fd);

	/* Debian's own binaries are not packed, by either sign */
	static const char *const real[] = { "/bin/ls", "/usr/bin/python3", "/bin/bash",
					    "/usr/bin/gcc" };
	for (size_t i = 0; i < sizeof(real) / sizeof(real[0]); i++) {
		fd = open(real[i], O_RDONLY);
		if (fd < 0)
			continue;
		assert_int_equal(exe_scan_fd(fd, ban, &rep), 0);
		if (rep.packed)
			fail_msg("%s reads as packed (%s)", real[i], rep.packed);
		close(fd);
	}
	exe_rules_put(evidence);
	exe_rules_put(ban);
}

static int script_of(const char *fam, const char *const *args, char *out)
{
	uint8_t buf[1024];
	size_t n = 0;

	for (; *args; args++) {
		memcpy(buf + n, *args, strlen(*args) + 1);
		n += strlen(*args) + 1;
	}
	return exe_script_arg(fam, buf, n, out, 256);
}

static void test_script_args(void **state)
{
	char out[256];

	(void)state;
	assert_string_equal(exe_interpreter("/usr/bin/python3.11"), "python");
	assert_string_equal(exe_interpreter("/opt/conda/bin/python"), "python");
	assert_string_equal(exe_interpreter("/bin/dash"), "shell");
	assert_string_equal(exe_interpreter("/usr/bin/perl5.36.0"), "perl");
	assert_null(exe_interpreter("/usr/bin/python-config"));
	assert_null(exe_interpreter("/usr/bin/ls"));
	assert_null(exe_interpreter("/tmp/shx"));

	assert_true(script_of("python", (const char *[]){ "python3", "-u", "x.py", "-c", NULL },
			      out));
	assert_string_equal(out, "x.py");
	assert_true(script_of("python", (const char *[]){ "python3", "-W", "ignore", "/t/m.py",
							    NULL }, out));
	assert_string_equal(out, "/t/m.py");
	assert_true(script_of("python", (const char *[]){ "python3", "-Wdefault::mod", "s.py",
							    NULL }, out));
	assert_string_equal(out, "s.py");
	assert_false(script_of("python", (const char *[]){ "python3", "-m", "pip", NULL }, out));
	assert_false(script_of("python", (const char *[]){ "python3", "-Bc", "print(1)", NULL },
			       out));
	assert_false(script_of("python", (const char *[]){ "python3", "-", NULL }, out));
	assert_false(script_of("python", (const char *[]){ "python3", NULL }, out));
	assert_true(script_of("shell", (const char *[]){ "/bin/sh", "-e", "./run.sh", NULL }, out));
	assert_string_equal(out, "./run.sh");
	assert_false(script_of("shell", (const char *[]){ "bash", "-ec", "true", NULL }, out));
	assert_true(script_of("shell", (const char *[]){ "bash", "-o", "pipefail", "a.sh", NULL },
			      out));
	assert_string_equal(out, "a.sh");
	assert_false(script_of("perl", (const char *[]){ "perl", "-ne", "print", NULL }, out));
	assert_true(script_of("node", (const char *[]){ "node", "--require", "x", "--", "app.js",
							  NULL }, out));
	assert_string_equal(out, "app.js");
	/* the loader run as a program maps the real one, which is never exec'd */
	assert_string_equal(exe_interpreter("/lib64/ld-linux-x86-64.so.2"), "loader");
	assert_true(script_of("loader", (const char *[]){ "/lib64/ld-linux-x86-64.so.2",
							    "--library-path", "/x", "./svc", "-c",
							    NULL }, out));
	assert_string_equal(out, "./svc");
	/* the kernel's argv for a #! script: interpreter, its argument, path */
	assert_true(script_of("python", (const char *[]){ "/usr/bin/python3", "-u",
							    "/home/u/miner.py", "--pool", NULL },
			      out));
	assert_string_equal(out, "/home/u/miner.py");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_string_across_reads),
		cmocka_unit_test(test_sha256_and_banned_hash),
		cmocka_unit_test(test_secret_strings),
		cmocka_unit_test(test_config_keys),
		cmocka_unit_test(test_caps),
		cmocka_unit_test(test_changed_while_read),
		cmocka_unit_test(test_packed),
		cmocka_unit_test(test_script_args),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
