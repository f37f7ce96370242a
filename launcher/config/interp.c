#include "config/interp.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "base/strbuf.h"

/* ${A:-${B:-...}} nests; the limit keeps a hostile value off the stack */
#define MAX_DEPTH 32

struct expansion {
	const struct interp_env *env;
	const char *text; /* the whole value, for messages */
	const char *file;
	int line;
	struct clan_err *err;
};

static bool is_name_start(char c)
{
	return c == '_' || isalpha((unsigned char)c);
}

static bool is_name_char(char c)
{
	return c == '_' || isalnum((unsigned char)c);
}

static int bad(const struct expansion *x, const char *at, const char *why)
{
	/* the offending part, cut short: a value can be long */
	return clan_error_code(x->err, CLAN_EXIT_USAGE, "%s:%d: bad interpolation '%.40s%s': %s",
			       x->file, x->line, at, strlen(at) > 40 ? "..." : "", why);
}

static const char *lookup(const struct expansion *x, const char *name)
{
	return x->env->lookup ? x->env->lookup(x->env->arg, name) : NULL;
}

static void warn_unset(const struct expansion *x, const char *name)
{
	struct interp_warnings *w = x->env->warn;
	if (!w)
		return;
	for (size_t i = 0; i < w->names.n; i++)
		if (strcmp(w->names.v[i], name) == 0)
			return;
	strv_push(&w->names, name);
	strv_push_owned(&w->msgs,
			xasprintf("%s:%d: the \"%s\" variable is not set, defaulting to a blank "
				  "string",
				  x->file, x->line, name));
}

static int expand(const struct expansion *x, const char **pp, bool in_braces, bool eval, int depth,
		  struct strbuf *out);

/* ${NAME...}: *pp at the '$'. */
static int braced(const struct expansion *x, const char **pp, bool eval, int depth,
		  struct strbuf *out)
{
	const char *start = *pp, *p = start + 2;
	if (!is_name_start(*p))
		return bad(x, start,
			   *p == '}' || !*p ? "no variable name"
					    : "a name starts with a letter or _");
	const char *name_end = p;
	while (is_name_char(*name_end))
		name_end++;
	_cleanup_free_ char *name = xstrndup(p, (size_t)(name_end - p));
	p = name_end;
	const char *value = eval ? lookup(x, name) : NULL;

	if (*p == '}') {
		*pp = p + 1;
		if (!eval)
			return 0;
		if (!value)
			warn_unset(x, name);
		strbuf_adds(out, value ? value : "");
		return 0;
	}
	bool colon = *p == ':';
	if (colon)
		p++;
	char op = *p;
	if (op != '-' && op != '?' && op != '+') {
		if (!*p)
			return bad(x, start, "missing '}'");
		return bad(x, start, "expected }, :-, -, :?, ?, :+ or + after the name");
	}
	p++;
	/* "unset" for the colon forms includes empty */
	bool set = value && (!colon || *value);
	bool use_operand = op == '-' ? !set : op == '+' ? set : !set;
	struct strbuf operand = {0};
	if (expand(x, &p, true, eval && use_operand, depth + 1, &operand) < 0) {
		strbuf_free(&operand);
		return -1;
	}
	*pp = p;
	if (!eval) {
		strbuf_free(&operand);
		return 0;
	}
	if (op == '?' && !set) {
		_cleanup_free_ char *msg = strbuf_steal(&operand);
		return clan_error_code(
		    x->err, CLAN_EXIT_USAGE, "%s:%d: %s: %s", x->file, x->line, name,
		    *msg ? msg
			 : (value ? "is empty (set it in the shell or in .env)"
				  : "is not set (set it in the shell or in .env)"));
	}
	if (use_operand)
		strbuf_addn(out, operand.s ? operand.s : "", operand.len);
	else if (op != '+')
		strbuf_adds(out, value);
	strbuf_free(&operand);
	return 0;
}

/* Expands from *pp to the end of the text or, in_braces, to the '}' that
 * closes the operand. eval false: the syntax is checked and the end found,
 * nothing is looked up (an unused default must not fail or warn). */
static int expand(const struct expansion *x, const char **pp, bool in_braces, bool eval, int depth,
		  struct strbuf *out)
{
	const char *p = *pp;
	if (depth > MAX_DEPTH)
		return bad(x, p, "nested too deeply");
	for (;;) {
		if (!*p) {
			if (in_braces)
				return bad(x, x->text, "missing '}'");
			break;
		}
		if (*p == '}' && in_braces) {
			p++;
			break;
		}
		if (*p != '$') {
			const char *q = p + strcspn(p, in_braces ? "$}" : "$");
			if (eval)
				strbuf_addn(out, p, (size_t)(q - p));
			p = q;
			continue;
		}
		if (p[1] == '$') {
			if (eval)
				strbuf_addc(out, '$');
			p += 2;
		} else if (p[1] == '{') {
			if (braced(x, &p, eval, depth, out) < 0)
				return -1;
		} else if (is_name_start(p[1])) {
			const char *q = p + 1;
			while (is_name_char(*q))
				q++;
			if (eval) {
				_cleanup_free_ char *name = xstrndup(p + 1, (size_t)(q - p - 1));
				const char *value = lookup(x, name);
				if (!value)
					warn_unset(x, name);
				strbuf_adds(out, value ? value : "");
			}
			p = q;
		} else {
			/* "$1", "$ " and a final "$" stay as written, as in compose */
			if (eval)
				strbuf_addc(out, '$');
			p++;
		}
	}
	*pp = p;
	return 0;
}

int interp_expand(const struct interp_env *env, const char *text, const char *file, int line,
		  char **out, struct clan_err *err)
{
	struct expansion x = {.env = env, .text = text, .file = file, .line = line, .err = err};
	struct strbuf b = {0};
	const char *p = text;
	if (expand(&x, &p, false, true, 0, &b) < 0) {
		strbuf_free(&b);
		return -1;
	}
	*out = strbuf_steal(&b);
	return 0;
}

void interp_warnings_free(struct interp_warnings *w)
{
	strv_free(&w->msgs);
	strv_free(&w->names);
}
