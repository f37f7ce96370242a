/* Unit tests for the control socket's request parser (sup_request.c). */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>

#include "sup_request.h"
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
	CHECK(ctl_request_parse("{\"op\":\"stop\",\"services\":[\"web\",\"nope\"]}", names, 3,
				&r) < 0);
	CHECK_STR(r.error, "no such service: nope");
	CHECK(r.targets == NULL && r.op == NULL);
	CHECK(ctl_request_parse("{\"op\":\"stop\",\"services\":[7]}", names, 3, &r) < 0);
	CHECK_STR(r.error, "no such service: ?");
	/* a string is not a list: before, it meant every service */
	CHECK(ctl_request_parse("{\"op\":\"stop\",\"services\":\"web\"}", names, 3, &r) < 0);
	CHECK_STR(r.error, "bad request: services is not a list");
}
