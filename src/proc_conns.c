/* SPDX-License-Identifier: BSD-2-Clause */
/* proc_conns.c - a process's connections: socket:[inode] links of
 * /proc/PID/fd, looked up in its namespace's /proc/PID/net tables. */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>
#include "proc.h"
#include "proc_conns.h"

/* The kernel prints each 32-bit word of the address as it lies in memory,
 * read as a native integer: reading it back the same way restores the
 * network-order bytes on either endianness. */
static int hex_words(const char *hex, size_t len, uint8_t *out)
{
	for (size_t w = 0; w < len / 8; w++) {
		char part[9];
		uint32_t v;

		memcpy(part, hex + 8 * w, 8);
		part[8] = 0;
		v = (uint32_t)strtoul(part, NULL, 16);
		memcpy(out + 4 * w, &v, 4);
	}
	return len == 8 ? 4 : 6;
}

int conn_line_parse(const char *line, struct conn_line *out)
{
	char loc[33], rem[33];

	if (sscanf(line, " %*u: %32[0-9A-Fa-f]:%x %32[0-9A-Fa-f]:%x %x %*x:%*x %*x:%*x %*x %*u %*u %lu",
		   loc, &out->lport, rem, &out->rport, &out->state, &out->inode) != 6)
		return 0;
	if (strlen(loc) != strlen(rem) || (strlen(loc) != 8 && strlen(loc) != 32))
		return 0;
	memset(out->laddr, 0, sizeof(out->laddr));
	memset(out->raddr, 0, sizeof(out->raddr));
	out->family = hex_words(loc, strlen(loc), out->laddr);
	hex_words(rem, strlen(rem), out->raddr);
	return 1;
}

static int cmp_ul(const void *a, const void *b)
{
	unsigned long x = *(const unsigned long *)a, y = *(const unsigned long *)b;

	return x < y ? -1 : x > y;
}

void proc_conns_match(const char *table, const char *proto, const unsigned long *inodes,
		      size_t ninodes, struct proc_conn *out, size_t *n, size_t max)
{
	const char *line = table;

	while (line && *line && *n < max) {
		struct conn_line l;

		if (conn_line_parse(line, &l) && l.inode &&
		    bsearch(&l.inode, inodes, ninodes, sizeof(*inodes), cmp_ul)) {
			out[*n].proto = proto;
			out[(*n)++].l = l;
		}
		line = strchr(line, '\n');
		line = line ? line + 1 : NULL;
	}
}

/* pid's descriptors that are sockets (numbers and inodes); how many, or
 * -errno. */
static ssize_t socket_fds(pid_t pid, int *fds, unsigned long *inodes, size_t max,
			  int *incomplete)
{
	char dir[64], link[64];
	struct dirent *de;
	size_t n = 0, seen = 0;
	int dfd;
	DIR *d;

	snprintf(dir, sizeof(dir), "/proc/%d/fd", (int)pid);
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return -errno;
	d = fdopendir(dfd);
	if (!d) {
		close(dfd);
		return -ENOMEM;
	}
	while ((de = readdir(d))) {
		unsigned long ino;
		ssize_t len;

		if (de->d_name[0] == '.')
			continue;
		if (++seen > PROC_CONNS_FDS || n == max) {
			*incomplete = 1;
			break;
		}
		len = readlinkat(dfd, de->d_name, link, sizeof(link) - 1);
		if (len <= 0)
			continue;
		link[len] = 0;
		if (sscanf(link, "socket:[%lu]", &ino) == 1) {
			fds[n] = atoi(de->d_name);
			inodes[n++] = ino;
		}
	}
	closedir(d);
	return (ssize_t)n;
}

/* An IP socket as its own calls tell it (a duplicate of the process's,
 * from pidfd_getfd): 1, 0 for a socket that is not TCP/UDP over IP. */
static int describe(int fd, struct proc_conn *c)
{
	struct sockaddr_storage la, ra;
	socklen_t len = sizeof(int), ll = sizeof(la), rl = sizeof(ra);
	int domain, proto;

	if (getsockname(fd, (struct sockaddr *)&la, &ll) ||
	    (la.ss_family != AF_INET && la.ss_family != AF_INET6) ||
	    getsockopt(fd, SOL_SOCKET, SO_PROTOCOL, &proto, &len) ||
	    (proto != IPPROTO_TCP && proto != IPPROTO_UDP))
		return 0;
	domain = la.ss_family;
	memset(&c->l, 0, sizeof(c->l));
	c->proto = proto == IPPROTO_TCP ? (domain == AF_INET ? "tcp" : "tcp6")
					: (domain == AF_INET ? "udp" : "udp6");
	c->l.family = domain == AF_INET ? 4 : 6;
	if (getpeername(fd, (struct sockaddr *)&ra, &rl))
		memset(&ra, 0, sizeof(ra));
	if (domain == AF_INET) {
		const struct sockaddr_in *l4 = (const void *)&la, *r4 = (const void *)&ra;

		memcpy(c->l.laddr, &l4->sin_addr, 4);
		memcpy(c->l.raddr, &r4->sin_addr, 4);
		c->l.lport = ntohs(l4->sin_port);
		c->l.rport = ntohs(r4->sin_port);
	} else {
		const struct sockaddr_in6 *l6 = (const void *)&la, *r6 = (const void *)&ra;

		memcpy(c->l.laddr, &l6->sin6_addr, 16);
		memcpy(c->l.raddr, &r6->sin6_addr, 16);
		c->l.lport = ntohs(l6->sin6_port);
		c->l.rport = ntohs(r6->sin6_port);
	}
	if (proto == IPPROTO_TCP) {
		struct tcp_info ti;
		socklen_t tl = sizeof(ti);

		c->l.state = getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &tl) ? 0 : ti.tcpi_state;
	} else {
		c->l.state = c->l.rport ? 1 : 7;        /* TCP_ESTABLISHED, TCP_CLOSE */
	}
	return 1;
}

/* The same from the namespace's tables: slower (each read walks every
 * hash bucket of the namespace), for kernels without pidfd_getfd. */
static size_t from_tables(pid_t pid, unsigned long *inodes, size_t ni, struct proc_conn *out,
			  size_t max, int *incomplete)
{
	static const char *const tables[] = { "tcp", "tcp6", "udp", "udp6" };
	size_t n = 0;

	qsort(inodes, ni, sizeof(*inodes), cmp_ul);
	for (size_t t = 0; ni && t < 4 && n < max; t++) {
		char name[16];
		uint8_t *buf = NULL;
		size_t len = 0;

		snprintf(name, sizeof(name), "net/%s", tables[t]);
		if (proc_read_file_max(pid, name, PROC_CONNS_TABLE_MAX, &buf, &len))
			continue;
		if (len >= PROC_CONNS_TABLE_MAX)
			*incomplete = 1;
		proc_conns_match((const char *)buf, tables[t], inodes, ni, out, &n, max);
		free(buf);
	}
	return n;
}

ssize_t proc_conns_read(pid_t pid, int pidfd, struct proc_conn *out, size_t max,
			int *incomplete)
{
	unsigned long *inodes = malloc(PROC_CONNS_FDS * sizeof(*inodes));
	int *fds = malloc(PROC_CONNS_FDS * sizeof(*fds)), tables = 0;
	size_t n = 0;
	ssize_t ni;

	*incomplete = 0;
	if (!inodes || !fds) {
		free(inodes);
		free(fds);
		return -ENOMEM;
	}
	ni = socket_fds(pid, fds, inodes, PROC_CONNS_FDS, incomplete);
	for (ssize_t i = 0; i < ni && !tables; i++) {
		int dup = proc_pidfd_getfd(pidfd, fds[i]);

		if (dup == -ENOSYS || dup == -EPERM || dup == -EINVAL || dup == -EACCES) {
			tables = 1;     /* no pidfd_getfd here, or not allowed */
			break;
		}
		if (dup < 0)
			continue;       /* closed meanwhile */
		if (n == max)
			*incomplete = 1;
		else if (describe(dup, &out[n]))
			n++;
		close(dup);
	}
	if (tables)
		n = from_tables(pid, inodes, (size_t)ni, out, max, incomplete);
	free(inodes);
	free(fds);
	return ni < 0 ? ni : (ssize_t)n;
}

const char *proc_conn_addr(int family, const uint8_t *addr, unsigned int port, char *buf,
			   size_t n)
{
	char a[INET6_ADDRSTRLEN] = "?";

	inet_ntop(family == 4 ? AF_INET : AF_INET6, addr, a, sizeof(a));
	snprintf(buf, n, family == 4 ? "%s:%u" : "[%s]:%u", a, port);
	return buf;
}

const char *proc_conn_state(const struct proc_conn *c)
{
	static const char *const tcp[] = { "?", "ESTABLISHED", "SYN_SENT", "SYN_RECV",
					   "FIN_WAIT1", "FIN_WAIT2", "TIME_WAIT", "CLOSE",
					   "CLOSE_WAIT", "LAST_ACK", "LISTEN", "CLOSING",
					   "NEW_SYN_RECV" };

	if (c->proto[0] == 'u')
		return c->l.state == 1 ? "ESTABLISHED" : "UNCONN";
	return c->l.state < sizeof(tcp) / sizeof(tcp[0]) ? tcp[c->l.state] : "?";
}
