/* SPDX-License-Identifier: BSD-2-Clause */
/* exe_scan_rate.c - how fast the executable detector reads a file: SHA-256,
 * the built-in bannedExecutableStrings and the packer checks together, as
 * a scan of a new executable does (the page cache warm, as right after the
 * file was written or exec'd). Prints MiB/s, the best of ROUNDS.
 *   exe_scan_rate FILE [ROUNDS] */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "config.h"
#include "exe_scan.h"

int main(int argc, char **argv)
{
	struct config cfg = { 0 };
	char err[CONFIG_ERR_MAX];
	struct exe_rules *r;
	struct exe_report rep;
	int rounds = argc > 2 ? atoi(argv[2]) : 5, fd;
	double best = 0;

	if (argc < 2) {
		fprintf(stderr, "usage: exe_scan_rate FILE [ROUNDS]\n");
		return 2;
	}
	if (config_load_builtin(&cfg, err, sizeof(err)) ||
	    !(r = exe_rules_build(&cfg, err, sizeof(err)))) {
		fprintf(stderr, "exe_scan_rate: %s\n", err);
		return 1;
	}
	r->max_bytes = UINT64_MAX;      /* the whole file, whatever its size */
	fd = open(argv[1], O_RDONLY);
	if (fd < 0) {
		perror(argv[1]);
		return 1;
	}
	for (int i = 0; i < rounds; i++) {
		if (exe_scan_fd(fd, r, &rep) || rep.status != EXE_SCANNED) {
			fprintf(stderr, "exe_scan_rate: scan failed (%d)\n", rep.status);
			return 1;
		}
		if (rep.seconds > 0 && (double)rep.bytes_read / rep.seconds > best)
			best = (double)rep.bytes_read / rep.seconds;
	}
	printf("mib_per_s=%.0f bytes=%llu banned=%d\n", best / (1 << 20),
	       (unsigned long long)rep.bytes_read, rep.banned);
	close(fd);
	exe_rules_put(r);
	config_free(&cfg);
	return 0;
}
