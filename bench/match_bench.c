/* SPDX-License-Identifier: BSD-2-Clause */
/* match_bench.c - times automaton_build and automaton_find on a corpus.
 *
 * Usage: match_bench STRINGS_FILE CORPUS_FILE [REPEAT]
 * STRINGS_FILE: one banned string per line (word mode, as cryptnono).
 * CORPUS_FILE: one command line per line, arguments joined by spaces.
 * Prints key=value lines; ns_per_line is the median over REPEAT passes;
 * ns_per_line_linear the same without the prefilter (the plain table walk). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "automaton.h"

struct lines {
	char *buf;
	size_t *off, *len, n;
};

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double peak_rss_mib(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_maxrss / 1024.0;   /* ru_maxrss is in KiB on Linux */
}

static char *slurp(const char *path, size_t *size)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t cap = 0, n = 0;

	if (!f)
		return NULL;
	for (;;) {
		if (n == cap) {
			char *p = realloc(buf, cap = cap ? cap * 2 : 1 << 20);
			if (!p) {
				free(buf);
				fclose(f);
				return NULL;
			}
			buf = p;
		}
		size_t r = fread(buf + n, 1, cap - n, f);
		if (r == 0)
			break;
		n += r;
	}
	if (ferror(f)) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	*size = n;
	return buf;
}

/* Splits a file into its non-empty lines (the buffer is kept, not copied). */
static int read_lines(const char *path, struct lines *l)
{
	size_t size, cap = 0;

	memset(l, 0, sizeof(*l));
	if (!(l->buf = slurp(path, &size)))
		return -1;
	for (size_t i = 0; i < size; i++)
		cap += l->buf[i] == '\n';
	cap++;
	l->off = calloc(cap, sizeof(*l->off));
	l->len = calloc(cap, sizeof(*l->len));
	if (!l->off || !l->len)
		return -1;
	for (size_t i = 0, start = 0; i <= size; i++) {
		if (i < size && l->buf[i] != '\n')
			continue;
		if (i > start) {
			l->off[l->n] = start;
			l->len[l->n++] = i - start;
		}
		start = i + 1;
	}
	return 0;
}

static void free_lines(struct lines *l)
{
	free(l->buf);
	free(l->off);
	free(l->len);
}

static int cmp_double(const void *x, const void *y)
{
	double a = *(const double *)x, b = *(const double *)y;
	return (a > b) - (a < b);
}

/* Sorts v and returns its median. */
static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

int main(int argc, char **argv)
{
	struct lines str, cor;
	int repeat = argc > 3 ? atoi(argv[3]) : 5;

	if (argc < 3 || argc > 4 || repeat < 1) {
		fprintf(stderr, "usage: %s STRINGS_FILE CORPUS_FILE [REPEAT]\n", argv[0]);
		return 2;
	}
	if (read_lines(argv[1], &str) < 0) {
		fprintf(stderr, "%s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	struct ac_input *in = calloc(str.n ? str.n : 1, sizeof(*in));
	if (!in) {
		perror("calloc");
		return 1;
	}
	for (size_t i = 0; i < str.n; i++) {
		in[i].bytes = (const uint8_t *)str.buf + str.off[i];
		in[i].len = str.len[i];
		in[i].mode = AC_WORD;
	}
	double rss_before = peak_rss_mib();
	double t0 = now();
	struct automaton *a = automaton_build(in, str.n);
	double compile_s = now() - t0;
	if (!a) {
		fprintf(stderr, "automaton_build: %s\n", strerror(errno));
		return 1;
	}
	/* Peak RSS before the corpus is loaded: the strings plus the build. */
	double rss_build = peak_rss_mib();

	if (read_lines(argv[2], &cor) < 0) {
		fprintf(stderr, "%s: %s\n", argv[2], strerror(errno));
		return 1;
	}
	size_t bytes = 0, hits = 0;
	for (size_t i = 0; i < cor.n; i++)
		bytes += cor.len[i];
	double *ns = calloc((size_t)repeat, sizeof(*ns));
	double *ns_linear = calloc((size_t)repeat, sizeof(*ns_linear));
	if (!ns || !ns_linear) {
		perror("calloc");
		return 1;
	}
	for (int r = 0; r < repeat; r++) {
		size_t h = 0;
		t0 = now();
		for (size_t i = 0; i < cor.n; i++)
			h += automaton_find(a, (const uint8_t *)cor.buf + cor.off[i], cor.len[i], NULL) >= 0;
		ns[r] = (now() - t0) * 1e9 / (double)(cor.n ? cor.n : 1);
		hits = h;
	}
	double med = median(ns, repeat);

	/* The same tables without the user-space prefilter: the plain
	 * Aho-Corasick walk that the kernel tables are built for. */
	struct automaton plain = *a;
	size_t hits_linear = 0;
	plain.filter = NULL;
	for (int r = 0; r < repeat; r++) {
		size_t h = 0;
		t0 = now();
		for (size_t i = 0; i < cor.n; i++)
			h += automaton_find(&plain, (const uint8_t *)cor.buf + cor.off[i], cor.len[i],
					    NULL) >= 0;
		ns_linear[r] = (now() - t0) * 1e9 / (double)(cor.n ? cor.n : 1);
		hits_linear = h;
	}
	double med_linear = median(ns_linear, repeat);

	printf("impl=nomine\n");
	printf("strings=%zu\n", str.n);
	printf("distinct=%u\n", a->nstrings);
	printf("states=%u\n", a->nstates);
	printf("classes=%u\n", a->nclasses);
	printf("ncomb=%u\n", a->ncomb);
	printf("max_dict_chain=%u\n", a->max_dict_chain);
	printf("filter=q%u/stride%u/2^%u\n", a->filter_q, a->filter_stride, a->filter_bits);
	printf("compile_s=%.4f\n", compile_s);
	printf("memory_mib=%.2f\n", (double)automaton_memory(a) / (1024.0 * 1024.0));
	printf("rss_before_build_mib=%.2f\n", rss_before);
	printf("peak_rss_build_mib=%.2f\n", rss_build);
	printf("peak_rss_mib=%.2f\n", peak_rss_mib());
	printf("lines=%zu\n", cor.n);
	printf("bytes=%zu\n", bytes);
	printf("hits=%zu\n", hits);
	printf("repeat=%d\n", repeat);
	printf("ns_per_line=%.1f\n", med);
	printf("ns_per_line_min=%.1f\n", ns[0]);
	printf("mb_per_s=%.1f\n", cor.n ? (double)bytes / (med * (double)cor.n / 1e9) / 1e6 : 0.0);
	printf("ns_per_line_linear=%.1f\n", med_linear);
	printf("hits_linear=%zu\n", hits_linear);

	automaton_free(a);
	free(ns);
	free(ns_linear);
	free(in);
	free_lines(&str);
	free_lines(&cor);
	return 0;
}
