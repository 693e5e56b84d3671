/* SPDX-License-Identifier: BSD-2-Clause */
/* respond_settings.c - the responders' settings from a config: numbers and
 * switches, and the secrets read from their files (the hub's token, webhook
 * URLs), which never come from the config itself. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "config.h"
#include "hub_api.h"
#include "http.h"
#include "respond.h"
#include "secret_file.h"

static char *dup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

static int webhooks(struct respond_settings *s, const struct config *cfg, char *err,
		    size_t errlen)
{
	s->webhooks = calloc(cfg->nwebhooks ? cfg->nwebhooks : 1, sizeof(*s->webhooks));
	if (!s->webhooks)
		return -ENOMEM;
	for (size_t i = 0; i < cfg->nwebhooks; i++, s->nwebhooks++) {
		const struct config_webhook *w = &cfg->webhooks[i];
		struct respond_webhook *o = &s->webhooks[i];
		char why[256], at[4200];

		snprintf(at, sizeof(at), "%s:%d", w->at.file ? w->at.file : "?", w->at.line);
		o->origin = strdup(at);
		o->format = (int)w->format;
		if (w->url) {
			o->url = strdup(w->url);
		} else {
			o->url = secret_file_read(w->url_file, why, sizeof(why));
			if (!o->url) {
				snprintf(err, errlen, "%s: webhook urlFile %s: %s", at, w->url_file,
					 why);
				s->nwebhooks++;
				return -EINVAL;
			}
			if (http_url_check(o->url, why, sizeof(why))) {
				snprintf(err, errlen, "%s: webhook urlFile %s: %s", at, w->url_file,
					 why);
				s->nwebhooks++;
				return -EINVAL;
			}
		}
		if (!o->url || !o->origin) {
			s->nwebhooks++;
			return -ENOMEM;
		}
	}
	return 0;
}

static int hook_argv(struct respond_settings *s, const struct config *cfg)
{
	if (!cfg->hook_argv)
		return 0;
	s->hook_argv = calloc(cfg->nhook_argv + 1, sizeof(*s->hook_argv));
	if (!s->hook_argv)
		return -ENOMEM;
	for (size_t i = 0; i < cfg->nhook_argv; i++)
		if (!(s->hook_argv[i] = strdup(cfg->hook_argv[i])))
			return -ENOMEM;
	return 0;
}

int respond_settings_load(struct respond_settings *s, const struct config *cfg, char *err,
			  size_t errlen)
{
	const char *token_file = config_path(cfg, "hubApiTokenFile");
	int rc;

	memset(s, 0, sizeof(*s));
	err[0] = '\0';
	s->hub_url = dup_or_null(config_text(cfg, "hubApiUrl"));
	s->hub_group = dup_or_null(config_text(cfg, "hubBlockGroup"));
	s->hub_stop = config_bool(cfg, "hubStopServer");
	s->alertmanager_url = dup_or_null(config_text(cfg, "alertmanagerUrl"));
	s->dedupe_s = config_number(cfg, "notifyDedupeSeconds");
	s->burst = (unsigned int)config_number(cfg, "notifyBurst");
	s->per_minute = config_number(cfg, "notifyPerMinute");
	s->hook_timeout_s = config_number(cfg, "commandHookTimeoutSeconds");
	s->hook_concurrency = (unsigned int)config_number(cfg, "commandHookConcurrency");
	s->evidence_dir = dup_or_null(config_path(cfg, "evidenceDir"));
	s->evidence_records = (unsigned int)config_number(cfg, "evidenceMaxRecords");
	s->evidence_bytes = (uint64_t)config_number(cfg, "evidenceMaxMiB") << 20;
	s->evidence_copy_max = (uint64_t)config_number(cfg, "evidenceExecutableMaxMiB") << 20;
	s->timeout_s = config_number(cfg, "responseTimeoutSeconds");
	s->retry_s = config_number(cfg, "responseRetrySeconds");
	s->queue_len = (unsigned int)config_number(cfg, "responseQueueLength");
	if (s->hub_url && token_file) {
		const struct config_origin *at = config_origin(cfg, "hubApiTokenFile");
		char why[256];

		s->hub_token = hub_read_token(token_file, why, sizeof(why));
		if (!s->hub_token) {
			snprintf(err, errlen, "%s:%d: hubApiTokenFile %s: %s",
				 at && at->file ? at->file : "?", at ? at->line : 0, token_file, why);
			respond_settings_free(s);
			return -EINVAL;
		}
	}
	if ((rc = webhooks(s, cfg, err, errlen)) || (rc = hook_argv(s, cfg))) {
		if (!err[0])
			snprintf(err, errlen, "out of memory");
		respond_settings_free(s);
		return rc;
	}
	if ((config_text(cfg, "hubApiUrl") && !s->hub_url) ||
	    (config_text(cfg, "hubBlockGroup") && !s->hub_group) ||
	    (config_text(cfg, "alertmanagerUrl") && !s->alertmanager_url) ||
	    (config_path(cfg, "evidenceDir") && !s->evidence_dir)) {
		snprintf(err, errlen, "out of memory");
		respond_settings_free(s);
		return -ENOMEM;
	}
	return 0;
}

void respond_settings_free(struct respond_settings *s)
{
	if (s->hub_token)
		explicit_bzero(s->hub_token, strlen(s->hub_token));
	free(s->hub_url);
	free(s->hub_token);
	free(s->hub_group);
	for (size_t i = 0; i < s->nwebhooks; i++) {
		if (s->webhooks[i].url)
			explicit_bzero(s->webhooks[i].url, strlen(s->webhooks[i].url));
		free(s->webhooks[i].url);
		free(s->webhooks[i].origin);
	}
	free(s->webhooks);
	free(s->alertmanager_url);
	for (size_t i = 0; s->hook_argv && s->hook_argv[i]; i++)
		free(s->hook_argv[i]);
	free(s->hook_argv);
	free(s->evidence_dir);
	memset(s, 0, sizeof(*s));
}

size_t respond_watch_paths(const struct config *cfg, char **out, size_t max)
{
	const char *token = config_path(cfg, "hubApiTokenFile");
	size_t n = 0;

	if (token && config_text(cfg, "hubApiUrl") && n < max && (out[n] = strdup(token)))
		n++;
	for (size_t i = 0; i < cfg->nwebhooks && n < max; i++)
		if (cfg->webhooks[i].url_file && (out[n] = strdup(cfg->webhooks[i].url_file)))
			n++;
	return n;
}
