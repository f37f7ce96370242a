/* Docker's JSON seccomp profile format into a seccomp_profile. Its
 * includes/excludes are judged as Docker judges them, against the
 * capabilities clan gives (Docker's default set), this machine's
 * architecture and kernel. */
#define _GNU_SOURCE
#include "ns/seccomp_profile.h"

#include <ctype.h>
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/utsname.h>

#include "ns/caps.h"
#include "base/util.h"

/* A bound on what a profile may ask libseccomp to compile. */
#define MAX_RULES 20000

static int bad(struct clan_err *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int bad(struct clan_err *err, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	return clan_error_code(err, CLAN_EXIT_USAGE, "%s", msg);
}

static const struct {
	const char *name;
	uint32_t action;
	bool takes_ret; /* errnoRet is its errno (ERRNO) or message (TRACE) */
} actions[] = {
    {"SCMP_ACT_ALLOW", SCMP_ACT_ALLOW, false},
    {"SCMP_ACT_ERRNO", SCMP_ACT_ERRNO(0), true},
    {"SCMP_ACT_KILL", SCMP_ACT_KILL_THREAD, false},
    {"SCMP_ACT_KILL_THREAD", SCMP_ACT_KILL_THREAD, false},
    {"SCMP_ACT_KILL_PROCESS", SCMP_ACT_KILL_PROCESS, false},
    {"SCMP_ACT_TRAP", SCMP_ACT_TRAP, false},
    {"SCMP_ACT_TRACE", SCMP_ACT_TRACE(0), true},
    {"SCMP_ACT_LOG", SCMP_ACT_LOG, false},
};

static const struct {
	const char *name;
	enum scmp_compare op;
} ops[] = {
    {"SCMP_CMP_NE", SCMP_CMP_NE},
    {"SCMP_CMP_LT", SCMP_CMP_LT},
    {"SCMP_CMP_LE", SCMP_CMP_LE},
    {"SCMP_CMP_EQ", SCMP_CMP_EQ},
    {"SCMP_CMP_GE", SCMP_CMP_GE},
    {"SCMP_CMP_GT", SCMP_CMP_GT},
    {"SCMP_CMP_MASKED_EQ", SCMP_CMP_MASKED_EQ},
};

/* Docker's architecture names (SCMP_ARCH_*) and Go's (includes.arches). */
static const struct {
	const char *scmp, *go;
	uint32_t arch;
} arches[] = {
    {"SCMP_ARCH_X86_64", "amd64", SCMP_ARCH_X86_64},
    {"SCMP_ARCH_X86", "x86", SCMP_ARCH_X86},
    {"SCMP_ARCH_X32", "x32", SCMP_ARCH_X32},
    {"SCMP_ARCH_AARCH64", "arm64", SCMP_ARCH_AARCH64},
    {"SCMP_ARCH_ARM", "arm", SCMP_ARCH_ARM},
};

/* Which of arches may run next to the native one (the kernel's compat
 * modes): only those go into the filter, the rest cannot occur here. */
static bool is_compat_arch(uint32_t native, uint32_t a)
{
	if (native == SCMP_ARCH_X86_64)
		return a == SCMP_ARCH_X86 || a == SCMP_ARCH_X32;
	if (native == SCMP_ARCH_AARCH64)
		return a == SCMP_ARCH_ARM;
	return false;
}

static const char *native_go_arch(void)
{
	uint32_t native = seccomp_arch_native();
	for (size_t i = 0; i < ARRAY_SIZE(arches); i++)
		if (arches[i].arch == native)
			return arches[i].go;
	return "";
}

static uint32_t arch_of(const char *scmp_name)
{
	for (size_t i = 0; i < ARRAY_SIZE(arches); i++)
		if (strcmp(arches[i].scmp, scmp_name) == 0)
			return arches[i].arch;
	return 0;
}

static int add_arch(struct seccomp_profile *p, const char *name, struct clan_err *err)
{
	for (size_t i = 0; i < ARRAY_SIZE(arches); i++) {
		if (strcmp(arches[i].scmp, name) != 0)
			continue;
		if (!is_compat_arch(seccomp_arch_native(), arches[i].arch))
			return 0;
		for (size_t j = 0; j < p->narches; j++)
			if (p->arches[j] == arches[i].arch)
				return 0;
		if (p->narches < SECCOMP_MAX_ARCHES)
			p->arches[p->narches++] = arches[i].arch;
		return 0;
	}
	/* another machine's (mips, s390x...): cannot run here */
	if (strncmp(name, "SCMP_ARCH_", 10) == 0)
		return 0;
	return bad(err, "unknown architecture \"%s\" (SCMP_ARCH_X86_64, SCMP_ARCH_X86 ...)", name);
}

static int string_array(json_t *a, const char *what, struct clan_err *err)
{
	if (!json_is_array(a))
		return bad(err, "%s: expected an array of strings", what);
	size_t i;
	json_t *v;
	json_array_foreach(a, i, v) if (!json_is_string(v)) return bad(
	    err, "%s[%zu]: expected a string", what, i);
	return 0;
}

static int parse_arches(json_t *root, struct seccomp_profile *p, struct clan_err *err)
{
	json_t *list = json_object_get(root, "architectures"),
	       *map = json_object_get(root, "archMap");
	size_t i;
	json_t *v;
	if (list && !json_is_null(list)) {
		if (string_array(list, "architectures", err) < 0)
			return -1;
		json_array_foreach(list, i,
				   v) if (add_arch(p, json_string_value(v), err) < 0) return -1;
	}
	if (!map || json_is_null(map))
		return 0;
	if (!json_is_array(map))
		return bad(err, "archMap: expected an array");
	json_array_foreach(map, i, v)
	{
		json_t *a = json_object_get(v, "architecture"),
		       *subs = json_object_get(v, "subArchitectures");
		if (!json_is_string(a))
			return bad(err, "archMap[%zu].architecture: expected a string", i);
		if (arch_of(json_string_value(a)) != seccomp_arch_native())
			continue;
		if (!subs || json_is_null(subs))
			continue;
		char what[64];
		snprintf(what, sizeof what, "archMap[%zu].subArchitectures", i);
		if (string_array(subs, what, err) < 0)
			return -1;
		size_t j;
		json_t *s;
		json_array_foreach(subs, j,
				   s) if (add_arch(p, json_string_value(s), err) < 0) return -1;
	}
	return 0;
}

static int parse_action(json_t *name, json_t *ret, const char *what, uint32_t *out,
			struct clan_err *err)
{
	if (!json_is_string(name))
		return bad(err, "%s: expected an action such as \"SCMP_ACT_ERRNO\"", what);
	const char *s = json_string_value(name);
	if (strcmp(s, "SCMP_ACT_NOTIFY") == 0)
		return bad(err,
			   "%s: SCMP_ACT_NOTIFY needs a seccomp agent, which clan does not "
			   "run; use SCMP_ACT_ERRNO",
			   what);
	for (size_t i = 0; i < ARRAY_SIZE(actions); i++) {
		if (strcmp(s, actions[i].name) != 0)
			continue;
		json_int_t r = actions[i].action == SCMP_ACT_ERRNO(0) ? EPERM : 0;
		if (actions[i].takes_ret && ret && !json_is_null(ret)) {
			if (!json_is_integer(ret) || json_integer_value(ret) < 0 ||
			    json_integer_value(ret) > 4095)
				return bad(err, "%s: errnoRet: expected a number from 0 to 4095",
					   what);
			r = json_integer_value(ret);
		}
		*out = actions[i].takes_ret ? (actions[i].action | (uint32_t)r) : actions[i].action;
		return 0;
	}
	return bad(err,
		   "%s: unknown action \"%s\" (SCMP_ACT_ALLOW, SCMP_ACT_ERRNO, "
		   "SCMP_ACT_KILL_PROCESS ...)",
		   what, s);
}

/* "4.8" against the running kernel's release. */
static bool kernel_at_least(const char *want)
{
	struct utsname u;
	unsigned wa = 0, wb = 0, ha = 0, hb = 0;
	if (uname(&u) < 0 || sscanf(u.release, "%u.%u", &ha, &hb) < 1)
		return true;
	sscanf(want, "%u.%u", &wa, &wb);
	return ha > wa || (ha == wa && hb >= wb);
}

static bool has_cap(const char *name, uint64_t caps)
{
	char lower[64];
	size_t n = 0;
	for (; name[n] && n + 1 < sizeof lower; n++)
		lower[n] = (char)tolower((unsigned char)name[n]);
	lower[n] = '\0';
	cap_value_t c;
	return cap_from_name(lower, &c) == 0 && c < 64 && (caps >> c & 1);
}

static bool in_strings(json_t *a, const char *s)
{
	size_t i;
	json_t *v;
	json_array_foreach(a, i, v) if (json_is_string(v) &&
					strcmp(json_string_value(v), s) == 0) return true;
	return false;
}

/* Docker's includes (all must hold) and excludes (none may). */
static int condition(json_t *c, bool include, const char *what, uint64_t caps, bool *applies,
		     struct clan_err *err)
{
	if (!c || json_is_null(c))
		return 0;
	if (!json_is_object(c))
		return bad(err, "%s: expected an object", what);
	json_t *jcaps = json_object_get(c, "caps"), *ar = json_object_get(c, "arches");
	json_t *mk = json_object_get(c, "minKernel");
	if ((jcaps && !json_is_null(jcaps) && string_array(jcaps, what, err) < 0) ||
	    (ar && !json_is_null(ar) && string_array(ar, what, err) < 0))
		return -1;
	if (mk && !json_is_null(mk) && !json_is_string(mk))
		return bad(err, "%s: minKernel: expected a string such as \"4.8\"", what);
	size_t i;
	json_t *v;
	if (include) {
		json_array_foreach(jcaps, i, v) *applies &= has_cap(json_string_value(v), caps);
		if (json_array_size(ar))
			*applies &= in_strings(ar, native_go_arch());
		if (mk && json_is_string(mk))
			*applies &= kernel_at_least(json_string_value(mk));
	} else {
		json_array_foreach(jcaps, i, v) *applies &= !has_cap(json_string_value(v), caps);
		*applies &= !in_strings(ar, native_go_arch());
		if (mk && json_is_string(mk))
			*applies &= !kernel_at_least(json_string_value(mk));
	}
	return 0;
}

static int parse_arg(json_t *a, const char *what, struct scmp_arg_cmp *out, struct clan_err *err)
{
	json_t *idx = json_object_get(a, "index"), *val = json_object_get(a, "value");
	json_t *two = json_object_get(a, "valueTwo"), *op = json_object_get(a, "op");
	if (!json_is_object(a))
		return bad(err, "%s: expected an object", what);
	if (!json_is_integer(idx) || json_integer_value(idx) < 0 ||
	    json_integer_value(idx) >= SECCOMP_MAX_ARGS)
		return bad(err, "%s.index: expected 0 to 5", what);
	if ((val && !json_is_integer(val)) || (two && !json_is_integer(two)))
		return bad(err, "%s: value and valueTwo must be numbers", what);
	if (!json_is_string(op))
		return bad(err, "%s.op: expected an operator such as \"SCMP_CMP_EQ\"", what);
	for (size_t i = 0; i < ARRAY_SIZE(ops); i++)
		if (strcmp(json_string_value(op), ops[i].name) == 0) {
			*out = (struct scmp_arg_cmp){.arg = (unsigned)json_integer_value(idx),
						     .op = ops[i].op,
						     .datum_a = (uint64_t)json_integer_value(val),
						     .datum_b = (uint64_t)json_integer_value(two)};
			return 0;
		}
	return bad(err,
		   "%s.op: unknown operator \"%s\" (SCMP_CMP_EQ, SCMP_CMP_NE, "
		   "SCMP_CMP_MASKED_EQ ...)",
		   what, json_string_value(op));
}

/* Arguments compared more than once at one index cannot be one libseccomp
 * rule: like runc, each comparison then becomes a rule of its own. */
static bool index_repeats(const struct scmp_arg_cmp *a, size_t n)
{
	for (size_t i = 0; i < n; i++)
		for (size_t j = i + 1; j < n; j++)
			if (a[i].arg == a[j].arg)
				return true;
	return false;
}

static int add_names(struct seccomp_profile *p, json_t *names, uint32_t action,
		     const struct scmp_arg_cmp *args, size_t nargs, struct clan_err *err)
{
	bool split = index_repeats(args, nargs);
	size_t i;
	json_t *v;
	json_array_foreach(names, i, v)
	{
		for (size_t k = 0; k < (split ? nargs : 1); k++) {
			if (p->nrules >= MAX_RULES)
				return bad(err, "more than %d rules", MAX_RULES);
			struct seccomp_rule *r =
			    seccomp_profile_add(p, json_string_value(v), action);
			if (split)
				r->args[r->nargs++] = args[k];
			else
				for (size_t a = 0; a < nargs; a++)
					r->args[r->nargs++] = args[a];
		}
	}
	return 0;
}

static int parse_syscall(json_t *sc, size_t i, uint64_t caps, struct seccomp_profile *p,
			 struct clan_err *err)
{
	char what[64];
	snprintf(what, sizeof what, "syscalls[%zu]", i);
	if (!json_is_object(sc))
		return bad(err, "%s: expected an object", what);
	json_t *names = json_object_get(sc, "names"), *one = json_object_get(sc, "name");
	json_t *single = NULL;
	if (one && !json_is_null(one)) {
		if (!json_is_string(one) || (names && json_array_size(names)))
			return bad(err, "%s: give \"names\" (a list), or one \"name\", not both",
				   what);
		single = json_pack("[O]", one);
		names = single;
	}
	uint32_t action;
	struct scmp_arg_cmp args[SECCOMP_MAX_ARGS];
	size_t nargs = 0;
	bool applies = true;
	json_t *jargs = json_object_get(sc, "args");
	int rc = names && !json_is_null(names) ? string_array(names, what, err) : 0;
	if (rc == 0)
		rc = parse_action(json_object_get(sc, "action"), json_object_get(sc, "errnoRet"),
				  what, &action, err);
	if (rc == 0 && jargs && !json_is_null(jargs) &&
	    (!json_is_array(jargs) || json_array_size(jargs) > SECCOMP_MAX_ARGS))
		rc = bad(err, "%s.args: expected at most %d comparisons", what, SECCOMP_MAX_ARGS);
	for (size_t k = 0; rc == 0 && k < json_array_size(jargs); k++) {
		char w[96];
		snprintf(w, sizeof w, "%s.args[%zu]", what, k);
		rc = parse_arg(json_array_get(jargs, k), w, &args[nargs++], err);
	}
	char w[96];
	snprintf(w, sizeof w, "%s.includes", what);
	if (rc == 0)
		rc = condition(json_object_get(sc, "includes"), true, w, caps, &applies, err);
	snprintf(w, sizeof w, "%s.excludes", what);
	if (rc == 0)
		rc = condition(json_object_get(sc, "excludes"), false, w, caps, &applies, err);
	if (rc == 0 && applies && names)
		rc = add_names(p, names, action, args, nargs, err);
	json_decref(single);
	return rc;
}

static int parse_root(json_t *root, uint64_t caps, struct seccomp_profile *p, struct clan_err *err)
{
	if (!json_is_object(root))
		return bad(err, "expected a JSON object with defaultAction and syscalls");
	if (json_object_get(root, "architectures") && json_object_get(root, "archMap") &&
	    json_array_size(json_object_get(root, "architectures")) &&
	    json_array_size(json_object_get(root, "archMap")))
		return bad(err, "give architectures or archMap, not both");
	if (parse_action(json_object_get(root, "defaultAction"),
			 json_object_get(root, "defaultErrnoRet"), "defaultAction",
			 &p->default_action, err) < 0 ||
	    parse_arches(root, p, err) < 0)
		return -1;
	json_t *calls = json_object_get(root, "syscalls");
	if (calls && !json_is_null(calls) && !json_is_array(calls))
		return bad(err, "syscalls: expected an array");
	for (size_t i = 0; i < json_array_size(calls); i++)
		if (parse_syscall(json_array_get(calls, i), i, caps, p, err) < 0)
			return -1;
	return 0;
}

int seccomp_profile_parse(const char *json, size_t len, uint64_t caps, struct seccomp_profile *p,
			  struct clan_err *err)
{
	*p = (struct seccomp_profile){0};
	json_error_t je;
	json_t *root = json_loadb(json, len, 0, &je);
	if (!root)
		return bad(err, "not a JSON profile: line %d column %d: %s", je.line, je.column,
			   je.text);
	int rc = parse_root(root, caps, p, err);
	json_decref(root);
	if (rc < 0)
		seccomp_profile_free(p);
	return rc;
}
