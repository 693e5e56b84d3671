/* SPDX-License-Identifier: BSD-2-Clause */
/* exec_event.h - the records exec.bpf.c sends to user space (shared, include-free). */
#ifndef NOMINE_EXEC_EVENT_H
#define NOMINE_EXEC_EVENT_H

#define NM_COMM_LEN 16
#define NM_FILENAME_MAX 256
/* argv bytes per record: a power of two that keeps header + data inside one
 * per-CPU array value (at most 32 KiB). */
#define NM_CHUNK_MAX 16384
/* Never expected (the kernel caps argv+envp at 6 MiB); bounds the loop. */
#define NM_ARGV_MAX (8u << 20)
/* Environment bytes sent with an exec the kernel judged banned (the process
 * may be dead before user space could read /proc/PID/environ). */
#define NM_ENV_MAX 32768

enum nm_exec_flags {
	NM_EXEC_IN_SCOPE = 1,     /* the task is in or below a --scope-cgroup */
	NM_EXEC_ARGV_TRUNC = 2,   /* argv longer than NM_ARGV_MAX */
	NM_EXEC_READ_FAIL = 4,    /* reading argv from the new image failed */
	NM_EXEC_KJUDGED = 8,      /* the kernel tables judged this exec: matched is set */
	NM_EXEC_KILLED = 16,      /* SIGKILL sent at exec, before the first instruction */
	NM_EXEC_FROZEN = 32,      /* SIGSTOP sent at exec: user space decides */
	NM_EXEC_ALLOWED = 64,     /* banned, but the allow DFA matched the whole line */
	NM_EXEC_AUDIT = 128,      /* banned and not allowed, audit mode: untouched */
	NM_EXEC_ENV_REC = 256,    /* this record carries environment bytes */
	NM_EXEC_ENV_TRUNC = 512,  /* environment longer than NM_ENV_MAX */
	NM_EXEC_EXEMPT = 1024,    /* banned, but the task's cgroup is exempt */
	NM_EXEC_UNKNOWN_CG = 2048,/* frozen: exemptions are on and user space has
				   * not classified the task's cgroup yet */
	NM_EXEC_ENV_FAIL = 4096,  /* reading the environment failed (env records) */
	NM_EXEC_UNJUDGED = 8192,  /* SIGSTOP sent at exec with no verdict in the kernel
				   * (the walk could not finish, or the records were
				   * lost): user space judges it, then kills or resumes */
	NM_EXEC_NEW_EXE = 16384,  /* the first exec of its file the kernel has seen: user
				   * space scans the file's bytes */
	NM_EXEC_BAD_EXE = 32768,  /* its file is in the known-bad map (a scan found a
				   * miner): the flags say what the kernel did */
	NM_EXEC_INTERP = 65536,   /* its file is an interpreter: user space looks for a
				   * script path in argv */
	NM_EXEC_EXE_NAMED = 1 << 17,  /* exe_name holds the file's own path: the exec's
				       * name (/dev/fd/N, /proc/.., relative) did not */
	NM_EXEC_EXE_DELETED = 1 << 18,/* that file has no name left (unlinked, a memfd) */
	NM_EXEC_EXE_PARTIAL = 1 << 19,/* its path's first directories did not fit */
};

/* A file as the kernel knows it: a rewrite changes the change stamp, so a
 * file written after its scan is a new file. Key of exe_seen and exe_bad. */
struct nm_exe_id {
	unsigned long long ino;
	long long ctime_sec;
	unsigned int ctime_nsec;
	unsigned int dev;             /* the kernel's dev_t: major << 20 | minor */
};

/* Nanoseconds are below 2^30; kernels keep flags above them. */
#define NM_CTIME_NSEC_MASK 0x3fffffffu

/* Values of the exe_seen map. */
enum nm_exe_seen { NM_EXE_SEEN = 1, NM_EXE_INTERP = 2 };

/* A process the kernel froze (SIGSTOP) at exec, until user space decides:
 * the frozen map keeps it even if its records are lost. Key: tgid. */
struct nm_frozen {
	unsigned long long start_ns;  /* task start, as exec_record.start_ns */
	unsigned long long cgroup_id;
	unsigned long long at_ns;     /* bpf_ktime_get_ns() when frozen */
	unsigned long long cgroup1_id;
	unsigned int unjudged;        /* frozen with no verdict (NM_EXEC_UNJUDGED) */
	unsigned int pad;
	unsigned long long exec_id;   /* the exec frozen: a later exec of the same
				       * process is another decision */
};

/* Values of the cgroup_class map: (generation << 8) | class. An entry of
 * another generation (an older config) counts as unknown. */
enum nm_cg_class { NM_CG_UNKNOWN = 0, NM_CG_ENFORCE = 1, NM_CG_EXEMPT = 2 };

/* The one entry of the exempt_cfg map. */
struct nm_exempt_cfg {
	unsigned int on;          /* exemptions configured: classify cgroups */
	unsigned int gen;
};

enum nm_exec_stat {
	NM_STAT_EXECS,            /* exec events seen */
	NM_STAT_LOST,             /* records the ring buffer had no room for */
	NM_STAT_READ_FAIL,        /* argv reads that failed */
	NM_STAT_NO_STORAGE,       /* lineage storage could not be created */
	NM_STAT_CLEAN,            /* in scope, judged in the kernel: no banned string (not
				   * sent to user space, which counts what it judges) */
	NM_STAT_MAX,
};

/* One record: the exec's identity plus argv[off, off+len). An exec sends
 * ceil(argv_len / NM_CHUNK_MAX) records (at least one), in order, then, if
 * env_len > 0, records flagged NM_EXEC_ENV_REC with environ[off, off+len). */
struct exec_record {
	unsigned long long exec_id;   /* unique per exec; lineage id */
	unsigned long long start_ns;  /* task start, boot-time ns (as /proc stat) */
	unsigned long long cgroup_id; /* cgroup v2 id of the task */
	unsigned long long cgroup1_id;/* its cgroup in the v1 freezer hierarchy, 0: none */
	unsigned long long exec_ns;   /* bpf_ktime_get_ns() at exec (CLOCK_MONOTONIC): where
				       * the kill latency starts */
	unsigned int tgid;
	unsigned int ppid;
	unsigned int uid;
	unsigned int flags;           /* enum nm_exec_flags */
	unsigned int argv_len;        /* bytes from arg_start to arg_end */
	unsigned int off;
	unsigned int len;
	int matched;                  /* banned string index (NM_EXEC_KJUDGED) */
	unsigned int gen;             /* generation of the tables that judged */
	unsigned int env_len;         /* environment bytes sent after argv (<= NM_ENV_MAX) */
	unsigned int exe_name_off;    /* NM_EXEC_EXE_NAMED: the path is exe_name[exe_name_off..],
				       * built backwards, NUL-terminated at its end */
	unsigned int pad;
	struct nm_exe_id exe;         /* the file the new image runs */
	char comm[NM_COMM_LEN];
	char filename[NM_FILENAME_MAX];   /* the name the exec used (bprm->filename) */
	char exe_name[NM_FILENAME_MAX];
	unsigned char data[NM_CHUNK_MAX];
};

/* Bytes of a record that carries len argv bytes. */
#define NM_RECORD_SIZE(len) (__builtin_offsetof(struct exec_record, data) + (len))

#endif
