/* SPDX-License-Identifier: BSD-2-Clause */
/* evidence.c - the record store: a directory held open (every file is
 * reached relative to it with O_NOFOLLOW, so a symlink planted inside leads
 * nowhere), records written to a temp name then renamed, the executable
 * hashed through the fd captured before the kill, and the oldest records
 * removed past the caps. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>
#include "evidence.h"
#include "evidence_live.h"
#include "exe_scan.h"

#define REC_EXT ".json"
#define COPY_EXT ".exe"
#define TMP_EXT ".tmp"
#define STEM_MAX 80
#define COPY_CHUNK (64 * 1024)
/* The record waits for the hash, and every response that may clean up
 * waits for the record: a padded executable must not hold them long. */
#define HASH_SECONDS 3.0

struct evidence_store {
	char *dir;
	int dirfd;
	unsigned int max_records;
	uint64_t max_bytes, exe_copy_max;
	unsigned long counter;          /* atomic */
	pthread_mutex_t lock;           /* one rotation at a time */
};

static void seterr(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void seterr(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || !errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* 1 when name ends with ext (and has more before it). */
static int has_ext(const char *name, const char *ext)
{
	size_t n = strlen(name), e = strlen(ext);

	return n > e && !strcmp(name + n - e, ext);
}

/* A name the store made: a stem of digits first ("20261206T182714..."). */
static int ours(const char *name)
{
	return name[0] >= '0' && name[0] <= '9' && strlen(name) < STEM_MAX + 8 &&
	       (has_ext(name, REC_EXT) || has_ext(name, COPY_EXT) || has_ext(name, TMP_EXT));
}

/* Creates dir and its missing parents (0700). */
static int make_dirs(const char *dir)
{
	char *p = strdup(dir), *q;
	int ret = 0;

	if (!p)
		return -ENOMEM;
	for (q = p + 1; !ret; q++) {
		char c = *q;

		if (c != '/' && c != '\0')
			continue;
		*q = '\0';
		if (mkdir(p, 0700) && errno != EEXIST)
			ret = -errno;
		*q = c;
		if (!c)
			break;
	}
	free(p);
	return ret;
}

/* A stream over the store's directory, from its start (a duplicate shares
 * the offset of the last listing). NULL on failure. */
static DIR *open_dir(int dirfd)
{
	int fd = dup(dirfd);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;

	if (!d && fd >= 0)
		close(fd);
	if (d)
		rewinddir(d);
	return d;
}

/* Leftover temp files of an interrupted write. */
static void remove_temps(int dirfd)
{
	DIR *d = open_dir(dirfd);
	struct dirent *de;

	if (!d)
		return;
	while ((de = readdir(d)))
		if (ours(de->d_name) && has_ext(de->d_name, TMP_EXT))
			unlinkat(dirfd, de->d_name, 0);
	closedir(d);
}

struct evidence_store *evidence_store_new(const char *dir, unsigned int max_records,
					  uint64_t max_bytes, uint64_t exe_copy_max,
					  char *err, size_t errlen)
{
	struct evidence_store *s;
	struct stat st;
	int fd, ret;

	if (!dir || dir[0] != '/') {
		seterr(err, errlen, "evidence directory %s: not an absolute path", dir ? dir : "(none)");
		errno = EINVAL;
		return NULL;
	}
	if (!max_records || !max_bytes) {
		seterr(err, errlen, "evidence caps must be above 0");
		errno = EINVAL;
		return NULL;
	}
	ret = make_dirs(dir);
	/* O_NOFOLLOW: a symlink as the last component is refused (ELOOP) */
	fd = ret ? ret : open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (!ret && fd < 0)
		ret = -errno;
	if (ret == -ELOOP)
		ret = -ENOTDIR;
	if (ret) {
		seterr(err, errlen, "evidence directory %s: %s", dir,
		       ret == -ENOTDIR ? "not a directory (or a symlink)" : strerror(-ret));
		errno = -ret;
		return NULL;
	}
	/* records are root's only: so is their directory */
	if (fstat(fd, &st) || ((st.st_mode & 077) && fchmod(fd, 0700))) {
		ret = errno;
		seterr(err, errlen, "evidence directory %s: %s", dir, strerror(ret));
		close(fd);
		errno = ret;
		return NULL;
	}
	s = calloc(1, sizeof(*s));
	if (!s || !(s->dir = strdup(dir))) {
		free(s);
		close(fd);
		seterr(err, errlen, "out of memory");
		errno = ENOMEM;
		return NULL;
	}
	/* "/a/b/" names the same directory as "/a/b" */
	for (size_t n = strlen(s->dir); n > 1 && s->dir[n - 1] == '/'; n--)
		s->dir[n - 1] = '\0';
	s->dirfd = fd;
	s->max_records = max_records;
	s->max_bytes = max_bytes;
	s->exe_copy_max = exe_copy_max;
	pthread_mutex_init(&s->lock, NULL);
	remove_temps(fd);
	return s;
}

void evidence_store_free(struct evidence_store *s)
{
	if (!s)
		return;
	close(s->dirfd);
	pthread_mutex_destroy(&s->lock);
	free(s->dir);
	free(s);
}

char *evidence_name(struct evidence_store *s, pid_t tgid)
{
	unsigned long n = __atomic_add_fetch(&s->counter, 1, __ATOMIC_RELAXED);
	struct timespec ts;
	struct tm tm;
	char *path;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	/* the time first: names sort oldest first */
	if (asprintf(&path, "%s/%04d%02d%02dT%02d%02d%02d.%06ldZ-%d-%08lu" REC_EXT, s->dir,
		     tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
		     ts.tv_nsec / 1000, (int)tgid, n % 100000000ul) < 0)
		return NULL;
	return path;
}

/* The stem of a record path of this store ("<dir>/<stem>.json"), or NULL. */
static const char *stem_of(const struct evidence_store *s, const char *path, char *stem)
{
	size_t d = strlen(s->dir), n;
	const char *base = path + d + 1;

	if (strncmp(path, s->dir, d) || path[d] != '/' || strchr(base, '/') ||
	    !has_ext(base, REC_EXT) || !ours(base))
		return NULL;
	n = strlen(base) - strlen(REC_EXT);
	if (n >= STEM_MAX)
		return NULL;
	memcpy(stem, base, n);
	stem[n] = '\0';
	return stem;
}

/* Writes len bytes at name (0600) through a temp name. 0 or -errno. */
static int put_file(int dirfd, const char *name, const char *tmp, int (*fill)(int, void *),
		    void *arg)
{
	int fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	int ret;

	if (fd < 0)
		return -errno;
	ret = fill(fd, arg);
	if (close(fd) && !ret)
		ret = -errno;
	if (!ret && renameat(dirfd, tmp, dirfd, name))
		ret = -errno;
	if (ret)
		unlinkat(dirfd, tmp, 0);
	return ret;
}

static int write_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t n = write(fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

struct text {
	const char *s;
};

static int fill_text(int fd, void *arg)
{
	const char *s = ((struct text *)arg)->s;

	return write_all(fd, s, strlen(s));
}

struct copy {
	int src;
	uint64_t size;
};

static int fill_copy(int fd, void *arg)
{
	struct copy *c = arg;
	char *buf = malloc(COPY_CHUNK);
	uint64_t off = 0;
	int ret = 0;

	if (!buf)
		return -ENOMEM;
	while (!ret && off < c->size) {
		ssize_t n = pread(c->src, buf, COPY_CHUNK, (off_t)off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			ret = n ? -errno : -EIO;    /* shorter than it was */
			break;
		}
		ret = write_all(fd, buf, (size_t)n);
		off += (uint64_t)n;
	}
	free(buf);
	return ret;
}

/* The event's "executable" identity, if it gives one: its "dev" (the
 * kernel's encoding, major << 20 | minor) and "inode". */
static int event_identity(const json_t *event, unsigned long long *dev, unsigned long long *ino)
{
	const json_t *x = json_object_get(event, "executable");
	const json_t *d = json_object_get(x, "dev"), *i = json_object_get(x, "inode");

	if (!json_is_integer(d) || !json_is_integer(i))
		return 0;
	*dev = (unsigned long long)json_integer_value(d);
	*ino = (unsigned long long)json_integer_value(i);
	return 1;
}

#define FUSE_MAGIC 0x65735546     /* statfs f_type of FUSE file systems */

/* Opens for reading the file behind an O_PATH descriptor, if it is a
 * regular file that is not on FUSE: an open there asks the file system's
 * server, which a user can run (and stop) themselves. -1 with why. */
static int read_opath(int opath, const char **why)
{
	char self[64];
	struct statfs fs;
	struct stat st;
	int fd;

	if (fstat(opath, &st) || !S_ISREG(st.st_mode)) {
		*why = "not a regular file";
		return -1;
	}
	if (fstatfs(opath, &fs) == 0 && (unsigned long)fs.f_type == FUSE_MAGIC) {
		*why = "on a FUSE file system: not read";
		return -1;
	}
	snprintf(self, sizeof(self), "/proc/self/fd/%d", opath);
	fd = open(self, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (fd < 0)
		*why = "cannot be read";
	return fd;
}

/* The fd to hash: the captured one, else the event's path if it is still
 * the event's file. The path is the offender's to change: it is opened
 * O_PATH, which calls no file system's or driver's open (a device's open
 * can act), then read only once it is the very file the kernel saw (a
 * symlink swapped in leads elsewhere: refused). -1 with why. */
static int exe_source(const json_t *event, const struct evidence_live *live, const char **from,
		      const char **why)
{
	const char *path = json_string_value(json_object_get(event, "exe"));
	unsigned long long dev, ino;
	struct stat st;
	int opath, fd;

	if (live && live->exe_fd >= 0) {
		/* the same file, deleted or a memfd as it may be */
		fd = read_opath(live->exe_fd, why);
		*from = "fd";
		return fd;
	}
	if (!path || path[0] != '/') {
		*why = "no executable captured and no path in the event";
		return -1;
	}
	if (!event_identity(event, &dev, &ino)) {
		*why = "no executable captured and no identity to check its path against";
		return -1;
	}
	opath = open(path, O_PATH | O_CLOEXEC);
	if (opath < 0) {
		*why = "the event's path cannot be opened";
		return -1;
	}
	if (fstat(opath, &st) || st.st_ino != ino ||
	    st.st_dev != makedev((unsigned int)(dev >> 20), (unsigned int)(dev & 0xfffff))) {
		close(opath);
		*why = "the event's path now names another file";
		return -1;
	}
	fd = read_opath(opath, why);
	close(opath);
	*from = "path";
	return fd;
}

/* The "executable" object; the copy is made (as stem.exe) when it fits. */
static json_t *executable(struct evidence_store *s, const char *stem, const json_t *event,
			  const struct evidence_live *live)
{
	struct exe_rules rules = { .max_bytes = EVIDENCE_HASH_MAX, .max_seconds = HASH_SECONDS };
	const char *from = NULL, *why = NULL, *path;
	json_t *x = json_object();
	struct exe_report rep;
	int fd, ret;
	char hex[65];

	if (!x)
		return NULL;
	path = json_string_value(json_object_get(live ? live->process : NULL, "exe"));
	if (!path)
		path = json_string_value(json_object_get(event, "exe"));
	if (path)
		json_object_set_new(x, "path", json_string(path));
	fd = exe_source(event, live, &from, &why);
	if (fd < 0) {
		json_object_set_new(x, "error", json_string(why));
		return x;
	}
	json_object_set_new(x, "from", json_string(from));
	ret = exe_scan_fd(fd, &rules, &rep);
	if (ret) {
		json_object_set_new(x, "error", json_string(strerror(-ret)));
	} else {
		const char *esha = json_string_value(json_object_get(json_object_get(event, "executable"),
								     "sha256"));

		json_object_set_new(x, "size", json_integer((json_int_t)rep.size));
		if (rep.have_sha256) {
			exe_sha256_hex(rep.sha256, hex);
			json_object_set_new(x, "sha256", json_string(hex));
			if (esha)
				json_object_set_new(x, "matches_event", json_boolean(!strcmp(esha, hex)));
		} else {
			json_object_set_new(x, "error", json_string(rep.status == EXE_TRUNCATED ?
					    "too large to hash" : "not read whole"));
		}
		if (s->exe_copy_max && rep.have_sha256 && rep.size > s->exe_copy_max) {
			json_object_set_new(x, "copy_skipped", json_pack("{s:s, s:I}", "reason",
					    "larger than the copy cap", "cap", (json_int_t)s->exe_copy_max));
		} else if (s->exe_copy_max && rep.have_sha256) {
			char name[STEM_MAX + 16], tmp[STEM_MAX + 16], *full = NULL;
			struct copy c = { .src = fd, .size = rep.size };

			snprintf(name, sizeof(name), "%.*s" COPY_EXT, STEM_MAX, stem);
			snprintf(tmp, sizeof(tmp), "%.*s" COPY_EXT TMP_EXT, STEM_MAX, stem);
			ret = put_file(s->dirfd, name, tmp, fill_copy, &c);
			if (!ret && asprintf(&full, "%s/%s", s->dir, name) >= 0)
				json_object_set_new(x, "copy", json_string(full));
			else if (ret)
				json_object_set_new(x, "copy_skipped", json_pack("{s:s}", "reason",
						    strerror(-ret)));
			free(full);
		}
	}
	close(fd);
	return x;
}

struct entry {
	char stem[STEM_MAX];
	int record;             /* its .json exists */
	uint64_t bytes;         /* .json and .exe together */
};

static int cmp_entry(const void *a, const void *b)
{
	return strcmp(((const struct entry *)a)->stem, ((const struct entry *)b)->stem);
}

/* The store's records (and copies), oldest first. NULL when it cannot be
 * read; *n entries. */
static struct entry *list(int dirfd, size_t *n)
{
	DIR *d = open_dir(dirfd);
	struct entry *e = NULL, *ne;
	size_t cap = 0, k = 0, j;
	struct dirent *de;

	if (!d)
		return NULL;
	while ((de = readdir(d))) {
		int rec = has_ext(de->d_name, REC_EXT);
		size_t len = strlen(de->d_name) - (rec ? strlen(REC_EXT) : strlen(COPY_EXT));
		struct stat st;

		if (!ours(de->d_name) || has_ext(de->d_name, TMP_EXT) || len >= STEM_MAX ||
		    fstatat(dirfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) || !S_ISREG(st.st_mode))
			continue;
		if (k == cap) {
			cap = cap ? cap * 2 : 64;
			ne = realloc(e, cap * sizeof(*e));
			if (!ne)
				break;
			e = ne;
		}
		memcpy(e[k].stem, de->d_name, len);
		e[k].stem[len] = '\0';
		e[k].record = rec;
		e[k++].bytes = (uint64_t)st.st_size;
	}
	closedir(d);
	if (!e)
		e = malloc(sizeof(*e));
	qsort(e, k, sizeof(*e), cmp_entry);
	/* a record and its copy become one entry */
	for (size_t i = j = 0; i < k; i++) {
		if (j && !strcmp(e[j - 1].stem, e[i].stem)) {
			e[j - 1].record |= e[i].record;
			e[j - 1].bytes += e[i].bytes;
		} else {
			e[j++] = e[i];
		}
	}
	*n = k ? j : 0;
	return e;
}

static void remove_stem(int dirfd, const char *stem)
{
	char name[STEM_MAX + 16];

	snprintf(name, sizeof(name), "%.*s" REC_EXT, STEM_MAX, stem);
	unlinkat(dirfd, name, 0);
	snprintf(name, sizeof(name), "%.*s" COPY_EXT, STEM_MAX, stem);
	unlinkat(dirfd, name, 0);
}

/* Removes the oldest records past the caps; the newest (keep) stays. */
static void rotate(struct evidence_store *s, const char *keep)
{
	uint64_t bytes = 0;
	size_t n = 0, records = 0;
	struct entry *e = list(s->dirfd, &n);

	if (!e)
		return;
	for (size_t i = 0; i < n; i++) {
		bytes += e[i].bytes;
		records += e[i].record;
	}
	for (size_t i = 0; i < n && (records > s->max_records || bytes > s->max_bytes); i++) {
		if (!strcmp(e[i].stem, keep))
			continue;
		remove_stem(s->dirfd, e[i].stem);
		bytes -= e[i].bytes;
		records -= e[i].record;
	}
	free(e);
}

int evidence_write(struct evidence_store *s, const char *path, const json_t *event,
		   const struct evidence_live *live, char *err, size_t errlen)
{
	char stem[STEM_MAX], name[STEM_MAX + 16], tmp[STEM_MAX + 16];
	json_t *rec, *x;
	struct text t;
	int ret;

	if (!path || !stem_of(s, path, stem)) {
		seterr(err, errlen, "%s is not a record name of %s", path ? path : "(null)", s->dir);
		return -EINVAL;
	}
	x = executable(s, stem, event, live);
	rec = json_pack("{s:o, s:o, s:o, s:o}",
			"event", event ? json_deep_copy(event) : json_object(),
			"process", live ? json_deep_copy(live->process) : json_object(),
			"ancestors", live ? json_deep_copy(live->ancestors) : json_array(),
			"executable", x ? x : json_object());
	t.s = rec ? json_dumps(rec, JSON_COMPACT) : NULL;
	json_decref(rec);
	if (!t.s) {
		seterr(err, errlen, "out of memory");
		return -ENOMEM;
	}
	snprintf(name, sizeof(name), "%.*s" REC_EXT, STEM_MAX, stem);
	snprintf(tmp, sizeof(tmp), "%.*s" REC_EXT TMP_EXT, STEM_MAX, stem);
	ret = put_file(s->dirfd, name, tmp, fill_text, &t);
	free((char *)t.s);
	if (ret) {
		seterr(err, errlen, "%s: %s", path, strerror(-ret));
		remove_stem(s->dirfd, stem);    /* its copy, if one was made */
		return ret;
	}
	pthread_mutex_lock(&s->lock);
	rotate(s, stem);
	pthread_mutex_unlock(&s->lock);
	return 0;
}
