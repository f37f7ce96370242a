/* Unit tests for .dockerignore: moby/patternmatcher's own tables
 * (patternmatcher_test.go at 1d6a3f4: TestMatches through
 * MatchesOrParentMatches, its multi-pattern cases, and Go's filepath.Match
 * cases it carries, less the five with non-ASCII text), translated; then
 * the file's own rules. */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>

#include "base/util.h"
#include "build/dockerignore.h"
#include "tap.h"

/* The patterns, one a line, exclude path? -1 when they do not parse. */
static int excludes(const char *patterns, const char *path)
{
	struct dockerignore d;
	struct clan_err err = {0};
	if (dockerignore_parse(patterns, strlen(patterns), ".dockerignore", &d, &err) < 0)
		return -1;
	int r = dockerignore_excludes(&d, path);
	dockerignore_free(&d);
	return r;
}

struct row {
	const char *pattern, *path;
	int want; /* excluded 1, kept 0, the pattern refused -1 */
};

static bool table_holds(const struct row *t, size_t n)
{
	bool ok = true;
	for (size_t i = 0; i < n; i++) {
		int got = excludes(t[i].pattern, t[i].path);
		if (got != t[i].want) {
			printf("# '%s' on '%s': got %d, want %d\n", t[i].pattern, t[i].path, got,
			       t[i].want);
			ok = false;
		}
	}
	return ok;
}

TEST(patternmatcher_matches)
{
	static const struct row t[] = {
	    {"**", "file", 1},
	    {"**", "file/", 1},
	    {"**/", "file", 1},
	    {"**/", "file/", 1},
	    {"**", "/", 1},
	    {"**/", "/", 1},
	    {"**", "dir/file", 1},
	    {"**/", "dir/file", 1},
	    {"**", "dir/file/", 1},
	    {"**/", "dir/file/", 1},
	    {"**/**", "dir/file", 1},
	    {"**/**", "dir/file/", 1},
	    {"dir/**", "dir/file", 1},
	    {"dir/**", "dir/file/", 1},
	    {"dir/**", "dir/dir2/file", 1},
	    {"dir/**", "dir/dir2/file/", 1},
	    {"**/dir", "dir", 1},
	    {"**/dir", "dir/file", 1},
	    {"**/dir2/*", "dir/dir2/file", 1},
	    {"**/dir2/*", "dir/dir2/file/", 1},
	    {"**/dir2/**", "dir/dir2/dir3/file", 1},
	    {"**/dir2/**", "dir/dir2/dir3/file/", 1},
	    {"**file", "file", 1},
	    {"**file", "dir/file", 1},
	    {"**/file", "dir/file", 1},
	    {"**file", "dir/dir/file", 1},
	    {"**/file", "dir/dir/file", 1},
	    {"**/file*", "dir/dir/file", 1},
	    {"**/file*", "dir/dir/file.txt", 1},
	    {"**/file*txt", "dir/dir/file.txt", 1},
	    {"**/file*.txt", "dir/dir/file.txt", 1},
	    {"**/file*.txt*", "dir/dir/file.txt", 1},
	    {"**/**/*.txt", "dir/dir/file.txt", 1},
	    {"**/**/*.txt2", "dir/dir/file.txt", 0},
	    {"**/*.txt", "file.txt", 1},
	    {"**/**/*.txt", "file.txt", 1},
	    {"a**/*.txt", "a/file.txt", 1},
	    {"a**/*.txt", "a/dir/file.txt", 1},
	    {"a**/*.txt", "a/dir/dir/file.txt", 1},
	    {"a/*.txt", "a/dir/file.txt", 0},
	    {"a/*.txt", "a/file.txt", 1},
	    {"a/*.txt**", "a/file.txt", 1},
	    {"a[b-d]e", "ae", 0},
	    {"a[b-d]e", "ace", 1},
	    {"a[b-d]e", "aae", 0},
	    {"a[^b-d]e", "aze", 1},
	    {".*", ".foo", 1},
	    {".*", "foo", 0},
	    {"abc.def", "abcdef", 0},
	    {"abc.def", "abc.def", 1},
	    {"abc.def", "abcZdef", 0},
	    {"abc?def", "abcZdef", 1},
	    {"abc?def", "abcdef", 0},
	    {"**/foo/bar", "foo/bar", 1},
	    {"**/foo/bar", "dir/foo/bar", 1},
	    {"**/foo/bar", "dir/dir2/foo/bar", 1},
	    {"abc/**", "abc", 0},
	    {"abc/**", "abc/def", 1},
	    {"abc/**", "abc/def/ghi", 1},
	    {"**/.foo", ".foo", 1},
	    {"**/.foo", "bar.foo", 0},
	    {"a(b)c/def", "a(b)c/def", 1},
	    {"a(b)c/def", "a(b)c/xyz", 0},
	    {"a.|)$(}+{bc", "a.|)$(}+{bc", 1},
	    {"dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl",
	     "dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl", 1},
	    {"dist/*.whl", "dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl", 1},
	    {"a\\\\", "a\\", 1},
	    {"a\\*b", "a*b", 1},
	};
	CHECK(table_holds(t, ARRAY_SIZE(t)));
}

TEST(patternmatcher_several)
{
	CHECK(excludes("**\n!util/docker/web\n", "util/docker/web/foo") == 0);
	CHECK(excludes("**\n!util/docker/web\nutil/docker/web/foo\n", "util/docker/web/foo") == 1);
	CHECK(excludes("**\n!dist/*.whl\n",
		       "dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl") == 0);
	/* patternmatcher_test.go's single-pattern functions */
	CHECK(excludes("*", "fileutils.go") == 1);
	CHECK(excludes("*.go", "fileutils.go") == 1);
	CHECK(excludes("!fileutils.go\n*.go\n", "fileutils.go") == 1);
	CHECK(excludes("docs\n!docs/README.md\n", "docs/README.md") == 0);
	CHECK(excludes("docs/\n!docs/README.md\n", "docs/README.md") == 0);
	CHECK(excludes("docs/*\n!docs/README.md\n", "docs/README.md") == 0);
	CHECK(excludes("*.go\n!fileutils.go\n", "fileutils.go") == 0);
	CHECK(excludes("*.go\n", ".") == 0);
	CHECK(excludes("", "/any/path/there") == 0);
}

/* Go's filepath.Match cases as patternmatcher_test.go's TestMatch runs
 * them (-1: a malformed pattern). */
TEST(filepath_match)
{
	static const struct row t[] = {
	    {"abc", "abc", 1},
	    {"*", "abc", 1},
	    {"*c", "abc", 1},
	    {"a*", "a", 1},
	    {"a*", "abc", 1},
	    {"a*", "ab/c", 1},
	    {"a*/b", "abc/b", 1},
	    {"a*/b", "a/c/b", 0},
	    {"a*b*c*d*e*/f", "axbxcxdxe/f", 1},
	    {"a*b*c*d*e*/f", "axbxcxdxexxx/f", 1},
	    {"a*b*c*d*e*/f", "axbxcxdxe/xxx/f", 0},
	    {"a*b*c*d*e*/f", "axbxcxdxexxx/fff", 0},
	    {"a*b?c*x", "abxbbxdbxebxczzx", 1},
	    {"a*b?c*x", "abxbbxdbxebxczzy", 0},
	    {"ab[c]", "abc", 1},
	    {"ab[b-d]", "abc", 1},
	    {"ab[e-g]", "abc", 0},
	    {"ab[^c]", "abc", 0},
	    {"ab[^b-d]", "abc", 0},
	    {"ab[^e-g]", "abc", 1},
	    {"a\\*b", "a*b", 1},
	    {"a\\*b", "ab", 0},
	    {"a?b", "a/b", 0},
	    {"a*b", "a/b", 0},
	    {"[\\]a]", "]", 1},
	    {"[\\-]", "-", 1},
	    {"[x\\-]", "x", 1},
	    {"[x\\-]", "-", 1},
	    {"[x\\-]", "z", 0},
	    {"[\\-x]", "x", 1},
	    {"[\\-x]", "-", 1},
	    {"[\\-x]", "a", 0},
	    {"[]a]", "]", -1},
	    {"[-]", "-", -1},
	    {"[x-]", "x", -1},
	    {"[-x]", "x", -1},
	    {"\\", "a", -1},
	    {"[a-b-c]", "a", -1},
	    {"[", "a", -1},
	    {"[^", "a", -1},
	    {"[^bc", "a", -1},
	    {"a[", "a", -1},
	    {"*x", "xxx", 1},
	};
	CHECK(table_holds(t, ARRAY_SIZE(t)));
}

/* The file's own rules (moby/patternmatcher/ignorefile): comments only at
 * the start of a line, whitespace trimmed, paths cleaned, a leading /
 * is the context, ! alone refused with the line. */
TEST(file_rules)
{
	CHECK(excludes("# a comment\n  node_modules  \n", "node_modules/x/y.js") == 1);
	CHECK(excludes("# node_modules\n", "node_modules") == 0);
	CHECK(excludes("/build\n", "build/out") == 1);
	CHECK(excludes("./build/../dist//\n", "dist/a") == 1);
	CHECK(excludes("*.pyc\n ! keep.pyc\n", "keep.pyc") == 0);
	CHECK(excludes("\xEF\xBB\xBF"
		       "secret\r\n",
		       "secret") == 1);
	struct dockerignore d;
	struct clan_err err = {0};
	const char *bad = "ok\n!\n";
	CHECK(dockerignore_parse(bad, strlen(bad), ".dockerignore", &d, &err) < 0);
	CHECK_STR(err.msg, ".dockerignore:2: illegal exclusion pattern: \"!\"");
	const char *bad2 = "a\nb[\n";
	CHECK(dockerignore_parse(bad2, strlen(bad2), ".dockerignore", &d, &err) < 0);
	CHECK_STR(err.msg, ".dockerignore:2: syntax error in pattern 'b['");
}

/* A pattern of many stars on a long name stays quick (tokens x length). */
TEST(no_backtracking_blowup)
{
	char path[4001];
	memset(path, 'a', 4000);
	path[4000] = '\0';
	CHECK(excludes("*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b\n", path) == 0);
}
