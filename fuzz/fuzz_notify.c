/* SPDX-License-Identifier: BSD-2-Clause */
/* fuzz_notify.c - libFuzzer harness: a kill line whose attacker-controlled
 * fields (command line, executable, matched string, hub user, pod, image)
 * are arbitrary bytes, made into every notification body. Each body must
 * parse as JSON; Slack's text must hold no '<' or '>' (its mentions and
 * links start with one); the summary must be valid UTF-8 without NUL. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>

#include "incident.h"
#include "log.h"
#include "notify_format.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The next field: bytes up to a 0xff, which no UTF-8 text holds. */
static const uint8_t *field(const uint8_t **p, const uint8_t *end, size_t *len)
{
	const uint8_t *s = *p, *q = memchr(s, 0xff, (size_t)(end - s));

	*len = (size_t)((q ? q : end) - s);
	*p = q ? q + 1 : end;
	return s;
}

static void check_body(enum notify_format f, const struct incident *in)
{
	const char *type = NULL;
	char *b = notify_body(f, in, &type);
	json_t *o, *text;

	if (!b)
		return;         /* out of memory only */
	o = json_loads(b, JSON_DISABLE_EOF_CHECK, NULL);
	if (!o || !type)
		abort();
	if (f == NOTIFY_SLACK) {
		text = json_object_get(o, "text");
		if (!json_is_string(text) || strpbrk(json_string_value(text), "<>"))
			abort();
	}
	json_decref(o);
	free(b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const keys[] = { "cmdline", "exe", "matched", "user", "image",
					    "container_id", "reason" };
	const uint8_t *p = data, *end = data + size;
	json_t *ev = json_object(), *labels = json_object();
	struct incident *in;
	char *sum;
	size_t len;

	log_set_int(ev, "pid", 4242);
	log_set_str(ev, "source", size && data[0] & 1 ? "network" : "exec");
	log_set_str(ev, "action", "killed");
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]) && p < end; i++) {
		const uint8_t *s = field(&p, end, &len);

		log_set_bytes(ev, keys[i], s, len);
	}
	if (p < end) {
		const uint8_t *s = field(&p, end, &len);

		log_set_bytes(labels, "io.kubernetes.pod.name", s, len);
	}
	json_object_set_new(ev, "labels", labels);
	in = incident_new(ev, json_string_value(json_object_get(ev, "user")), NULL,
			  "user x", "exec", NULL);
	json_decref(ev);
	if (!in)
		return 0;
	in->count = size % 7 + 1;
	for (int f = NOTIFY_JSON; f <= NOTIFY_ALERTMANAGER; f++)
		check_body((enum notify_format)f, in);
	sum = notify_summary(in);
	if (sum) {
		char *again = log_utf8_escape(sum, strlen(sum));

		/* valid UTF-8 passes the escape unchanged */
		if (!again || strcmp(again, sum))
			abort();
		free(again);
	}
	free(sum);
	incident_unref(in);
	return 0;
}
