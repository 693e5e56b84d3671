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
#include "secret_file.h"


/* "file:line: " of at, into err. */
static int fail_at(char *err, size_t errlen, const struct config_origin *at, const char *what)
{
	cfg_set_err(err, errlen, "%s:%d: %s", at->file ? at->file : "?", at->line, what);
	return -EINVAL;
}

/* The secret file of `what` (set at at) must be usable; a URL file must
 * hold a URL. */
static int check_secret(const struct config_origin *at, const char *what, const char *path,
			int url, char *err, size_t errlen)
{
	char why[200], msg[CONFIG_ERR_MAX];
	const char *bad = "";
	char *val = secret_file_read(path, why, sizeof(why));
	int rc = val ? 0 : -1;

	if (val && url && http_url_check(val, why, sizeof(why))) {
		rc = -1;        /* why never shows the URL */
		bad = "does not hold a usable URL: ";
	}
	secret_free(val);
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
