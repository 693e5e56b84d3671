/* SPDX-License-Identifier: BSD-2-Clause */
/* test_config_inputs.c - config paths that must not stall the daemon (FIFOs,
 * sockets, devices, symbolic link loops, growing files, huge directories) and
 * the documented size limits (issue 15). Every test runs under an alarm: a
 * read that blocks fails the test instead of hanging it. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "config_test_util.h"
#include "file_read.h"

#define ALARM_S 120     /* far above any of these loads, sanitizers too */

static int setup(void **state)
{
	alarm(ALARM_S);
	return mktmp(state);
}

static int teardown(void **state)
{
	alarm(0);
	return rmtmp(state);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Loads the one path rel and expects rc with err "tmpdir/rel: why". */
static void expect_refused(const char *rel, int rc, const char *why)
{
	char err[CONFIG_ERR_MAX] = "", want[1024], *paths[1] = { (char *)tpath(rel) };
	struct config c;

	snprintf(want, sizeof(want), "%s: %s", paths[0], why);
	assert_int_equal(config_load(&c, paths, 1, err, sizeof(err)), rc);
	assert_string_equal(err, want);
}

static void load_ok(const char *rel, size_t nbanned)
{
	char err[CONFIG_ERR_MAX] = "", *paths[1] = { (char *)tpath(rel) };
	struct config c;
	int rc = config_load(&c, paths, 1, err, sizeof(err));

	if (rc)
		fail_msg("%s", err);
	assert_int_equal(c.nbanned, nbanned);
	config_free(&c);
}

/* A FIFO with no writer: open() would wait for one forever. */
static void test_fifo(void **state)
{
	char why[128], *buf = NULL;
	size_t len;

	(void)state;
	assert_int_equal(mkfifo(tpath("f.yaml"), 0644), 0);
	expect_refused("f.yaml", -EINVAL, FILE_READ_NOT_REGULAR);
	assert_int_equal(file_read_regular(tpath("f.yaml"), 1024, &buf, &len, why, sizeof(why)),
			 -EINVAL);
	assert_null(buf);
	/* in a directory: refused too, not skipped (a mistake there is seen) */
	assert_int_equal(mkdir(tpath("d"), 0755), 0);
	write_file("d/a.yaml", "bannedCommandStrings: [ok]\n");
	assert_int_equal(mkfifo(tpath("d/b.yaml"), 0644), 0);
	expect_refused("d/b.yaml", -EINVAL, FILE_READ_NOT_REGULAR);
	{
		char err[CONFIG_ERR_MAX] = "", want[1024], *paths[1] = { (char *)tpath("d") };
		struct config c;

		snprintf(want, sizeof(want), "%s/b.yaml: %s", tpath("d"), FILE_READ_NOT_REGULAR);
		assert_int_equal(config_load(&c, paths, 1, err, sizeof(err)), -EINVAL);
		assert_string_equal(err, want);
	}
	/* a non-config name that is a FIFO costs nothing: not even looked at */
	assert_int_equal(unlink(tpath("d/b.yaml")), 0);
	assert_int_equal(mkfifo(tpath("d/pipe"), 0644), 0);
	load_ok("d", 1);
}

static void test_socket(void **state)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	(void)state;
	assert_true(fd >= 0);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", tpath("s.yaml"));
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(fd, 1), 0);
	expect_refused("s.yaml", -EINVAL, FILE_READ_NOT_REGULAR);
	close(fd);
}

/* /dev/zero never ends and /dev/null is empty: both are refused unread,
 * through a link with a config name and when read directly. */
static void test_devices(void **state)
{
	char why[128], *buf = NULL;
	size_t len;

	(void)state;
	assert_int_equal(symlink("/dev/zero", tpath("zero.yaml")), 0);
	assert_int_equal(symlink("/dev/null", tpath("null.json")), 0);
	expect_refused("zero.yaml", -EINVAL, FILE_READ_NOT_REGULAR);
	expect_refused("null.json", -EINVAL, FILE_READ_NOT_REGULAR);
	assert_int_equal(file_read_regular("/dev/zero", 1 << 20, &buf, &len, why, sizeof(why)),
			 -EINVAL);
	assert_string_equal(why, FILE_READ_NOT_REGULAR);
	assert_null(buf);
}

static void test_symlink_loop(void **state)
{
	(void)state;
	assert_int_equal(symlink("loop.yaml", tpath("loop.yaml")), 0);
	expect_refused("loop.yaml", -ELOOP, "a symbolic link loop (or too many links to follow)");
	assert_int_equal(symlink("b.yaml", tpath("a.yaml")), 0);
	assert_int_equal(symlink("a.yaml", tpath("b.yaml")), 0);
	expect_refused("a.yaml", -ELOOP, "a symbolic link loop (or too many links to follow)");
	/* inside a directory the loop is named, with the directory */
	assert_int_equal(mkdir(tpath("d"), 0755), 0);
	assert_int_equal(symlink("x.yml", tpath("d/x.yml")), 0);
	{
		char err[CONFIG_ERR_MAX] = "", want[1024], *paths[1] = { (char *)tpath("d") };
		struct config c;

		snprintf(want, sizeof(want), "%s/x.yml: a symbolic link loop (or too many links "
			 "to follow)", tpath("d"));
		assert_int_equal(config_load(&c, paths, 1, err, sizeof(err)), -ELOOP);
		assert_string_equal(err, want);
	}
	/* a path through a file */
	write_file("plain.yaml", "bannedCommandStrings: [x]\n");
	expect_refused("plain.yaml/c.yaml", -ENOTDIR, strerror(ENOTDIR));
}

/* A /proc file is regular with size 0 but has contents: it "grows" past
 * what fstat said, every time, and is refused, not read to its end. */
static void test_grows_proc(void **state)
{
	char why[128], *buf = NULL;
	size_t len;

	(void)state;
	assert_int_equal(file_read_regular("/proc/self/status", 1 << 20, &buf, &len, why,
					   sizeof(why)), -EAGAIN);
	assert_string_equal(why, "the file changed size while it was read (being written?)");
	assert_null(buf);
	assert_int_equal(symlink("/proc/self/status", tpath("status.yaml")), 0);
	expect_refused("status.yaml", -EAGAIN,
		       "the file changed size while it was read (being written?)");
}

static atomic_int writing;

/* Appends a banned string line after line until told to stop. */
static void *writer(void *arg)
{
	int fd = open((const char *)arg, O_WRONLY | O_APPEND | O_CLOEXEC);
	static const char line[] = "  - grow\n";

	if (fd < 0)
		return NULL;
	for (long i = 0; atomic_load(&writing) && i < 2000000; i++)
		if (write(fd, line, sizeof(line) - 1) < 0)
			break;
	close(fd);
	return NULL;
}

/* A file written while it is read: every read ends, bounded by the size
 * fstat gave. A read that saw the size change is refused; one that did not
 * may end inside a write the kernel had half done at fstat time (its size
 * already counted): the writer's close reloads again, so what stays in
 * force is the finished file. */
static void test_grows_writer(void **state)
{
	char why[128], *buf;
	const char *path = tpath("g.yaml");
	pthread_t t;
	size_t len;
	int ok = 0, again = 0;

	(void)state;
	write_file("g.yaml", "bannedCommandStrings:\n");
	atomic_store(&writing, 1);
	assert_int_equal(pthread_create(&t, NULL, writer, (void *)path), 0);
	for (int i = 0; i < 300; i++) {
		buf = NULL;
		int rc = file_read_regular(path, (size_t)64 << 20, &buf, &len, why, sizeof(why));

		if (rc == 0) {
			ok++;
			assert_true(len >= 22 && strlen(buf) == len);
			free(buf);
		} else {
			assert_int_equal(rc, -EAGAIN);
			again++;
		}
	}
	atomic_store(&writing, 0);
	pthread_join(t, NULL);
	print_message("growing file: %d reads whole, %d refused as changing\n", ok, again);
	assert_int_equal(ok + again, 300);
}

/* count files named prefix%06d.ext with contents text, in dir rel. */
static void make_files(const char *rel, const char *prefix, const char *ext, int count,
		       const char *text)
{
	char name[512];

	for (int i = 0; i < count; i++) {
		snprintf(name, sizeof(name), "%s/%s%06d%s", tpath(rel), prefix, i, ext);
		int fd = open(name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);

		assert_true(fd >= 0);
		if (text)
			assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
		close(fd);
	}
}

/* At most CONFIG_DIR_FILES_MAX config files in a directory; other names,
 * however many, are skipped at the cost of readdir alone. */
static void test_directory_limits(void **state)
{
	char want[512];
	double t;

	(void)state;
	assert_int_equal(mkdir(tpath("many"), 0755), 0);
	make_files("many", "c", ".yaml", CONFIG_DIR_FILES_MAX, "bannedCommandStrings: [x]\n");
	t = now_s();
	load_ok("many", CONFIG_DIR_FILES_MAX);
	print_message("%d tiny config files: loaded in %.2f s\n", CONFIG_DIR_FILES_MAX,
		      now_s() - t);
	make_files("many", "d", ".yml", 1, "bannedCommandStrings: [x]\n");
	snprintf(want, sizeof(want), "more than %d config files in the directory",
		 CONFIG_DIR_FILES_MAX);
	t = now_s();
	expect_refused("many", -E2BIG, want);
	print_message("%d tiny config files: refused in %.2f s\n", CONFIG_DIR_FILES_MAX + 1,
		      now_s() - t);

	assert_int_equal(mkdir(tpath("other"), 0755), 0);
	make_files("other", "n", ".txt", 3 * CONFIG_DIR_FILES_MAX, NULL);
	write_file("other/z.yaml", "bannedCommandStrings: [x]\n");
	t = now_s();
	load_ok("other", 1);
	print_message("%d other files and one config: loaded in %.3f s\n",
		      3 * CONFIG_DIR_FILES_MAX, now_s() - t);
}

/* List items are counted over all files and refused at the item that
 * passes CONFIG_ITEMS_MAX, while that file is parsed. */
static void test_item_limit(void **state)
{
	size_t half = CONFIG_ITEMS_MAX / 2, size = 64 + 12 * (half + 1);
	char *text = malloc(size), *paths[2], err[CONFIG_ERR_MAX] = "", want[1024];
	struct config c;
	size_t at;

	(void)state;
	assert_non_null(text);
	at = (size_t)snprintf(text, size, "bannedCommandStrings:\n");
	for (size_t i = 0; i < half; i++)
		at += (size_t)snprintf(text + at, size - at, "- s%07zu\n", i);
	write_bytes("a.yaml", text, at);
	paths[0] = strdup(tpath("a.yaml"));
	/* the second file: half + 1 more, one past the limit on its last line */
	at += (size_t)snprintf(text + at, size - at, "- s%07zu\n", half);
	write_bytes("b.yaml", text, at);
	paths[1] = strdup(tpath("b.yaml"));
	assert_int_equal(config_load(&c, paths, 1, err, sizeof(err)), 0);
	assert_int_equal(c.nbanned, half);
	assert_int_equal(config_nitems(&c), half);
	config_free(&c);
	snprintf(want, sizeof(want), "%s:%zu: more than %d list items (banned strings, patterns, "
		 "names...) in the config's files together", paths[1], half + 2, CONFIG_ITEMS_MAX);
	assert_int_equal(config_load(&c, paths, 2, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, want);
	free(paths[0]);
	free(paths[1]);
	free(text);
}

/* Banned strings (command and executable) are held to CONFIG_BANNED_MIB
 * together, over files: 4096-byte strings pass it on the string that does. */
static void test_banned_bytes_limit(void **state)
{
	size_t n = ((size_t)CONFIG_BANNED_MIB << 20) / 4096 / 2, size = (n + 2) * 4100 + 64;
	char *text = malloc(size), *paths[2], err[CONFIG_ERR_MAX] = "", want[1024];
	struct config c;
	size_t at;

	(void)state;
	assert_non_null(text);
	for (int f = 0; f < 2; f++) {
		at = (size_t)snprintf(text, size, f ? "bannedExecutableStrings:\n" :
				      "bannedCommandStrings:\n");
		for (size_t i = 0; i < n + (size_t)f; i++) {
			at += (size_t)snprintf(text + at, size - at, "- %c%07zu", 'a' + f, i);
			memset(text + at, 'x', 4088);
			at += 4088;
			text[at++] = '\n';
		}
		write_bytes(f ? "b.yaml" : "a.yaml", text, at);
	}
	free(text);
	paths[0] = strdup(tpath("a.yaml"));
	paths[1] = strdup(tpath("b.yaml"));
	assert_int_equal(config_load(&c, paths, 1, err, sizeof(err)), 0);
	assert_int_equal(c.banned_bytes, n * 4096);
	config_free(&c);
	snprintf(want, sizeof(want), "%s:%zu: more than %d MiB of banned strings in the config's "
		 "files together", paths[1], n + 2, CONFIG_BANNED_MIB);
	assert_int_equal(config_load(&c, paths, 2, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, want);
	free(paths[0]);
	free(paths[1]);
}

/* The 64 MiB are for all files together: two files of 40 MiB are refused
 * at the second, named. */
static void test_total_limit(void **state)
{
	size_t size = (size_t)40 << 20;
	char *text = malloc(size), *paths[2], err[CONFIG_ERR_MAX] = "", want[1024];
	struct config c;

	(void)state;
	assert_non_null(text);
	memset(text, '\n', size);
	memcpy(text, "bannedCommandStrings: [x]\n", 26);
	write_bytes("a.yaml", text, size);
	write_bytes("b.yaml", text, size);
	free(text);
	paths[0] = strdup(tpath("a.yaml"));
	paths[1] = strdup(tpath("b.yaml"));
	assert_int_equal(config_load(&c, paths, 1, err, sizeof(err)), 0);
	config_free(&c);
	snprintf(want, sizeof(want), "%s: the config files are larger than 64 MiB in all",
		 paths[1]);
	assert_int_equal(config_load(&c, paths, 2, err, sizeof(err)), -EFBIG);
	assert_string_equal(err, want);
	free(paths[0]);
	free(paths[1]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_fifo, setup, teardown),
		cmocka_unit_test_setup_teardown(test_socket, setup, teardown),
		cmocka_unit_test_setup_teardown(test_devices, setup, teardown),
		cmocka_unit_test_setup_teardown(test_symlink_loop, setup, teardown),
		cmocka_unit_test_setup_teardown(test_grows_proc, setup, teardown),
		cmocka_unit_test_setup_teardown(test_grows_writer, setup, teardown),
		cmocka_unit_test_setup_teardown(test_directory_limits, setup, teardown),
		cmocka_unit_test_setup_teardown(test_item_limit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_banned_bytes_limit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_total_limit, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
