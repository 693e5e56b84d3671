/* SPDX-License-Identifier: BSD-2-Clause */
/* main.c - the nomine command line: run, check, scan, version. */
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include "config.h"
#include "daemon.h"
#include "exe_scan.h"
#include "log.h"
#include "net_list.h"
#include "policy.h"
#include "tunables.h"


static const char usage[] =
	"usage: nomine run   [--config PATH]... [--audit] [--scope-cgroup CGPATH]...\n"
	"                    [--sweep-interval SECONDS] [--kernel-table-mib MIB]\n"
	"                    [--user-verdict] [--metrics-listen HOST:PORT] [--debug]\n"
	"                    [--disable exec|randomx|executable|network]...\n"
	"       nomine check [--config PATH]... -- ARG0 [ARG...]\n"
	"       nomine check-file [--config PATH]... FILE...\n"
	"       nomine scan  [--config PATH]... [--audit] [--scope-cgroup CGPATH]...\n"
	"       nomine version\n"
	"\n"
	"  --config PATH         a .json/.yaml/.yml execwhacker config, or a directory of\n"
	"                        them (repeatable); default: the built-in config\n"
	"  --audit               log what would be killed, touch nothing\n"
	"  --scope-cgroup PATH   act only on processes in or below this cgroup v2 path\n"
	"                        (relative to the cgroup2 mount; repeatable)\n"
	"  --sweep-interval S    seconds between /proc sweeps (default 600)\n"
	"  --kernel-table-mib M  kernel memory for verdict tables, a power of two\n"
	"                        (default 32); bigger configs are judged in user space\n"
	"  --user-verdict        judge every exec in user space, after it started\n"
	"                        (as on kernels without the in-kernel verdict)\n"
	"  --metrics-listen A    serve Prometheus /metrics on A (HOST:PORT, or :PORT\n"
	"                        for every address; e.g. 127.0.0.1:12121)\n"
	"  --debug               also log every exec as \"observed\"\n"
	"  --disable D           do not run detector D: exec (command lines, with the\n"
	"                        sweeps; executable scans need it), randomx, or\n"
	"                        executable (the bytes of new executables and scripts),\n"
	"                        or network (banned addresses)\n"
	"                        (repeatable; cryptnono's detectors.<name>.enabled: false)\n";

enum { OPT_CONFIG = 1, OPT_AUDIT, OPT_SCOPE, OPT_SWEEP, OPT_DEBUG, OPT_HELP, OPT_TABLE, OPT_USER,
       OPT_METRICS, OPT_DISABLE };

static const struct option long_opts[] = {
	{ "config", required_argument, NULL, OPT_CONFIG },
	{ "audit", no_argument, NULL, OPT_AUDIT },
	{ "scope-cgroup", required_argument, NULL, OPT_SCOPE },
	{ "sweep-interval", required_argument, NULL, OPT_SWEEP },
	{ "debug", no_argument, NULL, OPT_DEBUG },
	{ "kernel-table-mib", required_argument, NULL, OPT_TABLE },
	{ "user-verdict", no_argument, NULL, OPT_USER },
	{ "metrics-listen", required_argument, NULL, OPT_METRICS },
	{ "disable", required_argument, NULL, OPT_DISABLE },
	{ "help", no_argument, NULL, OPT_HELP },
	{ 0 },
};

static int push(char ***v, size_t *n, char *s)
{
	char **nv = realloc(*v, (*n + 1) * sizeof(**v));

	if (!nv)
		return -ENOMEM;
	nv[(*n)++] = s;
	*v = nv;
	return 0;
}

/* Parses options; allowed is a set of OPT_* a command accepts. Returns 0,
 * or 2 (1 out of memory) with the reason in err. */
static int parse(int argc, char **argv, struct daemon_opts *o, unsigned int allowed, char *err,
		 size_t errlen)
{
	char *end;
	long v;
	int c, idx;

	o->sweep_interval = NM_SWEEP_INTERVAL_S;
	o->table_cap = NM_TABLE_CAP_BYTES;
	optind = 1;
	opterr = 0;   /* the reasons go where the caller sends them */
	while ((c = getopt_long(argc, argv, "+:", long_opts, &idx)) != -1) {
		if (c == ':') {
			snprintf(err, errlen, "%s: option %s needs a value", argv[0], argv[optind - 1]);
			return 2;
		}
		if (c == '?') {
			snprintf(err, errlen, "%s: option %s unknown", argv[0], argv[optind - 1]);
			return 2;
		}
		if (!(allowed & (1u << c))) {
			snprintf(err, errlen, "%s: option --%s not accepted here", argv[0],
				 long_opts[idx].name);
			return 2;
		}
		switch (c) {
		case OPT_CONFIG:
			if (push(&o->configs, &o->nconfigs, optarg) < 0) {
				snprintf(err, errlen, "out of memory");
				return 1;
			}
			break;
		case OPT_SCOPE:
			if (push(&o->scopes, &o->nscopes, optarg) < 0) {
				snprintf(err, errlen, "out of memory");
				return 1;
			}
			break;
		case OPT_AUDIT:
			o->audit = 1;
			break;
		case OPT_DEBUG:
			o->debug = 1;
			break;
		case OPT_USER:
			o->user_verdict = 1;
			break;
		case OPT_METRICS:
			o->metrics_listen = optarg;
			break;
		case OPT_DISABLE:
			if (!strcmp(optarg, "exec")) {
				o->no_exec = 1;
			} else if (!strcmp(optarg, "randomx")) {
				o->no_randomx = 1;
			} else if (!strcmp(optarg, "executable")) {
				o->no_executable = 1;
			} else if (!strcmp(optarg, "network")) {
				o->no_network = 1;
			} else {
				snprintf(err, errlen, "--disable %s: want exec, randomx, executable or "
					 "network",
					 optarg);
				return 2;
			}
			break;
		case OPT_SWEEP:
			errno = 0;
			v = strtol(optarg, &end, 10);
			if (errno || *end || v < 1 || v > 86400 * 7) {
				snprintf(err, errlen, "--sweep-interval %s: want 1..604800 seconds",
					 optarg);
				return 2;
			}
			o->sweep_interval = (unsigned int)v;
			break;
		case OPT_TABLE:
			errno = 0;
			v = strtol(optarg, &end, 10);
			if (errno || *end || v < 1 || v > 1024 || (v & (v - 1))) {
				snprintf(err, errlen,
					 "--kernel-table-mib %s: want a power of two, 1..1024", optarg);
				return 2;
			}
			o->table_cap = (size_t)v << 20;
			break;
		case OPT_HELP:
			fputs(usage, stdout);
			exit(0);
		}
	}
	return 0;
}

static void print_verdict(const struct verdict *v)
{
	json_t *o = json_object();
	char *s;

	json_object_set_new(o, "verdict", json_string(v->kill ? "kill" : "allow"));
	if (v->matched)
		log_set_bytes(o, "matched", v->matched->shown, v->matched->shown_len);
	if (v->allowedby)
		log_set_str(o, "allowedby", v->allowedby->regex);
	s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
	if (s)
		puts(s);
	free(s);
	json_decref(o);
}

/* The options and config of a command-line tool (check, check-file),
 * which needs at least one argument (missing: what to say). Its errors go
 * to stderr only. Returns 0 with *p, or the exit code. */
static int tool_policy(int argc, char **argv, const char *missing, struct policy **p)
{
	struct daemon_opts o = {0};
	struct net_list nl;
	char err[CONFIG_ERR_MAX];
	int rc = parse(argc, argv, &o, 1u << OPT_CONFIG | 1u << OPT_HELP, err, sizeof(err));

	if (rc) {
		fprintf(stderr, "nomine: %s\n%s", err, usage);
		free(o.configs);
		return rc;
	}
	if (optind >= argc) {
		fprintf(stderr, "nomine %s: %s\n", argv[0], missing);
		free(o.configs);
		return 2;
	}
	*p = daemon_load_policy(&o, err, sizeof(err));
	free(o.configs);
	if (!*p) {
		fprintf(stderr, "nomine: %s\n", err);
		return 2;
	}
	/* the address files are read only when the network lists are built:
	 * a bad line there fails here as it would fail `nomine run` */
	if (net_list_build(&nl, policy_config(*p), err, sizeof(err))) {
		fprintf(stderr, "nomine: %s\n", err);
		policy_free(*p);
		*p = NULL;
		return 2;
	}
	net_list_free(&nl);
	return 0;
}

/* `check`: the argv after "--" is laid out as the kernel lays it out (each
 * argument NUL-terminated) and judged exactly as an exec would be. */
static int cmd_check(int argc, char **argv)
{
	struct policy *p;
	struct verdict v;
	size_t len = 0, off = 0;
	uint8_t *buf;
	int rc = tool_policy(argc, argv, "give the command after --", &p);

	if (rc)
		return rc;
	for (int i = optind; i < argc; i++)
		len += strlen(argv[i]) + 1;
	buf = malloc(len + 1);
	if (!buf) {
		policy_free(p);
		return 1;
	}
	for (int i = optind; i < argc; i++) {
		size_t l = strlen(argv[i]) + 1;

		memcpy(buf + off, argv[i], l);
		off += l;
	}
	len = policy_cmdline(buf, len);
	policy_check(p, buf, len, &v);
	print_verdict(&v);
	free(buf);
	policy_free(p);
	return 0;
}

/* `check-file`: each file's bytes judged as the executable detector
 * judges a new executable or script; a JSON line per file. Exit 0, or 1
 * when some file could not be read. */
static int cmd_check_file(int argc, char **argv)
{
	char err[CONFIG_ERR_MAX];
	struct exe_rules *r = NULL;
	struct policy *p;
	int rc = tool_policy(argc, argv, "give the files to check", &p);

	if (rc)
		return rc;
	r = exe_rules_build(policy_config(p), err, sizeof(err));
	if (!r) {
		fprintf(stderr, "nomine: %s\n", err);
		policy_free(p);
		return 2;
	}
	for (int i = optind; i < argc; i++) {
		int fd = open(argv[i], O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
		struct exe_report rep;
		json_t *out = json_object();

		json_object_set_new(out, "file", json_string(argv[i]));
		if (fd < 0 || exe_scan_fd(fd, r, &rep) < 0) {
			json_object_set_new(out, "error", json_string(strerror(errno)));
			rc = 1;
		} else {
			json_object_set_new(out, "banned", json_boolean(rep.banned));
			exe_report_json(&rep, r, out);
		}
		if (fd >= 0)
			close(fd);
		json_dumpf(out, stdout, JSON_COMPACT);
		putchar('\n');
		json_decref(out);
	}
	exe_rules_put(r);
	policy_free(p);
	return rc;
}

static int cmd_daemon(int argc, char **argv, int scan)
{
	struct daemon_opts o = {0};
	unsigned int allowed = 1u << OPT_CONFIG | 1u << OPT_AUDIT | 1u << OPT_SCOPE | 1u << OPT_HELP;
	char err[256];
	int rc;

	if (!scan)
		allowed |= 1u << OPT_SWEEP | 1u << OPT_DEBUG | 1u << OPT_TABLE | 1u << OPT_USER |
			   1u << OPT_METRICS | 1u << OPT_DISABLE;
	rc = parse(argc, argv, &o, allowed, err, sizeof(err));
	if (!rc && optind < argc) {
		snprintf(err, sizeof(err), "%s: unexpected argument %s", argv[0], argv[optind]);
		rc = 2;
	}
	if (rc) {
		log_fatal("Invalid option", "%s", err);
		if (rc == 2)
			fputs(usage, stderr);
	}
	if (!rc)
		rc = scan ? daemon_scan(&o) : daemon_run(&o);
	free(o.configs);
	free(o.scopes);
	return rc;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fputs(usage, stderr);
		return 2;
	}
	if (!strcmp(argv[1], "run"))
		return cmd_daemon(argc - 1, argv + 1, 0);
	if (!strcmp(argv[1], "scan"))
		return cmd_daemon(argc - 1, argv + 1, 1);
	if (!strcmp(argv[1], "check"))
		return cmd_check(argc - 1, argv + 1);
	if (!strcmp(argv[1], "check-file"))
		return cmd_check_file(argc - 1, argv + 1);
	if (!strcmp(argv[1], "version") || !strcmp(argv[1], "--version")) {
		printf("nomine %s\n", NOMINE_VERSION);
		return 0;
	}
	if (!strcmp(argv[1], "help") || !strcmp(argv[1], "--help")) {
		fputs(usage, stdout);
		return 0;
	}
	log_fatal("Invalid option", "unknown command %s", argv[1]);
	fputs(usage, stderr);
	return 2;
}
