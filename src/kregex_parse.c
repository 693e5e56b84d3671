/* SPDX-License-Identifier: BSD-2-Clause */
/* kregex_parse.c - reads the PCRE2 subset of kregex.h into an AST, rejecting the rest. */
#include "kregex_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* PCRE2 10.42 limits that make it refuse a pattern; kregex refuses it too. */
#define PCRE2_MAX_REPEAT 65535
#define PCRE2_MAX_NAME 32

/* PCRE2 (10.42 at least) auto-possessifies \S+ before \h or \v and \h+ or
 * \v+ before \S as if the two were disjoint, but without UCP 0xa0 is both \h
 * and \S and 0x85 both \v and \S: /\S+\h/ does not match "a\xa0". Patterns
 * with both kinds of escape are refused rather than modelled. */
#define SEEN_NOT_SPACE 1   /* \S */
#define SEEN_HV_SPACE 2    /* \h \v */

struct parser {
	const uint8_t *p, *end;   /* *end is the pattern's NUL */
	struct kr_ast *ast;
	const char *reason;
	int err;                  /* -ENOMEM once "out of memory" is the reason */
	unsigned depth;
	unsigned seen;            /* SEEN_* escapes outside classes */
	const uint8_t **names;    /* group names seen, for PCRE2's duplicate check */
	size_t *namelen;
	size_t nnames, namecap;
};

#define NODE(ps, i) ((ps)->ast->node[i])

static uint32_t fail(struct parser *ps, const char *why)
{
	if (!ps->reason)
		ps->reason = why;
	return KR_NONE;
}

static uint32_t nomem(struct parser *ps)
{
	if (!ps->reason)
		ps->err = -ENOMEM;
	return fail(ps, "out of memory");
}

static uint32_t new_node(struct parser *ps, enum kr_op op)
{
	struct kr_ast *a = ps->ast;
	struct kr_node *n;

	if (a->n == a->cap) {
		uint32_t cap = a->cap ? a->cap * 2 : 32;
		struct kr_node *v;

		if (a->cap >= UINT32_MAX / 4)
			return nomem(ps);
		v = realloc(a->node, (size_t)cap * sizeof(*v));
		if (!v)
			return nomem(ps);
		a->node = v;
		a->cap = cap;
	}
	n = &a->node[a->n];
	memset(n, 0, sizeof(*n));
	n->op = (uint8_t)op;
	n->child = n->sibling = KR_NONE;
	n->weight = 1;
	return a->n++;
}

static uint32_t sat_weight(uint64_t w)
{
	return w > KR_MAX_NFA ? KR_MAX_NFA + 1 : (uint32_t)w;
}

/* ---- byte sets (PCRE2's default "C" locale tables) --------------------- */

static int is_digit(unsigned c) { return c >= '0' && c <= '9'; }
static int is_lower(unsigned c) { return c >= 'a' && c <= 'z'; }
static int is_upper(unsigned c) { return c >= 'A' && c <= 'Z'; }
static int is_alnum(unsigned c) { return is_digit(c) || is_lower(c) || is_upper(c); }
static int is_word(unsigned c) { return is_alnum(c) || c == '_'; }

/* The value of hex digit c, or -EINVAL if c is none. */
static int hex_val(unsigned c)
{
	if (is_digit(c))
		return (int)(c - '0');
	c |= 0x20;
	return c >= 'a' && c <= 'f' ? (int)(c - 'a' + 10) : -EINVAL;
}

static void set_range(struct kr_set *s, unsigned lo, unsigned hi)
{
	for (unsigned b = lo; b <= hi; b++)
		kr_set_add(s, b);
}

static void set_invert(struct kr_set *s)
{
	for (int i = 0; i < 4; i++)
		s->w[i] = ~s->w[i];
}

static void set_or(struct kr_set *s, const struct kr_set *t)
{
	for (int i = 0; i < 4; i++)
		s->w[i] |= t->w[i];
}

/* Caseless matching: the default tables give only ASCII letters a case. */
static void set_fold(struct kr_set *s)
{
	for (unsigned c = 'a'; c <= 'z'; c++)
		if (kr_set_has(s, c) || kr_set_has(s, c - 32)) {
			kr_set_add(s, c);
			kr_set_add(s, c - 32);
		}
}

/* \d \w \s \h \v and their upper-case negations (8-bit, no UCP). PCRE2's \v
 * is vertical space, not VT; \h and \v include NBSP (0xa0) and NEL (0x85). */
static int class_escape(unsigned c, struct kr_set *s)
{
	memset(s, 0, sizeof(*s));
	switch (c | 0x20) {
	case 'd':
		set_range(s, '0', '9');
		break;
	case 'w':
		set_range(s, '0', '9');
		set_range(s, 'A', 'Z');
		set_range(s, 'a', 'z');
		kr_set_add(s, '_');
		break;
	case 's':
		set_range(s, '\t', '\r');
		kr_set_add(s, ' ');
		break;
	case 'h':
		kr_set_add(s, '\t');
		kr_set_add(s, ' ');
		kr_set_add(s, 0xa0);
		break;
	case 'v':
		set_range(s, '\n', '\r');
		kr_set_add(s, 0x85);
		break;
	default:
		return 0;
	}
	if (is_upper(c))
		set_invert(s);
	return 1;
}

static const char *const posix_names[] = {
	"alpha", "lower", "upper", "alnum", "ascii", "blank", "cntrl",
	"digit", "graph", "print", "punct", "space", "word", "xdigit",
};

/* Index of a [:name:] in posix_names, or -ENOENT. */
static int posix_lookup(const uint8_t *name, size_t len)
{
	for (size_t i = 0; i < sizeof(posix_names) / sizeof(posix_names[0]); i++)
		if (strlen(posix_names[i]) == len && !memcmp(posix_names[i], name, len))
			return (int)i;
	return -ENOENT;
}

static void posix_set(int idx, struct kr_set *s)
{
	const char *name = posix_names[idx];

	memset(s, 0, sizeof(*s));
	for (unsigned c = 0; c < 128; c++) {
		int in;

		if (!strcmp(name, "alpha") || !strcmp(name, "lower") || !strcmp(name, "upper"))
			in = is_lower(c) || is_upper(c);   /* caseless: lower, upper -> alpha */
		else if (!strcmp(name, "alnum"))
			in = is_alnum(c);
		else if (!strcmp(name, "ascii"))
			in = 1;
		else if (!strcmp(name, "blank"))
			in = c == ' ' || c == '\t';
		else if (!strcmp(name, "cntrl"))
			in = c < 0x20 || c == 0x7f;
		else if (!strcmp(name, "digit"))
			in = is_digit(c);
		else if (!strcmp(name, "graph"))
			in = c > 0x20 && c < 0x7f;
		else if (!strcmp(name, "print"))
			in = c >= 0x20 && c < 0x7f;
		else if (!strcmp(name, "punct"))
			in = c > 0x20 && c < 0x7f && !is_alnum(c);
		else if (!strcmp(name, "space"))
			in = (c >= '\t' && c <= '\r') || c == ' ';
		else if (!strcmp(name, "word"))
			in = is_word(c);
		else
			in = hex_val(c) >= 0;
		if (in)
			kr_set_add(s, c);
	}
}

/* ---- escapes ----------------------------------------------------------- */

enum esc { E_FAIL, E_BYTE, E_SET, E_BOL, E_EOL, E_EOS };

static enum esc parse_hex(struct parser *ps, unsigned *byte)
{
	const uint8_t *q = ps->p;
	unsigned v = 0;
	int nd = 0;

	if (q < ps->end && *q == '{') {
		for (q++; q < ps->end && hex_val(*q) >= 0; q++, nd++)
			v = v > 0xff ? v : v * 16 + (unsigned)hex_val(*q);
		if (nd == 0 || q >= ps->end || *q != '}')
			return fail(ps, "malformed \\x{...}"), E_FAIL;
		if (v > 0xff)
			return fail(ps, "\\x{...} above 0xff (no UTF mode)"), E_FAIL;
		q++;
	} else {
		for (; nd < 2 && q < ps->end && hex_val(*q) >= 0; q++, nd++)
			v = v * 16 + (unsigned)hex_val(*q);
		/* PCRE2 reads a bare \x as NUL; too obscure to rely on. */
		if (nd == 0)
			return fail(ps, "\\x without hex digits"), E_FAIL;
	}
	ps->p = q;
	*byte = v;
	return E_BYTE;
}

/* Reads the escape after a backslash (ps->p is past the backslash). */
static enum esc parse_escape(struct parser *ps, int in_class, unsigned *byte, struct kr_set *set)
{
	unsigned c;

	if (ps->p >= ps->end)
		return fail(ps, "\\ at end of pattern"), E_FAIL;
	c = *ps->p++;
	/* Non-alphanumerics (bytes >= 0x80 included) stand for themselves. */
	if (!is_alnum(c)) {
		*byte = c;
		return E_BYTE;
	}
	if (class_escape(c, set))
		return E_SET;
	switch (c) {
	case 'a': *byte = 0x07; return E_BYTE;
	case 'e': *byte = 0x1b; return E_BYTE;
	case 'f': *byte = 0x0c; return E_BYTE;
	case 'n': *byte = 0x0a; return E_BYTE;
	case 'r': *byte = 0x0d; return E_BYTE;
	case 't': *byte = 0x09; return E_BYTE;
	case 'x':
		return parse_hex(ps, byte);
	case '0':
		/* \0 and up to two more octal digits. */
		*byte = 0;
		for (int i = 0; i < 2 && ps->p < ps->end && *ps->p >= '0' && *ps->p <= '7'; i++)
			*byte = *byte * 8 + (unsigned)(*ps->p++ - '0');
		return E_BYTE;
	case 'b':
		if (in_class) {
			*byte = 0x08;   /* backspace inside a class */
			return E_BYTE;
		}
		return fail(ps, "word boundary \\b is not supported"), E_FAIL;
	case 'A':
	case 'z':
	case 'Z':
		if (in_class)
			return fail(ps, "escape sequence is invalid in a character class"), E_FAIL;
		return c == 'A' ? E_BOL : c == 'z' ? E_EOS : E_EOL;
	case 'B':
		return fail(ps, "word boundary \\B is not supported"), E_FAIL;
	case 'g':
	case 'k':
		return fail(ps, "backreferences are not supported"), E_FAIL;
	case 'G':
		return fail(ps, "\\G is not supported"), E_FAIL;
	case 'K':
		return fail(ps, "\\K is not supported"), E_FAIL;
	case 'Q':
	case 'E':
		return fail(ps, "\\Q...\\E quoting is not supported"), E_FAIL;
	case 'p':
	case 'P':
		return fail(ps, "Unicode properties \\p \\P are not supported"), E_FAIL;
	case 'R':
	case 'X':
	case 'N':
	case 'C':
		return fail(ps, "\\R \\X \\N \\C are not supported"), E_FAIL;
	case 'c':
		return fail(ps, "\\c control escapes are not supported"), E_FAIL;
	case 'o':
		return fail(ps, "\\o{...} octal escapes are not supported"), E_FAIL;
	default:
		if (is_digit(c))
			return fail(ps, in_class ? "octal escapes other than \\0oo are not supported"
						  : "backreferences are not supported"), E_FAIL;
		return fail(ps, "unrecognized escape"), E_FAIL;
	}
}

/* ---- character classes ------------------------------------------------- */

/* PCRE2's test for [:...:] [.....] [=...=] syntax: p is at the ':', '.' or
 * '='; sets *term to the closing one. */
static int posix_syntax(const uint8_t *p, const uint8_t *end, const uint8_t **term)
{
	uint8_t t = *p++;

	for (; end - p >= 2; p++) {
		if (*p == '\\' && (p[1] == ']' || p[1] == '\\'))
			p++;
		else if ((*p == '[' && p[1] == t) || *p == ']')
			return 0;
		else if (*p == t && p[1] == ']') {
			*term = p;
			return 1;
		}
	}
	return 0;
}

/* A [:name:] item inside a class: ps->p is at the ':'. 0, or -EINVAL with
 * ps->reason set. */
static int class_posix(struct parser *ps, const uint8_t *term, struct kr_set *e)
{
	int neg = 0, idx;

	if (*ps->p != ':')
		return fail(ps, "POSIX collating elements are not supported"), -EINVAL;
	if (*++ps->p == '^') {
		neg = 1;
		ps->p++;
	}
	idx = posix_lookup(ps->p, (size_t)(term - ps->p));
	if (idx < 0)
		return fail(ps, "unknown POSIX class name"), -EINVAL;
	posix_set(idx, e);
	if (neg)
		set_invert(e);
	ps->p = term + 2;
	return 0;
}

/* Mirrors PCRE2's range state machine: a '-' after a single character starts
 * a range; after a range or a class item it is literal; at the end it is
 * literal. ps->p is past the '['. */
static uint32_t parse_class(struct parser *ps)
{
	enum { R_NO, R_OK, R_STARTED } state = R_NO;
	struct kr_set s = { { 0 } }, e;
	const uint8_t *term;
	unsigned c, start = 0;
	int neg = 0, first = 1;
	uint32_t id;

	if (ps->p < ps->end && (*ps->p == ':' || *ps->p == '.' || *ps->p == '=') &&
	    posix_syntax(ps->p, ps->end, &term))
		return fail(ps, "POSIX class outside brackets");
	if (ps->p < ps->end && *ps->p == '^') {
		neg = 1;
		ps->p++;
	}
	for (;;) {
		if (ps->p >= ps->end)
			return fail(ps, "missing terminating ] for character class");
		c = *ps->p++;
		if (c == ']' && !first)
			break;
		first = 0;
		if (c == '[' && ps->end - ps->p >= 3 &&
		    (*ps->p == ':' || *ps->p == '.' || *ps->p == '=') &&
		    posix_syntax(ps->p, ps->end, &term)) {
			if (state == R_STARTED)
				return fail(ps, "invalid range in character class");
			if (class_posix(ps, term, &e) < 0)
				return KR_NONE;
			goto item_done;
		}
		if (c == '-' && state == R_OK) {
			state = R_STARTED;
			continue;
		}
		if (c == '\\') {
			enum esc k = parse_escape(ps, 1, &c, &e);

			if (k == E_FAIL)
				return KR_NONE;
			if (k == E_SET) {
				if (state == R_STARTED)
					return fail(ps, "invalid range in character class");
				goto item_done;
			}
		}
		if (state == R_STARTED) {
			if (c < start)
				return fail(ps, "range out of order in character class");
			set_range(&s, start, c);
			state = R_NO;
		} else {
			kr_set_add(&s, c);
			start = c;
			state = R_OK;
		}
		continue;
item_done:
		/* A class item (\d, [:alpha:]) cannot start a range. */
		set_or(&s, &e);
		state = R_NO;
		if (ps->end - ps->p >= 2 && ps->p[0] == '-' && ps->p[1] != ']')
			return fail(ps, "invalid range in character class");
	}
	if (state == R_STARTED)
		kr_set_add(&s, '-');
	/* Caseless applies before negation: [^a] excludes 'A' as well. */
	set_fold(&s);
	if (neg)
		set_invert(&s);
	id = new_node(ps, KR_SET);
	if (id != KR_NONE)
		NODE(ps, id).set = s;
	return id;
}

/* ---- quantifiers ------------------------------------------------------- */

enum brace { B_LITERAL, B_QUANT, B_AMBIG, B_ERROR };

static const uint8_t *read_count(const uint8_t *p, const uint8_t *end, uint32_t *v)
{
	*v = 0;
	for (; p < end && is_digit(*p); p++)
		*v = *v > PCRE2_MAX_REPEAT ? *v : *v * 10 + (*p - '0');
	return p;
}

/* Classifies a '{' at p. PCRE2 10.42 takes only {n} {n,} {n,m} (digits, no
 * spaces) as a quantifier and anything else as literal text; 10.43 also takes
 * {,m} and spaces around the numbers. So a brace that some version reads as a
 * quantifier and another as text is refused (B_AMBIG). */
static enum brace read_brace(struct parser *ps, uint32_t *min, uint32_t *max, const uint8_t **after)
{
	const uint8_t *p = ps->p + 1, *q;

	q = read_count(p, ps->end, min);
	if (q > p && q < ps->end) {
		*max = *min;
		if (*q == ',') {
			const uint8_t *r = q + 1;

			q = read_count(r, ps->end, max);
			if (q == r)
				*max = KR_INF;
		}
		if (q < ps->end && *q == '}') {
			*after = q + 1;
			if (*min > PCRE2_MAX_REPEAT || (*max != KR_INF && *max > PCRE2_MAX_REPEAT))
				return fail(ps, "number too big in {} quantifier"), B_ERROR;
			if (*max < *min)
				return fail(ps, "numbers out of order in {} quantifier"), B_ERROR;
			return B_QUANT;
		}
	}
	while (p < ps->end && (*p == ' ' || *p == '\t'))
		p++;
	if (p < ps->end && (is_digit(*p) || *p == ','))
		return fail(ps, "'{' that PCRE2 versions read differently (quantifier or text)"), B_AMBIG;
	return B_LITERAL;
}

static int at_quantifier(struct parser *ps)
{
	uint32_t min, max;
	const uint8_t *after;
	const char *saved = ps->reason;
	enum brace k;

	if (ps->p >= ps->end)
		return 0;
	if (*ps->p == '*' || *ps->p == '+' || *ps->p == '?')
		return 1;
	if (*ps->p != '{')
		return 0;
	k = read_brace(ps, &min, &max, &after);
	ps->reason = saved;   /* only asking */
	return k == B_QUANT || k == B_ERROR;
}

static uint32_t parse_quant(struct parser *ps, uint32_t atom)
{
	uint32_t min = 0, max = KR_INF, id;
	const uint8_t *after;
	uint64_t w, cw;

	switch (*ps->p++) {
	case '+':
		min = 1;
		break;
	case '?':
		max = 1;
		break;
	case '{':
		ps->p--;
		if (read_brace(ps, &min, &max, &after) != B_QUANT)
			return KR_NONE;
		ps->p = after;
		break;
	default:
		break;
	}
	/* Lazy quantifiers match the same whole lines; possessive ones do not. */
	if (ps->p < ps->end && *ps->p == '?')
		ps->p++;
	else if (ps->p < ps->end && *ps->p == '+')
		return fail(ps, "possessive quantifiers are not supported");
	if (min > KR_MAX_REPEAT || (max != KR_INF && max > KR_MAX_REPEAT))
		return fail(ps, "repeat count above 1000");
	id = new_node(ps, KR_REPEAT);
	if (id == KR_NONE)
		return KR_NONE;
	NODE(ps, id).child = atom;
	NODE(ps, id).min = min;
	NODE(ps, id).max = max;
	cw = NODE(ps, atom).weight;
	w = max == KR_INF ? cw * ((uint64_t)min + 1) + 1 : cw * max + (max - min) + 1;
	NODE(ps, id).weight = sat_weight(w);
	return id;
}

/* ---- groups, atoms, sequences, alternatives ---------------------------- */

static uint32_t parse_alt(struct parser *ps);

/* A group name up to term. 0, or a negative errno (-EINVAL, -ENOMEM) with
 * ps->reason set. */
static int read_name(struct parser *ps, uint8_t term)
{
	const uint8_t *s = ps->p;
	size_t len;

	if (ps->p >= ps->end || !is_word(*ps->p))
		return fail(ps, "subpattern name expected"), -EINVAL;
	if (is_digit(*ps->p))
		return fail(ps, "subpattern name must start with a non-digit"), -EINVAL;
	while (ps->p < ps->end && is_word(*ps->p))
		ps->p++;
	len = (size_t)(ps->p - s);
	if (len > PCRE2_MAX_NAME)
		return fail(ps, "subpattern name is too long"), -EINVAL;
	if (ps->p >= ps->end || *ps->p != term)
		return fail(ps, "syntax error in subpattern name"), -EINVAL;
	ps->p++;
	for (size_t i = 0; i < ps->nnames; i++)
		if (ps->namelen[i] == len && !memcmp(ps->names[i], s, len))
			return fail(ps, "two named subpatterns have the same name"), -EINVAL;
	if (ps->nnames == ps->namecap) {
		size_t cap = ps->namecap ? ps->namecap * 2 : 8;
		const uint8_t **nv = realloc(ps->names, cap * sizeof(*nv));
		size_t *lv;

		if (!nv)
			return nomem(ps), -ENOMEM;
		ps->names = nv;
		lv = realloc(ps->namelen, cap * sizeof(*lv));
		if (!lv)
			return nomem(ps), -ENOMEM;
		ps->namelen = lv;
		ps->namecap = cap;
	}
	ps->names[ps->nnames] = s;
	ps->namelen[ps->nnames++] = len;
	return 0;
}

/* After "(?": the kinds of group kregex refuses, by their first character. */
static const char *refused_group(const uint8_t *p)
{
	switch (*p) {
	case '=': case '!': return "lookahead assertions are not supported";
	case '<': return "lookbehind assertions are not supported";
	case '>': return "atomic groups are not supported";
	case '|': return "branch reset groups are not supported";
	case '#': return "comments are not supported";
	case '(': return "conditional groups are not supported";
	case 'C': return "callouts are not supported";
	case 'R': case '&': case '+': return "recursion and subroutine calls are not supported";
	default:
		if (is_digit(*p) || (*p == '-' && is_digit(p[1])))
			return "recursion and subroutine calls are not supported";
		return "inline options other than (?i) are not supported";
	}
}

/* ps->p is past the '('. Sets *item to 0 for "(?i)", which is no group. */
static uint32_t parse_group(struct parser *ps, int *item)
{
	const uint8_t *p = ps->p;
	uint32_t r;

	if (*p == '*')
		return fail(ps, "(*VERB) and (*assertion) groups are not supported");
	if (*p == '?') {
		p++;
		if ((*p == '<' && p[1] != '=' && p[1] != '!') || *p == '\'') {
			ps->p = p + 1;
			if (read_name(ps, *p == '<' ? '>' : '\'') < 0)
				return KR_NONE;
		} else if (*p == 'P') {
			if (p[1] == '=')
				return fail(ps, "backreferences are not supported");
			if (p[1] == '>')
				return fail(ps, "recursion and subroutine calls are not supported");
			if (p[1] != '<')
				return fail(ps, "malformed (?P");
			ps->p = p + 2;
			if (read_name(ps, '>') < 0)
				return KR_NONE;
		} else if (*p == ':' || (*p == 'i' && p[1] == ':')) {
			/* (?i:...) changes nothing: matching is caseless already. */
			ps->p = p + (*p == ':' ? 1 : 2);
		} else if (*p == 'i' && p[1] == ')') {
			ps->p = p + 2;
			*item = 0;
			return new_node(ps, KR_EMPTY);
		} else {
			return fail(ps, *p ? refused_group(p) : "missing closing parenthesis");
		}
	}
	if (ps->depth >= KR_MAX_DEPTH)
		return fail(ps, "groups nested too deeply");
	ps->depth++;
	r = parse_alt(ps);
	ps->depth--;
	if (r == KR_NONE)
		return KR_NONE;
	if (ps->p >= ps->end || *ps->p != ')')
		return fail(ps, "missing closing parenthesis");
	ps->p++;
	return r;
}

static uint32_t literal(struct parser *ps, unsigned c)
{
	uint32_t id = new_node(ps, KR_SET);

	if (id != KR_NONE) {
		kr_set_add(&NODE(ps, id).set, c);
		set_fold(&NODE(ps, id).set);
	}
	return id;
}

/* One item; *quant_ok says whether a quantifier may follow it. */
static uint32_t parse_atom(struct parser *ps, int *quant_ok)
{
	unsigned c = *ps->p++, b = 0;
	struct kr_set set;
	uint32_t min, max, id;
	const uint8_t *after;

	*quant_ok = 1;
	switch (c) {
	case '(':
		return parse_group(ps, quant_ok);
	case '[':
		return parse_class(ps);
	case '.':
		id = new_node(ps, KR_SET);
		if (id != KR_NONE) {
			set_range(&NODE(ps, id).set, 0, 255);
			NODE(ps, id).set.w[0] &= ~(1ULL << '\n');   /* no DOTALL */
		}
		return id;
	case '^':
		*quant_ok = 0;
		return new_node(ps, KR_BOL);
	case '$':
		*quant_ok = 0;
		return new_node(ps, KR_EOL);
	case '*':
	case '+':
	case '?':
		return fail(ps, "quantifier does not follow a repeatable item");
	case '{':
		ps->p--;
		switch (read_brace(ps, &min, &max, &after)) {
		case B_LITERAL:
			ps->p++;
			return literal(ps, c);
		case B_QUANT:
			return fail(ps, "quantifier does not follow a repeatable item");
		default:
			return KR_NONE;
		}
	case '\\':
		switch (parse_escape(ps, 0, &b, &set)) {
		case E_BYTE:
			return literal(ps, b);
		case E_SET:
			if (ps->p[-1] == 'S')
				ps->seen |= SEEN_NOT_SPACE;
			if (ps->p[-1] == 'h' || ps->p[-1] == 'v')
				ps->seen |= SEEN_HV_SPACE;
			id = new_node(ps, KR_SET);
			if (id != KR_NONE)
				NODE(ps, id).set = set;
			return id;
		case E_BOL:
			*quant_ok = 0;
			return new_node(ps, KR_BOL);
		case E_EOL:
			*quant_ok = 0;
			return new_node(ps, KR_EOL);
		case E_EOS:
			*quant_ok = 0;
			return new_node(ps, KR_EOS);
		default:
			return KR_NONE;
		}
	default:
		return literal(ps, c);
	}
}

/* Items up to '|', ')' or the end; a lone item is returned as itself. */
static uint32_t parse_seq(struct parser *ps)
{
	uint32_t first = KR_NONE, last = KR_NONE, n = 0, id;
	uint64_t w = 0;

	while (ps->p < ps->end && *ps->p != '|' && *ps->p != ')') {
		int quant_ok;
		uint32_t a = parse_atom(ps, &quant_ok);

		if (a == KR_NONE)
			return KR_NONE;
		if (at_quantifier(ps)) {
			if (!quant_ok)
				return fail(ps, "quantifier does not follow a repeatable item");
			a = parse_quant(ps, a);
			if (a == KR_NONE)
				return KR_NONE;
		}
		if (last == KR_NONE)
			first = a;
		else
			NODE(ps, last).sibling = a;
		last = a;
		n++;
		w += NODE(ps, a).weight;
	}
	if (n == 0)
		return new_node(ps, KR_EMPTY);
	if (n == 1)
		return first;
	id = new_node(ps, KR_CAT);
	if (id != KR_NONE) {
		NODE(ps, id).child = first;
		NODE(ps, id).weight = sat_weight(w);
	}
	return id;
}

static uint32_t parse_alt(struct parser *ps)
{
	uint32_t first = parse_seq(ps), last = first, id;
	uint64_t w;

	if (first == KR_NONE || ps->p >= ps->end || *ps->p != '|')
		return first;
	w = (uint64_t)NODE(ps, first).weight + 1;
	while (ps->p < ps->end && *ps->p == '|') {
		uint32_t s;

		ps->p++;
		s = parse_seq(ps);
		if (s == KR_NONE)
			return KR_NONE;
		NODE(ps, last).sibling = s;
		last = s;
		w += (uint64_t)NODE(ps, s).weight + 1;
	}
	id = new_node(ps, KR_ALT);
	if (id != KR_NONE) {
		NODE(ps, id).child = first;
		NODE(ps, id).weight = sat_weight(w);
	}
	return id;
}

int kr_parse(const char *pattern, struct kr_ast *ast, const char **reason)
{
	struct parser ps;
	uint32_t root;

	memset(ast, 0, sizeof(*ast));
	memset(&ps, 0, sizeof(ps));
	ps.p = (const uint8_t *)pattern;
	ps.end = ps.p + strlen(pattern);
	ps.ast = ast;
	root = parse_alt(&ps);
	if (root != KR_NONE && ps.p < ps.end)
		root = fail(&ps, "unmatched closing parenthesis");
	if (root != KR_NONE && ps.seen == (SEEN_NOT_SPACE | SEEN_HV_SPACE))
		root = fail(&ps, "\\S together with \\h or \\v (PCRE2 auto-possessifies them wrongly)");
	if (root != KR_NONE && ast->node[root].weight > KR_MAX_NFA)
		root = fail(&ps, "pattern too large once repeats are expanded");
	free(ps.names);
	free(ps.namelen);
	if (root == KR_NONE) {
		*reason = ps.reason;
		return ps.err ? ps.err : -EINVAL;
	}
	ast->root = root;
	return 0;
}

void kr_ast_free(struct kr_ast *ast)
{
	free(ast->node);
	memset(ast, 0, sizeof(*ast));
}
