/* SPDX-License-Identifier: BSD-2-Clause */
/* config.c - reads one config file and appends it to a config, as the key
 * table says each key lands and merges; frees a config. */
#include "config_parse.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void cfg_set_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* The room a list of n items has: 16, then 1/8 more a step, up to n. A
 * list appended file by file (10,000 files in a directory) is so copied a
 * few dozen times, not once a file, and never holds 1/8 more than it needs. */
static size_t room_for(size_t n)
{
	size_t c = 16;

	while (c < n)
		c += c / 8;
	return c;
}

void *cfg_grow(void *arr, size_t n, size_t add, size_t size)
{
	size_t count = n + add, room;

	if (count < n || count > SIZE_MAX / 2 / size) {
		errno = ENOMEM;
		return NULL;
	}
	if (arr && count <= room_for(n))
		return arr;
	room = room_for(count);
	return realloc(arr, room * size);
}

/* Makes room for add more items of list key k. Returns 0 or -ENOMEM. */
static int grow_list(struct config *cfg, const struct config_key *k, size_t add)
{
	void *m;

	switch (k->type) {
	case CONFIG_T_STRINGS:
		m = cfg_grow(cfg->banned, cfg->nbanned, add, sizeof(*cfg->banned));
		if (m)
			cfg->banned = m;
		break;
	case CONFIG_T_PATTERNS:
		m = cfg_grow(cfg->allowed, cfg->nallowed, add, sizeof(*cfg->allowed));
		if (m)
			cfg->allowed = m;
		break;
	case CONFIG_T_BANNED_PATTERNS:
		m = cfg_grow(cfg->banned_patterns, cfg->nbanned_patterns, add,
			     sizeof(*cfg->banned_patterns));
		if (m)
			cfg->banned_patterns = m;
		break;
	case CONFIG_T_EXES:
		m = cfg_grow(cfg->allowed_exes, cfg->nallowed_exes, add,
			     sizeof(*cfg->allowed_exes));
		if (m)
			cfg->allowed_exes = m;
		break;
	case CONFIG_T_WEBHOOKS:
		m = cfg_grow(cfg->webhooks, cfg->nwebhooks, add, sizeof(*cfg->webhooks));
		if (m)
			cfg->webhooks = m;
		break;
	case CONFIG_T_ARGV:     /* set once: made whole by commit */
		return 0;
	default:
		m = cfg_grow(cfg->names[k->list], cfg->nnames[k->list], add,
			     sizeof(*cfg->names[k->list]));
		if (m)
			cfg->names[k->list] = m;
	}
	return m ? 0 : -ENOMEM;
}

/* A banned string or pattern; a secret one is shown by its origin. */
static void set_banned(struct config_string *s, struct item *it, struct config_origin at,
		       enum config_mode mode)
{
	s->bytes = it->bytes;
	s->len = it->len;
	s->mode = mode;
	s->at = at;
	s->secret = it->label != NULL;
	s->label = it->label;
	s->shown = s->label ? s->label : s->bytes;
	s->shown_len = strlen(s->shown);
	it->label = NULL;
}

/* Moves one item to the end of its list; room was made for it. */
static void move_item(struct config *cfg, struct item *it, const char *file, enum config_mode mode)
{
	const struct config_key *k = &config_keys[it->key];
	struct config_origin at = { .file = file, .line = it->line };

	switch (k->type) {
	case CONFIG_T_STRINGS:
		set_banned(&cfg->banned[cfg->nbanned++], it, at, mode);
		break;
	case CONFIG_T_BANNED_PATTERNS:
		set_banned(&cfg->banned_patterns[cfg->nbanned_patterns++], it, at, mode);
		break;
	case CONFIG_T_PATTERNS:
		cfg->allowed[cfg->nallowed].regex = it->bytes;
		cfg->allowed[cfg->nallowed++].at = at;
		break;
	case CONFIG_T_EXES:
		cfg->allowed_exes[cfg->nallowed_exes].path = it->bytes;
		cfg->allowed_exes[cfg->nallowed_exes++].at = at;
		break;
	case CONFIG_T_WEBHOOKS:
		cfg->webhooks[cfg->nwebhooks++] = (struct config_webhook){
			.url = it->url_file ? NULL : it->bytes,
			.url_file = it->url_file ? it->bytes : NULL,
			.format = (enum config_webhook_format)it->format, .at = at };
		break;
	case CONFIG_T_ARGV:
		cfg->hook_argv[cfg->nhook_argv++] = it->bytes;
		break;
	default:
		cfg->names[k->list][cfg->nnames[k->list]].name = it->bytes;
		cfg->names[k->list][cfg->nnames[k->list]].secret = it->label != NULL;
		cfg->names[k->list][cfg->nnames[k->list]++].at = at;
		free(it->label);        /* shown by origin, which the name keeps */
		it->label = NULL;
	}
	it->bytes = NULL;
}

/* Stores single value i of p (row k) in its field, with its origin. */
static void set_single(struct config *cfg, const struct config_key *k, struct parse *p,
		       size_t i, const char *file)
{
	char *base = (char *)cfg;

	switch (k->type) {
	case CONFIG_T_INT:
	case CONFIG_T_BOOL:
	case CONFIG_T_CHOICE:
		*(unsigned int *)(base + k->field) = (unsigned int)p->num[i];
		break;
	case CONFIG_T_REAL:
		*(double *)(base + k->field) = p->num[i];
		break;
	default:                /* CONFIG_T_PATH, CONFIG_T_URL, CONFIG_T_GROUP */
		*(char **)(base + k->field) = p->path[i];
		p->path[i] = NULL;
	}
	*(struct config_origin *)(base + k->at) = (struct config_origin){ file, p->set_line[i] };
}

/* A secret file's banned items get their "file:line" labels. Returns 0 or
 * -ENOMEM (the labels made stay with their items, freed with them). */
static int label_secrets(struct parse *p, const char *name)
{
	for (size_t i = 0; p->secret && i < p->nitems; i++) {
		struct item *it = &p->items[i];
		enum config_type t = config_keys[it->key].type;

		if (t != CONFIG_T_STRINGS && t != CONFIG_T_BANNED_PATTERNS &&
		    t != CONFIG_T_BYTES && t != CONFIG_T_SHA256 && t != CONFIG_T_ADDRESSES &&
		    t != CONFIG_T_DOMAINS)
			continue;
		if (asprintf(&it->label, "%s:%d", name, it->line) < 0) {
			it->label = NULL;
			return -ENOMEM;
		}
	}
	return 0;
}

/* Either everything is appended or cfg keeps its contents (its arrays may
 * have moved, which callers cannot tell). Returns 0 or -ENOMEM. */
static int commit(struct config *cfg, const char *name, struct parse *p)
{
	size_t i, n[CONFIG_KEYS_MAX] = { 0 };
	char *file = strdup(name), **argv = NULL;
	int hook_line = 0;
	void *m;

	if (label_secrets(p, name))
		goto fail;
	for (i = 0; i < p->nitems; i++)
		n[p->items[i].key]++;
	if (!file || !(m = cfg_grow(cfg->files, cfg->nfiles, 1, sizeof(*cfg->files))))
		goto fail;
	cfg->files = m;
	for (i = 0; i < config_nkeys; i++) {
		const struct config_key *k = &config_keys[i];

		if (k->type == CONFIG_T_ARGV && p->set_line[i]) {
			/* no file set it before: the validator refused a second */
			if (!(argv = calloc(n[i] + 1, sizeof(*argv))))
				goto fail;
			hook_line = p->set_line[i];
		} else if (config_key_is_list(k) && grow_list(cfg, k, n[i])) {
			goto fail;
		}
	}
	cfg->files[cfg->nfiles++] = file;
	if (argv) {
		cfg->hook_argv = argv;
		cfg->hook_at = (struct config_origin){ file, hook_line };
	}
	for (i = 0; i < p->nitems; i++)
		move_item(cfg, &p->items[i], file, p->mode);
	for (i = 0; i < config_nkeys; i++)
		if (p->set_line[i] && !config_key_is_list(&config_keys[i]))
			set_single(cfg, &config_keys[i], p, i, file);
	for (int l = 0; l < CONFIG_NLISTS; l++)
		cfg->names_set[l] |= p->names_seen[l];
	cfg->banned_bytes = p->banned_bytes;
	return 0;
fail:
	free(argv);
	free(file);
	return -ENOMEM;
}

size_t config_nitems(const struct config *cfg)
{
	size_t n = cfg->nbanned + cfg->nbanned_patterns + cfg->nallowed + cfg->nallowed_exes +
		   cfg->nwebhooks + cfg->nhook_argv;

	for (int l = 0; l < CONFIG_NLISTS; l++)
		n += cfg->nnames[l];
	return n;
}

int config_parse_buffer(struct config *cfg, const char *name, const char *buf, size_t len,
			int json, char *err, size_t errlen)
{
	struct parse p;
	int rc;

	memset(&p, 0, sizeof(p));
	p.prev = cfg;
	p.prev_items = config_nitems(cfg);
	p.banned_bytes = cfg->banned_bytes;
	if (json)
		(void)cfg_parse_json(&p, buf, len);
	else
		(void)cfg_walk_yaml(&p, buf, len);
	rc = p.failed;
	if (rc)
		cfg_set_err(err, errlen, "%s:%d: %s", name, p.line, p.reason);
	else if ((rc = commit(cfg, name, &p)))
		cfg_set_err(err, errlen, "%s:1: out of memory", name);
	cfg_parse_free(&p);
	return rc;
}

void config_free(struct config *cfg)
{
	size_t i;

	if (!cfg)
		return;
	for (i = 0; i < cfg->nbanned; i++) {
		free(cfg->banned[i].bytes);
		free(cfg->banned[i].label);
	}
	for (i = 0; i < cfg->nbanned_patterns; i++) {
		free(cfg->banned_patterns[i].bytes);
		free(cfg->banned_patterns[i].label);
	}
	for (i = 0; i < cfg->nallowed; i++)
		free(cfg->allowed[i].regex);
	for (i = 0; i < cfg->nallowed_exes; i++)
		free(cfg->allowed_exes[i].path);
	for (i = 0; i < cfg->nfiles; i++)
		free(cfg->files[i]);
	for (int l = 0; l < CONFIG_NLISTS; l++) {
		for (i = 0; i < cfg->nnames[l]; i++)
			free(cfg->names[l][i].name);
		free(cfg->names[l]);
	}
	for (i = 0; i < config_nkeys; i++) {     /* the string single values */
		enum config_type t = config_keys[i].type;

		if (t == CONFIG_T_PATH || t == CONFIG_T_URL || t == CONFIG_T_GROUP)
			free(*(char **)((char *)cfg + config_keys[i].field));
	}
	for (i = 0; i < cfg->nwebhooks; i++) {
		free(cfg->webhooks[i].url);
		free(cfg->webhooks[i].url_file);
	}
	for (i = 0; i < cfg->nhook_argv; i++)
		free(cfg->hook_argv[i]);
	free(cfg->webhooks);
	free(cfg->hook_argv);
	free(cfg->banned);
	free(cfg->banned_patterns);
	free(cfg->allowed);
	free(cfg->allowed_exes);
	free(cfg->files);
	memset(cfg, 0, sizeof(*cfg));
}
