/* SPDX-License-Identifier: BSD-2-Clause */
/* config_loader.c - the reload's build on a worker thread, handed back to
 * the event loop through an eventfd. */
#include <errno.h>
#include <malloc.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>
#include "config_loader.h"
#include "mono_clock.h"

struct config_loader {
	struct config_loader_opts o;
	char **configs;              /* the loader's own copy of o.configs */
	int efd;
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;           /* any change below; waited on by both sides */
	int wanted;                  /* a build was asked for and has not started */
	int building;
	int have_done;               /* done holds a build the loop has not taken */
	struct config_build done;
	int taken;                   /* the loop took done and has not released it */
	int have_garbage;            /* released, for the worker to free: */
	struct config_build garbage; /* what the loop did not keep of the build */
	struct policy *old;          /* and the policy the build replaced */
	uint32_t gen;                /* the last tables' generation (the worker's) */
	int exited;                  /* the worker returned */
	int orphaned;                /* the owner left: the worker frees the loader */
	atomic_int stop;             /* read between phases without the lock */
};

struct policy *config_loader_policy(char *const *configs, size_t nconfigs, char *err,
				    size_t errlen)
{
	struct config cfg = {0};
	int ret;

	if (nconfigs)
		ret = config_load(&cfg, configs, nconfigs, err, errlen);
	else
		ret = config_load_builtin(&cfg, err, errlen);
	if (ret)
		return NULL;
	return policy_build(&cfg, err, errlen);
}

void config_loader_tables(struct ready_tables *t, const struct policy *p, size_t cap, uint32_t gen,
			  tables_fill_fn fill)
{
	struct kpolicy kp;
	int rc;

	memset(t, 0, sizeof(*t));
	t->gen = gen;
	rc = kpolicy_build(p, cap, gen, &kp);
	if (rc) {
		snprintf(t->why, sizeof(t->why), "%s", kp.why);
		return;
	}
	t->size = kp.kt.size;
	t->nfallback = kp.nfallback;
	t->pattern_states = kp.pattern_states;
	t->fd = fill(&kp.kt, cap);
	t->ok = t->fd >= 0;
	if (!t->ok)
		snprintf(t->why, sizeof(t->why), "failed to install kernel tables: %s",
			 strerror(-t->fd));
	kpolicy_free(&kp);       /* in the map now: not kept twice */
}

void ready_tables_free(struct ready_tables *t)
{
	if (t->ok)
		close(t->fd);
	memset(t, 0, sizeof(*t));
}

void config_build_free(struct config_build *b)
{
	respond_settings_free(&b->rs);
	net_list_free(&b->nl);
	exe_rules_put(b->xrules);
	ready_tables_free(&b->tables);
	policy_free(b->policy);
	memset(b, 0, sizeof(*b));
}

/* Before each phase: the test hook, then whether to go on. */
static int next_phase(struct config_loader *l, enum config_load_phase phase)
{
	if (l->o.phase_hook)
		l->o.phase_hook(phase, l->o.hook_ctx);
	return !atomic_load(&l->stop);
}

/* The reload's work that reads files or compiles, in the order the daemon
 * did it on its loop. A refusal leaves only b->err; a stop leaves b empty.
 * Returns 0, or -ECANCELED when stopped. */
static int build(struct config_loader *l, struct config_build *b)
{
	double t0 = mono_s();
	const struct config *cfg;

	memset(b, 0, sizeof(*b));
	if (!next_phase(l, CONFIG_LOAD_READ))
		return -ECANCELED;
	b->policy = config_loader_policy(l->configs, l->o.nconfigs, b->err, sizeof(b->err));
	if (!b->policy)
		goto out;
	cfg = policy_config(b->policy);
	if (!next_phase(l, CONFIG_LOAD_SETTINGS))
		goto stopped;
	/* secrets, then address files: either can still refuse the config */
	if (respond_settings_load(&b->rs, cfg, b->err, sizeof(b->err)))
		goto refused;
	if (net_list_build(&b->nl, cfg, b->err, sizeof(b->err))) {
		respond_settings_free(&b->rs);
		goto refused;
	}
	if (l->o.exe_rules) {
		if (!next_phase(l, CONFIG_LOAD_EXE_RULES))
			goto stopped;
		b->xrules = exe_rules_build(cfg, b->xerr, sizeof(b->xerr));
	}
	if (l->o.fill_tables) {
		if (!next_phase(l, CONFIG_LOAD_TABLES))
			goto stopped;
		/* builds install in the order they are made: generations rise */
		config_loader_tables(&b->tables, b->policy, l->o.table_cap, ++l->gen,
				     l->o.fill_tables);
	}
out:
	b->build_ms = (mono_s() - t0) * 1e3;
	return 0;
refused:
	policy_free(b->policy);
	b->policy = NULL;
	goto out;
stopped:
	config_build_free(b);
	return -ECANCELED;
}

static void destroy(struct config_loader *l)
{
	if (l->have_done)
		config_build_free(&l->done);
	config_build_free(&l->garbage);
	policy_free(l->old);
	for (size_t i = 0; i < l->o.nconfigs; i++)
		free(l->configs[i]);
	free(l->configs);
	if (l->efd >= 0)
		close(l->efd);
	pthread_cond_destroy(&l->cv);
	pthread_mutex_destroy(&l->mu);
	free(l);
}

/* Frees what the loop released (the lock is held, and dropped meanwhile). */
static void collect(struct config_loader *l)
{
	struct config_build b = l->garbage;
	struct policy *old = l->old;

	memset(&l->garbage, 0, sizeof(l->garbage));
	l->old = NULL;
	l->have_garbage = 0;
	pthread_mutex_unlock(&l->mu);
	config_build_free(&b);
	policy_free(old);
	malloc_trim(0);
	pthread_mutex_lock(&l->mu);
}

static void *worker(void *arg)
{
	struct config_loader *l = arg;
	struct config_build b;
	uint64_t one = 1;
	int orphaned, rc;

	pthread_mutex_lock(&l->mu);
	for (;;) {
		/* a build is not followed by another before the loop is done
		 * with it: at most the config in force, one to install and
		 * none building */
		while (!atomic_load(&l->stop) && !l->have_garbage &&
		       (!l->wanted || l->have_done || l->taken))
			pthread_cond_wait(&l->cv, &l->mu);
		if (atomic_load(&l->stop))
			break;
		if (l->have_garbage) {
			collect(l);
			continue;
		}
		l->wanted = 0;
		l->building = 1;
		pthread_mutex_unlock(&l->mu);
		rc = build(l, &b);
		pthread_mutex_lock(&l->mu);
		l->building = 0;
		if (rc)
			continue;      /* stopped: the loop above ends */
		l->done = b;
		l->have_done = 1;
		/* cannot fail short of a counter at 2^64 - 1 */
		if (write(l->efd, &one, sizeof(one)) != sizeof(one))
			abort();
	}
	l->exited = 1;
	orphaned = l->orphaned;
	pthread_cond_broadcast(&l->cv);
	pthread_mutex_unlock(&l->mu);
	if (orphaned)
		destroy(l);
	return NULL;
}

struct config_loader *config_loader_new(const struct config_loader_opts *o)
{
	struct config_loader *l = calloc(1, sizeof(*l));
	pthread_condattr_t ca;
	int e;

	if (!l)
		return NULL;
	l->o = *o;
	l->gen = o->generation;
	l->efd = -1;
	pthread_mutex_init(&l->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&l->cv, &ca);
	pthread_condattr_destroy(&ca);
	l->configs = calloc(o->nconfigs ? o->nconfigs : 1, sizeof(*l->configs));
	if (!l->configs)
		goto fail;
	for (size_t i = 0; i < o->nconfigs; i++)
		if (!(l->configs[i] = strdup(o->configs[i])))
			goto fail;
	l->o.configs = l->configs;
	l->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (l->efd < 0)
		goto fail;
	if ((e = pthread_create(&l->thread, NULL, worker, l))) {
		errno = e;
		goto fail;
	}
	return l;
fail:
	e = errno;
	destroy(l);
	errno = e;
	return NULL;
}

int config_loader_fd(const struct config_loader *l)
{
	return l->efd;
}

int config_loader_request(struct config_loader *l)
{
	int idle;

	pthread_mutex_lock(&l->mu);
	idle = !l->building && !l->wanted && !l->have_done && !l->taken;
	l->wanted = 1;
	pthread_cond_broadcast(&l->cv);
	pthread_mutex_unlock(&l->mu);
	return idle;
}

int config_loader_take(struct config_loader *l, struct config_build *out)
{
	uint64_t n;
	int have;

	if (read(l->efd, &n, sizeof(n)) < 0) {
		/* EAGAIN: nothing was signalled; done says all the same */
	}
	pthread_mutex_lock(&l->mu);
	have = l->have_done;
	if (have) {
		*out = l->done;
		memset(&l->done, 0, sizeof(l->done));
		l->have_done = 0;
		l->taken = 1;
	}
	pthread_mutex_unlock(&l->mu);
	return have;
}

void config_loader_release(struct config_loader *l, struct config_build *b, struct policy *old)
{
	pthread_mutex_lock(&l->mu);
	l->garbage = *b;
	l->old = old;
	l->have_garbage = 1;
	l->taken = 0;
	pthread_cond_broadcast(&l->cv);
	pthread_mutex_unlock(&l->mu);
	memset(b, 0, sizeof(*b));
}

int config_loader_free(struct config_loader *l, unsigned int wait_ms)
{
	struct timespec until;
	pthread_t t;
	int exited;

	if (!l)
		return 0;
	until = mono_timespec(mono_s() + wait_ms / 1e3);
	pthread_mutex_lock(&l->mu);
	atomic_store(&l->stop, 1);
	pthread_cond_broadcast(&l->cv);
	while (!l->exited && pthread_cond_timedwait(&l->cv, &l->mu, &until) != ETIMEDOUT)
		;
	exited = l->exited;
	l->orphaned = !exited;
	t = l->thread;          /* l is the worker's from the unlock on */
	pthread_mutex_unlock(&l->mu);
	if (!exited) {
		/* inside a phase that cannot be cut short (the automaton of a
		 * million strings): not worth holding a stop for */
		pthread_detach(t);
		return 1;
	}
	pthread_join(t, NULL);
	destroy(l);
	return 0;
}
