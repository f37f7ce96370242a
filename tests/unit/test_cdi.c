/* Unit tests for CDI (rootless/container/cdi_*.c, devices.c): spec files
 * of each version in JSON and YAML, name rules, the override order of the
 * spec directories, =all, and hostile specs: hooks, relative paths and
 * "..", a deviceNode that is no device, huge and malformed files, YAML
 * aliases, files other users could write. Also --device's own syntax. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "container/cdi_registry.h"
#include "container/devices.h"
#include "fs/bind_source.h"
#include "tap.h"
#include "base/util.h"

static const char *const json_spec =
    "{\"cdiVersion\": \"0.5.0\", \"kind\": \"example.com/test\",\n"
    " \"devices\": [\n"
    "  {\"name\": \"null\", \"containerEdits\": {\n"
    "    \"deviceNodes\": [{\"path\": \"/dev/cdi-null\", \"hostPath\": \"/dev/null\"},\n"
    "                      {\"path\": \"/dev/zero\", \"permissions\": \"r\"}],\n"
    "    \"mounts\": [{\"hostPath\": \"/tmp\", \"containerPath\": \"/cdi\",\n"
    "                 \"options\": [\"ro\", \"nosuid\", \"nodev\", \"bind\"]}],\n"
    "    \"env\": [\"CDI_TEST=1\"]}},\n"
    "  {\"name\": \"zero\", \"containerEdits\": {\"env\": [\"ZERO=1\"]}}],\n"
    " \"containerEdits\": {\"env\": [\"SPEC_WIDE=yes\"]}}\n";

static const char *const yaml_spec = "cdiVersion: \"0.6.0\"\n"
				     "kind: example.com/test\n"
				     "devices:\n"
				     "  - name: \"null\"\n"
				     "    containerEdits:\n"
				     "      deviceNodes:\n"
				     "        - path: /dev/cdi-null\n"
				     "          hostPath: /dev/null\n"
				     "          permissions: rw\n"
				     "      mounts:\n"
				     "        - hostPath: /tmp\n"
				     "          containerPath: /cdi\n"
				     "          options: [rbind]\n"
				     "      env: [\"CDI_TEST=1\"]\n"
				     "      hooks: []\n";

static bool parse(const char *text, const char *file, struct cdi_spec *s, struct clan_err *err)
{
	err->msg[0] = '\0';
	err->code = 0;
	bool ok = cdi_spec_parse(text, strlen(text), file, s, err) == 0;
	if (!ok)
		cdi_spec_free(s);
	return ok;
}

/* A spec that fails to parse: exit 2, one line naming the file. */
static bool refused(const char *text, const char *file, const char *why)
{
	struct cdi_spec s;
	struct clan_err err;
	if (parse(text, file, &s, &err)) {
		cdi_spec_free(&s);
		printf("#   accepted: %s\n", text);
		return false;
	}
	bool ok = err.code == CLAN_EXIT_USAGE && strstr(err.msg, file) && strstr(err.msg, why) &&
		  !strchr(err.msg, '\n');
	if (!ok)
		printf("#   message: %s (wanted %s)\n", err.msg, why);
	return ok;
}

/* A spec that parses; else the test fails with the message. */
static bool accepted(const char *text, const char *file, struct cdi_spec *s, int *tap_failed)
{
	struct clan_err err;
	if (parse(text, file, s, &err))
		return true;
	printf("#   %s\n", err.msg);
	CHECK(0);
	return false;
}

TEST(json_spec_parsed)
{
	struct cdi_spec s;
	if (!accepted(json_spec, "/etc/cdi/t.json", &s, tap_failed))
		return;
	CHECK_STR(s.kind, "example.com/test");
	CHECK(s.ndevs == 2);
	CHECK_STR(s.devs[0].name, "null");
	const struct cdi_edits *e = &s.devs[0].edits;
	CHECK(e->nnodes == 2);
	CHECK_STR(e->nodes[0].path, "/dev/cdi-null");
	CHECK_STR(e->nodes[0].host_path, "/dev/null");
	CHECK(e->nodes[0].write);		       /* no permissions: rwm */
	CHECK_STR(e->nodes[1].host_path, "/dev/zero"); /* hostPath defaults to path */
	CHECK(!e->nodes[1].write);
	CHECK(e->nmounts == 1 && e->mounts[0].ro);
	CHECK_STR(e->mounts[0].container_path, "/cdi");
	CHECK(e->env.n == 1 && strcmp(e->env.v[0], "CDI_TEST=1") == 0);
	CHECK(s.edits.env.n == 1);
	cdi_spec_free(&s);
}

TEST(yaml_spec_parsed_like_json)
{
	struct cdi_spec s;
	if (!accepted(yaml_spec, "/etc/cdi/t.yaml", &s, tap_failed))
		return;
	CHECK_STR(s.kind, "example.com/test");
	CHECK(s.ndevs == 1);
	CHECK_STR(s.devs[0].name, "null");
	CHECK(s.devs[0].edits.nnodes == 1 && s.devs[0].edits.nodes[0].write);
	CHECK(s.devs[0].edits.nmounts == 1 && !s.devs[0].edits.mounts[0].ro);
	CHECK(s.devs[0].edits.hooks.n == 0);
	cdi_spec_free(&s);
}

TEST(every_version_from_0_3_to_0_8)
{
	static const char *const ok[] = {"0.3.0", "0.4.0", "0.5.0", "0.6.0", "0.7.0", "0.8.0"};
	for (size_t i = 0; i < ARRAY_SIZE(ok); i++) {
		_cleanup_free_ char *t = xasprintf(
		    "{\"cdiVersion\":\"%s\",\"kind\":\"a.b/c\",\"devices\":[{\"name\":\"d\","
		    "\"containerEdits\":{\"env\":[\"A=1\"]}}]}",
		    ok[i]);
		struct cdi_spec s;
		struct clan_err err;
		CHECK(parse(t, "v.json", &s, &err));
		cdi_spec_free(&s);
	}
	CHECK(refused("{\"cdiVersion\":\"0.2.0\",\"kind\":\"a.b/c\",\"devices\":[]}", "old.json",
		      "cdiVersion 0.2.0"));
	CHECK(refused("{\"cdiVersion\":\"1.0.0\",\"kind\":\"a.b/c\",\"devices\":[]}", "new.json",
		      "cdiVersion 1.0.0"));
}

#define SPEC(edits)                                                                    \
	"{\"cdiVersion\":\"0.6.0\",\"kind\":\"a.com/c\",\"devices\":[{\"name\":\"d\"," \
	"\"containerEdits\":" edits "}]}"

TEST(hostile_paths_refused)
{
	CHECK(refused(SPEC("{\"deviceNodes\":[{\"path\":\"dev/x\"}]}"), "r.json", "not absolute"));
	CHECK(refused(SPEC("{\"deviceNodes\":[{\"path\":\"/dev/../etc/x\"}]}"), "r.json", "'..'"));
	CHECK(refused(SPEC("{\"deviceNodes\":[{\"path\":\"/dev/x\",\"hostPath\":\"/dev/..\"}]}"),
		      "r.json", "'..'"));
	CHECK(
	    refused(SPEC("{\"mounts\":[{\"hostPath\":\"/a/../../etc\",\"containerPath\":\"/x\"}]}"),
		    "m.json", "'..'"));
	CHECK(refused(SPEC("{\"mounts\":[{\"hostPath\":\"/a\",\"containerPath\":\"rel\"}]}"),
		      "m.json", "not absolute"));
	CHECK(refused(SPEC("{\"mounts\":[{\"hostPath\":\"/a\",\"containerPath\":\"/x\","
			   "\"options\":[\"suid\"]}]}"),
		      "m.json", "mount option suid"));
	CHECK(refused(SPEC("{\"mounts\":[{\"hostPath\":\"/a\",\"containerPath\":\"/x\","
			   "\"type\":\"tmpfs\"}]}"),
		      "m.json", "type tmpfs"));
	CHECK(refused(SPEC("{\"deviceNodes\":[{\"path\":\"/dev/x\",\"permissions\":\"rwx\"}]}"),
		      "p.json", "permissions"));
	CHECK(refused(SPEC("{\"env\":[\"=x\"]}"), "e.json", "KEY=VALUE"));
	CHECK(refused(SPEC("{\"env\":[\"NOEQUALS\"]}"), "e.json", "KEY=VALUE"));
	/* a NUL inside a path must not cut it short (jansson refuses it) */
	CHECK(refused(SPEC("{\"deviceNodes\":[{\"path\":\"/dev/x\\u0000/../../etc\"}]}"), "n.json",
		      "JSON_ALLOW_NUL"));
	/* a dot-dot inside a name is fine: only a whole component climbs */
	struct cdi_spec s;
	struct clan_err err;
	CHECK(parse(SPEC("{\"deviceNodes\":[{\"path\":\"/dev/a..b\"}]}"), "ok.json", &s, &err));
	cdi_spec_free(&s);
}

TEST(malformed_files_refused_with_their_name)
{
	CHECK(refused("{\"cdiVersion\": ", "/etc/cdi/bad.json", "line 1"));
	CHECK(refused("cdiVersion: [\n", "/etc/cdi/bad.yaml", "line"));
	CHECK(refused("", "/etc/cdi/empty.yaml", "empty"));
	CHECK(refused("[1, 2]", "/etc/cdi/list.json", "expected a mapping"));
	CHECK(refused("{\"cdiVersion\":\"0.6.0\",\"kind\":\"a.com/c\",\"kind\":\"x.com/y\"}",
		      "dup.json", "dup.json"));
	CHECK(refused("cdiVersion: 0.6.0\nkind: a.com/c\nkind: b.com/d\n", "dup.yaml", "twice"));
	CHECK(refused("cdiVersion: \"0.6.0\"\nkind: a.com/c\ndevices: []\n", "none.yaml",
		      "no devices"));
	CHECK(refused("cdiVersion: \"0.6.0\"\nkind: nokind\ndevices: []\n", "k.yaml", "kind"));
	CHECK(refused("cdiVersion: \"0.6.0\"\nkind: a.com/c\ndevices:\n  - name: \"-bad\"\n"
		      "    containerEdits: {}\n",
		      "n.yaml", "device name"));
	CHECK(refused("cdiVersion: \"0.6.0\"\nkind: a.com/c\ndevices:\n  - name: d\n",
		      "noedits.yaml", "containerEdits"));
	CHECK(refused("a: 1\n---\nb: 2\n", "two.yaml", "more than one document"));
	/* the spec's text in a message cannot break the line or drive a terminal */
	CHECK(refused("cdiVersion: \"0.6.0\"\nkind: \"a\\nb\\e]0;x\\a\"\ndevices: []\n", "esc.yaml",
		      "kind 'a\\x0ab\\x1b]0;x\\x07'"));
	CHECK(refused("{\"cdiVersion\": \"0.6.0\", \"kind\": \"a\nb\"}", "nl.json", "nl.json"));
	CHECK(refused(SPEC("{}") "\n" SPEC("{}"), "two.json", "two.json"));
}

TEST(yaml_plain_numbers_are_names)
{
	struct cdi_spec s;
	const char *t = "cdiVersion: 0.6.0\nkind: nvidia.com/gpu\ndevices:\n  - name: 0\n"
			"    containerEdits:\n      env: [A=1]\n  - name: true\n"
			"    containerEdits: {env: [B=2]}\ncontainerEdits:\n";
	if (!accepted(t, "n.yaml", &s, tap_failed))
		return;
	CHECK(s.ndevs == 2);
	CHECK_STR(s.devs[0].name, "0");
	CHECK_STR(s.devs[1].name, "true");
	cdi_spec_free(&s);
	CHECK(refused("cdiVersion: 0.6.0\nkind: a.com/b\ndevices:\n  - name: null\n"
		      "    containerEdits: {}\n",
		      "null.yaml", "name is not a string"));
}

TEST(yaml_aliases_and_deep_nesting_refused)
{
	/* a billion laughs would start like this */
	CHECK(refused("cdiVersion: &v \"0.6.0\"\nkind: a.com/c\nx: *v\n", "alias.yaml", "aliases"));
	struct strbuf {
		char *s;
	} deep = {xmalloc(4096)};
	char *p = deep.s;
	p += sprintf(p, "cdiVersion: \"0.6.0\"\nx: ");
	for (int i = 0; i < 100; i++)
		*p++ = '[';
	for (int i = 0; i < 100; i++)
		*p++ = ']';
	*p = '\0';
	CHECK(refused(deep.s, "deep.yaml", "nested too deep"));
	free(deep.s);
}

TEST(huge_text_refused)
{
	size_t n = CDI_SPEC_MAX + 10;
	char *big = xmalloc(n + 1);
	memset(big, ' ', n);
	big[n] = '\0';
	memcpy(big, "{\"cdiVersion\":\"0.6.0\"}", 22);
	CHECK(refused(big, "big.json", "larger than"));
	free(big);
}

TEST(hooks_and_root_edits_recorded)
{
	struct cdi_spec s;
	struct clan_err err;
	CHECK(parse(SPEC("{\"hooks\":[{\"hookName\":\"createRuntime\",\"path\":\"/usr/bin/x\"}],"
			 "\"additionalGids\":[44]}"),
		    "h.json", &s, &err));
	CHECK(s.ndevs == 1 && s.devs[0].edits.hooks.n == 1);
	CHECK_STR(s.devs[0].edits.hooks.v[0], "createRuntime /usr/bin/x");
	CHECK(s.devs[0].edits.root_only.n == 1);
	CHECK_STR(s.devs[0].edits.root_only.v[0], "additionalGids");
	cdi_spec_free(&s);
	/* a hook without its path is malformed */
	CHECK(refused(SPEC("{\"hooks\":[{\"hookName\":\"createRuntime\"}]}"), "h.json", "path"));
}

TEST(cdi_names)
{
	static const char *const good[][3] = {
	    {"nvidia.com/gpu=0", "nvidia.com/gpu", "0"},
	    {"example.com/test=null", "example.com/test", "null"},
	    {"vendor/class=all", "vendor/class", "all"},
	    {"a-b.c_d/e-f=g:h.i_j", "a-b.c_d/e-f", "g:h.i_j"},
	};
	for (size_t i = 0; i < ARRAY_SIZE(good); i++) {
		char *k = NULL, *n = NULL;
		CHECK(cdi_name_split(good[i][0], &k, &n));
		CHECK_STR(k, good[i][1]);
		CHECK_STR(n, good[i][2]);
		free(k);
		free(n);
	}
	static const char *const bad[] = {
	    "/dev/null",    "nvidia.com/gpu", "nvidia.com=0", "nvidia.com/gpu=", "=x",
	    "1a.com/gpu=0", "a.com/gpu.x=0",  "a.com/gpu=-x", "a.com/g/x=0",	 "a.com/gpu=a b"};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		char *k = NULL, *n = NULL;
		if (cdi_name_split(bad[i], &k, &n)) {
			printf("#   accepted %s\n", bad[i]);
			CHECK(0);
			free(k);
			free(n);
		}
	}
}

TEST(device_flag_syntax)
{
	struct device_node_req r;
	struct clan_err err;
	CHECK(device_req_check("/dev/null", &r, &err) == 0);
	CHECK_STR(r.src, "/dev/null");
	CHECK_STR(r.dst, "/dev/null");
	CHECK(r.read && r.write);
	device_node_req_free(&r);
	CHECK(device_req_check("/dev/null:/dev/x", &r, &err) == 0);
	CHECK_STR(r.dst, "/dev/x");
	device_node_req_free(&r);
	CHECK(device_req_check("/dev/null:r", &r, &err) == 0); /* docker: SRC:MODE */
	CHECK_STR(r.dst, "/dev/null");
	CHECK(r.read && !r.write);
	device_node_req_free(&r);
	CHECK(device_req_check("/dev/null:/dev/y:wm", &r, &err) == 0);
	CHECK(!r.read && r.write);
	device_node_req_free(&r);
	CHECK(device_req_check("example.com/test=null", &r, &err) == 0);
	CHECK(r.src == NULL);
	static const char *const bad[] = {
	    "dev/null",		 "/dev/null:dev/x",   "/dev/null:/dev/x:rx", "/dev/null:/dev/x:rr",
	    "/dev/a:/dev/b:r:w", "/dev/null:/dev/x:", "example.com=x",	     "",
	};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		err.code = 0;
		if (device_req_check(bad[i], NULL, &err) == 0) {
			printf("#   accepted '%s'\n", bad[i]);
			CHECK(0);
		}
		CHECK(err.code == CLAN_EXIT_USAGE);
	}
}

/* --- the registry: real directories ---------------------------------- */

static char *mkdir_tmp(void)
{
	char tmpl[] = "/tmp/test_cdi.XXXXXX";
	char *d = mkdtemp(tmpl);
	return d ? xstrdup(d) : NULL;
}

static void put(const char *dir, const char *name, const char *text, mode_t mode)
{
	_cleanup_free_ char *p = path_join(dir, name);
	struct clan_err err;
	if (write_file(p, text, strlen(text), &err) < 0 || chmod(p, mode) < 0)
		printf("#   cannot write %s\n", p);
}

static char *spec_of(const char *kind, const char *dev, const char *env)
{
	return xasprintf("{\"cdiVersion\":\"0.6.0\",\"kind\":\"%s\",\"devices\":[{\"name\":\"%s\","
			 "\"containerEdits\":{\"env\":[\"%s\"]}}]}",
			 kind, dev, env);
}

static const char *env_of(const struct cdi_pick *p)
{
	return p->dev->edits.env.n ? p->dev->edits.env.v[0] : "";
}

TEST(later_dir_overrides_earlier)
{
	_cleanup_free_ char *a = mkdir_tmp(), *b = mkdir_tmp();
	_cleanup_free_ char *s1 = spec_of("example.com/test", "one", "FROM=a");
	_cleanup_free_ char *s2 = spec_of("example.com/test", "one", "FROM=b");
	_cleanup_free_ char *s3 = spec_of("example.com/test", "two", "FROM=a2");
	put(a, "x.json", s1, 0644);
	put(a, "y.json", s3, 0644);
	put(b, "x.json", s2, 0644);
	_cleanup_free_ char *dirs = xasprintf("%s:%s", a, b);
	struct cdi_registry reg;
	struct strv warn = {0};
	struct clan_err err;
	CHECK(cdi_registry_load(dirs, &reg, &warn, &err) == 0);
	CHECK(reg.n == 3 && warn.n == 0);
	struct cdi_pick *p;
	size_t n;
	CHECK(cdi_registry_resolve(&reg, "example.com/test", "one", &p, &n, &err) == 0);
	CHECK(n == 1 && strcmp(env_of(&p[0]), "FROM=b") == 0);
	free(p);
	/* the other order: a wins */
	cdi_registry_free(&reg);
	_cleanup_free_ char *rev = xasprintf("%s:%s", b, a);
	CHECK(cdi_registry_load(rev, &reg, &warn, &err) == 0);
	CHECK(cdi_registry_resolve(&reg, "example.com/test", "one", &p, &n, &err) == 0);
	CHECK(n == 1 && strcmp(env_of(&p[0]), "FROM=a") == 0);
	free(p);
	/* =all: each name once, from its winner */
	CHECK(cdi_registry_resolve(&reg, "example.com/test", "all", &p, &n, &err) == 0);
	CHECK(n == 2);
	CHECK(n == 2 && strcmp(env_of(&p[0]), "FROM=a") == 0 && strcmp(p[1].dev->name, "two") == 0);
	free(p);
	cdi_registry_free(&reg);
	strv_free(&warn);
	struct clan_err ignored;
	remove_tree(a, &ignored);
	remove_tree(b, &ignored);
}

TEST(same_dir_conflict_and_unknown_names)
{
	_cleanup_free_ char *a = mkdir_tmp();
	_cleanup_free_ char *s1 = spec_of("example.com/test", "one", "A=1");
	_cleanup_free_ char *s2 = spec_of("example.com/test", "one", "A=2");
	_cleanup_free_ char *s3 = spec_of("example.com/test", "null", "A=3");
	_cleanup_free_ char *s4 = spec_of("example.com/all", "all", "ALL=named");
	put(a, "1.json", s1, 0644);
	put(a, "2.yaml", s2, 0644);
	put(a, "3.json", s3, 0644);
	put(a, "4.json", s4, 0644);
	put(a, "notes.txt", "not a spec", 0644); /* other names are not read */
	struct cdi_registry reg;
	struct strv warn = {0};
	struct clan_err err;
	CHECK(cdi_registry_load(a, &reg, &warn, &err) == 0);
	struct cdi_pick *p;
	size_t n;
	CHECK(cdi_registry_resolve(&reg, "example.com/test", "one", &p, &n, &err) < 0);
	CHECK(err.code == CLAN_EXIT_USAGE && strstr(err.msg, "1.json") &&
	      strstr(err.msg, "2.yaml"));
	CHECK(cdi_registry_resolve(&reg, "example.com/test", "nul", &p, &n, &err) < 0);
	CHECK(err.code == CLAN_EXIT_USAGE && strstr(err.msg, "did you mean example.com/test=null"));
	CHECK(cdi_registry_resolve(&reg, "example.com/test", "zzzzzz", &p, &n, &err) < 0);
	CHECK(strstr(err.msg, "example.com/test has: one null and all") != NULL);
	CHECK(cdi_registry_resolve(&reg, "example.com/tset", "one", &p, &n, &err) < 0);
	CHECK(strstr(err.msg, "did you mean example.com/test") != NULL);
	/* a device called all is that device, not every one */
	CHECK(cdi_registry_resolve(&reg, "example.com/all", "all", &p, &n, &err) == 0);
	CHECK(n == 1 && strcmp(env_of(&p[0]), "ALL=named") == 0);
	free(p);
	cdi_registry_free(&reg);
	strv_free(&warn);
	struct clan_err ignored;
	remove_tree(a, &ignored);
}

TEST(specs_others_could_write_skipped)
{
	_cleanup_free_ char *a = mkdir_tmp(), *g = mkdir_tmp();
	_cleanup_free_ char *s1 = spec_of("example.com/test", "world", "W=1");
	_cleanup_free_ char *s2 = spec_of("example.com/test", "group", "G=1");
	_cleanup_free_ char *s3 = spec_of("example.com/test", "ok", "OK=1");
	_cleanup_free_ char *s4 = spec_of("example.com/test", "indir", "D=1");
	put(a, "world.json", s1, 0666);
	put(a, "group.json", s2, 0664);
	put(a, "ok.json", s3, 0644);
	put(g, "indir.json", s4, 0644);
	chmod(g, 0777);
	_cleanup_free_ char *fifo = path_join(a, "fifo.json");
	CHECK(mkfifo(fifo, 0644) == 0); /* must not hang the load */
	_cleanup_free_ char *link = path_join(a, "link.json"), *target = path_join(a, "ok.json");
	CHECK(symlink("/etc/passwd", link) == 0 || errno == EEXIST);
	_cleanup_free_ char *dirs = xasprintf("%s:%s:/nonexistent/cdi", a, g);
	struct cdi_registry reg;
	struct strv warn = {0};
	struct clan_err err;
	int rc = cdi_registry_load(dirs, &reg, &warn, &err);
	/* link.json -> /etc/passwd: root's, so read, and not a spec */
	CHECK(rc < 0 && strstr(err.msg, "link.json"));
	CHECK(unlink(link) == 0);
	cdi_registry_free(&reg);
	strv_free(&warn);
	CHECK(cdi_registry_load(dirs, &reg, &warn, &err) == 0);
	CHECK(reg.n == 1 && strcmp(reg.specs[0].devs[0].name, "ok") == 0);
	size_t hits = 0;
	for (size_t i = 0; i < warn.n; i++) {
		printf("#   warning: %s\n", warn.v[i]);
		hits += (strstr(warn.v[i], "world.json") || strstr(warn.v[i], "group.json")) &&
			strstr(warn.v[i], "other users can write it");
		hits += strstr(warn.v[i], "fifo.json") && strstr(warn.v[i], "not a regular file");
		hits += strstr(warn.v[i], g) && strstr(warn.v[i], "directory");
	}
	CHECK(hits == 4 && warn.n == 4);
	cdi_registry_free(&reg);
	strv_free(&warn);
	(void)target;
	struct clan_err ignored;
	remove_tree(a, &ignored);
	remove_tree(g, &ignored);
}

TEST(spec_owned_by_another_user_skipped)
{
	if (geteuid() != 0)
		SKIP("giving a file to another user needs root");
	_cleanup_free_ char *a = mkdir_tmp();
	_cleanup_free_ char *s1 = spec_of("example.com/test", "theirs", "T=1");
	put(a, "theirs.json", s1, 0644);
	_cleanup_free_ char *p = path_join(a, "theirs.json");
	CHECK(chown(p, 4242, 4242) == 0);
	struct cdi_registry reg;
	struct strv warn = {0};
	struct clan_err err;
	CHECK(cdi_registry_load(a, &reg, &warn, &err) == 0);
	CHECK(reg.n == 0 && warn.n == 1 && strstr(warn.v[0], "owned by another user"));
	cdi_registry_free(&reg);
	strv_free(&warn);
	struct clan_err ignored;
	remove_tree(a, &ignored);
}

TEST(huge_and_malformed_files_stop_the_load)
{
	_cleanup_free_ char *a = mkdir_tmp();
	_cleanup_free_ char *p = path_join(a, "huge.json");
	int fd = open(p, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	CHECK(fd >= 0 && ftruncate(fd, (off_t)CDI_SPEC_MAX * 4) == 0);
	if (fd >= 0)
		close(fd);
	struct cdi_registry reg;
	struct strv warn = {0};
	struct clan_err err;
	CHECK(cdi_registry_load(a, &reg, &warn, &err) < 0);
	CHECK(err.code == CLAN_EXIT_USAGE && strstr(err.msg, "huge.json") &&
	      strstr(err.msg, "larger than"));
	cdi_registry_free(&reg);
	CHECK(unlink(p) == 0);
	put(a, "bad.yaml", "kind: [\n", 0644);
	CHECK(cdi_registry_load(a, &reg, &warn, &err) < 0);
	CHECK(err.code == CLAN_EXIT_USAGE && strstr(err.msg, "bad.yaml"));
	cdi_registry_free(&reg);
	CHECK(cdi_registry_load("relative/dir", &reg, &warn, &err) < 0);
	cdi_registry_free(&reg);
	strv_free(&warn);
	struct clan_err ignored;
	remove_tree(a, &ignored);
}

/* --- devices_apply: what a container gets ----------------------------- */

static int apply(const char *dirs, const char *device, struct container_spec *s,
		 struct clan_err *err)
{
	spec_init(s);
	setenv(CDI_DIRS_ENV, dirs, 1);
	strv_push(&s->devices, device);
	err->msg[0] = '\0';
	int rc = devices_apply(s, err);
	unsetenv(CDI_DIRS_ENV);
	return rc;
}

TEST(apply_gives_nodes_mounts_env)
{
	_cleanup_free_ char *a = mkdir_tmp();
	put(a, "t.json", json_spec, 0644);
	struct container_spec s;
	struct clan_err err;
	CHECK(apply(a, "example.com/test=null", &s, &err) == 0);
	CHECK(s.nbinds == 3);
	if (s.nbinds == 3) {
		CHECK(s.binds[0].device && strcmp(s.binds[0].dst, "/dev/cdi-null") == 0 &&
		      !s.binds[0].ro && s.binds[0].pin_fd >= 0);
		CHECK(s.binds[1].device && s.binds[1].ro);
		CHECK(!s.binds[2].device && s.binds[2].ro && strcmp(s.binds[2].dst, "/cdi") == 0);
	}
	CHECK(strv_contains(&s.env, "CDI_TEST=1") && strv_contains(&s.env, "SPEC_WIDE=yes"));
	spec_free(&s);
	/* =all: the spec's own edits once */
	CHECK(apply(a, "example.com/test=all", &s, &err) == 0);
	size_t wide = 0;
	for (size_t i = 0; i < s.env.n; i++)
		wide += strcmp(s.env.v[i], "SPEC_WIDE=yes") == 0;
	CHECK(wide == 1 && strv_contains(&s.env, "ZERO=1"));
	spec_free(&s);
	struct clan_err ignored;
	remove_tree(a, &ignored);
}

TEST(apply_refuses_hooks_and_non_devices)
{
	_cleanup_free_ char *a = mkdir_tmp();
	put(a, "h.json",
	    "{\"cdiVersion\":\"0.6.0\",\"kind\":\"example.com/hook\",\"devices\":[{\"name\":\"d\","
	    "\"containerEdits\":{\"hooks\":[{\"hookName\":\"createContainer\",\"path\":\"/bin/"
	    "true\"}]}}]}",
	    0644);
	put(a, "f.json",
	    "{\"cdiVersion\":\"0.6.0\",\"kind\":\"example.com/file\",\"devices\":[{\"name\":\"d\","
	    "\"containerEdits\":{\"deviceNodes\":[{\"path\":\"/dev/x\",\"hostPath\":\"/etc/"
	    "passwd\"}]}}]}",
	    0644);
	struct container_spec s;
	struct clan_err err;
	CHECK(apply(a, "example.com/hook=d", &s, &err) < 0);
	CHECK(err.code == CLAN_EXIT_USAGE &&
	      strstr(err.msg, "CDI hooks need a runtime with root") &&
	      strstr(err.msg, "example.com/hook=d") && strstr(err.msg, "createContainer"));
	spec_free(&s);
	CHECK(apply(a, "example.com/file=d", &s, &err) < 0);
	CHECK(err.code == CLAN_EXIT_USAGE && strstr(err.msg, "/etc/passwd is a regular file"));
	spec_free(&s);
	CHECK(apply(a, "/tmp", &s, &err) < 0);
	CHECK(err.code == CLAN_EXIT_USAGE && strstr(err.msg, "/tmp is a directory"));
	spec_free(&s);
	CHECK(apply(a, "/dev/null:/dev/n:r", &s, &err) == 0);
	CHECK(s.nbinds == 1 && s.binds[0].device && s.binds[0].ro);
	spec_free(&s);
	CHECK(apply(a, "/nonexistent/dev", &s, &err) < 0);
	CHECK(err.code == CLAN_EXIT_USAGE && strstr(err.msg, "No such file"));
	spec_free(&s);
	struct clan_err ignored;
	remove_tree(a, &ignored);
}

/* A device open to the user through a group only: a subuid container
 * would drop that group (container_prep.c refuses it with the fix). */
TEST(device_group_only)
{
	struct stat st = {.st_uid = 0, .st_gid = 20, .st_mode = S_IFCHR | 0660};
	CHECK(device_group_only(&st, 1000, R_OK | W_OK)); /* root:dialout 0660 */
	st.st_mode = S_IFCHR | 0666;
	CHECK(!device_group_only(&st, 1000, R_OK | W_OK)); /* /dev/null */
	st.st_mode = S_IFCHR | 0664;
	CHECK(!device_group_only(&st, 1000, R_OK)); /* others may read */
	CHECK(device_group_only(&st, 1000, R_OK | W_OK));
	st.st_uid = 1000;
	st.st_mode = S_IFCHR | 0600;
	CHECK(!device_group_only(&st, 1000, R_OK | W_OK)); /* the user's own */
	st.st_mode = S_IFCHR | 0460;
	CHECK(device_group_only(&st, 1000, R_OK | W_OK)); /* owner may not write */
	CHECK(!device_group_only(&st, 0, R_OK | W_OK));	  /* root needs no group */
}
