/* SPDX-License-Identifier: BSD-2-Clause */
/* net_load.c - loopback traffic for the network detector's cost benchmark,
 * and the kernel time of the daemon's network programs while it runs.
 *   net_load bulk|conn SECONDS [-6] [--stats PID]
 * bulk: one TCP connection, the client writes 128 KiB chunks for SECONDS,
 *   the server reads them: prints mib_per_s and cpu_ms_per_gib.
 * conn: connections one after another for SECONDS, each connect, a small
 *   HTTP-like request, a small reply, close: prints conn_per_s and
 *   cpu_us_per_conn. The client closes with a reset (SO_LINGER 0) after
 *   the server's FIN, so neither side keeps TIME_WAIT sockets and the port
 *   range never runs out.
 * Client and server are threads of this process: both sides are in the
 * cgroup the process is in, as two pods of one scope would be. The CPU
 * figures are this process's own time (see cpu()).
 * --stats PID: holds a BPF_ENABLE_STATS fd while the traffic runs (the
 * kernel counts run time only while some process holds one; the sysctl is
 * never touched) and prints, for each network program that process PID
 * holds (by program type, or named net_* or wire_*), its calls and ns per
 * call during the run, and any other program of PID that ran meanwhile
 * (machine-wide: other processes' execs count too; a program at every
 * context switch costs this traffic as well). Found through PID's own fds, so
 * programs of other daemons on the machine do not count, and programs
 * added to the detector later are picked up without a change here. */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>

#define CHUNK (128 << 10)
#define PROGS_MAX 64

static const char request[] = "GET /simple/numpy/ HTTP/1.1\r\nHost: mirror.local\r\n"
			      "User-Agent: pip/24.0\r\nAccept: */*\r\n\r\n";
static const char reply[] = "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n"
			    "Content-Length: 16\r\n\r\n<html>ok</html>\n";

struct server {
	int lfd;
	int bulk;
	unsigned long long bytes;
	long conns;
};

/* CLOCK_MONOTONIC: wall time. CLOCK_PROCESS_CPUTIME_ID: CPU time of this
 * process, all threads (client and server); the kernel's share of loopback
 * traffic, BPF programs included, runs in these threads' context, so it
 * counts there, while other load on a shared machine slows the wall clock
 * but hardly adds to it. Seconds. */
static double clock_s(clockid_t id)
{
	struct timespec t;

	clock_gettime(id, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static double now(void)
{
	return clock_s(CLOCK_MONOTONIC);
}

static double cpu(void)
{
	return clock_s(CLOCK_PROCESS_CPUTIME_ID);
}

static void die(const char *what)
{
	fprintf(stderr, "net_load: failed to %s: %s\n", what, strerror(errno));
	exit(1);
}

/* Reads exactly n bytes (n == 0: until EOF or reset); returns bytes read. */
static size_t read_n(int fd, char *buf, size_t cap, size_t n)
{
	size_t got = 0;

	while (!n || got < n) {
		ssize_t r = read(fd, buf + (n ? got : 0), n ? n - got : cap);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	return got;
}

static void *serve(void *arg)
{
	struct server *s = arg;
	char *buf = malloc(CHUNK * 2);

	if (!buf)
		return NULL;
	for (;;) {
		int fd = accept(s->lfd, NULL, NULL);

		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			break;          /* the listener was shut down: the run is over */
		}
		if (s->bulk) {
			s->bytes += read_n(fd, buf, CHUNK * 2, 0);
			close(fd);
			break;
		}
		if (read_n(fd, buf, CHUNK, sizeof(request) - 1) == sizeof(request) - 1 &&
		    write(fd, reply, sizeof(reply) - 1) == (ssize_t)sizeof(reply) - 1)
			s->conns++;
		close(fd);
	}
	free(buf);
	return NULL;
}

static socklen_t endpoint(int six, struct sockaddr_storage *ss, int port)
{
	memset(ss, 0, sizeof(*ss));
	if (six) {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)ss;

		a->sin6_family = AF_INET6;
		a->sin6_addr = in6addr_loopback;
		a->sin6_port = htons((uint16_t)port);
		return sizeof(*a);
	}
	struct sockaddr_in *a = (struct sockaddr_in *)ss;

	a->sin_family = AF_INET;
	a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	a->sin_port = htons((uint16_t)port);
	return sizeof(*a);
}

static int dial(int six, const struct sockaddr_storage *ss, socklen_t len)
{
	int fd = socket(six ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		die("create a socket");
	if (connect(fd, (const struct sockaddr *)ss, len))
		die("connect over loopback");
	return fd;
}

static double run_bulk(int six, const struct sockaddr_storage *ss, socklen_t len, double secs,
		       struct server *s, pthread_t th)
{
	char *buf = calloc(1, CHUNK);
	int fd = dial(six, ss, len);
	double t0 = now(), c0 = cpu(), t1;

	if (!buf)
		die("allocate");
	while (now() - t0 < secs)
		if (write(fd, buf, CHUNK) < 0 && errno != EINTR)
			die("write");
	shutdown(fd, SHUT_WR);
	pthread_join(th, NULL);         /* the server has read everything */
	t1 = now();
	close(fd);
	free(buf);
	printf("mode=bulk family=%d seconds=%.3f bytes=%llu mib_per_s=%.1f cpu_ms_per_gib=%.1f\n",
	       six ? 6 : 4, t1 - t0, s->bytes, (double)s->bytes / (t1 - t0) / (1 << 20),
	       (cpu() - c0) * 1e3 / ((double)s->bytes / (1 << 30)));
	return t1 - t0;
}

static void run_conn(int six, const struct sockaddr_storage *ss, socklen_t len, double secs,
		     struct server *s, pthread_t th)
{
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };
	char buf[sizeof(reply) + 64];
	double t0 = now(), c0 = cpu(), t1;
	long n = 0;

	do {
		for (int i = 0; i < 64; i++, n++) {     /* the clock read every 64 */
			int fd = dial(six, ss, len);

			if (write(fd, request, sizeof(request) - 1) != (ssize_t)sizeof(request) - 1)
				die("send a request");
			if (read_n(fd, buf, sizeof(buf), sizeof(reply) - 1) != sizeof(reply) - 1)
				die("read a reply");
			setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
			close(fd);
		}
	} while ((t1 = now()) - t0 < secs);
	shutdown(s->lfd, SHUT_RDWR);
	pthread_join(th, NULL);
	if (s->conns != n) {
		fprintf(stderr, "net_load: the server answered %ld of %ld connections\n", s->conns, n);
		exit(1);
	}
	printf("mode=conn family=%d seconds=%.3f conns=%ld conn_per_s=%.0f cpu_us_per_conn=%.2f\n",
	       six ? 6 : 4, t1 - t0, n, (double)n / (t1 - t0), (cpu() - c0) * 1e6 / (double)n);
}

struct prog {
	__u32 id;
	char name[BPF_OBJ_NAME_LEN];
	__u32 type;
	int net;
	__u64 ns, cnt;
};

/* Program types that see sockets or packets: today's connect/sendmsg
 * programs, and any cgroup_skb, sock_ops or socket program added later. */
static int network_type(__u32 t)
{
	switch (t) {
	case BPF_PROG_TYPE_SOCKET_FILTER: case BPF_PROG_TYPE_SCHED_CLS:
	case BPF_PROG_TYPE_SCHED_ACT: case BPF_PROG_TYPE_XDP:
	case BPF_PROG_TYPE_CGROUP_SKB: case BPF_PROG_TYPE_CGROUP_SOCK:
	case BPF_PROG_TYPE_SOCK_OPS: case BPF_PROG_TYPE_SK_SKB: case BPF_PROG_TYPE_SK_MSG:
	case BPF_PROG_TYPE_CGROUP_SOCK_ADDR: case BPF_PROG_TYPE_CGROUP_SOCKOPT:
	case BPF_PROG_TYPE_SK_LOOKUP:
		return 1;
	}
	return 0;
}

static int prog_info(__u32 id, struct prog *p)
{
	struct bpf_prog_info info;
	__u32 len = sizeof(info);
	int fd = bpf_prog_get_fd_by_id(id), r;

	if (fd < 0)
		return -errno;
	memset(&info, 0, sizeof(info));
	r = bpf_obj_get_info_by_fd(fd, &info, &len);
	close(fd);
	if (r)
		return r;
	p->id = id;
	p->type = info.type;
	snprintf(p->name, sizeof(p->name), "%s", info.name);
	p->ns = info.run_time_ns;
	p->cnt = info.run_cnt;
	return 0;
}

/* The programs PID holds (a program fd or a link fd: both show prog_id in
 * fdinfo), network ones marked, at most max; returns how many. */
static int daemon_progs(int pid, struct prog *out, int max)
{
	char path[64];
	DIR *d;
	struct dirent *de;
	int n = 0;

	snprintf(path, sizeof(path), "/proc/%d/fdinfo", pid);
	d = opendir(path);
	if (!d)
		die("read the daemon's fds");
	while ((de = readdir(d)) && n < max) {
		char line[128], fpath[sizeof(path) + sizeof(de->d_name) + 1];
		unsigned int id;
		FILE *f;

		snprintf(fpath, sizeof(fpath), "%s/%s", path, de->d_name);
		f = fopen(fpath, "re");
		if (!f)
			continue;
		while (fgets(line, sizeof(line), f) && n < max) {
			struct prog p;
			int seen = 0;

			if (sscanf(line, "prog_id: %u", &id) != 1 || prog_info(id, &p))
				continue;
			for (int i = 0; i < n; i++)
				seen |= out[i].id == id;
			p.net = network_type(p.type) || !strncmp(p.name, "net_", 4) ||
				!strncmp(p.name, "wire", 4);
			if (!seen)
				out[n++] = p;
		}
		fclose(f);
	}
	closedir(d);
	return n;
}

static void print_stats(const struct prog *before, int n, double secs)
{
	for (int i = 0; i < n; i++) {
		struct prog p;
		__u64 calls, ns;

		if (prog_info(before[i].id, &p))
			continue;
		calls = p.cnt - before[i].cnt;
		ns = p.ns - before[i].ns;
		/* another program of the daemon costs this traffic only if it ran */
		if (!before[i].net && !calls)
			continue;
		printf("%s id=%u name=%s type=%u calls=%llu calls_per_s=%.0f ns_per_call=%.0f "
		       "ns_per_s=%.0f\n", before[i].net ? "prog" : "other", p.id, p.name, p.type,
		       (unsigned long long)calls, (double)calls / secs,
		       calls ? (double)ns / (double)calls : 0.0, (double)ns / secs);
	}
}

int main(int argc, char **argv)
{
	struct server s = {0};
	struct sockaddr_storage ss;
	struct prog before[PROGS_MAX];
	socklen_t len;
	pthread_t th;
	double secs, t0;
	int six = 0, pid = 0, nprogs = 0, found = 0, stats_fd = -1, one = 1;

	const char *mode = NULL, *secs_arg = NULL;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-6"))
			six = 1;
		else if (!strcmp(argv[i], "--stats") && i + 1 < argc)
			pid = atoi(argv[++i]);
		else if (!mode)
			mode = argv[i];
		else
			secs_arg = argv[i];
	}
	if (!mode || !secs_arg || (strcmp(mode, "bulk") && strcmp(mode, "conn")) ||
	    (secs = atof(secs_arg)) <= 0) {
		fprintf(stderr, "usage: net_load bulk|conn SECONDS [-6] [--stats PID]\n");
		return 2;
	}
	s.bulk = !strcmp(mode, "bulk");
	s.lfd = socket(six ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s.lfd < 0)
		die("create the listener");
	setsockopt(s.lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	len = endpoint(six, &ss, 0);
	if (bind(s.lfd, (struct sockaddr *)&ss, len) || listen(s.lfd, 128) ||
	    getsockname(s.lfd, (struct sockaddr *)&ss, &len))
		die("listen on loopback");
	if (pthread_create(&th, NULL, serve, &s))
		die("start the server thread");
	if (pid) {
		stats_fd = bpf_enable_stats(BPF_STATS_RUN_TIME);
		if (stats_fd < 0)
			die("enable BPF run-time stats");
		nprogs = daemon_progs(pid, before, PROGS_MAX);
		for (int i = 0; i < nprogs; i++)
			found += before[i].net;
		if (!found)
			fprintf(stderr, "net_load: process %d holds no network program\n", pid);
	}
	t0 = now();
	if (s.bulk)
		run_bulk(six, &ss, len, secs, &s, th);
	else
		run_conn(six, &ss, len, secs, &s, th);
	if (pid)
		print_stats(before, nprogs, now() - t0);
	if (stats_fd >= 0)
		close(stats_fd);
	close(s.lfd);
	return 0;
}
