/* Unit tests for the control socket's request parser (sup_request.c). */
#define _GNU_SOURCE
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "supervisor/sup_request.h"
#include "tap.h"

static const char *const names[] = {"db", "web", "worker"};

TEST(operations_and_targets)
{
	struct ctl_request r;
	CHECK(ctl_request_parse("{\"op\":\"ps\"}", names, 3, &r) == 0);
	CHECK_STR(r.op, "ps");
	CHECK(r.targets == NULL);
	CHECK(ctl_request_parse("{\"op\":\"restart\",\"services\":[\"web\"]}", names, 3, &r) == 0);
	CHECK_STR(r.op, "restart");
	CHECK(r.targets && !r.targets[0] && r.targets[1] && !r.targets[2]);
	free(r.targets);
	/* no list, or an empty one: every service */
	CHECK(ctl_request_parse("{\"op\":\"stop\",\"services\":[]}", names, 3, &r) == 0);
	CHECK(r.targets && r.targets[0] && r.targets[1] && r.targets[2]);
	free(r.targets);
	CHECK(ctl_request_parse("{\"op\":\"start\"}", names, 3, &r) == 0);
	CHECK(r.targets && r.targets[0] && r.targets[1] && r.targets[2]);
	free(r.targets);
}

TEST(refusals)
{
	struct ctl_request r;
	CHECK(ctl_request_parse("", names, 3, &r) < 0);
	CHECK_STR(r.error, "bad request");
	CHECK(ctl_request_parse("{\"op\":1}", names, 3, &r) < 0);
	CHECK_STR(r.error, "bad request");
	CHECK(ctl_request_parse("{\"op\":\"rm -rf\"}", names, 3, &r) < 0);
	CHECK_STR(r.error, "unknown operation");
	CHECK(ctl_request_parse("{\"op\":\"stop\",\"services\":[\"web\",\"nope\"]}", names, 3, &r) <
	      0);
	CHECK_STR(r.error, "no such service: nope");
	CHECK(r.targets == NULL && r.op == NULL);
	CHECK(ctl_request_parse("{\"op\":\"stop\",\"services\":[7]}", names, 3, &r) < 0);
	CHECK_STR(r.error, "no such service: ?");
	/* a string is not a list: before, it meant every service */
	CHECK(ctl_request_parse("{\"op\":\"stop\",\"services\":\"web\"}", names, 3, &r) < 0);
	CHECK_STR(r.error, "bad request: services is not a list");
}

/* A whole service config, as up -d sends it for web. */
#define WEB_CONFIG                                                                              \
	"{\"name\":\"web\",\"profile\":null,\"image\":\"dir:/r\",\"entrypoint\":[],"            \
	"\"command\":[\"sleep\",\"1\"],\"working_dir\":null,\"user\":null,"                     \
	"\"environment\":[\"A=1\"],\"ports\":[{\"ip\":\"127.0.0.1\",\"host\":8080,"             \
	"\"container\":80,\"count\":1,\"proto\":\"tcp\"}],\"mounts\":[{\"volume\":\"data\","    \
	"\"src\":null,\"dst\":\"/data\",\"ro\":false}],\"depends_on\":[\"db\"],\"aliases\":[]," \
	"\"healthcheck\":null,\"restart\":\"no\",\"stop_grace_ms\":10000,\"stop_signal\":15,"   \
	"\"seccomp\":null}"

TEST(up_and_config)
{
	struct ctl_request r;
	CHECK(ctl_request_parse("{\"op\":\"config\"}", names, 3, &r) == 0);
	CHECK_STR(r.op, "config");
	CHECK(r.targets == NULL && r.recreate == NULL);
	/* up: an empty list starts nothing (not everything, as for start) */
	CHECK(ctl_request_parse("{\"op\":\"up\"}", names, 3, &r) == 0);
	CHECK_STR(r.op, "up");
	CHECK(r.targets && !r.targets[0] && !r.targets[1] && !r.targets[2]);
	CHECK(r.recreate && !r.recreate[0].name && !r.recreate[1].name);
	ctl_request_free(&r);
	CHECK(ctl_request_parse("{\"op\":\"up\",\"services\":[\"db\"],\"recreate\":[" WEB_CONFIG
				"]}",
				names, 3, &r) == 0);
	CHECK(r.targets[0] && !r.targets[1]);
	CHECK(!r.recreate[0].name && r.recreate[1].name && !r.recreate[2].name);
	CHECK_STR(r.recreate[1].image, "dir:/r");
	CHECK(r.recreate[1].environment.n == 1 && r.recreate[1].nports == 1 &&
	      r.recreate[1].ports[0].host_port == 8080 && r.recreate[1].nmounts == 1);
	CHECK_STR(r.recreate[1].mounts[0].volume, "data");
	CHECK(r.recreate[1].stop_signal == 15 && !r.recreate[1].has_health);
	ctl_request_free(&r);
	CHECK(r.targets == NULL && r.recreate == NULL);
}

TEST(up_refusals)
{
	struct ctl_request r;
	CHECK(ctl_request_parse("{\"op\":\"up\",\"recreate\":\"web\"}", names, 3, &r) < 0);
	CHECK_STR(r.error, "bad request: recreate is not a list");
	CHECK(r.op == NULL && r.targets == NULL && r.recreate == NULL);
	CHECK(ctl_request_parse("{\"op\":\"up\",\"recreate\":[{\"name\":\"web\"}]}", names, 3, &r) <
	      0);
	CHECK(strncmp(r.error, "bad service config", 18) == 0);
	CHECK(r.recreate == NULL);
	CHECK(ctl_request_parse("{\"op\":\"up\",\"recreate\":[" WEB_CONFIG "," WEB_CONFIG "]}",
				names, 3, &r) < 0);
	CHECK_STR(r.error, "bad request: recreates twice: web");
	CHECK(ctl_request_parse("{\"op\":\"up\",\"services\":[\"cache\"]}", names, 3, &r) < 0);
	CHECK_STR(r.error, "no such service: cache");
	/* web's config sent for a stack without web */
	static const char *const other[] = {"db", "worker"};
	CHECK(ctl_request_parse("{\"op\":\"up\",\"recreate\":[" WEB_CONFIG "]}", other, 2, &r) < 0);
	CHECK_STR(r.error, "bad service config: name is not a service of the stack");
}

/* compose's verbs: kill's signal, down/stop -t, up --no-deps */
TEST(kill_timeout_no_deps)
{
	struct ctl_request r;
	CHECK(ctl_request_parse("{\"op\":\"kill\",\"services\":[\"db\"]}", names, 3, &r) == 0);
	CHECK_STR(r.op, "kill");
	CHECK(r.signal == SIGKILL && r.timeout_s == -1 && !r.no_deps);
	CHECK(r.targets && r.targets[0] && !r.targets[1]);
	ctl_request_free(&r);
	CHECK(ctl_request_parse("{\"op\":\"kill\",\"signal\":1}", names, 3, &r) == 0);
	CHECK(r.signal == SIGHUP && r.targets[0] && r.targets[1] && r.targets[2]);
	ctl_request_free(&r);
	CHECK(ctl_request_parse("{\"op\":\"down\",\"timeout\":0}", names, 3, &r) == 0);
	CHECK(r.timeout_s == 0);
	ctl_request_free(&r);
	CHECK(ctl_request_parse("{\"op\":\"up\",\"services\":[\"web\"],\"no_deps\":true}", names, 3,
				&r) == 0);
	CHECK(r.no_deps && r.targets[1] && !r.targets[0]);
	ctl_request_free(&r);
	CHECK(ctl_request_parse("{\"op\":\"kill\",\"signal\":0}", names, 3, &r) < 0);
	CHECK_STR(r.error, "bad request: signal is not 1 to 64");
	CHECK(ctl_request_parse("{\"op\":\"kill\",\"signal\":\"TERM\"}", names, 3, &r) < 0);
	CHECK(ctl_request_parse("{\"op\":\"stop\",\"timeout\":-1}", names, 3, &r) < 0);
	CHECK_STR(r.error, "bad request: timeout is not 0 to 86400 seconds");
	CHECK(ctl_request_parse("{\"op\":\"stop\",\"timeout\":86401}", names, 3, &r) < 0);
	CHECK(ctl_request_parse("{\"op\":\"up\",\"no_deps\":1}", names, 3, &r) < 0);
	CHECK(r.op == NULL && r.targets == NULL);
}
