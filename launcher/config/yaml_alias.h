/* Bounding YAML alias expansion. libyaml's loader keeps an alias as a
 * reference to its anchor's node, but whatever walks the document visits
 * that node once per reference: nested aliases ("billion laughs") make a
 * file of a few lines stand for billions of nodes. */
#ifndef CLAN_YAML_ALIAS_H
#define CLAN_YAML_ALIAS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct yaml_alias_report {
	uint64_t added;	     /* what the aliases stand for, in units (below) */
	size_t line, column; /* 1-based: the alias that went past the budget */
	bool self;	     /* that alias is inside its own anchor */
};

/* Reads text's events (the first document) and adds up what every alias
 * stands for: its anchor's node with everything inside it, nested aliases
 * included, a scalar weighing 1 + its length in bytes, a collection 1 +
 * its contents. 1 when the aliases add more than budget units or an alias
 * names its own enclosing anchor (rep says where); 0 otherwise, also for
 * text that is not YAML (the loader reports that). Runs in time linear in
 * text's length whatever the aliases expand to. */
int yaml_alias_check(const char *text, size_t len, uint64_t budget, struct yaml_alias_report *rep);

#endif
