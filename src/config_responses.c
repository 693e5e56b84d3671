/* SPDX-License-Identifier: BSD-2-Clause */
/* config_responses.c - the checks of the response keys (issue 14) that no
 * single file can make: keys that need each other, and the files that hold
 * the hub's token and webhooks' URLs, read once all files are merged so that
 * `nomine check`, start-up and reload refuse a config that could not act.
 *
 * Secrets stay secret: a message names the config's file:line, the secret
 * file's path and why; never the file's contents, never a URL. */
#include "config_parse.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "http.h"

#define SECRET_FILE_MAX 4096    /* a token or a URL: far less; more is a wrong file */

/* "file:line: " of at, into err. */
static int fail_at(char *err, size_t errlen, const struct config_origin *at, const char *what)
{
	cfg_set_err(err, errlen, "%s:%d: %s", at->file ? at->file : "?", at->line, what);
	return -EINVAL;
}

/* Reads the secret file at path into buf (NUL-terminated, whitespace
 * trimmed at both ends). Returns 0, or -1 with why in why. */
static int read_secret(const char *path, char *buf, size_t buflen, char *why, size_t whylen)
{
	struct stat st;
	ssize_t n;
	size_t len = 0, start = 0;
	int fd;

	/* O_NONBLOCK: a FIFO put there must not hang a reload */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		snprintf(why, whylen, "%s", strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		snprintf(why, whylen, "not a regular file");
		close(fd);
		return -1;
	}
	while (len < buflen && (n = read(fd, buf + len, buflen - len)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			snprintf(why, whylen, "%s", strerror(errno));
			close(fd);
			return -1;
		}
		len += (size_t)n;
	}
	close(fd);
	if (len >= buflen) {
		snprintf(why, whylen, "larger than %d bytes", SECRET_FILE_MAX);
		return -1;
	}
	while (len > 0 && strchr(" \t\r\n\v\f", buf[len - 1]) && buf[len - 1])
		len--;
	while (start < len && strchr(" \t\r\n\v\f", buf[start]) && buf[start])
		start++;
	memmove(buf, buf + start, len - start);
	buf[len - start] = '\0';
	if (buf[0] == '\0') {
		snprintf(why, whylen, "empty");
		return -1;
	}
	if (strlen(buf) != len - start) {
		snprintf(why, whylen, "contains a NUL byte");
		return -1;
	}
	return 0;
}

/* The secret file of `what` (set at at) must be usable; a URL file must
 * hold a URL. */
static int check_secret(const struct config_origin *at, const char *what, const char *path,
			int url, char *err, size_t errlen)
{
	char buf[SECRET_FILE_MAX + 1], why[200], msg[CONFIG_ERR_MAX];
	const char *bad = "";
	int rc = read_secret(path, buf, sizeof(buf), why, sizeof(why));

	if (!rc && url && http_url_check(buf, why, sizeof(why))) {
		rc = -1;        /* why never shows the URL */
		bad = "does not hold a usable URL: ";
	}
	explicit_bzero(buf, sizeof(buf));
	if (!rc)
		return 0;
	snprintf(msg, sizeof(msg), "%s %s: %s%s", what, path, bad, why);
	return fail_at(err, errlen, at, msg);
}

int cfg_check_responses(const struct config *cfg, char *err, size_t errlen)
{
	const struct config_origin *url = config_origin(cfg, "hubApiUrl");
	const struct config_origin *token = config_origin(cfg, "hubApiTokenFile");
	static const char *const need_hub[] = { "hubApiTokenFile", "hubStopServer",
						"hubBlockGroup" };
	char msg[128];
	int rc;

	if (url && !token)
		return fail_at(err, errlen, url, "hubApiUrl needs hubApiTokenFile (the file "
			       "holding the hub's API token)");
	for (size_t i = 0; !url && i < sizeof(need_hub) / sizeof(need_hub[0]); i++) {
		const struct config_origin *at = config_origin(cfg, need_hub[i]);

		if (!at)
			continue;
		snprintf(msg, sizeof(msg), "%s needs hubApiUrl (the hub's API URL)", need_hub[i]);
		return fail_at(err, errlen, at, msg);
	}
	if (token && (rc = check_secret(token, "hubApiTokenFile", cfg->hub_token_file, 0, err,
					errlen)))
		return rc;
	for (size_t i = 0; i < cfg->nwebhooks; i++)
		if (cfg->webhooks[i].url_file &&
		    (rc = check_secret(&cfg->webhooks[i].at, "webhooks item urlFile",
				       cfg->webhooks[i].url_file, 1, err, errlen)))
			return rc;
	return 0;
}
