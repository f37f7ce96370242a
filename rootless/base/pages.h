/* Giving back the resident code pages a long-lived helper does not use. */
#ifndef CLAN_PAGES_H
#define CLAN_PAGES_H

/* A helper forked from the CLI (the supervisor, a stack's pod holder, a
 * port forwarder) keeps every page the CLI had touched in its page tables,
 * and its own start touches much more than its waiting does: code and
 * library pages it no longer runs count in its RSS for as long as it
 * lives. This drops every private file-backed page that is still the
 * file's (in a mapping with no copied-on-write page), so that only the
 * pages it runs again fault back in, from the page cache. The memory's content is unchanged;
 * best effort (nothing to report). Call it while single-threaded. */
void pages_trim(void);

#endif
