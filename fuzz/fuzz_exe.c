/* SPDX-License-Identifier: BSD-2-Clause */
/* fuzz_exe.c - libFuzzer: the executable detector's two readers of
 * attacker bytes. exe_script_arg on a hostile argv (each interpreter
 * family): the script it names is one of argv's own arguments, after
 * argv[0]. exe_scan_fd on a hostile file (from a memfd): a string is
 * reported exactly when a case-folding search finds one, the SHA-256 is
 * there whenever the file was read whole, and packed evidence never
 * crashes on short or odd ELF headers.
 *
 * Input: byte 0 picks the family and the string set; the rest is both the
 * argv area and the file. */
#include <ctype.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "config.h"
#include "exe_scan.h"
#include "exe_script.h"

static const char *const families[] = { "python", "shell", "node", "perl", "ruby", "r",
					"julia", "php", "lua" };
static const char *const strings[] = { "mining.submit", "ab", "UPX!", "\177ELF" };

static struct exe_rules *rules;

static int folded_find(const uint8_t *h, size_t n, const char *needle)
{
	size_t m = strlen(needle);

	for (size_t i = 0; m && i + m <= n; i++) {
		size_t k = 0;

		while (k < m && tolower(h[i + k]) == tolower((unsigned char)needle[k]))
			k++;
		if (k == m)
			return 1;
	}
	return 0;
}

static void check_script(const uint8_t *data, size_t size, const char *fam)
{
	char out[256];

	if (!exe_script_arg(fam, data, size, out, sizeof(out)))
		return;
	/* out must be one of the arguments after argv[0] */
	for (size_t off = strnlen((const char *)data, size) + 1; off < size;) {
		size_t n = strnlen((const char *)data + off, size - off);

		if (n == strlen(out) && !memcmp(data + off, out, n))
			return;
		off += n + 1;
	}
	fprintf(stderr, "script %s is not an argument\n", out);
	abort();
}

static void check_scan(const uint8_t *data, size_t size)
{
	struct exe_report rep;
	int fd = memfd_create("fuzz", MFD_CLOEXEC), want = 0;

	if (fd < 0 || (size && write(fd, data, size) != (ssize_t)size))
		abort();
	if (exe_scan_fd(fd, rules, &rep))
		abort();
	for (size_t i = 0; i < sizeof(strings) / sizeof(strings[0]); i++)
		want |= folded_find(data, size, strings[i]);
	if ((rep.string >= 0) != want || !rep.have_sha256 || rep.bytes_read != size) {
		fprintf(stderr, "string %ld want %d sha %d read %llu of %zu\n", rep.string, want,
			rep.have_sha256, (unsigned long long)rep.bytes_read, size);
		abort();
	}
	close(fd);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!rules) {
		struct config cfg = { 0 };
		char err[CONFIG_ERR_MAX];
		const char *yaml = "bannedExecutableStrings: [\"mining.submit\", \"ab\", \"UPX!\", "
				   "\"\\x7fELF\"]\n";

		if (config_parse_buffer(&cfg, "f.yaml", yaml, strlen(yaml), 0, err, sizeof(err)) ||
		    !(rules = exe_rules_build(&cfg, err, sizeof(err)))) {
			fprintf(stderr, "%s\n", err);
			abort();
		}
		config_free(&cfg);
	}
	if (size < 1)
		return 0;
	check_script(data + 1, size - 1, families[data[0] % 9]);
	check_scan(data + 1, size - 1);
	return 0;
}
