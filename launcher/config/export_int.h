/* What export_kube*.c share: the export's state and Kubernetes's rules
 * for names and values. */
#ifndef CLAN_EXPORT_INT_H
#define CLAN_EXPORT_INT_H

#include <stdbool.h>

#include "config/export.h"

/* The longest Kubernetes name of a Pod, Service or container (a
 * DNS-1123 label). */
#define KUBE_NAME_MAX 63

struct kube_ctx {
	const struct stack *st;
	const struct export_opts *o;
	struct export_out *out;
	char **names;  /* per service of st: its Kubernetes name; NULL: not exported */
	char *part_of; /* the project's name as a label value */
	struct clan_err *err;
};

/* A DNS-1035 label for name (what a Service needs, so it fits Pods and
 * containers too): lowercase, each other character as '-', no '-' at
 * either end, a leading digit prefixed, more than 63 characters cut
 * with a hash of the whole kept. NULL when no letter or digit is left. */
char *kube_name(const char *name);

/* Whether s is a label value or annotation name part: at most 63 of
 * [A-Za-z0-9._-], a letter or digit at both ends. */
bool kube_is_label_value(const char *s);

/* Whether an environment entry is better kept in a Secret: its name says
 * password, secret, token, key or credential, or its value is a URL with
 * a password. */
bool kube_is_secret_env(const char *name, const char *value);

/* text with each "$$" and "$(" escaped as Kubernetes wants in command,
 * args and env values, where it expands $(VAR): the value stays data. */
char *kube_dollar_escape(const char *text);

/* A warning line about service s ("export kube: S: ..."). */
void kube_warn(struct kube_ctx *k, const struct service *s, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Appends a document with its comment lines (NULL: none). */
void kube_doc(struct kube_ctx *k, json_t *doc, char *comment);

/* {apiVersion, kind, metadata: {name, labels}} of service s's objects. */
json_t *kube_object(struct kube_ctx *k, const char *kind, const char *name,
		    const struct service *s);

/* The ConfigMap and Secret of s's environment (those it has), and the
 * container's envFrom and env that read them, set on container. */
void kube_env(struct kube_ctx *k, const struct service *s, json_t *container);

#endif
