/* SPDX-License-Identifier: BSD-2-Clause */
/* exe_script.c - interpreters and the script argument they run. */
#include <string.h>
#include "exe_script.h"

/* One family: base names (a trailing '*' admits a version suffix of
 * digits and dots), options whose code comes inline or from a module (no
 * script file), and options that take the next argument as their value. */
struct family {
	const char *name;
	const char *const *bases;
	const char *const *inline_opts;
	const char *const *value_opts;
};

static const char *const py_b[] = { "python*", "pypy*", NULL };
static const char *const py_i[] = { "-c", "-m", NULL };
static const char *const py_v[] = { "-W", "-X", "-Q", NULL };
static const char *const sh_b[] = { "sh", "bash", "dash", "zsh", "ksh", "mksh", "ash", NULL };
static const char *const sh_i[] = { "-c", NULL };
static const char *const sh_v[] = { "-o", "+o", "-O", "+O", "--rcfile", "--init-file", NULL };
static const char *const node_b[] = { "node", "nodejs", "bun", "deno", NULL };
static const char *const node_i[] = { "-e", "--eval", "-p", "--print", NULL };
static const char *const node_v[] = { "-r", "--require", "--import", "--loader", NULL };
static const char *const perl_b[] = { "perl*", NULL };
static const char *const perl_i[] = { "-e", "-E", NULL };
static const char *const ruby_b[] = { "ruby*", NULL };
static const char *const ruby_i[] = { "-e", NULL };
static const char *const ruby_v[] = { "-I", "-r", NULL };
static const char *const r_b[] = { "Rscript", NULL };
static const char *const r_i[] = { "-e", NULL };
static const char *const jl_b[] = { "julia*", NULL };
static const char *const jl_i[] = { "-e", "-E", "--eval", "--print", NULL };
static const char *const jl_v[] = { "-p", "-t", "-J", "-C", "-O", "--project", NULL };
static const char *const php_b[] = { "php*", NULL };
static const char *const php_i[] = { "-r", NULL };
static const char *const php_v[] = { "-d", "-c", "-z", NULL };
static const char *const lua_b[] = { "lua*", "luajit", NULL };
static const char *const lua_i[] = { "-e", NULL };
static const char *const lua_v[] = { "-l", NULL };
/* the dynamic loader run as a program ("ld.so ./prog"): prog is mapped by
 * it, never exec'd, so the kernel never sees it as a new file */
static const char *const ld_b[] = { "ld-linux-x86-64.so.2", "ld-linux-aarch64.so.1",
				    "ld-linux.so.2", "ld.so", "ld-musl-x86_64.so.1",
				    "ld-musl-aarch64.so.1", NULL };
static const char *const ld_v[] = { "--library-path", "--preload", "--audit", "--argv0",
				    "--glibc-hwcaps-prepend", "--glibc-hwcaps-mask", NULL };
static const char *const none[] = { NULL };

static const struct family families[] = {
	{ "python", py_b, py_i, py_v },
	{ "shell", sh_b, sh_i, sh_v },
	{ "node", node_b, node_i, node_v },
	{ "perl", perl_b, perl_i, none },
	{ "ruby", ruby_b, ruby_i, ruby_v },
	{ "r", r_b, r_i, none },
	{ "julia", jl_b, jl_i, jl_v },
	{ "php", php_b, php_i, php_v },
	{ "lua", lua_b, lua_i, lua_v },
	{ "loader", ld_b, none, ld_v },
};

static int base_matches(const char *pat, const char *base)
{
	size_t n = strlen(pat);

	if (pat[n - 1] != '*')
		return !strcmp(pat, base);
	if (strncmp(pat, base, n - 1))
		return 0;
	for (const char *c = base + n - 1; *c; c++)
		if (!((*c >= '0' && *c <= '9') || *c == '.'))
			return 0;
	return 1;
}

static const struct family *family_of(const char *name)
{
	for (size_t i = 0; i < sizeof(families) / sizeof(families[0]); i++)
		if (!strcmp(families[i].name, name))
			return &families[i];
	return NULL;
}

const char *exe_interpreter(const char *path)
{
	const char *base = path ? strrchr(path, '/') : NULL;

	base = base ? base + 1 : path;
	if (!base || !*base)
		return NULL;
	for (size_t i = 0; i < sizeof(families) / sizeof(families[0]); i++)
		for (const char *const *b = families[i].bases; *b; b++)
			if (base_matches(*b, base))
				return families[i].name;
	return NULL;
}

static int in(const char *const *list, const char *arg)
{
	for (; *list; list++)
		if (!strcmp(*list, arg))
			return 1;
	return 0;
}

/* Whether one of the options is the single letter -c. */
static int has_letter(const char *const *list, char c)
{
	for (; *list; list++)
		if ((*list)[0] == '-' && (*list)[1] == c && (*list)[2] == '\0')
			return 1;
	return 0;
}

int exe_script_arg(const char *fam, const uint8_t *argv, size_t len, char *out, size_t outlen)
{
	const struct family *f = fam ? family_of(fam) : NULL;
	size_t off, n;
	int opts = 1;

	/* a cut-off last argument (a truncated area) is not looked at: every
	 * argument below ends in a NUL inside the area */
	while (len && argv[len - 1])
		len--;
	if (!f || !len)
		return 0;
	off = strnlen((const char *)argv, len) + 1;     /* argv[0] */
	for (; off < len; off += n + 1) {
		const char *a = (const char *)argv + off;

		n = strnlen(a, len - off);
		if (opts && !strcmp(a, "--")) {
			opts = 0;
			continue;
		}
		if (opts && n > 1 && (a[0] == '-' || (a[0] == '+' && f == family_of("shell")))) {
			int takes_next = in(f->value_opts, a);

			if (in(f->inline_opts, a))
				return 0;
			/* short flags run together (bash -ec, perl -ne, python -Bc):
			 * an inline one among them means no script; a value-taking
			 * one ends them (its value follows, or is the next arg) */
			for (size_t i = 1; !takes_next && a[0] == '-' && a[1] != '-' && i < n; i++) {
				if (has_letter(f->inline_opts, a[i]))
					return 0;
				if (has_letter(f->value_opts, a[i])) {
					takes_next = i + 1 == n;
					break;
				}
			}
			if (takes_next)
				off += strnlen((const char *)argv + off + n + 1,
					       off + n + 1 < len ? len - off - n - 1 : 0) + 1;
			continue;
		}
		if (n == 1 && a[0] == '-')
			return 0;           /* stdin */
		if (n == 0 || n >= outlen)
			return 0;
		memcpy(out, a, n + 1);
		return 1;
	}
	return 0;
}
