/* SPDX-License-Identifier: BSD-2-Clause */
/* dialer.c - e2e helper: one TCP connect, then a wait, in one process.
 *
 *   dialer IPV4 PORT SECONDS [PAYLOAD]
 *
 * Prints "connected" or "error ERRNO" (EPERM: refused by a cgroup program);
 * connected, sends PAYLOAD (a Stratum login, say) and prints "sent N"; then
 * sleeps SECONDS, so a kill for the call finds the very process that
 * made it alive. Built static: it runs in containers whose root file system
 * holds nothing but busybox. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	int fd;

	if ((argc != 4 && argc != 5) || inet_pton(AF_INET, argv[1], &a.sin_addr) != 1) {
		fprintf(stderr, "usage: dialer IPV4 PORT SECONDS [PAYLOAD]\n");
		return 2;
	}
	a.sin_port = htons((unsigned short)atoi(argv[2]));
	fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0)
		return 1;
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)))
		printf("error %d\n", errno);
	else if (argc == 5)
		printf("sent %zd\n", send(fd, argv[4], strlen(argv[4]), 0));
	else
		printf("connected\n");
	fflush(stdout);
	sleep((unsigned int)atoi(argv[3]));
	return 0;
}
