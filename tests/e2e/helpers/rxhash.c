/* SPDX-License-Identifier: BSD-2-Clause */
/* rxhash.c - hashes with RandomX (librandomx, light mode) like a Monero miner,
 * for the RandomX detector's tests. Build: gcc -O2 rxhash.c -lrandomx
 *
 * Takes no arguments, so its command line gives nothing away. Environment:
 *   RX_SECONDS  stop after this many seconds (default 30): a failed test
 *               never leaves it running
 *   RX_WORKERS  fork this many children that hash too (default 0)
 *   RX_NOJIT    non-empty and not "0": interpreter instead of the JIT
 * Prints "ready PID" once hashing starts and "hashes N" per process at the end. */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <randomx.h>

#define MAX_WORKERS 64

static long env_long(const char *name, long def, long lo, long hi)
{
	const char *s = getenv(name);
	char *end;
	long v;

	if (!s || !*s)
		return def;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || v < lo || v > hi) {
		fprintf(stderr, "rxhash: %s=%s: expected %ld..%ld\n", name, s, lo, hi);
		exit(2);
	}
	return v;
}

static int env_flag(const char *name)
{
	const char *s = getenv(name);

	return s && *s && strcmp(s, "0") != 0;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Hashes block headers until the deadline; returns how many. */
static unsigned long hash_until(randomx_flags flags, randomx_cache *cache, double deadline)
{
	unsigned char input[76] = "rxhash block header", out[RANDOMX_HASH_SIZE];
	randomx_vm *vm = randomx_create_vm(flags, cache, NULL);
	unsigned long n = 0;
	uint32_t nonce = (uint32_t)getpid();

	if (!vm) {
		fprintf(stderr, "rxhash: failed to create VM\n");
		exit(1);
	}
	while (now_s() < deadline) {
		memcpy(input + 39, &nonce, sizeof(nonce));   /* the nonce field */
		randomx_calculate_hash(vm, input, sizeof(input), out);
		nonce++;
		n++;
	}
	randomx_destroy_vm(vm);
	return n;
}

static pid_t start_worker(randomx_flags flags, randomx_cache *cache, double deadline)
{
	pid_t pid = fork();

	if (pid < 0) {
		perror("rxhash: fork");
		return -1;
	}
	if (pid == 0) {
		/* never outlive the parent, even when it is SIGKILLed */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() == 1)
			_exit(0);
		printf("hashes %lu\n", hash_until(flags, cache, deadline));
		fflush(stdout);
		_exit(0);
	}
	return pid;
}

int main(void)
{
	long seconds = env_long("RX_SECONDS", 30, 1, 86400);
	long nworkers = env_long("RX_WORKERS", 0, 0, MAX_WORKERS);
	double deadline = now_s() + (double)seconds;
	randomx_flags flags = randomx_get_flags();
	static const char key[] = "rxhash test key";
	randomx_cache *cache;
	pid_t workers[MAX_WORKERS];
	unsigned long n;

	/* the backstop: SIGALRM's default action ends the process */
	alarm((unsigned int)seconds + 5);
	if (env_flag("RX_NOJIT"))
		flags &= ~RANDOMX_FLAG_JIT;
	cache = randomx_alloc_cache(flags);
	if (!cache) {
		fprintf(stderr, "rxhash: failed to allocate the RandomX cache\n");
		return 1;
	}
	randomx_init_cache(cache, key, sizeof(key) - 1);
	printf("ready %d\n", (int)getpid());
	fflush(stdout);
	for (long i = 0; i < nworkers; i++)
		workers[i] = start_worker(flags, cache, deadline);
	n = hash_until(flags, cache, deadline);
	for (long i = 0; i < nworkers; i++)
		if (workers[i] > 0)
			waitpid(workers[i], NULL, 0);
	printf("hashes %lu\n", n);
	randomx_release_cache(cache);
	return 0;
}
