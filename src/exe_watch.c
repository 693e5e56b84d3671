/* SPDX-License-Identifier: BSD-2-Clause */
/* exe_watch.c - the scanner thread, its queue and the results it keeps. */
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include "exe_watch.h"
#include "proc.h"
#include "tunables.h"
#include "mono_clock.h"

#define NBUCKETS (NM_EXE_CACHE_ENTRIES * 2)
#define NIL UINT32_MAX

struct entry {
	struct nm_exe_id kid;       /* zero for a script */
	uint64_t dev, ino;          /* what fstat said, once scanned */
	int64_t ctime_sec;
	long ctime_nsec;
	int done;                   /* rep is valid (else: in flight) */
	struct exe_report rep;
	uint32_t next_kid, next_st;
};

struct done_item {
	struct exe_result r;
	struct done_item *next;
};

/* A scanner thread. One at a time does the work; another is started only
 * when the one working is stuck (a read that does not return: a hung
 * mount), which costs that thread, not the detector. */
struct worker {
	pthread_t t;
	struct exe_watch *w;
	int started;
	int busy;                   /* running a job since `since` */
	double since;
	int reported;               /* its being stuck was logged */
	pid_t pid;                  /* the job's, for that line */
	char path[NM_FILENAME_MAX];
};

struct exe_watch {
	struct worker workers[NM_EXE_WORKERS_MAX];
	int nworkers;
	int stop, efd, stalls;
	const char *test_stall;     /* NOMINE_TEST_SCAN_STALL (tests only) */
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct exe_job *q;          /* ring of NM_EXE_QUEUE_MAX */
	size_t qhead, qlen;
	struct done_item *done_head, **done_tail;
	struct exe_rules *rules;
	/* the cache: entries with two chained indexes */
	struct entry *e;
	uint32_t n;
	uint32_t *head_kid, *head_st;
	struct exe_watch_stats st;
	void (*done)(const struct exe_result *, void *);
	void *ctx;
};

static uint32_t mix(uint64_t a, uint64_t b, uint64_t c)
{
	uint64_t h = a * 0x9e3779b97f4a7c15ull ^ (b + 0x632be59bd9b4e019ull) * 0xbf58476d1ce4e5b9ull ^
		     c * 0x94d049bb133111ebull;

	h ^= h >> 31;
	return (uint32_t)(h % NBUCKETS);
}

static uint32_t kid_bucket(const struct nm_exe_id *k)
{
	return mix(k->ino ^ ((uint64_t)k->dev << 32), (uint64_t)k->ctime_sec, k->ctime_nsec);
}

static uint32_t st_bucket(uint64_t dev, uint64_t ino, int64_t sec, long nsec)
{
	return mix(ino ^ (dev << 32), (uint64_t)sec, (uint64_t)nsec);
}

static int kid_zero(const struct nm_exe_id *k)
{
	return !k->ino && !k->dev && !k->ctime_sec && !k->ctime_nsec;
}

/* Callers hold mu. */
static struct entry *find_kid(struct exe_watch *w, const struct nm_exe_id *k)
{
	for (uint32_t i = w->head_kid[kid_bucket(k)]; i != NIL; i = w->e[i].next_kid)
		if (!memcmp(&w->e[i].kid, k, sizeof(*k)))
			return &w->e[i];
	return NULL;
}

static struct entry *find_st(struct exe_watch *w, uint64_t dev, uint64_t ino, int64_t sec,
			     long nsec)
{
	for (uint32_t i = w->head_st[st_bucket(dev, ino, sec, nsec)]; i != NIL; i = w->e[i].next_st)
		if (w->e[i].done && w->e[i].dev == dev && w->e[i].ino == ino &&
		    w->e[i].ctime_sec == sec && w->e[i].ctime_nsec == nsec)
			return &w->e[i];
	return NULL;
}

/* Forgets every result: rules changed, or the cache is full (the kernel
 * sends a file again only after its LRU forgot it, so a full cache is
 * rare, and starting over costs rescans, not misses). */
static void clear(struct exe_watch *w)
{
	w->n = 0;
	for (uint32_t b = 0; b < NBUCKETS; b++)
		w->head_kid[b] = w->head_st[b] = NIL;
}

static struct entry *add(struct exe_watch *w)
{
	struct entry *x;

	if (w->n == NM_EXE_CACHE_ENTRIES)
		clear(w);
	x = &w->e[w->n++];
	memset(x, 0, sizeof(*x));
	x->next_kid = x->next_st = NIL;
	return x;
}

static void link_kid(struct exe_watch *w, struct entry *x)
{
	uint32_t b = kid_bucket(&x->kid);

	x->next_kid = w->head_kid[b];
	w->head_kid[b] = (uint32_t)(x - w->e);
}

static void link_st(struct exe_watch *w, struct entry *x)
{
	uint32_t b = st_bucket(x->dev, x->ino, x->ctime_sec, x->ctime_nsec);

	x->next_st = w->head_st[b];
	w->head_st[b] = (uint32_t)(x - w->e);
}

static void unlink_kid(struct exe_watch *w, struct entry *x)
{
	uint32_t *p = &w->head_kid[kid_bucket(&x->kid)], me = (uint32_t)(x - w->e);

	for (; *p != NIL; p = &w->e[*p].next_kid)
		if (*p == me) {
			*p = x->next_kid;
			break;
		}
	memset(&x->kid, 0, sizeof(x->kid));
}

/* ---- the thread's side ---- */

/* Opens the script a process names, as that process would: absolute paths
 * inside its root, relative ones beneath its working directory (symlinks
 * cannot lead out of either). Never blocks on a FIFO. */
static int open_beneath(int dfd, const char *path)
{
	struct open_how how = { .flags = O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY,
				.resolve = RESOLVE_NO_MAGICLINKS |
					   (path[0] == '/' ? RESOLVE_IN_ROOT : RESOLVE_BENEATH) };
	int fd = (int)syscall(SYS_openat2, dfd, path, &how, sizeof(how));

	return fd < 0 ? -errno : fd;
}

static int open_script(pid_t pid, const char *path)
{
	char dir[64];
	int dfd, fd;

	snprintf(dir, sizeof(dir), "/proc/%d/%s", (int)pid, path[0] == '/' ? "root" : "cwd");
	dfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return -errno;
	fd = open_beneath(dfd, path);
	close(dfd);
	return fd;
}

/* The exec's file by its name, as its parent sees it: for a process killed
 * at exec, gone before its /proc/PID/exe could be opened. Only the very
 * file (same change stamp to the nanosecond, same inode) is taken. */
static int open_by_parent(const struct exe_job *j)
{
	struct stat st;
	int fd;

	if (!j->path[0] || j->ppid <= 0)
		return -ESRCH;
	/* the parent's root and cwd pinned when the exec was handled: the
	 * parent may be gone by now */
	if (j->pinned)
		fd = open_beneath(j->path[0] == '/' ? j->root_fd : j->cwd_fd, j->path);
	else
		fd = open_script(j->ppid, j->path);
	if (fd < 0)
		return fd;
	if (fstat(fd, &st) || !S_ISREG(st.st_mode) || st.st_ctim.tv_sec != j->kid.ctime_sec ||
	    st.st_ctim.tv_nsec != (long)j->kid.ctime_nsec) {
		close(fd);
		return -ESTALE;
	}
	return fd;
}

/* The executable the process runs, if it still runs the exec's image
 * (for a swept process, whatever it runs now). */
static int open_exe(const struct exe_job *j)
{
	int pfd = proc_pidfd_open(j->tgid, j->start_ticks), fd;
	char path[64];
	struct stat st;

	if (pfd < 0)
		return j->swept ? pfd : open_by_parent(j);
	snprintf(path, sizeof(path), "/proc/%d/exe", (int)j->tgid);
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (fd < 0) {
		fd = j->swept ? -errno : open_by_parent(j);
	} else if (proc_pidfd_signal(pfd, 0) || fstat(fd, &st) ||
		   (!j->swept && (st.st_ctim.tv_sec != j->kid.ctime_sec ||
				  st.st_ctim.tv_nsec != (long)j->kid.ctime_nsec))) {
		close(fd);      /* gone, or exec'd another file since */
		fd = -ESTALE;
	}
	close(pfd);
	return fd;
}

static void run_job(struct exe_watch *w, const struct exe_job *j, struct exe_rules *rules,
		    struct exe_result *r)
{
	struct stat st;
	struct entry *hit = NULL;
	int fd;

	memset(r, 0, sizeof(*r));
	r->job = *j;
	r->rules = rules;
	fd = j->script ? open_script(j->tgid, j->path) : open_exe(j);
	if (fd < 0) {
		r->open_err = fd;
		return;
	}
	if ((j->script || j->swept) && !fstat(fd, &st)) {
		pthread_mutex_lock(&w->mu);
		hit = find_st(w, st.st_dev, st.st_ino, st.st_ctim.tv_sec, st.st_ctim.tv_nsec);
		if (hit) {
			r->rep = hit->rep;
			r->cached = 1;
		}
		pthread_mutex_unlock(&w->mu);
	}
	if (!hit) {
		int rc = exe_scan_fd(fd, rules, &r->rep);

		if (rc < 0)
			r->open_err = rc;
	}
	close(fd);
}

/* Records a finished scan in the cache (thread side, under mu). */
static void remember(struct exe_watch *w, const struct exe_result *r)
{
	struct entry *x = NULL;

	if (r->open_err || r->cached)
		return;
	if (!r->job.script && !r->job.swept)
		x = find_kid(w, &r->job.kid);
	if (!x) {
		x = add(w);
		if (!r->job.script && !r->job.swept) {
			x->kid = r->job.kid;
			link_kid(w, x);
		}
	}
	x->rep = r->rep;
	x->done = 1;
	x->dev = r->rep.st_dev;
	x->ino = r->rep.st_ino;
	x->ctime_sec = r->rep.st_ctime_sec;
	x->ctime_nsec = r->rep.st_ctime_nsec;
	link_st(w, x);
}

/* Tests only: a read that never returns, for a file whose name holds
 * NOMINE_TEST_SCAN_STALL (it ends when the watcher closes). */
static void test_stall(struct exe_watch *w, const struct exe_job *j)
{
	int stop = 0;

	if (!w->test_stall || !strstr(j->path, w->test_stall))
		return;
	while (!stop) {
		usleep(50000);
		pthread_mutex_lock(&w->mu);
		stop = w->stop;
		pthread_mutex_unlock(&w->mu);
	}
}

static void *thread_main(void *arg)
{
	struct worker *me = arg;
	struct exe_watch *w = me->w;
	uint64_t one = 1;

	pthread_mutex_lock(&w->mu);
	for (;;) {
		struct done_item *d;
		struct exe_rules *rules;
		struct exe_job j;

		while (!w->stop && !w->qlen)
			pthread_cond_wait(&w->cv, &w->mu);
		if (w->stop)
			break;
		j = w->q[w->qhead];
		w->qhead = (w->qhead + 1) % NM_EXE_QUEUE_MAX;
		w->qlen--;
		rules = exe_rules_get(w->rules);
		me->busy = 1;
		me->since = mono_s();
		me->reported = 0;
		me->pid = j.tgid;
		memcpy(me->path, j.path, sizeof(me->path));
		pthread_mutex_unlock(&w->mu);

		d = calloc(1, sizeof(*d));
		test_stall(w, &j);
		if (d)
			run_job(w, &j, rules, &d->r);
		else
			exe_rules_put(rules);
		exe_job_unpin(&j);

		pthread_mutex_lock(&w->mu);
		me->busy = 0;
		if (!d)
			continue;
		if (rules == w->rules)      /* else judged by rules since replaced */
			remember(w, &d->r);
		if (!d->r.open_err && !d->r.cached) {
			w->st.scans++;
			w->st.bytes += d->r.rep.bytes_read;
			w->st.seconds += d->r.rep.seconds;
		}
		*w->done_tail = d;
		w->done_tail = &d->next;
		if (write(w->efd, &one, sizeof(one)) < 0) {
			/* the counter cannot overflow here; nothing to do */
		}
	}
	pthread_mutex_unlock(&w->mu);
	return NULL;
}

/* ---- the daemon's side ---- */

/* A new scanner thread (callers hold mu, or none runs yet). 0 or an errno. */
static int start_worker(struct exe_watch *w)
{
	struct worker *k = &w->workers[w->nworkers];
	int e;

	k->w = w;
	if ((e = pthread_create(&k->t, NULL, thread_main, k)))
		return e;
	k->started = 1;
	w->nworkers++;
	return 0;
}

int exe_watch_tick(struct exe_watch *w, char *msg, size_t n)
{
	double now = mono_s(), after;
	int live = 0, ret = 0;
	struct worker *stuck = NULL;

	pthread_mutex_lock(&w->mu);
	after = (w->rules ? w->rules->max_seconds : NM_EXE_SCAN_SECONDS) + NM_EXE_STUCK_S;
	for (int i = 0; i < w->nworkers; i++) {
		struct worker *k = &w->workers[i];

		if (k->busy && now - k->since > after) {
			if (!k->reported)
				stuck = k;
		} else {
			live++;
		}
	}
	if (stuck) {
		stuck->reported = 1;
		w->stalls++;
		ret = live || w->nworkers == NM_EXE_WORKERS_MAX || start_worker(w) ? 2 : 1;
		snprintf(msg, n, "executable scanner stuck for %.0f s reading %s (pid %d), as on "
			 "a hung mount; %s", now - stuck->since, stuck->path, (int)stuck->pid,
			 ret == 1 ? "another scanner started" :
			 live ? "the other scanner goes on" :
			 "no scanner left: new files are scanned again once one returns");
	}
	pthread_mutex_unlock(&w->mu);
	return ret;
}

struct exe_watch *exe_watch_open(void (*done)(const struct exe_result *, void *), void *ctx)
{
	struct exe_watch *w = calloc(1, sizeof(*w));
	int e = ENOMEM;

	if (!w)
		goto fail;
	w->efd = -1;
	w->done = done;
	w->ctx = ctx;
	w->done_tail = &w->done_head;
	w->q = calloc(NM_EXE_QUEUE_MAX, sizeof(*w->q));
	w->e = calloc(NM_EXE_CACHE_ENTRIES, sizeof(*w->e));
	w->head_kid = malloc(NBUCKETS * sizeof(*w->head_kid));
	w->head_st = malloc(NBUCKETS * sizeof(*w->head_st));
	if (!w->q || !w->e || !w->head_kid || !w->head_st)
		goto fail;
	clear(w);
	w->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (w->efd < 0) {
		e = errno;
		goto fail;
	}
	pthread_mutex_init(&w->mu, NULL);
	pthread_cond_init(&w->cv, NULL);
	w->test_stall = getenv("NOMINE_TEST_SCAN_STALL");
	if ((e = start_worker(w)))
		goto fail;
	return w;
fail:
	exe_watch_close(w);
	errno = e;
	return NULL;
}

void exe_watch_close(struct exe_watch *w)
{
	struct timespec until;

	int stuck = 0;

	if (!w)
		return;
	if (w->nworkers) {
		pthread_mutex_lock(&w->mu);
		w->stop = 1;
		pthread_cond_broadcast(&w->cv);
		pthread_mutex_unlock(&w->mu);
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += 2;
		for (int i = 0; i < w->nworkers; i++)
			if (pthread_timedjoin_np(w->workers[i].t, NULL, &until)) {
				pthread_detach(w->workers[i].t);
				stuck = 1;
			}
		/* one stuck in a read on a hung mount: leave it the memory it
		 * uses rather than free it under it */
		if (stuck)
			return;
	}
	while (w->qlen) {          /* jobs never run: their pins */
		exe_job_unpin(&w->q[w->qhead]);
		w->qhead = (w->qhead + 1) % NM_EXE_QUEUE_MAX;
		w->qlen--;
	}
	while (w->done_head) {
		struct done_item *d = w->done_head;

		w->done_head = d->next;
		exe_rules_put(d->r.rules);
		free(d);
	}
	exe_rules_put(w->rules);
	if (w->efd >= 0)
		close(w->efd);
	free(w->q);
	free(w->e);
	free(w->head_kid);
	free(w->head_st);
	free(w);
}

int exe_watch_fd(const struct exe_watch *w)
{
	return w->efd;
}

void exe_watch_drain(struct exe_watch *w)
{
	struct done_item *list, *d;
	uint64_t n;

	if (read(w->efd, &n, sizeof(n)) < 0 && errno != EAGAIN)
		return;
	pthread_mutex_lock(&w->mu);
	list = w->done_head;
	w->done_head = NULL;
	w->done_tail = &w->done_head;
	pthread_mutex_unlock(&w->mu);
	while ((d = list)) {
		list = d->next;
		if (d->r.open_err && !d->r.job.script && !d->r.job.swept)
			exe_watch_forget(w, &d->r.job.kid);
		pthread_mutex_lock(&w->mu);
		if (d->r.open_err)
			w->st.gone++;
		else if (d->r.rep.banned)
			w->st.banned++;
		if (d->r.cached)
			w->st.cached++;
		pthread_mutex_unlock(&w->mu);
		w->done(&d->r, w->ctx);
		exe_rules_put(d->r.rules);
		free(d);
	}
}

int exe_watch_set_rules(struct exe_watch *w, struct exe_rules *r)
{
	int changed;

	pthread_mutex_lock(&w->mu);
	changed = !exe_rules_same(w->rules, r);
	exe_rules_put(w->rules);
	w->rules = exe_rules_get(r);
	if (changed)
		clear(w);
	pthread_mutex_unlock(&w->mu);
	return changed;
}

void exe_job_pin(struct exe_job *j)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/root", (int)j->ppid);
	j->root_fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	snprintf(path, sizeof(path), "/proc/%d/cwd", (int)j->ppid);
	j->cwd_fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	j->pinned = j->root_fd >= 0 && j->cwd_fd >= 0;
	if (!j->pinned)
		exe_job_unpin(j);
}

void exe_job_unpin(struct exe_job *j)
{
	if (j->root_fd > 0)
		close(j->root_fd);
	if (j->cwd_fd > 0)
		close(j->cwd_fd);
	j->root_fd = j->cwd_fd = -1;
	j->pinned = 0;
}

int exe_watch_submit(struct exe_watch *w, const struct exe_job *j)
{
	int ret = 0;

	pthread_mutex_lock(&w->mu);
	if (!j->script && !j->swept && !kid_zero(&j->kid)) {
		struct entry *x = find_kid(w, &j->kid);

		if (x) {
			ret = -EALREADY;
			goto out;
		}
	}
	if (w->qlen == NM_EXE_QUEUE_MAX) {
		w->st.dropped++;
		ret = -ENOSPC;
		goto out;
	}
	if (!j->script && !j->swept) {  /* in flight: later execs of it wait on this scan */
		struct entry *x = add(w);

		x->kid = j->kid;
		link_kid(w, x);
	}
	w->q[(w->qhead + w->qlen) % NM_EXE_QUEUE_MAX] = *j;
	w->qlen++;
	pthread_cond_signal(&w->cv);
out:
	pthread_mutex_unlock(&w->mu);
	if (ret < 0) {           /* not queued: its pins go now */
		struct exe_job copy = *j;

		exe_job_unpin(&copy);
	}
	return ret;
}

int exe_watch_known(struct exe_watch *w, const struct nm_exe_id *kid, struct exe_report *rep)
{
	struct entry *x;
	int ret = -ENOENT;

	pthread_mutex_lock(&w->mu);
	x = find_kid(w, kid);
	if (x && x->done) {
		*rep = x->rep;
		ret = 0;
	}
	pthread_mutex_unlock(&w->mu);
	return ret;
}

int exe_watch_known_stat(struct exe_watch *w, uint64_t dev, uint64_t ino, int64_t ctime_sec,
			 long ctime_nsec, struct exe_report *rep)
{
	struct entry *x;
	int ret = -ENOENT;

	pthread_mutex_lock(&w->mu);
	x = find_st(w, dev, ino, ctime_sec, ctime_nsec);
	if (x) {
		*rep = x->rep;
		ret = 0;
	}
	pthread_mutex_unlock(&w->mu);
	return ret;
}

void exe_watch_forget(struct exe_watch *w, const struct nm_exe_id *kid)
{
	struct entry *x;

	pthread_mutex_lock(&w->mu);
	x = find_kid(w, kid);
	if (x && !x->done)
		unlink_kid(w, x);
	pthread_mutex_unlock(&w->mu);
}

void exe_watch_stats(struct exe_watch *w, struct exe_watch_stats *st)
{
	pthread_mutex_lock(&w->mu);
	*st = w->st;
	st->stalls = (unsigned long long)w->stalls;
	pthread_mutex_unlock(&w->mu);
}
