/* SPDX-License-Identifier: BSD-2-Clause */
/* marker.c - its first action creates the file named by argv[1]: proof that
 * an instruction of this program ran. */
#include <fcntl.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc > 1)
		close(open(argv[1], O_CREAT | O_WRONLY, 0600));
	return 0;
}
