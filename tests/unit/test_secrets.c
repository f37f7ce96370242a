/* Unit tests for the generated secrets store (launcher/supervisor/secrets.c). */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "supervisor/secrets.h"
#include "tap.h"
#include "base/util.h"

static char *fresh_storage(void)
{
	char *dir = xstrdup("/tmp/clan-test-secrets.XXXXXX");
	if (!mkdtemp(dir))
		abort();
	return dir;
}

TEST(made_once_then_read_back)
{
	struct clan_err err;
	char *storage = fresh_storage();
	char *a = NULL, *b = NULL, *c = NULL, *other = NULL;
	CHECK(secret_get(storage, "/home/u/proj", "REDIS_PASSWORD", &a, &err) == 0);
	CHECK(secret_get(storage, "/home/u/proj", "REDIS_PASSWORD", &b, &err) == 0);
	CHECK(secret_get(storage, "/home/u/proj", "OTHER", &c, &err) == 0);
	CHECK(secret_get(storage, "/home/u/elsewhere", "REDIS_PASSWORD", &other, &err) == 0);
	CHECK(a && strlen(a) == 32 &&
	      strspn(a, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvw"
			"xyz0123456789-_") == 32);
	CHECK_STR(a, b);
	CHECK(a && c && strcmp(a, c) != 0);
	CHECK(a && other && strcmp(a, other) != 0);
	/* private: the dir 0700, each file 0600 */
	struct stat st;
	char *dir = xasprintf("%s/secrets", storage);
	CHECK(stat(dir, &st) == 0 && (st.st_mode & 0777) == 0700);
	char *cmd = xasprintf("test \"$(find %s -type f ! -perm 0600 | wc -l)\" = 0 && "
			      "test \"$(find %s -type f | wc -l)\" = 3",
			      dir, dir);
	CHECK(system(cmd) == 0);
	free(cmd);
	free(dir);
	free(a);
	free(b);
	free(c);
	free(other);
	remove_tree(storage, &err);
	free(storage);
}

TEST(an_empty_file_is_an_error_not_an_empty_password)
{
	struct clan_err err;
	char *storage = fresh_storage();
	char *v = NULL;
	CHECK(secret_get(storage, "/p", "PW", &v, &err) == 0);
	free(v);
	v = NULL;
	char *cmd = xasprintf("for f in %s/secrets/*-PW; do : > \"$f\"; done", storage);
	CHECK(system(cmd) == 0);
	free(cmd);
	CHECK(secret_get(storage, "/p", "PW", &v, &err) < 0);
	CHECK(v == NULL);
	CHECK(strstr(err.msg, "is empty") != NULL);
	remove_tree(storage, &err);
	free(storage);
}

TEST(a_too_open_secrets_dir_is_made_private)
{
	struct clan_err err;
	char *storage = fresh_storage();
	char *dir = xasprintf("%s/secrets", storage);
	CHECK(mkdir(dir, 0777) == 0 && chmod(dir, 0777) == 0);
	char *v = NULL;
	/* ours, too open: fixed to 0700, as the other private dirs */
	CHECK(secret_get(storage, "/p", "PW", &v, &err) == 0);
	struct stat st;
	CHECK(stat(dir, &st) == 0 && (st.st_mode & 0777) == 0700);
	free(v);
	free(dir);
	remove_tree(storage, &err);
	free(storage);
}
