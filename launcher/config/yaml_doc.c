#include "config/yaml_doc.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "config/yaml_alias.h"

/* Whether the line of offset at is indented with a tab up to there: the
 * newcomer's bad YAML, which libyaml calls "a character that cannot
 * start any token". */
static bool tab_indent(const char *text, size_t len, size_t at)
{
	if (at >= len)
		return false;
	size_t start = at;
	while (start > 0 && text[start - 1] != '\n')
		start--;
	/* text need not end in a NUL: every read stays below len */
	for (size_t i = start; i <= at && (text[i] == ' ' || text[i] == '\t'); i++)
		if (text[i] == '\t')
			return true;
	return false;
}

int yaml_doc_load(const char *text, size_t len, const char *path, yaml_document_t *doc,
		  struct clan_err *err)
{
	struct yaml_alias_report rep;
	if (yaml_alias_check(text, len, YAML_ALIAS_BUDGET, &rep)) {
		if (rep.self)
			return clan_error_code(
			    err, CLAN_EXIT_USAGE,
			    "%s:%zu:%zu: an alias inside its own anchor; refusing it", path,
			    rep.line, rep.column);
		return clan_error_code(err, CLAN_EXIT_USAGE,
				       "%s:%zu:%zu: this alias takes what aliases stand for past "
				       "%u KiB (nested aliases?); write the values out instead",
				       path, rep.line, rep.column, YAML_ALIAS_BUDGET >> 10);
	}
	yaml_parser_t parser;
	if (!yaml_parser_initialize(&parser))
		return clan_error(err, ENOMEM, "cannot parse %s", path);
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	int rc = 0;
	if (!yaml_parser_load(&parser, doc))
		rc = clan_error_code(err, CLAN_EXIT_USAGE, "%s:%zu:%zu: bad YAML: %s%s", path,
				     parser.problem_mark.line + 1, parser.problem_mark.column + 1,
				     parser.problem ? parser.problem : "cannot parse",
				     !(parser.problem && strstr(parser.problem, "tab")) &&
					     tab_indent(text, len, parser.problem_mark.index)
					 ? " (a tab: YAML indents with spaces only)"
					 : "");
	yaml_parser_delete(&parser);
	return rc;
}
