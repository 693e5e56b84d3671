/* SPDX-License-Identifier: BSD-2-Clause */
/* sock_owner.c - a TCP socket's holder, from its cgroup, its network
 * namespace's socket table and the processes' file descriptors.
 *
 * The cgroup is opened by its id (open_by_handle_at: cgroup v2 gives its
 * directories file handles that are their ids), so only its processes are
 * looked at; each one's /proc/PID/net table is its own namespace's, which
 * a pod's socket needs. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "proc.h"
#include "proc_conns.h"
#include "sock_owner.h"

#define OWNER_PIDS_MAX 4096     /* processes of one cgroup looked at */
#define FILEID_KERNFS 0xfe      /* the handle type of a cgroup directory */

unsigned long sock_owner_inode(const char *table, const struct sock_key *k)
{
	uint8_t v6[16] = { [10] = 0xff, [11] = 0xff };
	const uint8_t *a = k->daddr;
	int family = k->family;
	const char *line = table;

	if (k->family == 4 && k->mapped) {
		memcpy(v6 + 12, k->daddr, 4);   /* listed in tcp6 as ::ffff:a.b.c.d */
		a = v6;
		family = 6;
	}
	while (line && *line) {
		struct conn_line l;

		if (conn_line_parse(line, &l) && l.family == family && l.lport == k->sport &&
		    l.rport == k->dport && !memcmp(l.raddr, a, family == 4 ? 4 : 16) && l.inode)
			return l.inode;
		line = strchr(line, '\n');
		line = line ? line + 1 : NULL;
	}
	return 0;
}

/* The pids of the cgroup, or -1. */
static int cgroup_pids(const char *mount, uint64_t id, pid_t *pids, int max)
{
	struct {
		struct file_handle fh;
		uint64_t id;
	} h = { .fh = { .handle_bytes = sizeof(uint64_t), .handle_type = FILEID_KERNFS } };
	int mfd = open(mount, O_RDONLY | O_DIRECTORY | O_CLOEXEC), cfd, fd, n = 0;
	FILE *f;

	if (mfd < 0)
		return -1;
	memcpy(h.fh.f_handle, &id, sizeof(id));
	cfd = open_by_handle_at(mfd, &h.fh, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	close(mfd);
	if (cfd < 0)
		return -1;
	fd = openat(cfd, "cgroup.procs", O_RDONLY | O_CLOEXEC);
	close(cfd);
	f = fd >= 0 ? fdopen(fd, "r") : NULL;
	if (!f) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	while (n < max && fscanf(f, "%d", &pids[n]) == 1)
		n++;
	fclose(f);
	return n;
}

/* 1 if pid has socket:[inode] among its file descriptors. */
static int holds(pid_t pid, unsigned long inode)
{
	char dir[64], path[400], link[64], want[64];
	struct dirent *de;
	int found = 0;
	DIR *d;

	snprintf(dir, sizeof(dir), "/proc/%d/fd", (int)pid);
	snprintf(want, sizeof(want), "socket:[%lu]", inode);
	d = opendir(dir);
	if (!d)
		return 0;
	while (!found && (de = readdir(d))) {
		ssize_t n;

		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		n = readlink(path, link, sizeof(link) - 1);
		if (n > 0) {
			link[n] = 0;
			found = !strcmp(link, want);
		}
	}
	closedir(d);
	return found;
}

size_t sock_owner_bound(const char *table, int tcp, unsigned int port, unsigned long *out,
			size_t max)
{
	const char *line = table;
	size_t n = 0;

	while (line && *line && n < max) {
		struct conn_line l;

		if (conn_line_parse(line, &l) && l.lport == port && l.inode &&
		    (!tcp || l.state == 0x0a /* TCP_LISTEN */))
			out[n++] = l.inode;
		line = strchr(line, '\n');
		line = line ? line + 1 : NULL;
	}
	return n;
}

int sock_owner_serves(pid_t pid, unsigned int port)
{
	static const char *const tables[] = { "net/udp", "net/udp6", "net/tcp", "net/tcp6" };
	unsigned long inodes[16];
	int found = 0;

	for (size_t t = 0; t < 4 && !found; t++) {
		uint8_t *buf = NULL;
		size_t len = 0, n = 0;

		if (!proc_read_file(pid, tables[t], &buf, &len))
			n = sock_owner_bound((const char *)buf, t >= 2, port, inodes, 16);
		free(buf);
		for (size_t i = 0; i < n && !found; i++)
			found = holds(pid, inodes[i]);
	}
	return found;
}

/* The socket's inode in pid's network namespace, or 0. */
static unsigned long inode_in(pid_t pid, const struct sock_key *k)
{
	const char *table = k->family == 4 && !k->mapped ? "net/tcp" : "net/tcp6";
	unsigned long inode = 0;
	uint8_t *buf = NULL;
	size_t len = 0;

	if (!proc_read_file(pid, table, &buf, &len))
		inode = sock_owner_inode((const char *)buf, k);
	free(buf);
	return inode;
}

pid_t sock_owner_find(const char *mount, uint64_t cgroup_id, const struct sock_key *k)
{
	pid_t *pids = malloc(OWNER_PIDS_MAX * sizeof(*pids)), *held, best = 0;
	unsigned long inode = 0;
	int n, nheld = 0;

	if (!pids)
		return 0;
	n = cgroup_pids(mount, cgroup_id, pids, OWNER_PIDS_MAX);
	held = pids;            /* filled from the front as pids are read */
	for (int i = 0; i < n; i++) {
		if (!inode)
			inode = inode_in(pids[i], k);
		if (inode && holds(pids[i], inode))
			held[nheld++] = pids[i];
	}
	for (int i = 0; i < nheld && !best; i++) {
		struct proc_stat st;
		int parent_holds = 0;

		if (proc_read_stat(held[i], &st))
			continue;
		for (int j = 0; j < nheld; j++)
			parent_holds |= held[j] == st.ppid;
		if (!parent_holds)
			best = held[i];
	}
	free(pids);
	return best;
}
