/* Unit tests for launcher/init_detect: what `clan init` makes of a
 * project's files (pure: names and texts in, a plan and .clanrc text out). */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>

#include "config/init_detect.h"
#include "tap.h"
#include "base/util.h"

static struct init_plan detect(struct init_seen s)
{
	struct init_plan p;
	init_detect(&s, &p);
	return p;
}

static bool renders(const struct init_plan *p, const char *want)
{
	_cleanup_free_ char *text = init_render(p, "shop");
	bool found = strstr(text, want) != NULL;
	if (!found)
		printf("#   no '%s' in:\n%s\n", want, text);
	return found;
}

TEST(requirements_with_redis_adds_redis_and_its_package)
{
	struct init_plan p = detect(
	    (struct init_seen){.has_requirements = true,
			       .requirements = "flask==3.0\nRedis>=5 ; python_version>'3'\n"});
	CHECK(p.web == INIT_FLASK && p.redis && p.db == INIT_DB_NONE);
	CHECK(renders(&p, "[service.redis]\nprofile = redis"));
	CHECK(renders(&p, "packages = python3-redis"));
	CHECK(renders(&p, "depends_on = redis"));
	CHECK(renders(&p, "REDIS_URL=redis://:${REDIS_PASSWORD}@redis:6379/0"));
	_cleanup_free_ char *what = init_describe(&p);
	CHECK_STR(what, "Flask (requirements.txt, app.py) with Redis");
}

TEST(requirement_names_match_whole_names_only)
{
	/* redis-om is not redis, a comment is no requirement, case and _ . - alike */
	struct init_plan p = detect((struct init_seen){
	    .has_requirements = true, .requirements = "redis-om\n# redis\nhiredisx\n"});
	CHECK(!p.redis);
	p = detect((struct init_seen){.has_requirements = true, .requirements = "  REDIS\r\n"});
	CHECK(p.redis);
	p = detect((struct init_seen){.has_requirements = true,
				      .requirements = "Flask_SQLAlchemy==3\npsycopg2-binary\n"});
	CHECK(p.sqlalchemy && p.db == INIT_DB_POSTGRES);
	CHECK(renders(&p, "packages = python3-psycopg2 python3-flask-sqlalchemy"));
}

TEST(index_html_is_nginx)
{
	struct init_plan p = detect((struct init_seen){.has_index_html = true});
	CHECK(p.web == INIT_NGINX && p.db == INIT_DB_NONE && !p.redis);
	CHECK(renders(&p, "profile = nginx"));
	CHECK(renders(&p, "bind = .:/var/www/html:ro"));
	CHECK(renders(&p, "port = 8080:80"));
	/* an app with an index.html is the app */
	p = detect((struct init_seen){.has_index_html = true, .has_package_json = true});
	CHECK(p.web == INIT_NODE);
}

TEST(package_json_is_node_with_its_database)
{
	struct init_plan p = detect((struct init_seen){
	    .has_package_json = true,
	    .package_json = "{\"dependencies\": {\"express\": \"4\", \"mysql2\": \"3\"},"
			    " \"devDependencies\": {\"ioredis\": \"5\"}}"});
	CHECK(p.web == INIT_NODE && p.db == INIT_DB_MARIADB && p.redis);
	CHECK(renders(&p, "profile = mariadb"));
	CHECK(renders(&p, "DATABASE_URL=mysql://app:${MARIADB_PASSWORD:-clan}@db:3306/app"));
	/* a database with a default password is not published on 127.0.0.1,
	 * which every user of the machine reaches */
	CHECK(!renders(&p, "\nport = 3306"));
	p = detect((struct init_seen){.has_package_json = true,
				      .package_json = "{\"dependencies\": {\"pg\": \"8\"}}"});
	CHECK(p.db == INIT_DB_POSTGRES);
	/* an empty or broken package.json is still Node, without guesses */
	p = detect((struct init_seen){.has_package_json = true, .package_json = "{\"pg\""});
	CHECK(p.web == INIT_NODE && p.db == INIT_DB_NONE);
	p = detect((struct init_seen){.has_package_json = true});
	CHECK(p.web == INIT_NODE && p.db == INIT_DB_NONE);
	CHECK(renders(&p, "profile = node"));
}

TEST(django_takes_the_engine_its_settings_name)
{
	struct init_plan p = detect((struct init_seen){
	    .has_manage_py = true,
	    .settings = "DATABASES = {\n"
			"    # 'ENGINE': 'django.db.backends.postgresql',\n"
			"    'default': {'ENGINE': 'django.db.backends.mysql', 'NAME': 'x'}\n}\n"});
	CHECK(p.web == INIT_DJANGO && p.db == INIT_DB_MARIADB);
	CHECK(renders(&p, "profile = mariadb"));
	CHECK(renders(&p, "packages = python3-mysqldb"));
	CHECK(renders(&p, "depends_on = db"));
	_cleanup_free_ char *what = init_describe(&p);
	CHECK_STR(what, "Django (manage.py) with MariaDB (settings.py's ENGINE)");
	p = detect((struct init_seen){.has_manage_py = true,
				      .settings = "'ENGINE': 'django.db.backends.postgresql'\n"});
	CHECK(p.db == INIT_DB_POSTGRES);
	CHECK(renders(&p, "packages = python3-psycopg2"));
	/* sqlite3: no database service */
	p = detect((struct init_seen){.has_manage_py = true,
				      .settings = "'ENGINE': 'django.db.backends.sqlite3'\n"});
	CHECK(p.db == INIT_DB_NONE);
	_cleanup_free_ char *text = init_render(&p, "shop");
	CHECK(strstr(text, "[service.db]") == NULL && strstr(text, "depends_on") == NULL);
	/* no settings read (none found, or one init would not follow): as before */
	p = detect((struct init_seen){.has_manage_py = true});
	CHECK(p.db == INIT_DB_POSTGRES);
}

TEST(flask_takes_the_database_its_uri_names)
{
	struct init_plan p =
	    detect((struct init_seen){.has_app_py = true,
				      .app_py = "app.config['SQLALCHEMY_DATABASE_URI'] = "
						"'mysql+pymysql://u:p@localhost/app'\n"});
	CHECK(p.web == INIT_FLASK && p.db == INIT_DB_MARIADB && p.pymysql);
	CHECK(renders(&p, "packages = python3-pymysql"));
	CHECK(renders(&p, "DATABASE_URL=mysql+pymysql://app:"));
	p = detect((struct init_seen){.has_requirements = true,
				      .dotenv = "DATABASE_URL=postgresql://u:p@localhost/app\n"});
	CHECK(p.db == INIT_DB_POSTGRES);
	/* a commented-out URI names nothing */
	p = detect((struct init_seen){.has_app_py = true,
				      .app_py = "# SQLALCHEMY_DATABASE_URI = 'postgresql://x'\n"});
	CHECK(p.db == INIT_DB_NONE);
}

TEST(nothing_known_is_a_plain_service)
{
	struct init_plan p = detect((struct init_seen){0});
	CHECK(p.web == INIT_PLAIN);
	CHECK(renders(&p, "command = sleep infinity"));
	CHECK(renders(&p, "[project]\nname = shop"));
	/* a name with no letter or digit: no [project] line */
	_cleanup_free_ char *text = init_render(&p, "...");
	CHECK(strstr(text, "[project]") == NULL);
}

TEST(huge_texts_are_plain_data)
{
	/* a long line with no newline, and many lines: no quadratic blowup
	 * to worry about at INIT_READ_MAX, and the answer is right */
	char *big = xmalloc(INIT_READ_MAX + 1);
	memset(big, 'a', INIT_READ_MAX);
	big[INIT_READ_MAX] = '\0';
	struct init_plan p = detect((struct init_seen){
	    .has_requirements = true, .requirements = big, .app_py = big, .dotenv = big});
	CHECK(p.web == INIT_FLASK && !p.redis && p.db == INIT_DB_NONE);
	memcpy(big + INIT_READ_MAX - 7, "\nredis\n", 7);
	p = detect((struct init_seen){.has_requirements = true, .requirements = big});
	CHECK(p.redis);
	free(big);
}
