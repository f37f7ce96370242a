/* Unit tests for compose_files: a compose project's files and name with
 * docker compose's rules. The orders and the name rule are compose-go's
 * (compose-spec/compose-go, cli/options.go DefaultFileNames and
 * DefaultOverrideFileNames; loader NormalizeProjectName and the name's
 * precedence in cli/options.go withNamePrecedenceLoad). */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config/compose_files.h"
#include "config/project_find.h"
#include "tap.h"

static char root[64];

static void setup(void)
{
	snprintf(root, sizeof root, "/tmp/clan-test-cfiles.XXXXXX");
	if (!mkdtemp(root))
		abort();
	chmod(root, 0755);
}

static void teardown(void)
{
	_cleanup_free_ char *cmd = xasprintf("rm -rf '%s'", root);
	if (system(cmd) != 0)
		printf("# cannot remove %s\n", root);
}

static void put(const char *rel)
{
	struct clan_err err;
	_cleanup_free_ char *p = xasprintf("%s/%s", root, rel);
	write_file(p, "services: {}\n", 13, &err);
}

/* compose_default_files in root: the files' base names, joined by ' ' */
static char *defaults(struct strv *warnings)
{
	struct strv files = {0};
	compose_default_files(root, &files, warnings);
	char *out = xstrdup("");
	for (size_t i = 0; i < files.n; i++) {
		char *next = xasprintf("%s%s%s", out, i ? " " : "", strrchr(files.v[i], '/') + 1);
		free(out);
		out = next;
	}
	strv_free(&files);
	return out;
}

TEST(file_names_in_compose_order)
{
	setup();
	struct strv w = {0};
	_cleanup_free_ char *none = defaults(&w);
	CHECK_STR(none, "");
	put("docker-compose.yaml");
	_cleanup_free_ char *a = defaults(&w);
	CHECK_STR(a, "docker-compose.yaml");
	CHECK(w.n == 0);
	/* .yml before .yaml for docker-compose, as compose-go has it */
	put("docker-compose.yml");
	_cleanup_free_ char *b = defaults(&w);
	CHECK_STR(b, "docker-compose.yml");
	CHECK(w.n == 1 && strstr(w.v[0], "found multiple config files") &&
	      strstr(w.v[0], "using ") && strstr(w.v[0], "/docker-compose.yml"));
	put("compose.yaml");
	_cleanup_free_ char *c = defaults(&w);
	CHECK_STR(c, "compose.yaml");
	strv_free(&w);
	teardown();
}

TEST(override_beside_the_file)
{
	setup();
	struct strv w = {0};
	put("compose.override.yaml");
	/* an override alone is no project */
	_cleanup_free_ char *a = defaults(&w);
	CHECK_STR(a, "");
	put("docker-compose.yml");
	put("docker-compose.override.yml");
	_cleanup_free_ char *b = defaults(&w);
	/* compose.override.yaml comes before docker-compose.override.yml */
	CHECK_STR(b, "docker-compose.yml compose.override.yaml");
	CHECK(w.n == 1 && strstr(w.v[0], "override files"));
	strv_free(&w);
	teardown();
}

TEST(a_dir_named_like_a_file_is_not_one)
{
	setup();
	_cleanup_free_ char *d = xasprintf("%s/compose.yaml", root);
	mkdir(d, 0755);
	put("compose.yml");
	_cleanup_free_ char *a = defaults(NULL);
	CHECK_STR(a, "compose.yml");
	teardown();
}

TEST(clanrc_before_compose_in_the_same_dir_nearest_dir_first)
{
	static const char *const names[] = {".clanrc", "compose.yaml", NULL};
	setup();
	_cleanup_free_ char *sub = xasprintf("%s/app", root);
	mkdir(sub, 0755);
	put(".clanrc");
	put("compose.yaml");
	int which = -1;
	_cleanup_free_ char *a = project_find_names(root, NULL, getuid(), names, &which, NULL);
	CHECK_STR(a, root);
	CHECK(which == 0);
	put("app/compose.yaml");
	_cleanup_free_ char *b = project_find_names(sub, NULL, getuid(), names, &which, NULL);
	CHECK_STR(b, sub);
	CHECK(which == 1);
	teardown();
}

TEST(compose_file_variable)
{
	struct strv f = {0};
	compose_env_files("a.yml:/abs/b.yml::-", NULL, "/w", &f);
	CHECK(f.n == 3);
	CHECK_STR(f.v[0], "/w/a.yml");
	CHECK_STR(f.v[1], "/abs/b.yml");
	CHECK_STR(f.v[2], "-");
	strv_free(&f);
	compose_env_files("x.yml;;y.yml", ";;", "/", &f);
	CHECK(f.n == 2);
	CHECK_STR(f.v[0], "/x.yml");
	CHECK_STR(f.v[1], "/y.yml");
	strv_free(&f);
}

TEST(name_normal_form)
{
	static const struct {
		const char *in, *want;
	} cases[] = {
	    {"myapp", "myapp"},
	    {"MyApp", "myapp"},
	    {"my app.v2", "myappv2"},
	    {"__-x_y-", "x_y-"},
	    {"-_-", ""},
	    {"été", "t"},
	    {"Django_Postgres", "django_postgres"},
	    {"a$b/c", "abc"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		_cleanup_free_ char *got = compose_name_normalize(cases[i].in);
		CHECK_STR(got, cases[i].want);
	}
}

TEST(name_precedence)
{
	struct clan_err err = {0};
	char *n = NULL;
	CHECK(compose_project_name("flag", "env", "yaml", "/p/Dir", &n, &err) == 0);
	CHECK_STR(n, "flag");
	free(n);
	CHECK(compose_project_name("", "env", "yaml", "/p/Dir", &n, &err) == 0);
	CHECK_STR(n, "env");
	free(n);
	CHECK(compose_project_name(NULL, "", "My Yaml", "/p/Dir", &n, &err) == 0);
	CHECK_STR(n, "myyaml");
	free(n);
	/* a name: that normalises to nothing falls through to the dir */
	CHECK(compose_project_name(NULL, NULL, "!!", "/p/My.Dir", &n, &err) == 0);
	CHECK_STR(n, "mydir");
	free(n);
}

TEST(name_in_a_slurm_job)
{
	char *n = project_name_for_job("web", "1234");
	CHECK_STR(n, "web-job1234");
	free(n);
	/* outside a job, or a value that is no job id: the name as it is */
	const char *const not_jobs[] = {NULL, "", "12a", "-1", "1/../x", "123456789012345678901"};
	for (size_t i = 0; i < sizeof not_jobs / sizeof not_jobs[0]; i++) {
		n = project_name_for_job("web", not_jobs[i]);
		CHECK_STR(n, "web");
		free(n);
	}
}

TEST(names_refused)
{
	struct clan_err err = {0};
	char *n = NULL;
	/* given names are not rewritten, as compose's -p */
	CHECK(compose_project_name("MyApp", NULL, NULL, "/p/d", &n, &err) == -1);
	CHECK(n == NULL && err.code == CLAN_EXIT_USAGE && strstr(err.msg, "'MyApp' (-p)"));
	CHECK(compose_project_name(NULL, "-x", NULL, "/p/d", &n, &err) == -1);
	CHECK(strstr(err.msg, "COMPOSE_PROJECT_NAME"));
	CHECK(compose_project_name(NULL, NULL, NULL, "/p/___", &n, &err) == -1);
	CHECK(strstr(err.msg, "has no name"));
}
