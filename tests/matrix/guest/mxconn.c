/* SPDX-License-Identifier: BSD-2-Clause */
/* mxconn.c - matrix helper: one connect to a banned address.
 *
 *   mxconn 4|6 MARKER LINGER_MS
 *
 * Connects over TCP to 127.0.0.2:9, with an IPv4 socket (4) or an IPv6 one
 * to the v4-mapped ::ffff:127.0.0.2 (6). Refused with EPERM (the network
 * detector): creates MARKER, waits LINGER_MS (a kill shows as SIGKILL) and
 * exits 1. Connected: exits 0; any other error: 2. No packet can leave the
 * guest (QEMU runs it with -nic none). */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct sockaddr_in a4 = { .sin_family = AF_INET, .sin_port = htons(9) };
	struct sockaddr_in6 a6 = { .sin6_family = AF_INET6, .sin6_port = htons(9) };
	int v6, fd, r, e;
	struct timespec ts;
	long ms;

	if (argc < 4)
		return 3;
	v6 = !strcmp(argv[1], "6");
	inet_pton(AF_INET, "127.0.0.2", &a4.sin_addr);
	inet_pton(AF_INET6, "::ffff:127.0.0.2", &a6.sin6_addr);
	fd = socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM, 0);
	if (fd < 0)
		return 3;
	r = v6 ? connect(fd, (struct sockaddr *)&a6, sizeof(a6)) :
		 connect(fd, (struct sockaddr *)&a4, sizeof(a4));
	e = errno;
	if (!r)
		return 0;
	if (e != EPERM)
		return 2;
	r = open(argv[2], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (r >= 0)
		close(r);
	ms = atol(argv[3]);
	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (ms % 1000) * 1000000L;
	while (nanosleep(&ts, &ts))
		;
	return 1;
}
