/* SPDX-License-Identifier: BSD-2-Clause */
/* test_evidence.c - incident records: what evidence_capture reads of a
 * real stopped process (its sockets, its chain of ancestors), of a dead
 * one (ancestors only), the executable hashed through its fd after the
 * file was deleted (and of a memfd), rotation by count and bytes,
 * permissions, hostile argv bytes, unique names under threads; and the
 * cost of a capture (printed: it runs between the stop and the kill). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "evidence.h"
#include "evidence_live.h"
#include "exe_scan.h"
#include "proc.h"
#include "proc_conns.h"

#define SCRATCH_PREFIX "/tmp/nomine-test-evidence-"
#include "scratch_dir.h"

/* ---- a process at the end of a chain of forks ---- */

struct leaf_info {
	pid_t pid;
	unsigned int listen_port, client_port, udp_port;
};

static unsigned int port_of(int fd)
{
	struct sockaddr_in a;
	socklen_t len = sizeof(a);

	getsockname(fd, (struct sockaddr *)&a, &len);
	return ntohs(a.sin_port);
}

static int loopback_socket(int type)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int fd = socket(AF_INET, type, 0);

	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)))
		_exit(3);
	return fd;
}

/* A listener, a connection to it (both ends), a UDP socket, and `extra`
 * more UDP sockets. */
static void sockets_leaf(int wfd, int extra)
{
	struct leaf_info in = { .pid = getpid() };
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int l = loopback_socket(SOCK_STREAM), c = socket(AF_INET, SOCK_STREAM, 0), u;

	if (listen(l, 4))
		_exit(3);
	in.listen_port = port_of(l);
	a.sin_port = htons((uint16_t)in.listen_port);
	if (c < 0 || connect(c, (struct sockaddr *)&a, sizeof(a)) || accept(l, NULL, NULL) < 0)
		_exit(3);
	in.client_port = port_of(c);
	u = loopback_socket(SOCK_DGRAM);
	in.udp_port = port_of(u);
	for (int i = 0; i < extra; i++)
		loopback_socket(SOCK_DGRAM);
	if (write(wfd, &in, sizeof(in)) != sizeof(in))
		_exit(3);
	for (;;)
		pause();
}

/* Forks depth processes, each the parent of the next (each waits for its
 * child); the last runs sockets_leaf. Returns the first (for waitpid);
 * *info is what the last reported. */
static pid_t chain(int depth, int extra, struct leaf_info *info)
{
	int p[2];
	pid_t top;

	assert_int_equal(pipe(p), 0);
	top = fork();
	assert_true(top >= 0);
	if (top == 0) {
		close(p[0]);
		for (int i = 1; i < depth; i++) {
			pid_t c = fork();

			if (c < 0)
				_exit(3);
			if (c > 0) {
				close(p[1]);
				waitpid(c, NULL, 0);
				_exit(0);
			}
		}
		sockets_leaf(p[1], extra);
	}
	close(p[1]);
	assert_int_equal(read(p[0], info, sizeof(*info)), sizeof(*info));
	close(p[0]);
	return top;
}

static void end_chain(pid_t top, pid_t leaf)
{
	kill(leaf, SIGKILL);
	waitpid(top, NULL, 0);
}

static int has_conn(const json_t *conns, const char *proto, const char *local,
		    const char *remote, const char *state)
{
	size_t i;
	json_t *c;

	json_array_foreach(conns, i, c) {
		if (!strcmp(json_string_value(json_object_get(c, "proto")), proto) &&
		    !strcmp(json_string_value(json_object_get(c, "local")), local) &&
		    !strcmp(json_string_value(json_object_get(c, "remote")), remote) &&
		    !strcmp(json_string_value(json_object_get(c, "state")), state))
			return 1;
	}
	return 0;
}

static json_t *load(const char *path)
{
	json_error_t e;
	json_t *j = json_load_file(path, 0, &e);

	if (!j)
		fail_msg("%s: %s", path, e.text);
	return j;
}

/* A record of this capture, written and read back. */
static json_t *record_of(struct evidence_store *s, const json_t *event,
			 const struct evidence_live *l, char **pathp)
{
	char err[256], *path = evidence_name(s, 1);
	json_t *r;

	assert_non_null(path);
	if (evidence_write(s, path, event, l, err, sizeof(err)))
		fail_msg("evidence_write: %s", err);
	r = load(path);
	if (pathp)
		*pathp = path;
	else
		free(path);
	return r;
}

static uint64_t start_of(pid_t pid)
{
	struct proc_stat st;

	assert_int_equal(proc_read_stat(pid, &st), 0);
	return st.start_ticks;
}

static void test_capture_live(void **state)
{
	struct leaf_info in;
	pid_t top = chain(3, 0, &in);
	struct proc_stat st;
	struct evidence_live *l;
	struct evidence_store *s;
	char err[256], lp[32], cp[32], up[32], sub[128];
	json_t *r, *conns, *anc;

	(void)state;
	assert_int_equal(kill(in.pid, SIGSTOP), 0);
	assert_int_equal(proc_wait_stopped(in.pid, 1000000), 0);
	assert_int_equal(proc_read_stat(in.pid, &st), 0);
	l = evidence_capture(in.pid, st.start_ticks, st.ppid);
	assert_non_null(l);
	snprintf(sub, sizeof(sub), "%s/live", dir);
	s = evidence_store_new(sub, 10, 1 << 20, 0, err, sizeof(err));
	assert_non_null(s);
	r = record_of(s, NULL, l, NULL);
	evidence_live_free(l);
	end_chain(top, in.pid);

	assert_true(json_is_true(json_object_get(json_object_get(r, "process"), "alive")));
	conns = json_object_get(json_object_get(r, "process"), "connections");
	assert_int_equal(json_array_size(conns), 4);
	snprintf(lp, sizeof(lp), "127.0.0.1:%u", in.listen_port);
	snprintf(cp, sizeof(cp), "127.0.0.1:%u", in.client_port);
	snprintf(up, sizeof(up), "127.0.0.1:%u", in.udp_port);
	assert_true(has_conn(conns, "tcp", lp, "0.0.0.0:0", "LISTEN"));
	assert_true(has_conn(conns, "tcp", cp, lp, "ESTABLISHED"));
	assert_true(has_conn(conns, "tcp", lp, cp, "ESTABLISHED"));
	assert_true(has_conn(conns, "udp", up, "0.0.0.0:0", "UNCONN"));
	assert_non_null(json_string_value(json_object_get(json_object_get(r, "process"), "cgroup")));

	/* leaf <- middle <- top <- this test <- ... */
	anc = json_object_get(r, "ancestors");
	assert_true(json_array_size(anc) >= 4);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(anc, 0), "pid")), st.ppid);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(anc, 1), "pid")), top);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(anc, 2), "pid")), getpid());
	assert_int_equal(json_integer_value(json_object_get(json_array_get(anc, 2), "ppid")), getppid());
	assert_int_equal(json_integer_value(json_object_get(json_array_get(anc, 2), "start_ticks")),
			 start_of(getpid()));
	assert_int_equal(json_integer_value(json_object_get(json_array_get(anc, 2), "uid")), getuid());
	assert_non_null(strstr(json_string_value(json_object_get(json_array_get(anc, 2), "exe")),
			       "test_evidence"));
	assert_non_null(strstr(json_string_value(json_array_get(json_object_get(json_array_get(anc, 2),
				"argv"), 0)), "test_evidence"));
	assert_int_equal(strlen(json_string_value(json_object_get(json_array_get(anc, 2),
				"start_time"))), strlen("2026-12-06T18:30:26.000000Z"));
	{
		json_t *last = json_array_get(anc, json_array_size(anc) - 1);

		/* up to PID 1, unless the cap of 16 came first */
		assert_true(json_integer_value(json_object_get(last, "pid")) == 1 ||
			    json_array_size(anc) == EVIDENCE_ANCESTORS_MAX);
	}
	json_decref(r);
	evidence_store_free(s);
}

static void test_capture_dead(void **state)
{
	pid_t c = fork();
	uint64_t start;
	struct evidence_live *l;
	struct evidence_store *s;
	char err[256], sub[128];
	json_t *r;

	(void)state;
	assert_true(c >= 0);
	if (c == 0) {
		pause();
		_exit(0);
	}
	start = start_of(c);
	kill(c, SIGKILL);
	waitpid(c, NULL, 0);
	l = evidence_capture(c, start, getpid());
	assert_non_null(l);
	snprintf(sub, sizeof(sub), "%s/dead", dir);
	s = evidence_store_new(sub, 10, 1 << 20, 1 << 20, err, sizeof(err));
	assert_non_null(s);
	r = record_of(s, NULL, l, NULL);
	assert_true(json_is_false(json_object_get(json_object_get(r, "process"), "alive")));
	assert_null(json_object_get(json_object_get(r, "process"), "connections"));
	assert_int_equal(json_integer_value(json_object_get(json_array_get(json_object_get(r, "ancestors"), 0),
							    "pid")), getpid());
	/* nothing to hash: the event named no path */
	assert_non_null(json_object_get(json_object_get(r, "executable"), "error"));
	json_decref(r);
	evidence_live_free(l);
	evidence_store_free(s);
}

/* The table fallback (kernels without pidfd_getfd): lines of /proc/net
 * tcp6 and udp picked by inode. */
static void test_tables(void **state)
{
	static const char TCP6[] =
		"  sl  local_address                         remote_address                        st "
		"tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"
		"   0: 0000000000000000FFFF00000100007F:C360 0000000000000000FFFF00000100007F:1F90 01 "
		"00000000:00000000 00:00000000 00000000     0        0 2001 1 0000000000000000 20 4 30 10 -1\n"
		"   1: 00000000000000000000000001000000:C361 00000000000000000000000001000000:1F90 0A "
		"00000000:00000000 00:00000000 00000000     0        0 2002 1 0000000000000000 20 4 30 10 -1\n";
	static const char UDP[] =
		"   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  "
		"timeout inode ref pointer drops\n"
		"  100: 0100007F:0035 00000000:0000 07 00000000:00000000 00:00000000 00000000   101"
		"        0 3001 2 0000000000000000 0\n";
	const unsigned long inodes[] = { 2002, 3001 };
	struct proc_conn c[4];
	char a[PROC_CONN_ADDR_MAX];
	size_t n = 0;

	(void)state;
	proc_conns_match(TCP6, "tcp6", inodes, 2, c, &n, 4);
	proc_conns_match(UDP, "udp", inodes, 2, c, &n, 4);
	assert_int_equal(n, 2);
	assert_string_equal(proc_conn_addr(c[0].l.family, c[0].l.laddr, c[0].l.lport, a, sizeof(a)),
			    "[::1]:50017");
	assert_string_equal(proc_conn_addr(c[0].l.family, c[0].l.raddr, c[0].l.rport, a, sizeof(a)),
			    "[::1]:8080");
	assert_string_equal(proc_conn_state(&c[0]), "LISTEN");
	assert_string_equal(proc_conn_addr(c[1].l.family, c[1].l.laddr, c[1].l.lport, a, sizeof(a)),
			    "127.0.0.1:53");
	assert_string_equal(proc_conn_state(&c[1]), "UNCONN");
	/* max respected */
	n = 0;
	proc_conns_match(TCP6, "tcp6", inodes, 2, c, &n, 0);
	assert_int_equal(n, 0);
}

/* ---- the executable ---- */

static void sha_of_file(const char *path, char hex[65])
{
	struct exe_rules rules = { .max_bytes = 1ull << 30, .max_seconds = 60 };
	struct exe_report rep;
	int fd = open(path, O_RDONLY);

	assert_true(fd >= 0);
	assert_int_equal(exe_scan_fd(fd, &rules, &rep), 0);
	assert_true(rep.have_sha256);
	exe_sha256_hex(rep.sha256, hex);
	close(fd);
}

static void copy_file(const char *from, const char *to)
{
	char cmd[512];

	snprintf(cmd, sizeof(cmd), "cp %s %s && chmod 755 %s", from, to, to);
	assert_int_equal(system(cmd), 0);
}

/* Waits until pid runs a file whose /proc/PID/exe contains want (NULL:
 * any file but this test's). */
static void wait_exec(pid_t pid, const char *want)
{
	char exe[4096], self[4096];

	assert_true(proc_read_exe(getpid(), self, sizeof(self)) > 0);
	for (int i = 0; i < 5000; i++) {
		uint8_t *args;
		size_t len = 0;

		/* the new argv is in place a little after the new exe */
		if (proc_read_exe(pid, exe, sizeof(exe)) > 0 &&
		    (want ? strstr(exe, want) != NULL : strcmp(exe, self) != 0) &&
		    !proc_read_file(pid, "cmdline", &args, &len)) {
			free(args);
			if (len)
				return;
		}
		usleep(1000);
	}
	fail_msg("pid %d never ran %s", (int)pid, want ? want : "another file");
}

/* Captures pid (stopped), writes a record with a copy cap, kills pid. */
static json_t *capture_exe(pid_t pid, uint64_t copy_max, const char *sub, char **path)
{
	struct evidence_live *l;
	struct evidence_store *s;
	char err[256], d[128];
	json_t *r, *event = json_pack("{s:i, s:s}", "pid", (int)pid, "exe", "/nonexistent");

	kill(pid, SIGSTOP);
	assert_int_equal(proc_wait_stopped(pid, 1000000), 0);
	l = evidence_capture(pid, start_of(pid), getpid());
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	snprintf(d, sizeof(d), "%s/%s", dir, sub);
	s = evidence_store_new(d, 10, 64 << 20, copy_max, err, sizeof(err));
	assert_non_null(s);
	r = record_of(s, event, l, path);
	evidence_live_free(l);
	evidence_store_free(s);
	json_decref(event);
	return r;
}

static const char *sleep_bin(void)
{
	return access("/usr/bin/sleep", X_OK) ? "/bin/sleep" : "/usr/bin/sleep";
}

static void test_deleted_executable(void **state)
{
	char bin[128], want[65], *path, copy[300];
	pid_t c;
	json_t *r, *x;

	(void)state;
	snprintf(bin, sizeof(bin), "%s/sleeper", dir);
	copy_file(sleep_bin(), bin);
	sha_of_file(bin, want);
	c = fork();
	assert_true(c >= 0);
	if (c == 0) {
		execl(bin, "sleeper", "30", (char *)NULL);
		_exit(3);
	}
	wait_exec(c, "sleeper");
	assert_int_equal(unlink(bin), 0);
	r = capture_exe(c, 64 << 20, "deleted", &path);
	x = json_object_get(r, "executable");
	assert_string_equal(json_string_value(json_object_get(x, "from")), "fd");
	assert_string_equal(json_string_value(json_object_get(x, "sha256")), want);
	assert_non_null(strstr(json_string_value(json_object_get(x, "path")), "(deleted)"));
	/* the copy beside the record, the same bytes, root's only */
	snprintf(copy, sizeof(copy), "%.*s.exe", (int)(strlen(path) - 5), path);
	assert_string_equal(json_string_value(json_object_get(x, "copy")), copy);
	{
		char got[65];
		struct stat st;

		sha_of_file(copy, got);
		assert_string_equal(got, want);
		assert_int_equal(stat(copy, &st), 0);
		assert_int_equal(st.st_mode & 0777, 0600);
	}
	free(path);
	json_decref(r);

	/* over the copy cap: hashed, not copied, and the record says why */
	c = fork();
	if (c == 0) {
		execl(sleep_bin(), "sleep", "30", (char *)NULL);
		_exit(3);
	}
	wait_exec(c, "sleep");
	r = capture_exe(c, 1000, "capped", NULL);
	x = json_object_get(r, "executable");
	assert_null(json_object_get(x, "copy"));
	assert_non_null(json_object_get(x, "copy_skipped"));
	assert_non_null(json_object_get(x, "sha256"));
	json_decref(r);
}

static void test_memfd_executable(void **state)
{
	char want[65];
	int src = open(sleep_bin(), O_RDONLY), mfd = memfd_create("nmt-memfd", 0);
	char buf[65536];
	ssize_t n;
	pid_t c;
	json_t *r, *x;

	(void)state;
	assert_true(src >= 0 && mfd >= 0);
	while ((n = read(src, buf, sizeof(buf))) > 0)
		assert_int_equal(write(mfd, buf, (size_t)n), n);
	close(src);
	sha_of_file(sleep_bin(), want);
	c = fork();
	assert_true(c >= 0);
	if (c == 0) {
		char *argv[] = { "sleep", "30", NULL }, *envp[] = { NULL };

		fexecve(mfd, argv, envp);
		_exit(3);
	}
	close(mfd);
	wait_exec(c, "memfd:nmt-memfd");
	r = capture_exe(c, 0, "memfd", NULL);
	x = json_object_get(r, "executable");
	assert_string_equal(json_string_value(json_object_get(x, "from")), "fd");
	assert_string_equal(json_string_value(json_object_get(x, "sha256")), want);
	assert_null(json_object_get(x, "copy"));
	json_decref(r);
}

/* With no capture, the event's path is hashed only while it still is the
 * event's file (dev, inode). */
static void test_exe_by_path(void **state)
{
	char bin[128], want[65], err[256], sub[128];
	struct evidence_store *s;
	struct stat st;
	json_t *ev, *r, *x;

	(void)state;
	snprintf(bin, sizeof(bin), "%s/bypath", dir);
	copy_file(sleep_bin(), bin);
	sha_of_file(bin, want);
	assert_int_equal(stat(bin, &st), 0);
	snprintf(sub, sizeof(sub), "%s/bypath.d", dir);
	s = evidence_store_new(sub, 10, 1 << 20, 0, err, sizeof(err));
	assert_non_null(s);
	ev = json_pack("{s:s, s:{s:I, s:I, s:s}}", "exe", bin, "executable",
		       "dev", (json_int_t)(major(st.st_dev) << 20 | minor(st.st_dev)),
		       "inode", (json_int_t)st.st_ino, "sha256", want);
	r = record_of(s, ev, NULL, NULL);
	x = json_object_get(r, "executable");
	assert_string_equal(json_string_value(json_object_get(x, "from")), "path");
	assert_string_equal(json_string_value(json_object_get(x, "sha256")), want);
	assert_true(json_is_true(json_object_get(x, "matches_event")));
	json_decref(r);
	/* another file at the path now: not hashed */
	json_object_set_new(json_object_get(ev, "executable"), "inode",
			    json_integer((json_int_t)st.st_ino + 1));
	r = record_of(s, ev, NULL, NULL);
	x = json_object_get(r, "executable");
	assert_null(json_object_get(x, "sha256"));
	assert_non_null(json_object_get(x, "error"));
	json_decref(r);
	json_decref(ev);
	evidence_store_free(s);
}

/* ---- the store ---- */

static int count_files(const char *d, const char *ext)
{
	char cmd[300];
	FILE *p;
	int n = -1;

	snprintf(cmd, sizeof(cmd), "ls -A %s | grep -c '%s$'", d, ext);
	p = popen(cmd, "r");
	assert_non_null(p);
	assert_int_equal(fscanf(p, "%d", &n), 1);
	pclose(p);
	return n;
}

static void test_rotation(void **state)
{
	char err[256], sub[128], *paths[6];
	struct evidence_store *s;
	json_t *ev = json_pack("{s:s}", "pad", "");
	struct stat st;

	(void)state;
	/* by count: the 2 oldest of 5 go */
	snprintf(sub, sizeof(sub), "%s/count", dir);
	s = evidence_store_new(sub, 3, 1 << 20, 0, err, sizeof(err));
	assert_non_null(s);
	for (int i = 0; i < 5; i++)
		json_decref(record_of(s, ev, NULL, &paths[i]));
	for (int i = 0; i < 5; i++) {
		assert_int_equal(access(paths[i], F_OK) == 0, i >= 2);
		free(paths[i]);
	}
	assert_int_equal(count_files(sub, ".json"), 3);
	evidence_store_free(s);

	/* by bytes: records of ~1000 bytes, 2500 bytes allowed: 2 stay */
	{
		char pad[1001];

		memset(pad, 'x', 1000);
		pad[1000] = 0;
		json_object_set_new(ev, "pad", json_string(pad));
	}
	snprintf(sub, sizeof(sub), "%s/bytes", dir);
	s = evidence_store_new(sub, 100, 2500, 0, err, sizeof(err));
	assert_non_null(s);
	for (int i = 0; i < 6; i++)
		json_decref(record_of(s, ev, NULL, &paths[i]));
	assert_int_equal(stat(paths[5], &st), 0);
	assert_true(st.st_size > 1000 && st.st_size < 1250);
	for (int i = 0; i < 6; i++) {
		assert_int_equal(access(paths[i], F_OK) == 0, i >= 4);
		free(paths[i]);
	}
	/* a file the store did not make is neither counted nor removed */
	{
		char other[200];
		int fd;

		snprintf(other, sizeof(other), "%s/README", sub);
		fd = open(other, O_CREAT | O_WRONLY, 0600);
		assert_true(fd >= 0);
		close(fd);
		json_decref(record_of(s, ev, NULL, NULL));
		assert_int_equal(access(other, F_OK), 0);
	}
	evidence_store_free(s);
	json_decref(ev);
}

static void test_permissions(void **state)
{
	char err[256], sub[128], link[128], file[128], *path;
	struct evidence_store *s;
	struct stat st;

	(void)state;
	/* an existing, too open directory is closed */
	snprintf(sub, sizeof(sub), "%s/perm/deeper", dir);
	s = evidence_store_new(sub, 3, 1 << 20, 0, err, sizeof(err));
	assert_non_null(s);
	assert_int_equal(stat(sub, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0700);
	json_decref(record_of(s, NULL, NULL, &path));
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	free(path);
	evidence_store_free(s);
	assert_int_equal(chmod(sub, 0755), 0);
	s = evidence_store_new(sub, 3, 1 << 20, 0, err, sizeof(err));
	assert_non_null(s);
	assert_int_equal(stat(sub, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0700);
	/* a path outside the store is refused */
	assert_int_equal(evidence_write(s, "/etc/passwd.json", NULL, NULL, err, sizeof(err)), -EINVAL);
	evidence_store_free(s);

	/* a symlink, a file: refused */
	snprintf(link, sizeof(link), "%s/link", dir);
	assert_int_equal(symlink(sub, link), 0);
	assert_null(evidence_store_new(link, 3, 1 << 20, 0, err, sizeof(err)));
	assert_non_null(strstr(err, "not a directory"));
	snprintf(file, sizeof(file), "%s/file", dir);
	close(open(file, O_CREAT | O_WRONLY, 0600));
	assert_null(evidence_store_new(file, 3, 1 << 20, 0, err, sizeof(err)));
	assert_null(evidence_store_new("relative", 3, 1 << 20, 0, err, sizeof(err)));

	/* a symlink planted at a record's name is not followed */
	s = evidence_store_new(sub, 3, 1 << 20, 0, err, sizeof(err));
	path = evidence_name(s, 7);
	{
		char target[128], tmp[300];

		snprintf(target, sizeof(target), "%s/target", dir);
		close(open(target, O_CREAT | O_WRONLY, 0644));
		snprintf(tmp, sizeof(tmp), "%s.tmp", path);
		assert_int_equal(symlink(target, tmp), 0);
		assert_true(evidence_write(s, path, NULL, NULL, err, sizeof(err)) < 0);
		assert_int_equal(stat(target, &st), 0);
		assert_int_equal(st.st_size, 0);
	}
	free(path);
	evidence_store_free(s);
}

static void test_hostile_argv(void **state)
{
	char err[256], sub[128], *text;
	struct evidence_store *s;
	struct evidence_live *l;
	pid_t c = fork();
	json_t *r, *argv;

	(void)state;
	assert_true(c >= 0);
	if (c == 0) {
		/* the shell stays (a command follows the sleep): $0 is "\xc3(" */
		execl("/bin/sh", "\xff\xfe\"\\\n\x01zz", "-c", "sleep 30; :", "\xc3(", (char *)NULL);
		_exit(3);
	}
	wait_exec(c, NULL);
	/* c as an ancestor (of a process that is gone) */
	l = evidence_capture(0, 0, c);
	kill(c, SIGKILL);
	waitpid(c, NULL, 0);
	snprintf(sub, sizeof(sub), "%s/hostile", dir);
	s = evidence_store_new(sub, 3, 1 << 20, 0, err, sizeof(err));
	r = record_of(s, NULL, l, NULL);    /* json_load_file: valid JSON */
	argv = json_object_get(json_array_get(json_object_get(r, "ancestors"), 0), "argv");
	if (json_array_size(argv) != 4) {
		char *dump = json_dumps(r, 0);

		fail_msg("argv of %d: %s", (int)c, dump);
	}
	assert_string_equal(json_string_value(json_array_get(argv, 0)), "\\xff\\xfe\"\\\n\x01zz");
	assert_int_equal(json_array_size(argv), 4);
	assert_string_equal(json_string_value(json_array_get(argv, 3)), "\\xc3(");
	text = json_dumps(r, 0);
	assert_non_null(text);
	free(text);
	json_decref(r);
	evidence_live_free(l);
	evidence_store_free(s);
}

#define NAME_THREADS 4
#define NAMES_EACH 2000

struct namer {
	struct evidence_store *s;
	char *names[NAMES_EACH];
};

static void *name_many(void *arg)
{
	struct namer *n = arg;

	for (int i = 0; i < NAMES_EACH; i++)
		n->names[i] = evidence_name(n->s, 42);
	return NULL;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void test_unique_names(void **state)
{
	static struct namer n[NAME_THREADS];
	static char *all[NAME_THREADS * NAMES_EACH];
	pthread_t t[NAME_THREADS];
	char err[256], sub[128];
	struct evidence_store *s;

	(void)state;
	snprintf(sub, sizeof(sub), "%s/names", dir);
	s = evidence_store_new(sub, 3, 1 << 20, 0, err, sizeof(err));
	for (int i = 0; i < NAME_THREADS; i++) {
		n[i].s = s;
		assert_int_equal(pthread_create(&t[i], NULL, name_many, &n[i]), 0);
	}
	for (int i = 0; i < NAME_THREADS; i++) {
		pthread_join(t[i], NULL);
		memcpy(all + i * NAMES_EACH, n[i].names, sizeof(n[i].names));
	}
	qsort(all, NAME_THREADS * NAMES_EACH, sizeof(*all), cmp_str);
	for (int i = 0; i < NAME_THREADS * NAMES_EACH; i++) {
		assert_non_null(all[i]);
		assert_non_null(strstr(all[i], "-42-"));
		if (i)
			assert_true(strcmp(all[i - 1], all[i]) < 0);
	}
	for (int i = 0; i < NAME_THREADS * NAMES_EACH; i++)
		free(all[i]);
	evidence_store_free(s);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* The cost of a capture of a process with 10 sockets and (at least) 5
 * ancestors: what a kill waits for. */
static void test_capture_cost(void **state)
{
	struct leaf_info in;
	pid_t top = chain(4, 6, &in);   /* 4 + this test's own chain */
	struct proc_stat st;
	struct timespec a, b;
	const int rounds = 200;

	(void)state;
	kill(in.pid, SIGSTOP);
	assert_int_equal(proc_wait_stopped(in.pid, 1000000), 0);
	assert_int_equal(proc_read_stat(in.pid, &st), 0);
	{
		struct evidence_live *l = evidence_capture(in.pid, st.start_ticks, st.ppid);
		char err[256], sub[128];
		struct evidence_store *s;
		json_t *r;

		snprintf(sub, sizeof(sub), "%s/cost", dir);
		s = evidence_store_new(sub, 3, 1 << 20, 0, err, sizeof(err));
		r = record_of(s, NULL, l, NULL);
		assert_int_equal(json_array_size(json_object_get(json_object_get(r, "process"),
								 "connections")), 10);
		assert_true(json_array_size(json_object_get(r, "ancestors")) >= 5);
		json_decref(r);
		evidence_live_free(l);
		evidence_store_free(s);
	}
	{
		/* the whole capture, the process alone, the ancestors alone */
		const pid_t tg[3] = { in.pid, in.pid, 0 }, pp[3] = { st.ppid, 0, st.ppid };
		const char *what[3] = { "whole", "process only", "ancestors only" };
		size_t nanc;

		{
			struct evidence_live *l = evidence_capture(0, 0, st.ppid);

			nanc = json_array_size(l->ancestors);
			evidence_live_free(l);
		}
		for (int o = 1; o <= 3; o++) {
			int k = o % 3;     /* the whole last: warmed up */
			static double t[200];

			for (int i = 0; i < rounds; i++) {
				clock_gettime(CLOCK_MONOTONIC, &a);
				evidence_live_free(evidence_capture(tg[k], st.start_ticks, pp[k]));
				clock_gettime(CLOCK_MONOTONIC, &b);
				t[i] = (double)(b.tv_sec - a.tv_sec) * 1e6 +
				       (double)(b.tv_nsec - a.tv_nsec) / 1e3;
			}
			qsort(t, (size_t)rounds, sizeof(*t), cmp_double);
			/* the median: a loaded machine's preemptions make the mean noisy */
			print_message("evidence_capture %s: median %.1f us, min %.1f, p90 %.1f "
				      "(10 sockets, %zu ancestors, %d rounds)\n", what[k],
				      t[rounds / 2], t[0], t[rounds * 9 / 10], nanc, rounds);
		}
	}
	end_chain(top, in.pid);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_capture_live),
		cmocka_unit_test(test_capture_dead),
		cmocka_unit_test(test_tables),
		cmocka_unit_test(test_deleted_executable),
		cmocka_unit_test(test_memfd_executable),
		cmocka_unit_test(test_exe_by_path),
		cmocka_unit_test(test_rotation),
		cmocka_unit_test(test_permissions),
		cmocka_unit_test(test_hostile_argv),
		cmocka_unit_test(test_unique_names),
		cmocka_unit_test(test_capture_cost),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
