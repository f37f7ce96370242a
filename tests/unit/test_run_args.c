/* Unit tests for launcher/cli/run_args: `clan run` flags into
 * a container_spec, volumes, -e, --env-file text and every refusal. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "base/debug.h"
#include "cli/run_args.h"
#include "tap.h"
#include "base/util.h"

/* Parses a NULL-terminated argv ("run" first). */
static int parse_argv(const char *const *argv, struct run_args *a, struct clan_err *err)
{
	int argc = 0;
	while (argv[argc])
		argc++;
	err->code = 0;
	err->msg[0] = '\0';
	return run_args_parse(argc, (char **)argv, a, err);
}

#define PARSE(a, err, ...) parse_argv((const char *const[]){"run", __VA_ARGS__, NULL}, a, err)

TEST(defaults)
{
	struct run_args a;
	struct clan_err err;
	unsetenv("CLAN_DEBUG");
	CHECK(PARSE(&a, &err, "img") == 0);
	CHECK_STR(a.spec.image_ref, "img");
	CHECK(a.spec.cmd.n == 0);
	CHECK(a.spec.env.n == 0 && a.env_files.n == 0 && a.spec.nbinds == 0);
	CHECK(!a.spec.tty && !a.spec.interactive && !a.spec.rm && !a.spec.init && !clan_debug_on());
	CHECK(!a.help);
	CHECK(a.spec.net == NET_SLIRP && a.spec.userns == USERNS_AUTO);
	CHECK(a.spec.nports == 0 && !a.spec.port_handler_slirp && !a.spec.allow_host_loopback);
	CHECK(!a.spec.workdir && !a.spec.user && !a.spec.hostname && !a.spec.name);
	run_args_free(&a);
}

TEST(short_cluster_it)
{
	struct run_args a;
	struct clan_err err;
	CHECK(PARSE(&a, &err, "-it", "img", "sh") == 0);
	CHECK(a.spec.tty && a.spec.interactive);
	CHECK_STR(a.spec.image_ref, "img");
	CHECK(a.spec.cmd.n == 1);
	CHECK_STR(a.spec.cmd.v[0], "sh");
	CHECK(a.spec.cmd.v[1] == NULL);
	run_args_free(&a);

	CHECK(PARSE(&a, &err, "-t", "-i", "img") == 0);
	CHECK(a.spec.tty && a.spec.interactive);
	run_args_free(&a);

	CHECK(PARSE(&a, &err, "--tty", "--interactive", "img") == 0);
	CHECK(a.spec.tty && a.spec.interactive);
	run_args_free(&a);
}

TEST(volumes)
{
	struct run_args a;
	struct clan_err err;
	CHECK(PARSE(&a, &err, "-v/a:/b", "img") == 0);
	CHECK(a.spec.nbinds == 1);
	CHECK_STR(a.spec.binds[0].src, "/a");
	CHECK_STR(a.spec.binds[0].dst, "/b");
	CHECK(!a.spec.binds[0].ro);
	run_args_free(&a);

	CHECK(PARSE(&a, &err, "-v", "/a:/b:ro", "img") == 0);
	CHECK(a.spec.nbinds == 1 && a.spec.binds[0].ro);
	CHECK_STR(a.spec.binds[0].dst, "/b");
	run_args_free(&a);

	CHECK(PARSE(&a, &err, "--volume=/a:/b", "--volume", "./c:/d:rw", "-itv/e:/f:ro", "img") ==
	      0);
	CHECK(a.spec.nbinds == 3);
	CHECK(a.spec.tty && a.spec.interactive);
	if (a.spec.nbinds == 3) {
		CHECK_STR(a.spec.binds[0].src, "/a");
		CHECK_STR(a.spec.binds[1].src, "./c");
		CHECK_STR(a.spec.binds[1].dst, "/d");
		CHECK(!a.spec.binds[1].ro);
		CHECK_STR(a.spec.binds[2].src, "/e");
		CHECK(a.spec.binds[2].ro);
	}
	run_args_free(&a);

	/* a bad volume: error, and what was parsed is freed by run_args_free */
	CHECK(PARSE(&a, &err, "-v", "/a:/b", "-v", "nope", "img") < 0);
	CHECK(err.code == 2);
	CHECK_STR(err.msg, "run: bad volume 'nope': expected SRC:DST[:ro]");
	run_args_free(&a);
}

TEST(env_flags)
{
	struct run_args a;
	struct clan_err err;
	setenv("CLAN_TEST_SET", "from host", 1);
	unsetenv("CLAN_TEST_UNSET");
	CHECK(PARSE(&a, &err, "-e", "K=V", "--env=A=b=c", "-eCLAN_TEST_SET", "--env",
		    "CLAN_TEST_UNSET", "-e", "E=", "img") == 0);
	CHECK(a.spec.env.n == 4);
	if (a.spec.env.n == 4) {
		CHECK_STR(a.spec.env.v[0], "K=V");
		CHECK_STR(a.spec.env.v[1], "A=b=c");
		CHECK_STR(a.spec.env.v[2], "CLAN_TEST_SET=from host");
		CHECK_STR(a.spec.env.v[3], "E=");
	}
	run_args_free(&a);

	CHECK(PARSE(&a, &err, "-e", "=x", "img") < 0);
	CHECK(err.code == 2);
	CHECK_STR(err.msg, "run: bad environment variable '=x': expected K=V");
	run_args_free(&a);
	unsetenv("CLAN_TEST_SET");
}

TEST(env_files_collected_not_read)
{
	struct run_args a;
	struct clan_err err;
	CHECK(PARSE(&a, &err, "--env-file", "/nonexistent/a.env", "--env-file=b.env", "img") == 0);
	CHECK(a.env_files.n == 2);
	if (a.env_files.n == 2) {
		CHECK_STR(a.env_files.v[0], "/nonexistent/a.env");
		CHECK_STR(a.env_files.v[1], "b.env");
	}
	CHECK(a.spec.env.n == 0);
	run_args_free(&a);
}

TEST(network)
{
	struct run_args a;
	struct clan_err err;
	CHECK(PARSE(&a, &err, "--network", "none", "img") == 0);
	CHECK(a.spec.net == NET_NONE);
	run_args_free(&a);
	CHECK(PARSE(&a, &err, "--network=host", "img") == 0);
	CHECK(a.spec.net == NET_HOST);
	run_args_free(&a);
	CHECK(PARSE(&a, &err, "--net", "none", "img") == 0);
	CHECK(a.spec.net == NET_NONE);
	run_args_free(&a);
	CHECK(PARSE(&a, &err, "--network", "host", "--network", "slirp4netns", "img") == 0);
	CHECK(a.spec.net == NET_SLIRP);
	run_args_free(&a);
	CHECK(PARSE(&a, &err, "--network",
		    "slirp4netns:port_handler=slirp4netns,allow_host_loopback=true", "img") == 0);
	CHECK(a.spec.net == NET_SLIRP && a.spec.port_handler_slirp && a.spec.allow_host_loopback);
	run_args_free(&a);
	CHECK(PARSE(&a, &err, "--network", "container:db", "img") == 0);
	CHECK(a.spec.net == NET_CONTAINER);
	CHECK_STR(a.spec.net_container, "db");
	run_args_free(&a);
	CHECK(PARSE(&a, &err, "--network", "bogus", "img") < 0);
	CHECK(err.code == 2);
	CHECK_STR(err.msg, "run: bad --network 'bogus': unknown network (slirp4netns, none, "
			   "host or container:NAME)");
	run_args_free(&a);
	CHECK(PARSE(&a, &err, "--network=", "img") < 0);
	CHECK(err.code == 2);
	run_args_free(&a);
	CHECK(PARSE(&a, &err, "--network", "container:", "img") < 0);
	CHECK(strstr(err.msg, "container: needs a name") != NULL);
	run_args_free(&a);
	CHECK(PARSE(&a, &err, "--network", "host:x=y", "img") < 0);
	CHECK(strstr(err.msg, "only slirp4netns takes options") != NULL);
	run_args_free(&a);
	CHECK(PARSE(&a, &err, "--network", "slirp4netns:mtu=1500", "img") < 0);
	CHECK(strstr(err.msg, "unknown option") != NULL);
	run_args_free(&a);
}

TEST(publish)
{
	struct run_args a;
	struct clan_err err;
	CHECK(PARSE(&a, &err, "-p", "8080:80", "--publish=0.0.0.0:5353:53/udp", "img") == 0);
	CHECK(a.spec.nports == 2);
	CHECK_STR(a.spec.ports[0].host_ip, "127.0.0.1");
	CHECK(a.spec.ports[0].host_port == 8080 && a.spec.ports[0].container_port == 80);
	CHECK_STR(a.spec.ports[1].host_ip, "0.0.0.0");
	CHECK(a.spec.ports[1].proto == PORT_UDP);
	run_args_free(&a);
	/* the same host port twice */
	CHECK(PARSE(&a, &err, "-p", "8080:80", "-p", "0.0.0.0:8080:81", "img") < 0);
	CHECK(err.code == 2);
	CHECK_STR(err.msg, "run: -p 0.0.0.0:8080:81: host port 8080 is published twice");
	run_args_free(&a);
	/* tcp and udp may share a number */
	CHECK(PARSE(&a, &err, "-p", "5353:53", "-p", "5353:53/udp", "img") == 0);
	run_args_free(&a);
	CHECK(PARSE(&a, &err, "-p", "80x", "img") < 0);
	CHECK(strncmp(err.msg, "run: bad port '80x'", 19) == 0);
	run_args_free(&a);
	/* -p without a network of its own */
	CHECK(PARSE(&a, &err, "--network", "host", "-p", "8080:80", "img") < 0);
	CHECK(err.code == 2);
	CHECK(strstr(err.msg, "-p needs a network of the container's own") != NULL);
	run_args_free(&a);
	CHECK(PARSE(&a, &err, "-p", "8080:80", "--network", "none", "img") < 0);
	run_args_free(&a);
}

TEST(add_host)
{
	struct run_args a;
	struct clan_err err;
	CHECK(PARSE(&a, &err, "--add-host", "db.local:192.0.2.5", "--add-host", "v6=::1", "img") ==
	      0);
	CHECK(a.spec.add_hosts.n == 2);
	CHECK_STR(a.spec.add_hosts.v[0], "192.0.2.5\tdb.local");
	CHECK_STR(a.spec.add_hosts.v[1], "::1\tv6");
	CHECK(!a.spec.allow_host_loopback);
	run_args_free(&a);
	/* host-gateway opens host loopback: the user asked for the host */
	CHECK(PARSE(&a, &err, "--add-host", "dev:host-gateway", "img") == 0);
	CHECK_STR(a.spec.add_hosts.v[0], "10.0.2.2\tdev");
	CHECK(a.spec.allow_host_loopback);
	run_args_free(&a);
	CHECK(PARSE(&a, &err, "--add-host", "nocolon", "img") < 0);
	CHECK_STR(err.msg, "run: bad --add-host 'nocolon': expected NAME:IP");
	run_args_free(&a);
	CHECK(PARSE(&a, &err, "--add-host", "x:999.1.1.1", "img") < 0);
	CHECK_STR(err.msg, "run: bad --add-host 'x:999.1.1.1': '999.1.1.1' is not an IP address");
	run_args_free(&a);
	CHECK(PARSE(&a, &err, "--add-host", "bad name:1.2.3.4", "img") < 0);
	run_args_free(&a);
	/* RFC 1123: no label starts or ends with '-' (a leading one was taken) */
	static const char *const bad[] = {"-db:1.2.3.4", "db-:1.2.3.4", "a..b:1.2.3.4"};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		CHECK(PARSE(&a, &err, "--add-host", bad[i], "img") < 0);
		run_args_free(&a);
	}
	CHECK(PARSE(&a, &err, "--add-host", "my_db.local:1.2.3.4", "img") == 0);
	run_args_free(&a);
}

TEST(userns)
{
	struct run_args a;
	struct clan_err err;
	CHECK(PARSE(&a, &err, "--userns", "single", "img") == 0);
	CHECK(a.spec.userns == USERNS_SINGLE);
	run_args_free(&a);
	CHECK(PARSE(&a, &err, "--userns=subuid", "img") == 0);
	CHECK(a.spec.userns == USERNS_SUBUID);
	run_args_free(&a);
	CHECK(PARSE(&a, &err, "--userns", "auto", "img") == 0);
	CHECK(a.spec.userns == USERNS_AUTO);
	run_args_free(&a);
	CHECK(PARSE(&a, &err, "--userns", "host", "img") == 0);
	CHECK(a.spec.userns == USERNS_HOST);
	run_args_free(&a);
	CHECK(PARSE(&a, &err, "--userns", "root", "img") < 0);
	CHECK(err.code == 2);
	CHECK_STR(err.msg, "run: bad --userns 'root': expected auto, single, subuid or host");
	run_args_free(&a);
}

TEST(name_init_rm_and_strings)
{
	struct run_args a;
	struct clan_err err;
	unsetenv("CLAN_DEBUG");
	CHECK(PARSE(&a, &err, "--name", "first", "--name=web", "--init", "--rm", "--debug",
		    "--hostname", "box", "-u", "1000:100", "-w", "/src", "img") == 0);
	CHECK_STR(a.spec.name, "web"); /* the last one wins */
	/* run --debug is the global --debug: CLAN_DEBUG for what run starts */
	CHECK(a.spec.init && a.spec.rm && clan_debug_on());
	unsetenv("CLAN_DEBUG");
	CHECK_STR(a.spec.hostname, "box");
	CHECK_STR(a.spec.user, "1000:100");
	CHECK_STR(a.spec.workdir, "/src");
	run_args_free(&a);

	CHECK(PARSE(&a, &err, "--user=alice", "--workdir=/", "img") == 0);
	CHECK_STR(a.spec.user, "alice");
	CHECK_STR(a.spec.workdir, "/");
	run_args_free(&a);
}

TEST(workdir_must_be_absolute)
{
	struct run_args a;
	struct clan_err err;
	CHECK(PARSE(&a, &err, "-w", "relative", "img") < 0);
	CHECK(err.code == 2);
	CHECK_STR(err.msg, "run: bad --workdir 'relative': must be absolute");
	run_args_free(&a);
	CHECK(PARSE(&a, &err, "--workdir=", "img") < 0);
	CHECK(err.code == 2);
	CHECK_STR(err.msg, "run: bad --workdir '': must be absolute");
	run_args_free(&a);
}

TEST(unknown_flags)
{
	struct run_args a;
	struct clan_err err;
	CHECK(PARSE(&a, &err, "--bogus", "img") < 0);
	CHECK(err.code == 2);
	CHECK_STR(err.msg, "run: unknown flag '--bogus' (see clan run --help)");
	run_args_free(&a);

	CHECK(PARSE(&a, &err, "--bogus=1", "img") < 0);
	CHECK_STR(err.msg, "run: unknown flag '--bogus' (see clan run --help)");
	run_args_free(&a);

	/* a long name is not matched by prefix */
	CHECK(PARSE(&a, &err, "--netw", "none", "img") < 0);
	CHECK_STR(err.msg, "run: unknown flag '--netw' (see clan run --help)");
	run_args_free(&a);

	CHECK(PARSE(&a, &err, "-x", "img") < 0);
	CHECK(err.code == 2);
	CHECK_STR(err.msg, "run: unknown flag '-x' (see clan run --help)");
	run_args_free(&a);

	CHECK(PARSE(&a, &err, "-itx", "img") < 0);
	CHECK(err.code == 2);
	CHECK_STR(err.msg, "run: unknown flag '-x' (see clan run --help)");
	run_args_free(&a);

	CHECK(PARSE(&a, &err, "---", "img") < 0);
	CHECK(err.code == 2);
	CHECK_STR(err.msg, "run: unknown flag '---' (see clan run --help)");
	run_args_free(&a);
}

TEST(missing_and_unwanted_values)
{
	struct run_args a;
	struct clan_err err;
	CHECK(PARSE(&a, &err, "-v") < 0);
	CHECK(err.code == 2);
	CHECK_STR(err.msg, "run: flag '-v' needs a value");
	run_args_free(&a);

	CHECK(PARSE(&a, &err, "--name") < 0);
	CHECK(err.code == 2);
	CHECK_STR(err.msg, "run: flag '--name' needs a value");
	run_args_free(&a);

	CHECK(PARSE(&a, &err, "-it", "-e") < 0);
	CHECK_STR(err.msg, "run: flag '-e' needs a value");
	run_args_free(&a);

	CHECK(PARSE(&a, &err, "--rm=1", "img") < 0);
	CHECK(err.code == 2);
	CHECK_STR(err.msg, "run: flag '--rm' takes no value");
	run_args_free(&a);

	/* the next word is the value, even when it looks like a flag */
	CHECK(PARSE(&a, &err, "--name", "--rm", "img") == 0);
	CHECK_STR(a.spec.name, "--rm");
	CHECK(!a.spec.rm);
	run_args_free(&a);
}

TEST(missing_image)
{
	struct run_args a;
	struct clan_err err;
	CHECK(PARSE(&a, &err, "--rm") < 0);
	CHECK(err.code == 2);
	CHECK_STR(err.msg, "run: missing IMAGE (e.g. clan run --rm dir:/path/rootfs sh)");
	run_args_free(&a);

	CHECK(PARSE(&a, &err, "--rm", "--") < 0);
	CHECK(err.code == 2);
	run_args_free(&a);

	CHECK(parse_argv((const char *const[]){"run", NULL}, &a, &err) < 0);
	CHECK(err.code == 2);
	run_args_free(&a);
}

/* Runs PARSE with stdout on /dev/null: --help prints the usage there. */
static int parse_quiet(const char *const *argv, struct run_args *a, struct clan_err *err)
{
	fflush(stdout);
	int saved = dup(STDOUT_FILENO);
	int null = open("/dev/null", O_WRONLY | O_CLOEXEC);
	dup2(null, STDOUT_FILENO);
	int rc = parse_argv(argv, a, err);
	fflush(stdout);
	dup2(saved, STDOUT_FILENO);
	close(saved);
	close(null);
	return rc;
}

TEST(help)
{
	struct run_args a;
	struct clan_err err;
	CHECK(parse_quiet((const char *const[]){"run", "--help", NULL}, &a, &err) == 0);
	CHECK(a.help);
	CHECK(a.spec.image_ref == NULL);
	run_args_free(&a);
	CHECK(parse_quiet((const char *const[]){"run", "-h", NULL}, &a, &err) == 0);
	CHECK(a.help);
	run_args_free(&a);
	/* after IMAGE, --help is the command's */
	CHECK(PARSE(&a, &err, "img", "--help") == 0);
	CHECK(!a.help);
	CHECK(a.spec.cmd.n == 1);
	run_args_free(&a);
}

/* docker run's order: options before IMAGE only; after it every word
 * is the command's */
TEST(options_end_at_image)
{
	struct run_args a;
	struct clan_err err;
	CHECK(PARSE(&a, &err, "-it", "img", "--rm", "-e", "X=1") == 0);
	CHECK(a.spec.tty && a.spec.interactive);
	CHECK(!a.spec.rm && a.spec.env.n == 0);
	CHECK(a.spec.cmd.n == 3);
	CHECK_STR(a.spec.cmd.v[0], "--rm");
	run_args_free(&a);
}

TEST(double_dash)
{
	struct run_args a;
	struct clan_err err;
	CHECK(PARSE(&a, &err, "--rm", "--", "img", "-x") == 0);
	CHECK(a.spec.rm);
	CHECK_STR(a.spec.image_ref, "img");
	CHECK(a.spec.cmd.n == 1);
	CHECK_STR(a.spec.cmd.v[0], "-x");
	run_args_free(&a);

	/* after --, a flag-looking word is the image */
	CHECK(PARSE(&a, &err, "--", "--rm") == 0);
	CHECK(!a.spec.rm);
	CHECK_STR(a.spec.image_ref, "--rm");
	run_args_free(&a);

	/* a lone "-" is an operand */
	CHECK(PARSE(&a, &err, "-", "x") == 0);
	CHECK_STR(a.spec.image_ref, "-");
	CHECK(a.spec.cmd.n == 1);
	run_args_free(&a);
}

TEST(command_args_kept_verbatim)
{
	struct run_args a;
	struct clan_err err;
	CHECK(PARSE(&a, &err, "-t", "dir:/r", "ls", "-la", "--rm", "--", "-e", "x", "", "a b") ==
	      0);
	CHECK(!a.spec.rm && a.spec.env.n == 0);
	CHECK_STR(a.spec.image_ref, "dir:/r");
	static const char *const want[] = {"ls", "-la", "--rm", "--", "-e", "x", "", "a b"};
	CHECK(a.spec.cmd.n == ARRAY_SIZE(want));
	for (size_t i = 0; i < ARRAY_SIZE(want) && i < a.spec.cmd.n; i++)
		CHECK_STR(a.spec.cmd.v[i], want[i]);
	CHECK(a.spec.cmd.v && a.spec.cmd.v[a.spec.cmd.n] == NULL);
	run_args_free(&a);
}

TEST(parse_bind_cases)
{
	struct bind_spec b;
	struct clan_err err;
	CHECK(parse_bind("/a:/b", &b, &err) == 0);
	CHECK_STR(b.src, "/a");
	CHECK_STR(b.dst, "/b");
	CHECK(!b.ro);
	free(b.src);
	free(b.dst);
	CHECK(parse_bind("./rel/x:/b/c:ro", &b, &err) == 0);
	CHECK_STR(b.src, "./rel/x");
	CHECK_STR(b.dst, "/b/c");
	CHECK(b.ro);
	free(b.src);
	free(b.dst);
	CHECK(parse_bind("/a:/b:ro,z", &b, &err) == 0 && b.ro);
	free(b.src);
	free(b.dst);
	CHECK(parse_bind("/a:/b:ro,rw", &b, &err) == 0 && !b.ro); /* the last one wins */
	free(b.src);
	free(b.dst);
	CHECK(parse_bind("/a:/b:Z,rw", &b, &err) == 0 && !b.ro);
	free(b.src);
	free(b.dst);

	static const char *const bad[][2] = {
	    {"onlyone", "run: bad volume 'onlyone': expected SRC:DST[:ro]"},
	    {"", "run: bad volume '': expected SRC:DST[:ro]"},
	    {":/x", "run: bad volume ':/x': empty source path"},
	    {"/a:relative", "run: bad volume '/a:relative': the container path must be absolute"},
	    {"/a:", "run: bad volume '/a:': the container path must be absolute"},
	    {"/a:/b:bogus", "run: bad volume '/a:/b:bogus': unknown option 'bogus' (ro or rw)"},
	    {"/a:/b:ro,x", "run: bad volume '/a:/b:ro,x': unknown option 'x' (ro or rw)"},
	    {"/a:/b:ro:rw", "run: bad volume '/a:/b:ro:rw': unknown option 'ro:rw' (ro or rw)"},
	    {"vol:/x", "run: bad volume 'vol:/x': named volumes come with stacks; give a host path "
		       "(/abs or ./rel)"},
	    {"~/x:/x", "run: bad volume '~/x:/x': named volumes come with stacks; give a host path "
		       "(/abs or ./rel)"},
	};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		b = (struct bind_spec){0};
		err.code = 0;
		CHECK(parse_bind(bad[i][0], &b, &err) < 0);
		CHECK(err.code == 2);
		CHECK_STR(err.msg, bad[i][1]);
		CHECK(b.src == NULL && b.dst == NULL); /* nothing to free */
	}
}

static const char *fake_lookup(const char *k)
{
	if (strcmp(k, "HOSTVAR") == 0)
		return "host value";
	if (strcmp(k, "EMPTY") == 0)
		return "";
	return NULL;
}

TEST(parse_env_flag_cases)
{
	struct strv env = {0};
	struct clan_err err;
	CHECK(parse_env_flag("K=V", fake_lookup, &env, &err) == 0);
	CHECK(parse_env_flag("K=", fake_lookup, &env, &err) == 0);
	CHECK(parse_env_flag("HOSTVAR", fake_lookup, &env, &err) == 0);
	CHECK(parse_env_flag("EMPTY", fake_lookup, &env, &err) == 0);
	CHECK(parse_env_flag("UNSET", fake_lookup, &env, &err) == 0); /* nothing added */
	CHECK(parse_env_flag("a.b-c=1 2", fake_lookup, &env, &err) == 0);
	CHECK(env.n == 5);
	if (env.n == 5) {
		CHECK_STR(env.v[0], "K=V");
		CHECK_STR(env.v[1], "K=");
		CHECK_STR(env.v[2], "HOSTVAR=host value");
		CHECK_STR(env.v[3], "EMPTY=");
		CHECK_STR(env.v[4], "a.b-c=1 2");
	}
	/* every white space: "A\nB" was taken */
	static const char *const bad[] = {"=x",	   "=",	   "",	     "A B=1",
					  "A\t=1", " A=1", "A\nB=1", "A\rB"};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		char want[96];
		snprintf(want, sizeof want, "run: bad environment variable '%s': expected K=V",
			 bad[i]);
		err.code = 0;
		CHECK(parse_env_flag(bad[i], fake_lookup, &env, &err) < 0);
		CHECK(err.code == 2);
		CHECK_STR(err.msg, want);
	}
	CHECK(env.n == 5);
	strv_free(&env);
}

TEST(env_file_text)
{
	struct strv env = {0};
	struct clan_err err;
	const char *text = "# a comment\n"
			   "\n"
			   "A=1\r\n"
			   "   B=2\n"
			   "\tC=with spaces  \n"
			   "  # indented comment\n"
			   "HOSTVAR\n"
			   "UNSET\n"
			   "D=\"quoted\"\n"
			   "   \r\n"
			   "E=last";
	CHECK(parse_env_file_text(text, "f.env", fake_lookup, &env, &err) == 0);
	static const char *const want[] = {
	    "A=1", "B=2", "C=with spaces  ", "HOSTVAR=host value", "D=\"quoted\"", "E=last"};
	CHECK(env.n == ARRAY_SIZE(want));
	for (size_t i = 0; i < ARRAY_SIZE(want) && i < env.n; i++)
		CHECK_STR(env.v[i], want[i]);
	strv_free(&env);

	CHECK(parse_env_file_text("", "f.env", fake_lookup, &env, &err) == 0);
	CHECK(env.n == 0);
	CHECK(parse_env_file_text("\n\n# x\n", "f.env", fake_lookup, &env, &err) == 0);
	CHECK(env.n == 0);
	strv_free(&env);
}

TEST(env_file_bad_line)
{
	struct strv env = {0};
	struct clan_err err;
	err.code = 0;
	CHECK(parse_env_file_text("A=1\r\n=x\nB=2\n", "/p/f.env", fake_lookup, &env, &err) < 0);
	CHECK(err.code == 2);
	CHECK_STR(err.msg, "/p/f.env:2: bad line '=x': expected K=V");
	strv_free(&env);

	err.code = 0;
	CHECK(parse_env_file_text("# c\n\nA=1\nC = 3\n", "e", fake_lookup, &env, &err) < 0);
	CHECK(err.code == 2);
	CHECK_STR(err.msg, "e:4: bad line 'C = 3': expected K=V");
	strv_free(&env);

	err.code = 0;
	CHECK(parse_env_file_text("  =\r\n", "e", fake_lookup, &env, &err) < 0);
	CHECK_STR(err.msg, "e:1: bad line '=': expected K=V");
	strv_free(&env);
}

TEST(security_opt)
{
	struct run_args a;
	struct clan_err err;
	CHECK(PARSE(&a, &err, "img") == 0);
	CHECK(a.spec.seccomp == NULL);
	run_args_free(&a);
	CHECK(PARSE(&a, &err, "--security-opt", "seccomp=unconfined", "img") == 0);
	CHECK_STR(a.spec.seccomp, "unconfined");
	run_args_free(&a);
	/* docker's older colon form, and the last one wins */
	CHECK(PARSE(&a, &err, "--security-opt", "seccomp:/p.json",
		    "--security-opt=seccomp=./q.json", "img") == 0);
	CHECK_STR(a.spec.seccomp, "./q.json");
	run_args_free(&a);
	CHECK(PARSE(&a, &err, "--security-opt", "seccomp=unconfined", "--security-opt",
		    "seccomp=default", "img") == 0);
	CHECK(a.spec.seccomp == NULL);
	run_args_free(&a);
	CHECK(PARSE(&a, &err, "--security-opt", "no-new-privileges", "--security-opt",
		    "no-new-privileges:true", "img") == 0);
	CHECK(a.spec.seccomp == NULL);
	run_args_free(&a);
}

TEST(security_opt_refused)
{
	struct run_args a;
	struct clan_err err;
	CHECK(PARSE(&a, &err, "--security-opt", "apparmor=unconfined", "img") < 0);
	CHECK(err.code == 2);
	CHECK_STR(err.msg, "run: bad --security-opt 'apparmor=unconfined': unknown option "
			   "(seccomp=unconfined|FILE or no-new-privileges)");
	run_args_free(&a);
	CHECK(PARSE(&a, &err, "--security-opt", "seccomp=", "img") < 0);
	CHECK(err.code == 2 && strstr(err.msg, "seccomp= needs") != NULL);
	run_args_free(&a);
	CHECK(PARSE(&a, &err, "--security-opt", "no-new-privileges=false", "img") < 0);
	CHECK(err.code == 2 && strstr(err.msg, "always sets no-new-privileges") != NULL);
	run_args_free(&a);
	CHECK(PARSE(&a, &err, "--security-opt", "seccompx", "img") < 0);
	CHECK(err.code == 2);
	run_args_free(&a);
	CHECK(PARSE(&a, &err, "img", "--security-opt") == 0); /* the command's own flag */
	run_args_free(&a);
}

TEST(container_features_default_off)
{
	struct run_args a;
	struct clan_err err;
	CHECK(PARSE(&a, &err, "img") == 0);
	CHECK(a.spec.ntmpfs == 0 && !a.spec.read_only && a.spec.shm_size == 0);
	CHECK(a.spec.cap_add.n == 0 && a.spec.cap_drop.n == 0 && a.spec.nulimits == 0);
	run_args_free(&a);
}

TEST(tmpfs_read_only_shm_size)
{
	struct run_args a;
	struct clan_err err;
	CHECK(PARSE(&a, &err, "--tmpfs", "/run", "--tmpfs=/x:size=1m,mode=700,exec", "--read-only",
		    "--shm-size", "1g", "img") == 0);
	CHECK(a.spec.ntmpfs == 2 && a.spec.read_only);
	CHECK_STR(a.spec.tmpfs[0].dst, "/run");
	CHECK_STR(a.spec.tmpfs[1].dst, "/x");
	CHECK(a.spec.tmpfs[1].has_size && a.spec.tmpfs[1].size == 1048576);
	CHECK(a.spec.tmpfs[1].has_mode && a.spec.tmpfs[1].mode == 0700);
	CHECK(a.spec.shm_size == 1ULL << 30);
	run_args_free(&a);
	/* the last --shm-size wins; 0 is docker's default */
	CHECK(PARSE(&a, &err, "--shm-size", "1g", "--shm-size=0", "img") == 0);
	CHECK(a.spec.shm_size == 0);
	run_args_free(&a);
}

TEST(tmpfs_shm_size_refused)
{
	struct run_args a;
	struct clan_err err;
	CHECK(PARSE(&a, &err, "--tmpfs", "/x:mode=99999", "img") < 0);
	CHECK(err.code == 2 && strstr(err.msg, "run: bad tmpfs '/x:mode=99999'"));
	run_args_free(&a);
	CHECK(PARSE(&a, &err, "--tmpfs", "x", "img") < 0);
	CHECK(err.code == 2 && strstr(err.msg, "must be absolute"));
	run_args_free(&a);
	CHECK(PARSE(&a, &err, "--tmpfs", "/x:size=123456789012345678901234", "img") < 0);
	CHECK(err.code == 2);
	run_args_free(&a);
	CHECK(PARSE(&a, &err, "--shm-size", "-1", "img") < 0);
	CHECK(err.code == 2);
	CHECK_STR(err.msg, "run: bad --shm-size '-1': expected a size such as 64m, 512k, 1g or "
			   "bytes");
	run_args_free(&a);
	CHECK(PARSE(&a, &err, "--shm-size", "64q", "img") < 0);
	CHECK(err.code == 2);
	run_args_free(&a);
	CHECK(PARSE(&a, &err, "--read-only=true", "img") < 0);
	CHECK(err.code == 2 && strstr(err.msg, "takes no value"));
	run_args_free(&a);
}

TEST(caps_kept_as_given_in_order)
{
	struct run_args a;
	struct clan_err err;
	CHECK(PARSE(&a, &err, "--cap-drop", "ALL", "--cap-add", "net_bind_service", "--cap-add",
		    "CAP_CHOWN", "--cap-drop=cap_net_raw", "img") == 0);
	CHECK(a.spec.cap_add.n == 2 && a.spec.cap_drop.n == 2);
	CHECK_STR(a.spec.cap_add.v[0], "net_bind_service");
	CHECK_STR(a.spec.cap_add.v[1], "CAP_CHOWN");
	CHECK_STR(a.spec.cap_drop.v[0], "ALL");
	CHECK_STR(a.spec.cap_drop.v[1], "cap_net_raw");
	run_args_free(&a);
}

TEST(caps_unknown_refused)
{
	struct run_args a;
	struct clan_err err;
	CHECK(PARSE(&a, &err, "--cap-add", "CAP_NOPE", "img") < 0);
	CHECK(err.code == 2 && strstr(err.msg, "run: --cap-add: unknown capability 'CAP_NOPE'"));
	run_args_free(&a);
	CHECK(PARSE(&a, &err, "--cap-drop", "SYS_ADMN", "img") < 0);
	CHECK(err.code == 2);
	CHECK_STR(err.msg, "run: --cap-drop: unknown capability 'SYS_ADMN'; did you mean "
			   "CAP_SYS_ADMIN?");
	run_args_free(&a);
}

TEST(ulimits)
{
	struct run_args a;
	struct clan_err err;
	CHECK(PARSE(&a, &err, "--ulimit", "nofile=100:200", "--ulimit=core=-1", "--ulimit",
		    "nofile=50", "img") == 0);
	CHECK(a.spec.nulimits == 2);
	CHECK(a.spec.ulimits[0].soft == 50 && a.spec.ulimits[0].hard == 50);
	CHECK(a.spec.ulimits[1].soft == RLIM_INFINITY);
	run_args_free(&a);
	CHECK(PARSE(&a, &err, "--ulimit", "nofile=10:5", "img") < 0);
	CHECK(err.code == 2);
	CHECK_STR(err.msg, "run: bad ulimit 'nofile=10:5': the soft limit 10 is above the hard "
			   "limit 5");
	run_args_free(&a);
	CHECK(PARSE(&a, &err, "--ulimit", "nofle=1", "img") < 0);
	CHECK(err.code == 2 && strstr(err.msg, "did you mean nofile?"));
	run_args_free(&a);
}

TEST(devices)
{
	struct run_args a;
	struct clan_err err;
	CHECK(PARSE(&a, &err, "--device", "/dev/null:/dev/mynull", "--device=/dev/zero:r",
		    "--device", "example.com/test=all", "img") == 0);
	CHECK(a.spec.devices.n == 3);
	CHECK(a.spec.devices.n == 3 && strcmp(a.spec.devices.v[1], "/dev/zero:r") == 0);
	CHECK(a.spec.nbinds == 0); /* made binds by devices_apply, when the run starts */
	run_args_free(&a);
	CHECK(PARSE(&a, &err, "--device", "/dev/null:/dev/x:rwx", "img") < 0);
	CHECK(err.code == 2 && strncmp(err.msg,
				       "run: bad device '/dev/null:/dev/x:rwx': the "
				       "permissions",
				       45) == 0);
	run_args_free(&a);
	CHECK(PARSE(&a, &err, "--device", "gpu", "img") < 0);
	CHECK(err.code == 2 && strstr(err.msg, "not an absolute path"));
	run_args_free(&a);
}
