#define _GNU_SOURCE
#include "config/spec_values.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "config/cfgval.h"
#include "netns/slirp.h"

int parse_bind(const char *text, struct bind_spec *b, struct clan_err *err)
{
	_cleanup_free_ char *copy = xstrdup(text);
	char *src = copy, *dst = strchr(copy, ':'), *opts = NULL;

	if (!dst)
		return clan_error_code(err, CLAN_EXIT_USAGE,
				       "run: bad volume '%s': expected SRC:DST[:ro]", text);
	*dst++ = '\0';
	opts = strchr(dst, ':');
	if (opts)
		*opts++ = '\0';
	if (!*src)
		return clan_error_code(err, CLAN_EXIT_USAGE,
				       "run: bad volume '%s': empty source path", text);
	if (src[0] != '/' && src[0] != '.')
		return clan_error_code(err, CLAN_EXIT_USAGE,
				       "run: bad volume '%s': named volumes come with stacks; "
				       "give a host path (/abs or ./rel)",
				       text);
	if (dst[0] != '/')
		return clan_error_code(err, CLAN_EXIT_USAGE,
				       "run: bad volume '%s': the container path must be absolute",
				       text);
	bool ro = false;
	for (char *save = NULL, *o = opts ? strtok_r(opts, ",", &save) : NULL; o;
	     o = strtok_r(NULL, ",", &save)) {
		if (strcmp(o, "ro") == 0)
			ro = true;
		else if (strcmp(o, "rw") == 0)
			ro = false;
		else if (strcmp(o, "z") != 0 && strcmp(o, "Z") != 0)
			return clan_error_code(
			    err, CLAN_EXIT_USAGE,
			    "run: bad volume '%s': unknown option '%s' (ro or rw)", text, o);
	}
	*b = (struct bind_spec){.src = xstrdup(src), .dst = xstrdup(dst), .ro = ro, .pin_fd = -1};
	return 0;
}

int parse_env_flag(const char *text, const char *(*lookup)(const char *), struct strv *env,
		   struct clan_err *err)
{
	const char *eq = strchr(text, '=');
	size_t len = eq ? (size_t)(eq - text) : strlen(text);
	if (!cfg_is_env_name(text, len))
		return clan_error_code(err, CLAN_EXIT_USAGE,
				       "run: bad environment variable '%s': expected K=V", text);
	if (eq) {
		strv_push(env, text);
		return 0;
	}
	const char *v = lookup(text);
	if (v)
		strv_push_owned(env, xasprintf("%s=%s", text, v));
	return 0;
}

int parse_env_file_text(const char *text, const char *path, const char *(*lookup)(const char *),
			struct strv *env, struct clan_err *err)
{
	_cleanup_free_ char *copy = xstrdup(text);
	char *line = copy;
	for (int lineno = 1; line; lineno++) {
		char *next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		line[strcspn(line, "\r")] = '\0';
		char *p = line + strspn(line, " \t");
		if (*p && *p != '#' && parse_env_flag(p, lookup, env, err) < 0)
			return clan_error_code(err, CLAN_EXIT_USAGE,
					       "%s:%d: bad line '%s': expected K=V", path, lineno,
					       p);
		line = next;
	}
	return 0;
}

static int bad_network(const char *v, const char *why, struct clan_err *err)
{
	return clan_error_code(err, CLAN_EXIT_USAGE,
			       "run: bad --network '%s': %s (slirp4netns, none, host or "
			       "container:NAME)",
			       v, why);
}

static int parse_slirp_opts(const char *v, char *opts, struct container_spec *s,
			    struct clan_err *err)
{
	for (char *save = NULL, *o = strtok_r(opts, ",", &save); o;
	     o = strtok_r(NULL, ",", &save)) {
		if (strcmp(o, "port_handler=slirp4netns") == 0)
			s->port_handler_slirp = true;
		else if (strcmp(o, "port_handler=clan") == 0)
			s->port_handler_slirp = false;
		else if (strcmp(o, "allow_host_loopback=true") == 0)
			s->allow_host_loopback = true;
		else if (strcmp(o, "allow_host_loopback=false") == 0)
			s->allow_host_loopback = false;
		else
			return bad_network(v,
					   "unknown option (port_handler=clan|slirp4netns, "
					   "allow_host_loopback=true|false)",
					   err);
	}
	return 0;
}

int parse_network(const char *v, struct container_spec *s, struct clan_err *err)
{
	_cleanup_free_ char *copy = xstrdup(v);
	char *opts = strchr(copy, ':');
	if (opts)
		*opts++ = '\0';
	if (strcmp(copy, "slirp4netns") == 0 || strcmp(copy, "slirp") == 0) {
		s->net = NET_SLIRP;
		return opts ? parse_slirp_opts(v, opts, s, err) : 0;
	}
	if (strcmp(copy, "container") == 0) {
		if (!opts || !*opts)
			return bad_network(v, "container: needs a name or id", err);
		s->net = NET_CONTAINER;
		free(s->net_container);
		s->net_container = xstrdup(opts);
		return 0;
	}
	if (opts)
		return bad_network(v, "only slirp4netns takes options", err);
	if (strcmp(copy, "none") == 0)
		s->net = NET_NONE;
	else if (strcmp(copy, "host") == 0)
		s->net = NET_HOST;
	else
		return bad_network(v, "unknown network", err);
	return 0;
}

int parse_add_host(const char *v, struct container_spec *s, struct clan_err *err)
{
	const char *sep = strchr(v, ':');
	const char *eq = strchr(v, '=');
	if (eq && (!sep || eq < sep))
		sep = eq; /* docker also takes NAME=IP */
	unsigned char addr[16];
	if (!sep || !cfg_is_host_name(v, (size_t)(sep - v)))
		return clan_error_code(err, CLAN_EXIT_USAGE,
				       "run: bad --add-host '%s': expected NAME:IP", v);
	const char *ip = sep + 1;
	if (strcmp(ip, "host-gateway") == 0) {
		/* the user asked for the host: open host loopback for it */
		ip = SLIRP_HOST_IP;
		s->allow_host_loopback = true;
	} else if (inet_pton(AF_INET, ip, addr) != 1 && inet_pton(AF_INET6, ip, addr) != 1) {
		return clan_error_code(err, CLAN_EXIT_USAGE,
				       "run: bad --add-host '%s': '%s' is not an IP address", v,
				       ip);
	}
	strv_push_owned(&s->add_hosts, xasprintf("%s\t%.*s", ip, (int)(sep - v), v));
	return 0;
}

const char *security_opt_parse(const char *v, char **seccomp)
{
	/* docker takes seccomp:FILE too */
	if (strncmp(v, "seccomp", 7) == 0 && (v[7] == '=' || v[7] == ':')) {
		if (!v[8])
			return "seccomp= needs unconfined, default or a profile file";
		free(*seccomp);
		*seccomp = strcmp(v + 8, "default") == 0 ? NULL : xstrdup(v + 8);
		return NULL;
	}
	/* clan always sets it (caps.c) */
	if (strcmp(v, "no-new-privileges") == 0 || strcmp(v, "no-new-privileges=true") == 0 ||
	    strcmp(v, "no-new-privileges:true") == 0)
		return NULL;
	if (strncmp(v, "no-new-privileges", 17) == 0)
		return "clan always sets no-new-privileges";
	return "unknown option (seccomp=unconfined|FILE or no-new-privileges)";
}
