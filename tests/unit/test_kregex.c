/* SPDX-License-Identifier: BSD-2-Clause */
/* test_kregex.c - kregex's DFA against real PCRE2, plus its subset, budget and union rules,
 * for allow patterns (the whole line) and banned ones (anywhere in it). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kregex.h"
#include "kregex_int.h"

#define OPTS (PCRE2_CASELESS | PCRE2_ANCHORED | PCRE2_ENDANCHORED)
#define MAXL 512            /* longest generated line */
#define MAX_STATES 20000    /* budget for single-pattern DFAs in these tests */

/* ---- randomness -------------------------------------------------------- */

static uint64_t rng_state;
static uint64_t seed = 0x6b72656765780001ULL;   /* "kregex" */

static uint64_t rnd(void)
{
	/* xorshift64* : tiny, deterministic, good enough for test data. */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545F4914F6CDD1DULL;
}

static size_t rnd_below(size_t n)
{
	return n ? (size_t)(rnd() % n) : 0;
}

static int setup_seed(void **state)
{
	const char *env = getenv("KREGEX_SEED");

	(void)state;
	if (env && *env)
		seed = strtoull(env, NULL, 0);
	rng_state = seed ? seed : 1;
	return 0;
}

/* ---- PCRE2, the oracle ------------------------------------------------- */

static pcre2_match_data *md;
static pcre2_match_context *mctx;

static unsigned long n_jit_differs;

/* What the oracles below compare: allow patterns (PCRE2 anchored at both
 * ends, KREGEX_WHOLE) or, while a test sets it, banned ones (PCRE2's
 * unanchored search, KREGEX_SEARCH). */
static enum kregex_mode g_mode = KREGEX_WHOLE;

static pcre2_code *pc_compile_opts(const char *pat, uint32_t opts);

/* Compiled as policy.c does it: with the JIT where there is one. */
static pcre2_code *pc_compile(const char *pat)
{
	return pc_compile_opts(pat, OPTS);
}

/* As policy.c compiles a pattern of the mode under test. */
static pcre2_code *pc_compile_mode(const char *pat)
{
	return pc_compile_opts(pat, g_mode == KREGEX_SEARCH ? PCRE2_CASELESS : OPTS);
}

static pcre2_code *pc_compile_opts(const char *pat, uint32_t opts)
{
	int err;
	PCRE2_SIZE off;
	pcre2_code *re;

	if (!md) {
		md = pcre2_match_data_create(1, NULL);
		mctx = pcre2_match_context_create(NULL);
		/* policy.c allows 1e6; less keeps backtracking blow-ups quick. */
		pcre2_set_match_limit(mctx, 100000);
	}
	re = pcre2_compile((PCRE2_SPTR)pat, PCRE2_ZERO_TERMINATED, opts, &err, &off, NULL);
	if (re)
		pcre2_jit_compile(re, PCRE2_JIT_COMPLETE);
	return re;
}

static int pc_run(const pcre2_code *re, const uint8_t *line, size_t len, uint32_t opts)
{
	int rc = pcre2_match(re, line, len, 0, opts, md, mctx);

	return rc >= 0 ? 1 : rc == PCRE2_ERROR_NOMATCH ? 0 : -1;
}

/* 1 match, 0 no match, -1 PCRE2 gave up (match limit). The JIT and the
 * interpreter must agree, or kregex could not agree with both. */
static int pc_match(const pcre2_code *re, const uint8_t *line, size_t len)
{
	int jit = pc_run(re, line, len, 0), interp = pc_run(re, line, len, PCRE2_NO_JIT);

	if (jit >= 0 && interp >= 0 && jit != interp && n_jit_differs++ < 5) {
		printf("PCRE2 JIT %d and interpreter %d differ on ", jit, interp);
		for (size_t i = 0; i < len; i++)
			printf("\\x%02x", line[i]);
		printf("\n");
	}
	return interp < 0 ? jit : interp;
}

/* ---- structural checks on every DFA built ------------------------------ */

static const uint32_t *moore_sig;
static uint32_t moore_k;

static int cmp_sig(const void *x, const void *y)
{
	const uint32_t *a = moore_sig + (size_t)*(const uint32_t *)x * (moore_k + 1);
	const uint32_t *b = moore_sig + (size_t)*(const uint32_t *)y * (moore_k + 1);

	for (uint32_t i = 0; i <= moore_k; i++)
		if (a[i] != b[i])
			return a[i] < b[i] ? -1 : 1;
	return 0;
}

/* Moore's refinement from scratch: the number of distinguishable states. */
static uint32_t moore_classes(const struct kregex_dfa *d)
{
	uint32_t n = d->nstates, k = d->nclasses, nb = 0, prev = 0;
	uint32_t *blk = malloc(n * sizeof(*blk)), *ord = malloc(n * sizeof(*ord));
	uint32_t *sig = malloc((size_t)n * (k + 1) * sizeof(*sig));

	assert_non_null(blk);
	assert_non_null(ord);
	assert_non_null(sig);
	for (uint32_t s = 0; s < n; s++)
		blk[s] = d->accept[s];
	for (;;) {
		for (uint32_t s = 0; s < n; s++) {
			sig[(size_t)s * (k + 1)] = blk[s];
			for (uint32_t c = 0; c < k; c++)
				sig[(size_t)s * (k + 1) + 1 + c] = blk[d->next[(size_t)s * k + c]];
			ord[s] = s;
		}
		moore_sig = sig;
		moore_k = k;
		qsort(ord, n, sizeof(*ord), cmp_sig);
		nb = 0;
		for (uint32_t i = 0; i < n; i++) {
			if (i && cmp_sig(&ord[i - 1], &ord[i]))
				nb++;
			blk[ord[i]] = nb;
		}
		nb++;
		if (nb == prev)
			break;
		prev = nb;
	}
	free(blk);
	free(ord);
	free(sig);
	return nb;
}

static void check_dfa(const struct kregex_dfa *d)
{
	uint8_t *live = calloc(d->nstates, 1);
	int changed = 1;

	assert_true(d->nstates >= 1);
	assert_true(d->nclasses >= 1 && d->nclasses <= 256);
	for (int b = 0; b < 256; b++)
		assert_true(d->cls[b] < d->nclasses);
	for (size_t i = 0; i < (size_t)d->nstates * d->nclasses; i++)
		assert_true(d->next[i] < d->nstates);
	/* live = can still reach an accepting state */
	assert_non_null(live);
	for (uint32_t s = 0; s < d->nstates; s++)
		live[s] = d->accept[s];
	while (changed) {
		changed = 0;
		for (uint32_t s = 0; s < d->nstates; s++)
			for (uint32_t c = 0; c < d->nclasses && !live[s]; c++)
				if (live[d->next[(size_t)s * d->nclasses + c]])
					live[s] = changed = 1;
	}
	/* Minimal: every state but the dead one (if any) can still accept. */
	for (uint32_t s = 0; s < d->nstates; s++)
		assert_int_equal(live[s], s != d->dead);
	free(live);
	/* The sink, if any, accepts and no byte leaves it; no other state is one. */
	for (uint32_t s = 0; s < d->nstates; s++) {
		uint32_t c = 0;

		while (c < d->nclasses && d->next[(size_t)s * d->nclasses + c] == s)
			c++;
		assert_int_equal(c == d->nclasses && d->accept[s], s == d->sink);
	}
	/* Minimal: no two states are equivalent (checked where affordable). */
	if (d->nstates <= 600)
		assert_int_equal(moore_classes(d), d->nstates);
	/* Minimal classes: no two columns are equal. */
	for (uint32_t c = 0; c < d->nclasses; c++)
		for (uint32_t e = c + 1; e < d->nclasses; e++) {
			uint32_t s = 0;

			while (s < d->nstates && d->next[(size_t)s * d->nclasses + c] ==
						 d->next[(size_t)s * d->nclasses + e])
				s++;
			assert_true(s < d->nstates);
		}
}

/* ---- differential checking --------------------------------------------- */

struct oracle {
	const char *pat;
	pcre2_code *re;
	struct kregex_dfa d;
};

static unsigned long n_checked, n_skipped, n_mismatch;

static void print_line(const uint8_t *line, size_t len)
{
	putchar('"');
	for (size_t i = 0; i < len; i++) {
		if (line[i] >= 0x20 && line[i] < 0x7f && line[i] != '"' && line[i] != '\\')
			putchar(line[i]);
		else
			printf("\\x%02x", line[i]);
	}
	printf("\" (%zu bytes)\n", len);
}

static void diff(struct oracle *o, const uint8_t *line, size_t len)
{
	int want = pc_match(o->re, line, len), got;

	if (want < 0) {
		n_skipped++;
		return;
	}
	n_checked++;
	got = kregex_match(&o->d, line, len);
	if (got != want) {
		if (n_mismatch++ < 20) {
			printf("MISMATCH pattern /%s/ pcre2=%d kregex=%d line ", o->pat, want, got);
			print_line(line, len);
		}
	}
}

static int oracle_init(struct oracle *o, const char *pat)
{
	uint8_t unsup = 0;
	const char *why = NULL;
	int rc;

	o->pat = pat;
	o->re = pc_compile_mode(pat);
	if (!o->re)
		return -1;
	rc = kregex_compile_mode(&pat, 1, g_mode, MAX_STATES, &o->d, &unsup, &why);
	if (rc < 0) {
		pcre2_code_free(o->re);
		return rc == -E2BIG ? -3 : -1;
	}
	if (unsup) {
		kregex_dfa_free(&o->d);
		pcre2_code_free(o->re);
		return -2;
	}
	check_dfa(&o->d);
	return 0;
}

static void oracle_free(struct oracle *o)
{
	kregex_dfa_free(&o->d);
	pcre2_code_free(o->re);
}

/* ---- line generators --------------------------------------------------- */

struct buf {
	uint8_t b[MAXL + 8];
	size_t n;
};

static void put(struct buf *l, uint8_t c)
{
	if (l->n < MAXL)
		l->b[l->n++] = c;
}

static uint8_t pick_in(const struct kr_set *s)
{
	for (int tries = 0; tries < 64; tries++) {
		unsigned b = (unsigned)rnd_below(256);

		if (kr_set_has(s, b))
			return (uint8_t)b;
	}
	for (unsigned b = 0, k = (unsigned)rnd_below(256); b < 256; b++)
		if (kr_set_has(s, (b + k) & 255))
			return (uint8_t)((b + k) & 255);
	return 'a';
}

/* A string of the pattern's language, from kregex's own AST (anchors and
 * sets aside, the language is what the AST says; PCRE2 judges it). */
static void ast_gen(const struct kr_ast *a, uint32_t id, struct buf *l)
{
	const struct kr_node *nd = &a->node[id];
	uint32_t c, n, k;

	switch (nd->op) {
	case KR_SET:
		put(l, pick_in(&nd->set));
		break;
	case KR_CAT:
		for (c = nd->child; c != KR_NONE; c = a->node[c].sibling)
			ast_gen(a, c, l);
		break;
	case KR_ALT:
		for (n = 0, c = nd->child; c != KR_NONE; c = a->node[c].sibling)
			n++;
		for (k = (uint32_t)rnd_below(n), c = nd->child; k--; c = a->node[c].sibling)
			;
		ast_gen(a, c, l);
		break;
	case KR_REPEAT:
		n = nd->min;
		if (nd->max == KR_INF)
			n += (uint32_t)rnd_below(4);
		else if (nd->max > nd->min)
			n += (uint32_t)rnd_below(nd->max - nd->min > 4 ? 5 : nd->max - nd->min + 1);
		while (n-- && l->n < MAXL)
			ast_gen(a, nd->child, l);
		break;
	default:
		break;
	}
}

/* A string the DFA accepts (or a walk that ran out of length). */
static void dfa_gen(const struct kregex_dfa *d, struct buf *l)
{
	uint32_t s = 0;

	l->n = 0;
	while (l->n < 200) {
		uint8_t b = 0;
		int tries;

		if (d->accept[s] && rnd_below(100) < 15)
			return;
		for (tries = 0; tries < 200; tries++) {
			b = (uint8_t)rnd_below(256);
			if (d->next[(size_t)s * d->nclasses + d->cls[b]] != d->dead)
				break;
		}
		if (tries == 200)
			return;
		put(l, b);
		s = d->next[(size_t)s * d->nclasses + d->cls[b]];
	}
}

static const uint8_t interesting[] = "aAzZ09 _-./\n\t\r\v\f\"'\\$^*{}[]()|?+,:=@#\x80\x85\xa0\xc9\xe9\xff\x01";

static uint8_t any_byte(void)
{
	switch (rnd_below(4)) {
	case 0:
		return (uint8_t)rnd_below(256);
	case 1:
		return (uint8_t)(0x80 + rnd_below(128));
	default:
		return interesting[rnd_below(sizeof(interesting) - 1)];
	}
}

static void mutate(struct buf *l)
{
	int steps = 1 + (int)rnd_below(3);
	size_t at;

	while (steps--) {
		at = rnd_below(l->n + 1);
		switch (rnd_below(9)) {
		case 0: /* case flip */
			for (size_t i = 0; i < l->n; i++) {
				size_t j = (at + i) % l->n;
				uint8_t c = l->b[j] | 0x20;

				if (c >= 'a' && c <= 'z') {
					l->b[j] ^= 0x20;
					break;
				}
			}
			break;
		case 1: /* insertion */
			if (l->n < MAXL) {
				memmove(l->b + at + 1, l->b + at, l->n - at);
				l->b[at] = any_byte();
				l->n++;
			}
			break;
		case 2: /* deletion */
			if (at < l->n) {
				memmove(l->b + at, l->b + at + 1, l->n - at - 1);
				l->n--;
			}
			break;
		case 3: /* replacement, often by a high byte */
			if (at < l->n)
				l->b[at] = rnd_below(2) ? (uint8_t)(0x80 + rnd_below(128)) : any_byte();
			break;
		case 4: /* appended newline */
			put(l, '\n');
			break;
		case 5: /* trailing spaces */
			put(l, ' ');
			if (rnd_below(2))
				put(l, ' ');
			break;
		case 6: /* newline inside */
			if (at < l->n)
				l->b[at] = '\n';
			break;
		case 7: /* duplicate a piece */
			if (at < l->n) {
				size_t len = 1 + rnd_below(l->n - at);

				if (l->n + len <= MAXL) {
					memmove(l->b + at + len, l->b + at, l->n - at);
					l->n += len;
				}
			}
			break;
		default: /* truncation */
			l->n = at;
			break;
		}
	}
}

/* The line with a few random bytes around it: for a banned pattern, a
 * match inside a longer line. */
static void check_embedded(struct oracle *o, const struct buf *seedline)
{
	struct buf l = { .n = 0 };

	for (size_t k = rnd_below(6); k; k--)
		put(&l, any_byte());
	for (size_t i = 0; i < seedline->n; i++)
		put(&l, seedline->b[i]);
	for (size_t k = rnd_below(6); k; k--)
		put(&l, any_byte());
	diff(o, l.b, l.n);
}

/* The line, variants of it, and a few mutations. */
static void check_around(struct oracle *o, const struct buf *seedline, int nmut)
{
	struct buf l = *seedline;

	if (g_mode == KREGEX_SEARCH)
		check_embedded(o, seedline);
	diff(o, l.b, l.n);
	put(&l, '\n');
	diff(o, l.b, l.n);                      /* $ before a final newline */
	l = *seedline;
	if (l.n)
		diff(o, l.b, l.n - 1);
	for (int i = 0; i < nmut; i++) {
		l = *seedline;
		mutate(&l);
		diff(o, l.b, l.n);
	}
}

static void random_line(struct buf *l, const char *alpha)
{
	size_t na = strlen(alpha), len = rnd_below(40);

	l->n = 0;
	while (len--)
		put(l, na && rnd_below(5) ? (uint8_t)alpha[rnd_below(na)] : any_byte());
}

static void check_adversarial(struct oracle *o)
{
	static const char *const fixed[] = { "", "\n", "\n\n", " ", "a", "a\n", "\na", "a\nb" };

	for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
		diff(o, (const uint8_t *)fixed[i], strlen(fixed[i]));
}

/* Everything for one pattern: AST strings, DFA strings, random lines. */
static void exercise(struct oracle *o, int rounds)
{
	struct kr_ast a;
	const char *why;
	struct buf l;

	assert_int_equal(kr_parse(o->pat, &a, &why), 0);
	check_adversarial(o);
	for (int i = 0; i < rounds; i++) {
		l.n = 0;
		ast_gen(&a, a.root, &l);
		check_around(o, &l, 3);
		dfa_gen(&o->d, &l);
		check_around(o, &l, 3);
		random_line(&l, o->pat);
		diff(o, l.b, l.n);
	}
	kr_ast_free(&a);
}

/* ---- realistic allow patterns ------------------------------------------ */

static const char *const realistic[] = {
	"/usr/bin/python3 -m ipykernel_launcher -f \\S+\\.json",
	"(bash|sh) -c echo (hello|world)",
	"conda (install|create) .*",
	"[a-z0-9_-]{1,32} --version",
	".*xmrig-docs.*",
	"git clone https?://github\\.com/[\\w.-]+/[\\w.-]+(\\.git)?",
	"/opt/conda/bin/python[0-9.]* -m pip install( -U| --upgrade)? [\\w.=<>-]+( [\\w.=<>-]+)*",
	"jupyter(-lab|-notebook)? --ip=0\\.0\\.0\\.0 --port=\\d{2,5}( --no-browser)?",
	"/usr/lib/jvm/java-\\d+-openjdk-amd64/bin/java .*",
	"node /usr/local/lib/node_modules/npm/bin/npm-cli\\.js (install|ci|run \\w+)",
	"^grep -[a-zA-Z]* ['\"]?minerd['\"]? .*$",
	"ps (aux|-ef)( \\| grep \\S+)?",
	"(/usr)?/bin/(ba)?sh -c \"?man (xmrig|minerd|cpuminer)\"?",
	"cat /proc/cpuinfo",
	"nvidia-smi( --query-gpu=[a-z.,_]+ --format=csv(,noheader)?)?",
	"R --no-echo --no-restore --file=\\S+\\.R",
	"/usr/bin/Rscript -e .{0,200}",
	"curl -fsSL https://raw\\.githubusercontent\\.com/[\\w.-]+/[\\w.-]+/[\\w./-]+",
	"wget -q(O-)? https?://(www\\.)?example\\.(com|org)/\\S*",
	"tail -[fn] ?\\d* /var/log/[\\w./-]+",
	"python3? -c \"?import (sys|os); print\\(.*\\)\"?",
	"\\S*/bin/python3\\.\\d+ \\S*/site-packages/xmrig_docs/build\\.py",
	"code-server --bind-addr 127\\.0\\.0\\.1:\\d+ --auth none",
	"make -j\\d* (all|test|check)?",
	"gcc (-[OgW]\\w* )*-o \\S+ \\S+\\.c",
	"docker (ps|images|logs [0-9a-f]{12})",
	"kubectl (get|describe) (pods?|nodes?)( -n [\\w-]+)?",
	"pip (list|freeze|show \\S+)",
	"tar -?[xczvf]+ \\S+\\.(tar\\.gz|tgz|tar)( -C \\S+)?",
	"ssh-agent -s",
	"/usr/sbin/sshd -D( -e)?",
	"sleep \\d+(\\.\\d+)?[smhd]?",
	"top -b -n ?\\d+",
	"vim? \\S+",
	"man \\w+(\\.\\d)?",
	"echo \"[^\"]*\"",
	"printf '[^']*'( \\S+)*",
	"bash --rcfile /etc/bash\\.bashrc -i",
	"/bin/sh -c (cd [\\w./-]+ && )?make( \\w+)*",
	"(?i)firefox( --headless)?( --new-window \\S+)?",
	"/usr/local/bin/(?<tool>[a-z]+)-wrapper --config=/etc/[a-z]+\\.conf",
	"(?P<interp>python|perl|ruby) -e '.*'",
	"(?'cmd'ls|dir)( -[la]+)?( \\S+)?",
	"julia --project=\\S* -e \"using Pkg; Pkg\\.instantiate\\(\\)\"",
	"dotnet (build|run|test)( --no-restore)?",
	"go (build|test|run|vet) \\./\\.\\.\\.",
	"cargo (build|test|run)( --release)?",
	"mvn (-B )?(clean )?(install|package|verify)( -DskipTests)?",
	"\\x2fusr\\x2fbin\\x2fenv python3 \\S+\\.py",
	"stress(-ng)? --cpu \\d+ --timeout \\d+s?",
	"/usr/bin/time -v .+",
	"timeout \\d+[smh]? \\S+( \\S+){0,10}",
	"nice -n ?-?\\d+ \\S+.*",
	"mpirun -np \\d+ [\\w./-]+",
	"srun -N ?\\d+ -n ?\\d+ \\S+",
	"sbatch \\S+\\.sh",
	"ffmpeg -i \\S+ (-[a-z:]+ \\S+ )*\\S+\\.(mp4|mkv|webm)",
	"openssl (speed|version|rand -hex \\d+)",
	"/usr/bin/perl -w? ?\\S+\\.pl",
	"[^ ]+/xmrig --help",
	"minerd --version$",
	"^/home/jovyan/\\.local/bin/[^/ ]+$",
	"\\A/srv/conda/envs/notebook/bin/python -m bokeh serve .*\\z",
	"bash -c 'while true; do sleep 1; done'",
	"sh -c [\\x20-\\x7e]{1,80}",
	"([a-z]+ ){0,3}--dry-run",
	"lscpu|lshw|nproc|uptime|free -[mhg]",
	".*\\.ipynb_checkpoints.*",
	"(?:/usr)?/bin/ls(?: -[alhtrR]+)*(?: [^ \\t\\n]+)*",
	"[[:alnum:]_.-]+\\.sh( [[:print:]]*)?",
	"cpulimit -l \\d{1,3} -- .*",
	"/usr/bin/python3 -m (ipykernel_launcher|jupyter_server|notebook)( --\\w+(=\\S+)?)*",
	"htop|btop|glances",
	"/usr/lib/rstudio-server/bin/rsession( -{1,2}\\w[\\w-]*(=| )\\S+)*",
	"\\S+/envs/[\\w-]+/bin/python -u \\S+\\.py(\\s+--?\\w+(=\\S+)?)*",
	"ls\\s+-\\w+\\s+/(home|tmp|srv)(/\\S*)?",
};

static void test_realistic(void **state)
{
	size_t n = sizeof(realistic) / sizeof(realistic[0]);
	struct kregex_dfa u;
	uint8_t unsup[128];
	const char *why[128];
	uint32_t total = 0;

	(void)state;
	assert_true(n >= 60 && n <= 128);
	n_checked = n_skipped = n_mismatch = 0;
	printf("  %-6s %-7s pattern\n", "states", "classes");
	for (size_t i = 0; i < n; i++) {
		struct oracle o;
		const char *reason = NULL;

		if (kregex_supported(realistic[i], &reason))
			fail_msg("realistic pattern /%s/ unsupported: %s", realistic[i], reason);
		assert_int_equal(oracle_init(&o, realistic[i]), 0);
		printf("  %-6u %-7u %s\n", o.d.nstates, o.d.nclasses, realistic[i]);
		total += o.d.nstates;
		exercise(&o, 400);
		oracle_free(&o);
	}
	assert_int_equal(kregex_compile(realistic, n, 1u << 20, &u, unsup, why), 0);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(unsup[i], 0);
	check_dfa(&u);
	printf("  union of %zu patterns: %u states, %u classes (sum of singles %u)\n", n, u.nstates,
	       u.nclasses, total);
	printf("  seed %#llx: %lu lines checked, %lu skipped (PCRE2 limit), %lu mismatches\n",
	       (unsigned long long)seed, n_checked, n_skipped, n_mismatch);
	kregex_dfa_free(&u);
	assert_int_equal(n_mismatch, 0);
}

/* The union must accept exactly the lines some pattern accepts. */
static void test_union_realistic(void **state)
{
	size_t n = sizeof(realistic) / sizeof(realistic[0]);
	pcre2_code *re[128];
	struct kregex_dfa u;
	unsigned long checked = 0, mism = 0;

	(void)state;
	assert_int_equal(kregex_compile(realistic, n, 1u << 20, &u, NULL, NULL), 0);
	for (size_t i = 0; i < n; i++)
		assert_non_null(re[i] = pc_compile(realistic[i]));
	for (int round = 0; round < 6000; round++) {
		struct buf l;
		int want = 0;

		if (round % 3 == 0) {
			random_line(&l, realistic[rnd_below(n)]);
		} else {
			struct kr_ast a;
			const char *why;

			assert_int_equal(kr_parse(realistic[rnd_below(n)], &a, &why), 0);
			l.n = 0;
			ast_gen(&a, a.root, &l);
			kr_ast_free(&a);
			if (round % 3 == 2)
				mutate(&l);
		}
		for (size_t i = 0; i < n && !want; i++)
			want = pc_match(re[i], l.b, l.n) == 1;
		checked++;
		if (kregex_match(&u, l.b, l.n) != want && mism++ < 10) {
			printf("UNION MISMATCH pcre2=%d line ", want);
			print_line(l.b, l.n);
		}
	}
	for (size_t i = 0; i < n; i++)
		pcre2_code_free(re[i]);
	kregex_dfa_free(&u);
	printf("  union: %lu lines checked, %lu mismatches\n", checked, mism);
	assert_int_equal(mism, 0);
}

/* ---- random regexes from the supported grammar ------------------------- */

/* A generated regex is a tree of these; each atom knows its byte set, taken
 * from PCRE2 itself (so the generator does not share kregex's tables). */
enum { G_ATOM, G_CAT, G_ALT, G_REP, G_NOTHING };

struct gnode {
	int kind;
	int min, max;           /* G_REP; max -1 = unbounded */
	struct kr_set members;  /* G_ATOM */
	int kid[6], nkids;
};

static struct gnode gpool[512];
static int gn;
static int gnames;

struct pbuf {
	char s[4096];
	size_t n;
	int full;   /* text was dropped: the pattern is unusable */
};

static void emit(struct pbuf *p, const char *t)
{
	size_t k = strlen(t);

	if (p->n + k < sizeof(p->s)) {
		memcpy(p->s + p->n, t, k);
		p->n += k;
		p->s[p->n] = 0;
	} else {
		p->full = 1;
	}
}

static int gnew(int kind)
{
	if (gn >= (int)(sizeof(gpool) / sizeof(gpool[0])))
		return -1;
	memset(&gpool[gn], 0, sizeof(gpool[gn]));
	gpool[gn].kind = kind;
	return gn++;
}

/* Which single bytes the atom's text matches, asked of PCRE2. */
static void atom_members(const char *text, struct kr_set *s)
{
	pcre2_code *re = pc_compile(text);

	if (!re)
		fail_msg("generated atom /%s/ does not compile", text);
	memset(s, 0, sizeof(*s));
	for (unsigned b = 0; b < 256; b++) {
		uint8_t c = (uint8_t)b;

		if (pc_match(re, &c, 1) == 1)
			kr_set_add(s, b);
	}
	pcre2_code_free(re);
}

static const char *const atoms[] = {
	"a", "b", "x", "A", "B", "Z", "0", "7", "-", " ", "/", "_", "=", ",", "]", "}", "#", "\xe9",
	"\xc9", "\x85", "\xa0", "\n", "\\.", "\\*", "\\+", "\\?", "\\(", "\\)", "\\[", "\\]", "\\{",
	"\\}", "\\|", "\\^", "\\$", "\\\\", "\\/", "\\-", "\\ ", "\\t", "\\n", "\\r", "\\f", "\\e",
	"\\a", "\\x41", "\\x{61}", "\\xe9", "\\xC9", "\\000", "\\012", "\\d", "\\D", "\\w", "\\W",
	"\\s", "\\S", "\\h", "\\H", "\\v", "\\V", ".", ".", "\\\xe9",
};

static const char *const class_items[] = {
	"a", "b", "x", "Z", "0", " ", ".", "/", "_", "*", "+", "?", "(", ")", "{", "|", "$", ":", "\xe9",
	"\\]", "\\\\", "\\-", "\\^", "\\[", "\\n", "\\t", "\\b", "\\x41", "\\d", "\\D", "\\w", "\\W",
	"\\s", "\\S", "\\h", "\\H", "\\v", "\\V", "a-f", "A-Z", "0-9", "Z-a", "!-/", "\x80-\xff",
	"\\x20-\\x7e", "b-b", "[:alpha:]", "[:digit:]", "[:space:]", "[:upper:]", "[:lower:]",
	"[:^lower:]", "[:punct:]", "[:word:]", "[:xdigit:]", "[:^alnum:]", "[:blank:]", "[:cntrl:]",
	"[:graph:]", "[:print:]", "[:ascii:]", "[:^space:]",
};

static void gen_class(struct pbuf *p)
{
	int n = 1 + (int)rnd_below(4);

	emit(p, "[");
	if (rnd_below(4) == 0)
		emit(p, "^");
	if (rnd_below(8) == 0)
		emit(p, "]");            /* literal ] first */
	else if (rnd_below(8) == 0)
		emit(p, "-");            /* literal - first */
	else                         /* so ':' or '.' cannot open [:...:] or [.....] */
		emit(p, (const char *const[]){ "a", "Z", "0", " ", "\\.", "\\d", "\xe9" }[rnd_below(7)]);
	while (n--)
		emit(p, class_items[rnd_below(sizeof(class_items) / sizeof(class_items[0]))]);
	if (rnd_below(6) == 0)
		emit(p, "-");            /* literal - last */
	emit(p, "]");
}

static int gen_alt(struct pbuf *p, int depth);

/* One item of a sequence, maybe quantified. */
static int gen_item(struct pbuf *p, int depth)
{
	size_t r = rnd_below(100), start = p->n;
	int id;

	if (r < 6) {
		static const char *const anchors[] = { "^", "$", "\\A", "\\z", "\\Z" };

		emit(p, anchors[rnd_below(5)]);
		return gnew(G_NOTHING);
	}
	if (r < 8) {
		emit(p, "(?i)");
		return gnew(G_NOTHING);
	}
	if (r < 26 && depth < 4) {
		static const char *const opens[] = { "(", "(?:", "(?i:", "(?<", "(?P<", "(?'" };
		size_t k = rnd_below(6);
		char name[32];

		emit(p, opens[k]);
		if (k >= 3) {
			snprintf(name, sizeof(name), "g%d%c", gnames++, k == 5 ? '\'' : '>');
			emit(p, name);
		}
		id = gen_alt(p, depth + 1);
		emit(p, ")");
	} else {
		char text[128];

		if (rnd_below(4) == 0)
			gen_class(p);
		else
			emit(p, atoms[rnd_below(sizeof(atoms) / sizeof(atoms[0]))]);
		id = gnew(G_ATOM);
		if (id < 0)
			return -1;
		snprintf(text, sizeof(text), "%.*s", (int)(p->n - start), p->s + start);
		if (!p->full)
			atom_members(text, &gpool[id].members);
	}
	if (id >= 0 && rnd_below(100) < 35) {
		static const char *const q[] = { "*", "+", "?", "{2}", "{0,2}", "{1,3}", "{2,}", "{0}", "{1}" };
		static const int qmin[] = { 0, 1, 0, 2, 0, 1, 2, 0, 1 }, qmax[] = { -1, -1, 1, 2, 2, 3, -1, 0, 1 };
		size_t k = rnd_below(9);
		int rep = gnew(G_REP);

		if (rep < 0)
			return -1;
		emit(p, q[k]);
		if (rnd_below(4) == 0)
			emit(p, "?");        /* lazy */
		gpool[rep].min = qmin[k];
		gpool[rep].max = qmax[k];
		gpool[rep].kid[0] = id;
		gpool[rep].nkids = 1;
		id = rep;
	}
	return id;
}

static int gen_seq(struct pbuf *p, int depth)
{
	int id = gnew(G_CAT), n = (int)rnd_below(5);

	if (id < 0)
		return -1;
	while (n-- > 0 && gpool[id].nkids < 6) {
		int k = gen_item(p, depth);

		if (k < 0)
			return -1;
		gpool[id].kid[gpool[id].nkids++] = k;
	}
	return id;
}

static int gen_alt(struct pbuf *p, int depth)
{
	int id = gnew(G_ALT), n = 1 + (rnd_below(3) == 0 ? (int)rnd_below(3) : 0);

	if (id < 0)
		return -1;
	for (int i = 0; i < n; i++) {
		int k;

		if (i)
			emit(p, "|");
		k = gen_seq(p, depth);
		if (k < 0)
			return -1;
		gpool[id].kid[gpool[id].nkids++] = k;
	}
	return id;
}

static void gtree_gen(int id, struct buf *l)
{
	const struct gnode *g = &gpool[id];
	int n;

	switch (g->kind) {
	case G_ATOM:
		put(l, pick_in(&g->members));
		break;
	case G_CAT:
		for (int i = 0; i < g->nkids; i++)
			gtree_gen(g->kid[i], l);
		break;
	case G_ALT:
		gtree_gen(g->kid[rnd_below((size_t)g->nkids)], l);
		break;
	case G_REP:
		n = g->min + (g->max < 0 ? (int)rnd_below(4) : (int)rnd_below((size_t)(g->max - g->min + 1)));
		while (n-- > 0 && l->n < MAXL)
			gtree_gen(g->kid[0], l);
		break;
	default:
		break;
	}
}

static void test_random_regexes(void **state)
{
	unsigned long regexes = 0, refused = 0;
	uint32_t maxstates = 0;

	(void)state;
	n_checked = n_skipped = n_mismatch = 0;
	for (int r = 0; r < 700; r++) {
		struct pbuf p = { .n = 0 };
		struct oracle o;
		const char *why = NULL;
		int root, rc;

		p.s[0] = 0;
		gn = 0;
		gnames = 0;
		root = gen_alt(&p, 0);
		if (root < 0 || p.full)
			continue;
		/* The generator stays inside the subset: kregex must take it all
		 * but for the rule on \\S with \\h or \\v. */
		if (kregex_supported(p.s, &why)) {
			if (strstr(why, "auto-possess")) {
				refused++;
				continue;
			}
			fail_msg("generated /%s/ refused: %s", p.s, why);
		}
		rc = oracle_init(&o, p.s);
		if (rc == -3) {
			refused++;
			continue;
		}
		if (rc)
			fail_msg("generated /%s/: PCRE2 or kregex failed (%d)", p.s, rc);
		regexes++;
		if (o.d.nstates > maxstates)
			maxstates = o.d.nstates;
		check_adversarial(&o);
		/* A pattern PCRE2 keeps giving up on is slow and teaches little. */
		for (int i = 0, skipped = (int)n_skipped; i < 120 && (int)n_skipped < skipped + 4; i++) {
			struct buf l = { .n = 0 };

			gtree_gen(root, &l);
			check_around(&o, &l, 3);
			if (i % 4 == 0) {
				dfa_gen(&o.d, &l);
				check_around(&o, &l, 2);
			}
			random_line(&l, p.s);
			diff(&o, l.b, l.n);
		}
		oracle_free(&o);
	}
	printf("  seed %#llx: %lu random regexes (%lu refused or over budget, largest DFA %u states), "
	       "%lu lines checked, %lu skipped, %lu mismatches\n",
	       (unsigned long long)seed, regexes, refused, maxstates, n_checked, n_skipped, n_mismatch);
	assert_int_equal(n_mismatch, 0);
}

/* ---- exhaustive small cases -------------------------------------------- */

/* Every single byte (alone, before '\n', after 'a') against escapes, classes
 * and literals whose tables could differ from PCRE2's. */
static void test_single_bytes(void **state)
{
	static const char *const pats[] = {
		"\\d", "\\D", "\\w", "\\W", "\\s", "\\S", "\\h", "\\H", "\\v", "\\V", ".", "\\N?a",
		"[[:alpha:]]", "[[:lower:]]", "[[:upper:]]", "[[:alnum:]]", "[[:ascii:]]", "[[:blank:]]",
		"[[:cntrl:]]", "[[:digit:]]", "[[:graph:]]", "[[:print:]]", "[[:punct:]]", "[[:space:]]",
		"[[:word:]]", "[[:xdigit:]]", "[[:^alpha:]]", "[[:^lower:]]", "[[:^upper:]]",
		"[[:^space:]]", "[^[:lower:]]", "[^[:^upper:]]", "[a-c]", "[^a]", "[^\\x41]", "[Z-a]",
		"[^Z-a]", "\\x41", "\\x{e9}", "\xe9", "\\\xe9", "[\xe9-\xff]", "\\0", "\\000", "\\012",
		"\\e", "\\a", "\\f", "\\r", "\\t", "\\n", "[\\b]", "[\\d-]", "[-\\w]", "[]]", "[^]]",
		"[]-a]", "[a-]", "[%--]", "[a-b-d]", "[\\]-a]", "[[]", "[[:a]", "[.]", "[=]", "[:]",
		"[[.]", "[a[:]", "[\\\\]", "[\\^]", "[\\[]", "[\\x00-\\x1f]", "\\x{0041}", "[\\0]", "[\\012]",
		"[^\\n]", "[\\s\\S]", "[\\h]", "[\\V]", "[^\\W]", "[^\\d\\s]", "[.-]", "[a-a]",
	};
	unsigned long mism = 0;

	(void)state;
	for (size_t i = 0; i < sizeof(pats) / sizeof(pats[0]); i++) {
		struct oracle o;
		int rc = oracle_init(&o, pats[i]);

		if (rc == -2)   /* \N is refused: check that and move on */
			continue;
		if (rc)
			fail_msg("/%s/ not compiled (%d)", pats[i], rc);
		n_mismatch = 0;
		for (unsigned b = 0; b < 256; b++) {
			uint8_t l[3] = { (uint8_t)b, '\n', 0 };
			uint8_t m[2] = { 'a', (uint8_t)b };

			diff(&o, l, 1);
			diff(&o, l, 2);
			diff(&o, m, 2);
		}
		check_adversarial(&o);
		mism += n_mismatch;
		oracle_free(&o);
	}
	assert_int_equal(mism, 0);
}

/* Anchors and newlines: every string over {a, A, b, \n} up to length 5. */
static void test_anchors_exhaustive(void **state)
{
	static const char *const pats[] = {
		"a$", "a$\\n", "a\\Z", "a\\Z\\n", "a\\z", "a\\z\\n", "a$$", "$", "^", "^$", "\\A\\z", "$\\n",
		"a*$\\n*", "(?:a|$)+", "(?:a|$)+\\n", "(^a|b)*", "a^b", "a*^b", "(\\n|$)*", "a\\n$",
		"[^\\n]*$\\n", "^a|b$", "(a$)*\\n?", "(?:a$|b)\\n", "a(?:$|\\n)+", ".*$", ".*\\n", "(?:^|a)b",
		"\\Aa|b\\z", "(?:\\z|\\n)*", "a(\\Z|b)\\n?", "(?:$\\n)+", "(?:^\\n?)*a", "a\\n?$\\n?",
		"(?:a$\\n)?b", "(?:b|a\\Z)+", "$a", "\\z$", "$\\z", "(?:$|b)\\n(?:$|b)",
	};
	static const uint8_t alpha[] = { 'a', 'A', 'b', '\n' };

	(void)state;
	n_mismatch = 0;
	for (size_t i = 0; i < sizeof(pats) / sizeof(pats[0]); i++) {
		struct oracle o;

		if (oracle_init(&o, pats[i]))
			fail_msg("/%s/ not compiled", pats[i]);
		for (size_t len = 0; len <= 5; len++) {
			size_t total = 1;

			for (size_t k = 0; k < len; k++)
				total *= 4;
			for (size_t v = 0; v < total; v++) {
				uint8_t l[5];
				size_t x = v;

				for (size_t k = 0; k < len; k++, x /= 4)
					l[k] = alpha[x % 4];
				diff(&o, l, len);
			}
		}
		oracle_free(&o);
	}
	assert_int_equal(n_mismatch, 0);
}

/* PCRE2 behaviours the subset relies on, pinned down. */
static void test_pcre2_semantics(void **state)
{
	static const struct {
		const char *pat, *line;
		int match;
	} cases[] = {
		{ "foo$", "foo\n", 0 },      /* $ may sit before a final \n, but the match must end at the end */
		{ "foo$\\n", "foo\n", 1 },
		{ "foo\\Z", "foo\n", 0 },
		{ "foo\\z\\n", "foo\n", 0 },
		{ "a{,3}", "a{,3}", 1 },      /* literal text in PCRE2 10.42; kregex refuses it */
		{ "\\v", "\v", 1 },           /* \v is a class: VT and also \n \f \r \x85 */
		{ "\\v", "\n", 1 },
		{ "\\h", "\xa0", 1 },
		{ "\\s", "\v", 1 },
		{ "[^a]", "A", 0 },           /* caseless applies before negation */
		{ "[[:^lower:]]", "A", 0 },   /* caseless turns lower/upper into alpha */
		{ "[[:upper:]]", "a", 1 },
		{ "\xe9", "\xc9", 0 },        /* no case outside ASCII */
		{ "[a-b-d]", "-", 1 },        /* '-' after a range is literal */
		{ "\\0123", "\n3", 1 },       /* \0 takes two more octal digits at most */
		{ "a{1a}", "a{1a}", 1 },
	};

	uint32_t nl = 0;

	(void)state;
	/* '.', $ and \Z in kregex assume the build's default newline, LF. */
	assert_true(pcre2_config(PCRE2_CONFIG_NEWLINE, &nl) >= 0);
	assert_int_equal(nl, PCRE2_NEWLINE_LF);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		pcre2_code *re = pc_compile(cases[i].pat);

		assert_non_null(re);
		if (pc_match(re, (const uint8_t *)cases[i].line, strlen(cases[i].line)) != cases[i].match)
			fail_msg("PCRE2 changed: /%s/ on \"%s\"", cases[i].pat, cases[i].line);
		pcre2_code_free(re);
	}
	/* Not relied on (kregex refuses \S with \h or \v), just reported. */
	{
		pcre2_code *re = pc_compile("\\S+\\h");

		assert_non_null(re);
		printf("  PCRE2 auto-possessifies \\S+\\h wrongly: %s\n",
		       pc_match(re, (const uint8_t *)"a\xa0", 2) ? "no (fixed)" : "yes");
		pcre2_code_free(re);
	}
}

/* ---- the subset's borders ---------------------------------------------- */

static const struct {
	const char *pat, *reason;   /* reason: a substring of what kregex says */
} refused[] = {
	{ "(a)\\1", "backreference" },
	{ "(?<n>a)\\k<n>", "backreference" },
	{ "(?P<n>a)(?P=n)", "backreference" },
	{ "(a)\\g1", "backreference" },
	{ "a(?=b)b", "lookahead" },
	{ "a(?!b)", "lookahead" },
	{ "(?<=a)b", "lookbehind" },
	{ "(?<!a)b", "lookbehind" },
	{ "\\bfoo\\b", "word boundary" },
	{ "a\\Bb", "word boundary" },
	{ "[[:<:]]a", "POSIX class name" },
	{ "a*+", "possessive" },
	{ "a++b", "possessive" },
	{ "a?+", "possessive" },
	{ "a{2,3}+", "possessive" },
	{ "(?>a+)b", "atomic" },
	{ "(?(1)a|b)", "conditional" },
	{ "(a|(?R))", "recursion" },
	{ "(a)(?1)", "recursion" },
	{ "(?&n)", "recursion" },
	{ "(?P>n)", "recursion" },
	{ "(a)(?-1)", "recursion" },
	{ "\\Qa.b\\E", "\\Q" },
	{ "a\\E", "\\Q" },
	{ "\\p{L}", "Unicode" },
	{ "\\PL", "Unicode" },
	{ "a\\Kb", "\\K" },
	{ "\\Ga", "\\G" },
	{ "\\C", "\\C" },
	{ "\\R", "\\R" },
	{ "\\X", "\\X" },
	{ "\\N", "\\N" },
	{ "(?C1)a", "callout" },
	{ "(?s).", "inline options" },
	{ "(?-i)a", "inline options" },
	{ "(?m)^a", "inline options" },
	{ "(?x) a", "inline options" },
	{ "(?^)a", "inline options" },
	{ "(*UTF)a", "VERB" },
	{ "(*ACCEPT)", "VERB" },
	{ "(*pla:a)a", "VERB" },
	{ "(?#comment)a", "comments" },
	{ "(?|(a)|(b))", "branch reset" },
	{ "a{1001}", "above 1000" },
	{ "a{2,5000}", "above 1000" },
	{ "(?:a{1000}){1000}", "too large" },
	{ "a{,3}", "versions" },
	{ "a{ 2}", "versions" },
	{ "a{2 }", "versions" },
	{ "a{2, 3}", "versions" },
	{ "x{1a}", "versions" },
	{ "\\cA", "\\c" },
	{ "\\o{101}", "\\o" },
	{ "\\x", "hex digits" },
	{ "\\x{100}", "above 0xff" },
	{ "\\x{41", "malformed" },
	{ "[\\1]", "octal" },
	{ "\\8", "backreference" },
	/* PCRE2 refuses these; so does kregex */
	{ "a**", "repeatable" },
	{ "*a", "repeatable" },
	{ "a|*", "repeatable" },
	{ "^*", "repeatable" },
	{ "\\z+", "repeatable" },
	{ "(?i)*", "repeatable" },
	{ "a{1}{2}", "repeatable" },
	{ "{1}", "repeatable" },
	{ "a{2,1}", "out of order" },
	{ "a{65536}", "too big" },
	{ "(a", "missing closing" },
	{ "a)", "unmatched" },
	{ "[a", "missing terminating" },
	{ "[]", "missing terminating" },
	{ "[z-a]", "out of order" },
	{ "[\\d-z]", "invalid range" },
	{ "[a-\\d]", "invalid range" },
	{ "[[:digit:]-z]", "invalid range" },
	{ "[[:foo:]]", "unknown POSIX" },
	{ "[[.a.]]", "collating" },
	{ "[[=a=]]", "collating" },
	{ "[:alpha:]", "outside brackets" },
	{ "\\", "end of pattern" },
	{ "\\y", "unrecognized" },
	{ "\\u0041", "unrecognized" },
	{ "[\\A]", "invalid in a character class" },
	{ "[\\B]", "word boundary" },
	{ "(?<1a>x)", "non-digit" },
	{ "(?<>x)", "name expected" },
	{ "(?<a-b>x)", "syntax error" },
	{ "(?<a>x)(?<a>y)", "same name" },
	{ "(?<abcdefghijklmnopqrstuvwxyzabcdefg>x)", "too long" },
	/* PCRE2 wrongly auto-possessifies these (see kregex_parse.c) */
	{ "\\S+\\h", "auto-possess" },
	{ "\\v*\\S", "auto-possess" },
	{ "\\S(?:x|y)\\h", "auto-possess" },
};

static void test_unsupported(void **state)
{
	size_t n = sizeof(refused) / sizeof(refused[0]);
	const char **pats = calloc(n + 1, sizeof(*pats));
	const char **why = calloc(n + 1, sizeof(*why));
	uint8_t *unsup = calloc(n + 1, 1);
	struct kregex_dfa d;

	(void)state;
	assert_true(pats && why && unsup);
	for (size_t i = 0; i < n; i++) {
		const char *reason = NULL;

		if (kregex_supported(refused[i].pat, &reason) == 0)
			fail_msg("/%s/ accepted", refused[i].pat);
		if (!reason || !strstr(reason, refused[i].reason))
			fail_msg("/%s/: reason \"%s\", expected \"%s\"", refused[i].pat,
				 reason ? reason : "(null)", refused[i].reason);
		pats[i] = refused[i].pat;
	}
	/* In a union they are skipped and reported; the supported one stays. */
	pats[n] = "ok";
	assert_int_equal(kregex_compile(pats, n + 1, 100, &d, unsup, why), 0);
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(unsup[i], 1);
		assert_non_null(why[i]);
	}
	assert_int_equal(unsup[n], 0);
	assert_null(why[n]);
	assert_true(kregex_match(&d, (const uint8_t *)"OK", 2));
	assert_false(kregex_match(&d, (const uint8_t *)"a", 1));
	kregex_dfa_free(&d);
	free(pats);
	free(why);
	free(unsup);
	/* Deep nesting: PCRE2 allows 250 levels, kregex stops at 100. */
	{
		char deep[400];
		const char *reason = NULL;
		pcre2_code *re;

		memset(deep, '(', 150);
		deep[150] = 'a';
		memset(deep + 151, ')', 150);
		deep[301] = 0;
		re = pc_compile(deep);
		assert_non_null(re);
		pcre2_code_free(re);
		assert_int_equal(kregex_supported(deep, &reason), -EINVAL);
		assert_non_null(strstr(reason, "nested too deeply"));
		deep[50] = 'a';
		memset(deep + 51, ')', 50);
		deep[101] = 0;
		assert_int_equal(kregex_supported(deep, &reason), 0);
	}
}

/* Whatever kregex takes, PCRE2 compiles: tricky syntax near the border. */
static void test_supported_compiles(void **state)
{
	static const char *const pats[] = {
		"", "()", "(|)", "a|", "|a", "()*", "(?:)+", "(a|)*b", "]", "}", "{", "a{", "a{}", "x{a}",
		"{foo}", "a{b", "a{1}", "a{1,}", "a{1,2}", "a{0}", "a{0,0}?", "a{1000}", "(?:a?){3,}", "[]a]",
		"[^]a]", "[]-a]", "[a-]", "[-a]", "[\\]]", "[\\\\]", "[a\\-z]", "[[:alpha:][:digit:]]",
		"[[:alpha]", "[[:a]:]]", "[a[:b]", "[:abc]", "[.]", "[=a]", "(?i)a", "a(?i)b", "(?i:a|b)c",
		"(?<n>a)(?P<m>b)(?'o'c)", "\\x{0000041}", "\\x4", "\\x4g", "\\0", "\\07", "\\0777",
		"\\\xe9", "[\\\xe9]", "[\\b]", "\xff+", "a^", "$a", "\\Z\\z\\A", "(?:^)*", "(?:$)+",
		"(?:\\z)?", "a??", "a*?", "a+?", "a{2,3}?", "a{2}?", "[\\d-]", "[%--]", "[--/]", "[^-]",
		"[^^]", "[a-a]", "[\\x00-\\xff]", "\\E", "\\Q", "a{1,2}{3}", "(?P", "(?<", "(?'",
		"(?i", "(?", "[\\", "\\x{", "a{99999999999999999999}", "a{1,99999999999999999999}",
		"[[:alpha:]-]", "[\\w-.]", "[a-\\]]", "[\\x41-\\x5a]", "[\\x5a-\\x41]", "\n", "a\nb",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(pats) / sizeof(pats[0]); i++) {
		const char *why;
		pcre2_code *re = pc_compile(pats[i]);
		int sup = kregex_supported(pats[i], &why) == 0;

		if (sup && !re)
			fail_msg("/%s/ supported but PCRE2 refuses it", pats[i]);
		if (sup) {
			struct oracle o;

			pcre2_code_free(re);
			assert_int_equal(oracle_init(&o, pats[i]), 0);
			exercise(&o, 30);
			oracle_free(&o);
		} else {
			pcre2_code_free(re);
		}
	}
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		const char *why;

		assert_int_equal(kregex_supported(refused[i].pat, &why), -EINVAL);
	}
	assert_int_equal(n_mismatch, 0);
}

/* ---- budget, union, dead state, API ------------------------------------ */

static void test_budget(void **state)
{
	/* The 11th byte from the end must be 'a': 2^11 states at least. */
	const char *pat = "(a|b)*a(a|b){10}";
	struct kregex_dfa d;
	uint8_t unsup;
	const char *why;

	(void)state;
	assert_int_equal(kregex_compile(&pat, 1, 1000, &d, &unsup, &why), -E2BIG);
	assert_int_equal(unsup, 0);
	assert_int_equal(kregex_compile(&pat, 1, 5000, &d, &unsup, &why), 0);
	check_dfa(&d);
	assert_int_equal(d.nstates, 2049);   /* the last 11 bytes, plus dead */
	{
		uint8_t l[16];

		memset(l, 'b', sizeof(l));
		l[2] = 'A';
		assert_true(kregex_match(&d, l, 13));    /* 'A' then exactly 10 */
		assert_false(kregex_match(&d, l, 12));
		assert_false(kregex_match(&d, l, 14));
		l[3] = 'c';
		assert_false(kregex_match(&d, l, 13));
	}
	kregex_dfa_free(&d);
	/* Budget is on the minimal DFA: exactly enough is enough. */
	pat = "abc";
	assert_int_equal(kregex_compile(&pat, 1, 5, &d, NULL, NULL), 0);
	assert_int_equal(d.nstates, 5);
	kregex_dfa_free(&d);
	assert_int_equal(kregex_compile(&pat, 1, 4, &d, NULL, NULL), -E2BIG);
}

static void test_union(void **state)
{
	const char *pats[] = { "foo", "bar.*", "\\d+", "(?=x)never", "", "a$\\n" };
	static const struct {
		const char *line;
		int match;
	} lines[] = {
		{ "foo", 1 }, { "FOO", 1 }, { "foox", 0 }, { "bar", 1 }, { "bar anything", 1 },
		{ "bar\n", 0 }, { "123", 1 }, { "12a", 0 }, { "never", 0 }, { "xnever", 0 },
		{ "", 1 }, { "a\n", 1 }, { "a", 0 }, { "fo", 0 },
	};
	struct kregex_dfa d;
	uint8_t unsup[6];
	const char *why[6];

	(void)state;
	assert_int_equal(kregex_compile(pats, 6, 100, &d, unsup, why), 0);
	check_dfa(&d);
	assert_int_equal(unsup[3], 1);
	assert_non_null(strstr(why[3], "lookahead"));
	for (int i = 0; i < 6; i++)
		if (i != 3)
			assert_int_equal(unsup[i], 0);
	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++)
		if (kregex_match(&d, (const uint8_t *)lines[i].line, strlen(lines[i].line)) != lines[i].match)
			fail_msg("union on \"%s\"", lines[i].line);
	kregex_dfa_free(&d);
}

static void test_dead_state(void **state)
{
	const char *pat = "abc", *all = "(?:.|\\n)*", *none = "a\\zb", *dotstar = ".*";
	struct kregex_dfa d;

	(void)state;
	assert_int_equal(kregex_compile(&pat, 1, 100, &d, NULL, NULL), 0);
	check_dfa(&d);
	assert_int_not_equal(d.dead, UINT32_MAX);
	assert_false(d.accept[d.dead]);
	for (uint32_t c = 0; c < d.nclasses; c++)
		assert_int_equal(d.next[(size_t)d.dead * d.nclasses + c], d.dead);
	/* "x" leads straight to the dead state. */
	assert_int_equal(d.next[d.cls['x']], d.dead);
	assert_int_equal(d.nstates, 5);
	kregex_dfa_free(&d);

	assert_int_equal(kregex_compile(&all, 1, 100, &d, NULL, NULL), 0);
	check_dfa(&d);
	assert_int_equal(d.dead, UINT32_MAX);
	assert_int_equal(d.nstates, 1);
	assert_int_equal(d.nclasses, 1);
	kregex_dfa_free(&d);

	/* Nothing can match: the start state is the dead state. */
	assert_int_equal(kregex_compile(&none, 1, 100, &d, NULL, NULL), 0);
	check_dfa(&d);
	assert_int_equal(d.nstates, 1);
	assert_int_equal(d.dead, 0);
	kregex_dfa_free(&d);

	/* .* : the only way to die is a newline. */
	assert_int_equal(kregex_compile(&dotstar, 1, 100, &d, NULL, NULL), 0);
	check_dfa(&d);
	assert_int_equal(d.nstates, 2);
	assert_int_equal(d.nclasses, 2);
	assert_int_equal(d.next[d.cls['\n']], d.dead);
	kregex_dfa_free(&d);
}

static void test_api(void **state)
{
	const char *pat = "a", *nul = NULL;
	struct kregex_dfa d;
	uint8_t unsup = 0;
	const char *why = NULL;

	(void)state;
	assert_int_equal(kregex_compile(&pat, 1, 0, &d, NULL, NULL), -EINVAL);
	assert_int_equal(kregex_compile(&pat, 1, 10, NULL, NULL, NULL), -EINVAL);
	assert_int_equal(kregex_compile(NULL, 1, 10, &d, NULL, NULL), -EINVAL);
	/* No patterns, or only unsupported ones: a DFA that accepts nothing. */
	assert_int_equal(kregex_compile(NULL, 0, 10, &d, NULL, NULL), 0);
	check_dfa(&d);
	assert_int_equal(d.nstates, 1);
	assert_false(kregex_match(&d, (const uint8_t *)"", 0));
	kregex_dfa_free(&d);
	assert_int_equal(kregex_compile(&nul, 1, 10, &d, &unsup, &why), 0);
	assert_int_equal(unsup, 1);
	assert_non_null(why);
	assert_false(kregex_match(&d, (const uint8_t *)"a", 1));
	kregex_dfa_free(&d);
	assert_int_equal(kregex_supported(NULL, &why), -EINVAL);
	assert_int_equal(kregex_supported("a", &why), 0);
	assert_null(why);
	kregex_dfa_free(NULL);
	/* The empty pattern matches the empty line only. */
	pat = "";
	assert_int_equal(kregex_compile(&pat, 1, 10, &d, NULL, NULL), 0);
	assert_true(kregex_match(&d, (const uint8_t *)"", 0));
	assert_false(kregex_match(&d, (const uint8_t *)"\n", 1));
	kregex_dfa_free(&d);
}

/* ---- banned patterns: a match anywhere in the line --------------------- */

/* Patterns a hub might ban, and the built-in config's kind (see
 * config/default.yaml): wallet shapes, pool URLs, miner-only flag pairs. */
static const char *const banned_realistic[] = {
	"(?:^|[^0-9a-z])[48][1-9ab][1-9a-hj-km-z]{93}(?:[^0-9a-z]|$)",
	"(?:^|[^0-9a-z])4[1-9ab][1-9a-hj-km-z]{104}(?:[^0-9a-z]|$)",
	"stratum\\d?\\+(?:tcp|ssl|tls)://[a-z0-9.-]+:\\d{2,5}",
	"(?:^|\\s)-o\\s+\\S+:\\d{2,5}\\s+-u\\s+\\S{20,}",
	"^\\S*/\\.[a-z]+/[a-z]+ -c \\S+\\.json$",
	"\\A(?:sh|bash) -c curl \\S+ ?\\| ?(?:ba)?sh\\z",
	"--donate-level[= ]\\d",
	"xmr\\w*\\.(?:com|org|net)(?::\\d+)?",
	"a$",
	"^$",
	"(?:foo|bar)\\n?$",
	"x{0,3}y",
	"[^\\n]*miner",
	"\\d{3}-\\d{4}",
};

/* Exercises each pattern as a banned one: PCRE2's unanchored caseless
 * search is the oracle. */
static void test_search_realistic(void **state)
{
	size_t n = sizeof(banned_realistic) / sizeof(banned_realistic[0]);

	(void)state;
	g_mode = KREGEX_SEARCH;
	n_checked = n_skipped = n_mismatch = 0;
	for (size_t i = 0; i < n; i++) {
		struct oracle o;

		assert_int_equal(oracle_init(&o, banned_realistic[i]), 0);
		printf("  search: %-5u states %-3u classes %s\n", o.d.nstates, o.d.nclasses,
		       banned_realistic[i]);
		exercise(&o, 400);
		oracle_free(&o);
	}
	/* the allow patterns too, searched for */
	for (size_t i = 0; i < sizeof(realistic) / sizeof(realistic[0]); i++) {
		struct oracle o;
		int rc = oracle_init(&o, realistic[i]);

		if (rc == -3)       /* over the test budget as a search: fine */
			continue;
		assert_int_equal(rc, 0);
		exercise(&o, 100);
		oracle_free(&o);
	}
	g_mode = KREGEX_WHOLE;
	printf("  search: %lu lines checked, %lu skipped, %lu mismatches\n", n_checked, n_skipped,
	       n_mismatch);
	assert_int_equal(n_mismatch, 0);
}

/* The union of banned patterns accepts a line exactly when one of them
 * matches somewhere in it. Without the two wallet shapes: their 93 and 104
 * counted bytes run beside every other pattern's progress, and the union of
 * all fourteen is over 2^20 states (-E2BIG, checked here). */
static void test_search_union(void **state)
{
	const char *const *pats = banned_realistic + 2;
	size_t n = sizeof(banned_realistic) / sizeof(banned_realistic[0]) - 2;
	pcre2_code *re[32];
	struct kregex_dfa u;
	unsigned long mism = 0;

	(void)state;
	g_mode = KREGEX_SEARCH;
	assert_int_equal(kregex_compile_mode(banned_realistic, n + 2, KREGEX_SEARCH, 1u << 20, &u,
					     NULL, NULL), -E2BIG);
	assert_int_equal(kregex_compile_mode(pats, n, KREGEX_SEARCH, 1u << 16, &u, NULL, NULL), 0);
	check_dfa(&u);
	printf("  search union of %zu patterns: %u states, %u classes\n", n, u.nstates, u.nclasses);
	for (size_t i = 0; i < n; i++)
		assert_non_null(re[i] = pc_compile_mode(pats[i]));
	for (int round = 0; round < 6000; round++) {
		struct buf l = { .n = 0 }, m = { .n = 0 };
		struct kr_ast a;
		const char *why;
		int want = 0;

		assert_int_equal(kr_parse(pats[rnd_below(n)], &a, &why), 0);
		ast_gen(&a, a.root, &l);
		kr_ast_free(&a);
		if (round % 2)
			mutate(&l);
		random_line(&m, pats[rnd_below(n)]);
		for (size_t i = 0; i < l.n; i++)
			put(&m, l.b[i]);
		for (size_t i = 0; i < n && !want; i++)
			want = pc_match(re[i], m.b, m.n) == 1;
		if (kregex_match(&u, m.b, m.n) != want && mism++ < 10) {
			printf("SEARCH UNION MISMATCH pcre2=%d line ", want);
			print_line(m.b, m.n);
		}
	}
	for (size_t i = 0; i < n; i++)
		pcre2_code_free(re[i]);
	kregex_dfa_free(&u);
	g_mode = KREGEX_WHOLE;
	assert_int_equal(mism, 0);
}

static void test_search_random_regexes(void **state)
{
	g_mode = KREGEX_SEARCH;
	test_random_regexes(state);
	g_mode = KREGEX_WHOLE;
}

static void test_search_anchors(void **state)
{
	g_mode = KREGEX_SEARCH;
	test_anchors_exhaustive(state);
	g_mode = KREGEX_WHOLE;
}

static void test_search_single_bytes(void **state)
{
	g_mode = KREGEX_SEARCH;
	test_single_bytes(state);
	g_mode = KREGEX_WHOLE;
}

/* What the search DFA is made of: a sink once a pattern without an end
 * anchor has matched, none where $ can still undo a match; ^ only at the
 * start. */
static void test_search_shape(void **state)
{
	const char *abc = "abc", *enda = "a$", *start = "^ab", *every = "x*", *none = "a\\zb";
	struct kregex_dfa d;

	(void)state;
	assert_int_equal(kregex_compile_mode(&abc, 1, KREGEX_SEARCH, 100, &d, NULL, NULL), 0);
	check_dfa(&d);
	assert_int_equal(d.nstates, 4);          /* "", a, ab, abc (the sink) */
	assert_int_equal(d.dead, UINT32_MAX);    /* a match may always still come */
	assert_int_not_equal(d.sink, UINT32_MAX);
	assert_true(kregex_match(&d, (const uint8_t *)"xxABCxx", 7));
	assert_false(kregex_match(&d, (const uint8_t *)"ab cab", 6));
	kregex_dfa_free(&d);
	assert_int_equal(kregex_compile_mode(&enda, 1, KREGEX_SEARCH, 100, &d, NULL, NULL), 0);
	check_dfa(&d);
	assert_int_equal(d.sink, UINT32_MAX);
	assert_true(kregex_match(&d, (const uint8_t *)"xa", 2));
	assert_true(kregex_match(&d, (const uint8_t *)"xa\n", 3));
	assert_false(kregex_match(&d, (const uint8_t *)"xa\n\n", 4));
	assert_false(kregex_match(&d, (const uint8_t *)"ax", 2));
	kregex_dfa_free(&d);
	assert_int_equal(kregex_compile_mode(&start, 1, KREGEX_SEARCH, 100, &d, NULL, NULL), 0);
	check_dfa(&d);
	assert_int_not_equal(d.dead, UINT32_MAX);   /* a line that does not start with ab */
	assert_true(kregex_match(&d, (const uint8_t *)"abx", 3));
	assert_false(kregex_match(&d, (const uint8_t *)"xab", 3));
	kregex_dfa_free(&d);
	/* matches the empty string: every line, one state (policy refuses it) */
	assert_int_equal(kregex_compile_mode(&every, 1, KREGEX_SEARCH, 100, &d, NULL, NULL), 0);
	assert_int_equal(d.nstates, 1);
	assert_true(d.accept[0]);
	assert_int_equal(d.sink, 0);
	kregex_dfa_free(&d);
	assert_int_equal(kregex_compile_mode(&none, 1, KREGEX_SEARCH, 100, &d, NULL, NULL), 0);
	assert_int_equal(d.nstates, 1);
	assert_int_equal(d.dead, 0);
	kregex_dfa_free(&d);
	assert_int_equal(kregex_compile_mode(&abc, 1, (enum kregex_mode)7, 100, &d, NULL, NULL),
			 -EINVAL);
}

/* Every PCRE2 answer above came from both the JIT and the interpreter. */
static void test_jit_agrees(void **state)
{
	(void)state;
	assert_int_equal(n_jit_differs, 0);
}

static int teardown_pcre2(void **state)
{
	(void)state;
	pcre2_match_data_free(md);
	pcre2_match_context_free(mctx);
	md = NULL;
	mctx = NULL;
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pcre2_semantics),
		cmocka_unit_test(test_single_bytes),
		cmocka_unit_test(test_anchors_exhaustive),
		cmocka_unit_test(test_realistic),
		cmocka_unit_test(test_union_realistic),
		cmocka_unit_test(test_random_regexes),
		cmocka_unit_test(test_unsupported),
		cmocka_unit_test(test_supported_compiles),
		cmocka_unit_test(test_budget),
		cmocka_unit_test(test_union),
		cmocka_unit_test(test_dead_state),
		cmocka_unit_test(test_api),
		cmocka_unit_test(test_search_shape),
		cmocka_unit_test(test_search_single_bytes),
		cmocka_unit_test(test_search_anchors),
		cmocka_unit_test(test_search_realistic),
		cmocka_unit_test(test_search_union),
		cmocka_unit_test(test_search_random_regexes),
		cmocka_unit_test(test_jit_agrees),
	};

	setup_seed(NULL);
	printf("kregex: seed %#llx (set KREGEX_SEED to repeat another)\n", (unsigned long long)seed);
	return cmocka_run_group_tests_name("kregex", tests, setup_seed, teardown_pcre2);
}
