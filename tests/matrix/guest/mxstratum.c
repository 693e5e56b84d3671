/* SPDX-License-Identifier: BSD-2-Clause */
/* mxstratum.c - matrix helper: an XMRig-style Stratum login over loopback.
 *
 *   mxstratum 4|6 MARKER LINGER_MS
 *
 * Listens on 127.0.0.1 (an ephemeral port), connects to it from an IPv4
 * socket (4) or an IPv6 one to ::ffff:127.0.0.1 (6), sends the login line
 * and waits 300 ms. The listener received nothing (the packet program
 * dropped it): creates MARKER, waits LINGER_MS (a kill shows as SIGKILL)
 * and exits 1. Received it: exits 0; a setup error: 2. The process is the
 * socket's owner and its sender. No packet can leave the guest (QEMU runs
 * it with -nic none). */
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static const char LOGIN[] =
	"{\"id\":1,\"jsonrpc\":\"2.0\",\"method\":\"login\",\"params\":{\"login\":\"4matrix\","
	"\"pass\":\"x\",\"agent\":\"XMRig/6.21.0 (Linux x86_64) libuv/1.44.2\"}}\n";

static void sleep_ms(long ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts))
		;
}

int main(int argc, char **argv)
{
	struct sockaddr_in a4 = { .sin_family = AF_INET };
	struct sockaddr_in6 a6 = { .sin6_family = AF_INET6 };
	socklen_t len = sizeof(a4);
	int lfd, fd, c, v6, r;
	char buf[512];

	if (argc < 4)
		return 2;
	v6 = !strcmp(argv[1], "6");
	inet_pton(AF_INET, "127.0.0.1", &a4.sin_addr);
	lfd = socket(AF_INET, SOCK_STREAM, 0);
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&a4, sizeof(a4)) || listen(lfd, 4) ||
	    getsockname(lfd, (struct sockaddr *)&a4, &len))
		return 2;
	inet_pton(AF_INET6, "::ffff:127.0.0.1", &a6.sin6_addr);
	a6.sin6_port = a4.sin_port;
	fd = socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM, 0);
	if (fd < 0 || (v6 ? connect(fd, (struct sockaddr *)&a6, sizeof(a6)) :
			    connect(fd, (struct sockaddr *)&a4, sizeof(a4))))
		return 2;
	if (send(fd, LOGIN, sizeof(LOGIN) - 1, 0) != (ssize_t)(sizeof(LOGIN) - 1))
		return 2;
	sleep_ms(300);
	c = accept(lfd, NULL, NULL);
	if (c < 0)
		return 2;
	if (recv(c, buf, sizeof(buf), MSG_DONTWAIT) > 0)
		return 0;
	r = open(argv[2], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (r >= 0)
		close(r);
	sleep_ms(atol(argv[3]));
	return 1;
}
