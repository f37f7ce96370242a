/* clan export kube: a Pod per service (kube play runs a Pod under the
 * service's own name, which is what its dependents resolve on a podman
 * network, as a cluster's Service of the same name), a Service for the
 * ports it publishes or listens on, a PersistentVolumeClaim per named
 * volume, its environment in a ConfigMap and a Secret, its health check
 * as exec probes, depends_on as init containers that wait for the
 * dependency's port. */
#define _GNU_SOURCE
#include <signal.h>
#include <string.h>

#include "base/strbuf.h"
#include "config/cfgval.h"
#include "config/export_int.h"
#include "config/yaml_out.h"

/* The ports of s others reach: its own, then its profile's; each
 * container port once. */
static size_t svc_ports(struct kube_ctx *k, const struct service *s, struct port_map *out,
			size_t max)
{
	size_t n = 0;
	const struct export_listen *l = k->o->listen ? &k->o->listen[s - k->st->svcs] : NULL;
	size_t total = s->nports + (l ? l->n : 0);
	for (size_t i = 0; i < total; i++) {
		const struct port_map *m = i < s->nports ? &s->ports[i] : &l->ports[i - s->nports];
		for (unsigned c = 0; c < m->count && n < max; c++) {
			bool seen = false;
			for (size_t j = 0; j < n && !seen; j++)
				seen = out[j].container_port == m->container_port + c &&
				       out[j].proto == m->proto;
			if (seen)
				continue;
			out[n] = *m;
			out[n].container_port = (uint16_t)(m->container_port + c);
			out[n++].count = 1;
		}
	}
	return n;
}

#define PORTS_MAX 256

static json_t *str_list(const struct strv *v, bool escape)
{
	json_t *a = json_array();
	for (size_t i = 0; i < v->n; i++) {
		_cleanup_free_ char *e = escape ? kube_dollar_escape(v->v[i]) : xstrdup(v->v[i]);
		json_array_append_new(a, json_text(e));
	}
	return a;
}

static int seconds(int ms, int dflt)
{
	return ms <= 0 ? dflt : (ms + 999) / 1000;
}

static void service_doc(struct kube_ctx *k, const struct service *s)
{
	struct port_map p[PORTS_MAX];
	size_t n = svc_ports(k, s, p, PORTS_MAX), total = 0;
	if (!n)
		return;
	for (size_t i = 0; i < s->nports; i++)
		total += s->ports[i].count;
	if (total > PORTS_MAX)
		kube_warn(k, s, "ports: %zu container ports; the Service has the first %d", total,
			  PORTS_MAX);
	const char *name = k->names[s - k->st->svcs];
	json_t *ports = json_array();
	for (size_t i = 0; i < n; i++) {
		char pname[16];
		snprintf(pname, sizeof pname, "%s-%u", port_proto_name(p[i].proto),
			 (unsigned)p[i].container_port);
		json_array_append_new(ports, json_pack("{s:s,s:i,s:i,s:s}", "name", pname, "port",
						       (int)p[i].container_port, "targetPort",
						       (int)p[i].container_port, "protocol",
						       p[i].proto == PORT_UDP ? "UDP" : "TCP"));
	}
	json_t *doc = kube_object(k, "Service", name, s);
	json_object_set_new(
	    doc, "spec",
	    json_pack("{s:{s:s},s:o}", "selector", "app.kubernetes.io/name", name, "ports", ports));
	kube_doc(k, doc, NULL);
}

static json_t *container_ports(struct kube_ctx *k, const struct service *s)
{
	json_t *a = json_array();
	for (size_t i = 0; i < s->nports; i++) {
		const struct port_map *m = &s->ports[i];
		if (!m->host_port)
			kube_warn(k, s,
				  "port %u: a host port the kernel picks has no Kubernetes "
				  "form: only the container port is declared",
				  (unsigned)m->container_port);
		for (unsigned c = 0; c < m->count; c++) {
			json_t *p =
			    json_pack("{s:i,s:s}", "containerPort", (int)(m->container_port + c),
				      "protocol", m->proto == PORT_UDP ? "UDP" : "TCP");
			if (m->host_port) {
				json_object_set_new(p, "hostPort", json_integer(m->host_port + c));
				if (strcmp(m->host_ip, "0.0.0.0") != 0 && m->host_ip[0])
					json_object_set_new(p, "hostIP", json_string(m->host_ip));
			}
			json_array_append_new(a, p);
		}
	}
	return a;
}

static json_t *probe(const struct service *s, bool liveness)
{
	const struct healthcheck *h = &s->health;
	/* compose's defaults: 30 s, 30 s, 3 retries */
	json_t *p = json_pack("{s:{s:o},s:i,s:i,s:i}", "exec", "command", str_list(&h->test, false),
			      "periodSeconds", seconds(h->interval_ms, 30), "timeoutSeconds",
			      seconds(h->timeout_ms, 30), "failureThreshold",
			      h->retries > 0 ? h->retries : 3);
	/* compose counts no failure in the start period; a liveness probe
	 * would restart the service in it */
	if (liveness && h->start_period_ms > 0)
		json_object_set_new(p, "initialDelaySeconds",
				    json_integer(seconds(h->start_period_ms, 0)));
	return p;
}

/* UID[:GID] as runAsUser/runAsGroup; a name has no Kubernetes form. */
static void user(struct kube_ctx *k, const struct service *s, json_t *sc)
{
	_cleanup_free_ char *u = xstrdup(s->user);
	char *colon = strchr(u, ':');
	if (colon)
		*colon++ = '\0';
	uint32_t uid, gid;
	if (!parse_u32(u, &uid) || (colon && !parse_u32(colon, &gid))) {
		kube_warn(k, s,
			  "user %s: Kubernetes takes numeric ids (runAsUser, runAsGroup): "
			  "left out, the image's user runs",
			  s->user);
		return;
	}
	json_object_set_new(sc, "runAsUser", json_integer(uid));
	if (colon)
		json_object_set_new(sc, "runAsGroup", json_integer(gid));
}

static json_t *security(struct kube_ctx *k, const struct service *s)
{
	json_t *sc = json_object();
	if (s->user)
		user(k, s, sc);
	if (s->cap_add.n || s->cap_drop.n) {
		json_t *caps = json_object();
		if (s->cap_add.n)
			json_object_set_new(caps, "add", str_list(&s->cap_add, false));
		if (s->cap_drop.n)
			json_object_set_new(caps, "drop", str_list(&s->cap_drop, false));
		json_object_set_new(sc, "capabilities", caps);
	}
	if (s->read_only)
		json_object_set_new(sc, "readOnlyRootFilesystem", json_true());
	if (s->seccomp && strcmp(s->seccomp, "unconfined") == 0)
		json_object_set_new(sc, "seccompProfile", json_pack("{s:s}", "type", "Unconfined"));
	else if (s->seccomp)
		kube_warn(k, s,
			  "security_opt seccomp=%s: a profile file is the node's "
			  "(seccompProfile type Localhost): left out",
			  s->seccomp);
	return sc;
}

/* The volumes of the pod and the container's mounts: named volumes from
 * their claims, binds as hostPath (a dev cluster's), tmpfs as memory. */
static void mounts(struct kube_ctx *k, const struct service *s, json_t *pod, json_t *c,
		   struct strv *binds)
{
	json_t *vols = json_array(), *vm = json_array();
	for (size_t i = 0; i < s->nmounts; i++) {
		const struct svc_mount *m = &s->mounts[i];
		char vname[32];
		snprintf(vname, sizeof vname, "vol-%zu", i);
		json_t *v = json_pack("{s:s}", "name", vname);
		if (m->volume) {
			_cleanup_free_ char *want =
			    m->volume_name ? xstrdup(m->volume_name)
					   : xasprintf("%s-%s", k->st->name, m->volume);
			_cleanup_free_ char *claim = kube_name(want);
			json_object_set_new(
			    v, "persistentVolumeClaim",
			    json_pack("{s:s}", "claimName", claim ? claim : "volume"));
		} else {
			json_object_set_new(v, "hostPath",
					    json_pack("{s:o,s:s}", "path", json_text(m->src),
						      "type",
						      m->create ? "DirectoryOrCreate" : ""));
			strv_push_owned(binds, xasprintf("%s -> %s", m->src, m->dst));
		}
		json_array_append_new(vols, v);
		json_t *mt = json_pack("{s:s,s:o}", "name", vname, "mountPath", json_text(m->dst));
		if (m->ro)
			json_object_set_new(mt, "readOnly", json_true());
		json_array_append_new(vm, mt);
	}
	for (size_t i = 0; i < s->tmpfs.n; i++) {
		_cleanup_free_ char *dst = xstrdup(s->tmpfs.v[i]);
		char *opts = strchr(dst, ':');
		if (opts) {
			*opts++ = '\0';
			kube_warn(k, s, "tmpfs %s: options %s have no emptyDir form: left out", dst,
				  opts);
		}
		char vname[32];
		snprintf(vname, sizeof vname, "tmpfs-%zu", i);
		json_array_append_new(vols, json_pack("{s:s,s:{s:s}}", "name", vname, "emptyDir",
						      "medium", "Memory"));
		json_array_append_new(
		    vm, json_pack("{s:s,s:o}", "name", vname, "mountPath", json_text(dst)));
	}
	if (json_array_size(vols)) {
		json_object_set_new(pod, "volumes", vols);
		json_object_set_new(c, "volumeMounts", vm);
	} else {
		json_decref(vols);
		json_decref(vm);
	}
}

/* A shell loop in the service's own image: bash's /dev/tcp, else nc,
 * else python3 (Debian's images have bash; busybox ones nc). */
static const char wait_script[] =
    "until bash -c ': </dev/tcp/$0/$1' \"$0\" \"$1\" 2>/dev/null || nc -z \"$0\" \"$1\" "
    "2>/dev/null || python3 -c 'import socket,sys; "
    "socket.create_connection((sys.argv[1], int(sys.argv[2])), 2)' \"$0\" \"$1\" 2>/dev/null; "
    "do echo \"waiting for $0:$1\"; sleep 1; done";

static json_t *waits(struct kube_ctx *k, const struct service *s, const char *image)
{
	json_t *a = json_array();
	for (size_t i = 0; i < s->depends_on.n; i++) {
		const struct service *d = stack_find(k->st, s->depends_on.v[i]);
		enum dep_condition cond = s->dep_conds ? s->dep_conds[i] : DEP_STARTED;
		if (!d || !k->names[d - k->st->svcs]) {
			kube_warn(k, s, "depends_on %s: not exported: nothing waits for it",
				  s->depends_on.v[i]);
			continue;
		}
		if (cond == DEP_COMPLETED) {
			kube_warn(k, s,
				  "depends_on %s: service_completed_successfully has no "
				  "Kubernetes form (a Job): nothing waits for it",
				  d->name);
			continue;
		}
		struct port_map p[PORTS_MAX];
		size_t np = svc_ports(k, d, p, PORTS_MAX), tcp = 0;
		while (tcp < np && p[tcp].proto != PORT_TCP)
			tcp++;
		if (tcp == np) {
			kube_warn(k, s,
				  "depends_on %s: it listens on no TCP port clan knows "
				  "(ports:, or its profile's): nothing waits for it",
				  d->name);
			continue;
		}
		/* clan waits for a dependency's health whenever it has a check */
		if (d->has_health)
			kube_warn(k, s,
				  "depends_on %s: service_healthy: a pod cannot wait on "
				  "another's probe; the init container waits for its port %u",
				  d->name, (unsigned)p[tcp].container_port);
		const char *host = k->names[d - k->st->svcs];
		char port[8];
		snprintf(port, sizeof port, "%u", (unsigned)p[tcp].container_port);
		/* cut and hashed as any name: two long hosts stay apart */
		_cleanup_free_ char *wait = xasprintf("wait-%s", host);
		_cleanup_free_ char *name = kube_name(wait);
		/* workingDir /: the image's may be a dir only the service's
		 * volumes make (podman refuses a missing one) */
		json_array_append_new(a, json_pack("{s:s,s:s,s:[s,s,s,s,s],s:s}", "name", name,
						   "image", image, "command", "sh", "-c",
						   wait_script, host, port, "workingDir", "/"));
	}
	return a;
}

/* What clan runs that Kubernetes has no field for: one warning each. */
static void unmapped(struct kube_ctx *k, const struct service *s)
{
	if (s->init)
		kube_warn(k, s,
			  "init: no Kubernetes form (shareProcessNamespace is not one): "
			  "left out");
	if (s->shm_size)
		kube_warn(k, s,
			  "shm_size: no Kubernetes form (an emptyDir of medium Memory at "
			  "/dev/shm is the usual stand-in): left out");
	if (s->ulimits.n)
		kube_warn(k, s, "ulimits: no Kubernetes form (the node's limits apply): left out");
	if (s->aliases.n)
		kube_warn(k, s,
			  "network aliases: no Kubernetes form (a Service per name is): "
			  "left out");
	if (s->stop_signal && s->stop_signal != SIGTERM) {
		char sig[32];
		signal_format(s->stop_signal, sig, sizeof sig);
		kube_warn(k, s,
			  "stop_signal %s: Kubernetes stops with SIGTERM (bake STOPSIGNAL "
			  "into the image): left out",
			  sig);
	}
	if (s->entrypoint_set && s->entrypoint.n == 0)
		kube_warn(k, s,
			  "entrypoint: [] (none): Kubernetes cannot clear an image's "
			  "entrypoint: the image's runs");
}

static json_t *annotations(struct kube_ctx *k, const struct service *s)
{
	json_t *o = json_object();
	for (size_t i = 0; i < s->labels.n; i++) {
		const char *kv = s->labels.v[i], *eq = strchr(kv, '=');
		_cleanup_free_ char *key = eq ? xstrndup(kv, (size_t)(eq - kv)) : xstrdup(kv);
		const char *slash = strrchr(key, '/');
		if (!kube_is_label_value(slash ? slash + 1 : key) ||
		    (slash && (size_t)(slash - key) > 253)) {
			_cleanup_free_ char *u = utf8_or_replacement(key);
			kube_warn(k, s, "label %s: not a Kubernetes annotation name: left out", u);
			continue;
		}
		json_object_set_new(o, key, json_text(eq ? eq + 1 : ""));
	}
	return o;
}

static json_t *extra_hosts(const struct service *s)
{
	json_t *a = json_array();
	for (size_t i = 0; i < s->extra_hosts.n; i++) {
		const char *l = s->extra_hosts.v[i], *tab = strchr(l, '\t');
		if (!tab)
			continue;
		_cleanup_free_ char *ip = xstrndup(l, (size_t)(tab - l));
		json_array_append_new(
		    a, json_pack("{s:s,s:[o]}", "ip", ip, "hostnames", json_text(tab + 1)));
	}
	return a;
}

/* s as one word of a shell line: quoted unless it is plain. */
static char *sh_word(const char *s)
{
	static const char plain[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
				    "0123456789_./:=@+-";
	if (*s && strspn(s, plain) == strlen(s))
		return xstrdup(s);
	struct strbuf b = {0};
	strbuf_addc(&b, '\'');
	for (const char *p = s; *p; p++) {
		if (*p == '\'')
			strbuf_adds(&b, "'\\''");
		else
			strbuf_addc(&b, *p);
	}
	strbuf_addc(&b, '\'');
	return strbuf_steal(&b);
}

static char *image_of(struct kube_ctx *k, const struct service *s)
{
	if (!s->build)
		return xstrdup(s->image);
	const char *reg = k->o->registry;
	size_t n = reg ? strlen(reg) : 0;
	/* no tag: :latest, which kube play and a cluster pull by name */
	const char *last = strrchr(s->image, '/');
	bool tagged = strchr(last ? last : s->image, ':') != NULL;
	char *img = xasprintf("%s%s%s%s", reg ? reg : "", n && reg[n - 1] != '/' ? "/" : "",
			      s->image, tagged ? "" : ":latest");
	const struct svc_image_build *b = s->build;
	_cleanup_free_ char *df_path = b->inline_text  ? xstrdup("-")
				       : b->dockerfile ? xstrdup(b->dockerfile)
						       : path_join(b->context, "Dockerfile");
	_cleanup_free_ char *df = sh_word(df_path), *ctx = sh_word(b->context);
	_cleanup_free_ char *tw = b->target ? sh_word(b->target) : NULL;
	_cleanup_free_ char *target = tw ? xasprintf(" --target %s", tw) : xstrdup("");
	strv_push_owned(
	    &k->out->notes,
	    xasprintf("%s is built from a Dockerfile: push it for the cluster: podman build "
		      "-t %s%s -f %s %s%s && podman push %s%s",
		      s->name, img, target, df, ctx,
		      b->inline_text ? " (its dockerfile_inline on stdin)" : "", img,
		      reg ? "" : " (clan export kube --registry HOST/PATH names it there)"));
	return img;
}

static json_t *container(struct kube_ctx *k, const struct service *s, const char *image)
{
	json_t *c = json_pack("{s:s,s:s}", "name", k->names[s - k->st->svcs], "image", image);
	if (s->build)
		json_object_set_new(c, "imagePullPolicy", json_string("IfNotPresent"));
	if (s->entrypoint.n)
		json_object_set_new(c, "command", str_list(&s->entrypoint, true));
	if (s->command.n)
		json_object_set_new(c, "args", str_list(&s->command, true));
	if (s->working_dir)
		json_object_set_new(c, "workingDir", json_text(s->working_dir));
	kube_env(k, s, c);
	json_t *ports = container_ports(k, s);
	if (json_array_size(ports))
		json_object_set_new(c, "ports", ports);
	else
		json_decref(ports);
	if (s->has_health) {
		json_object_set_new(c, "livenessProbe", probe(s, true));
		json_object_set_new(c, "readinessProbe", probe(s, false));
	}
	json_t *sc = security(k, s);
	if (json_object_size(sc))
		json_object_set_new(c, "securityContext", sc);
	else
		json_decref(sc);
	return c;
}

static const char *restart_policy(enum restart_policy r)
{
	return r == RESTART_NO ? "Never" : r == RESTART_ON_FAILURE ? "OnFailure" : "Always";
}

static void pod_doc(struct kube_ctx *k, const struct service *s)
{
	const char *name = k->names[s - k->st->svcs];
	_cleanup_free_ char *image = image_of(k, s);
	json_t *doc = kube_object(k, "Pod", name, s);
	json_t *ann = annotations(k, s);
	if (json_object_size(ann))
		json_object_set_new(json_object_get(doc, "metadata"), "annotations", ann);
	else
		json_decref(ann);
	json_t *spec = json_object();
	if (s->hostname) {
		_cleanup_free_ char *h = kube_name(s->hostname);
		if (h && strcmp(h, s->hostname) == 0)
			json_object_set_new(spec, "hostname", json_string(h));
		else
			kube_warn(k, s, "hostname %s: not a DNS label: left out", s->hostname);
	}
	json_object_set_new(spec, "restartPolicy", json_string(restart_policy(s->restart)));
	json_object_set_new(spec, "terminationGracePeriodSeconds",
			    json_integer(seconds(s->stop_grace_ms, 0)));
	json_t *hosts = extra_hosts(s);
	if (json_array_size(hosts))
		json_object_set_new(spec, "hostAliases", hosts);
	else
		json_decref(hosts);
	json_t *init = waits(k, s, image);
	if (json_array_size(init))
		json_object_set_new(spec, "initContainers", init);
	else
		json_decref(init);
	json_t *c = container(k, s, image);
	json_object_set_new(spec, "containers", json_pack("[o]", c));
	struct strv binds = {0};
	mounts(k, s, spec, c, &binds);
	unmapped(k, s);
	struct strbuf cm = {0};
	for (size_t i = 0; i < binds.n; i++) {
		kube_warn(k, s,
			  "bind %s: a hostPath volume, for a dev cluster on this machine "
			  "only",
			  binds.v[i]);
		_cleanup_free_ char *l =
		    xasprintf("%sbind %s: hostPath, for a dev cluster on this machine only (a "
			      "cluster's nodes do not have this path)",
			      i ? "\n" : "", binds.v[i]);
		strbuf_adds(&cm, l);
	}
	strv_free(&binds);
	json_object_set_new(doc, "spec", spec);
	kube_doc(k, doc, cm.len ? strbuf_steal(&cm) : NULL);
}

/* A claim per named volume an exported service mounts. Two volumes that
 * would become one claim (cache_data, cache.data) are refused: their
 * data would mix. */
static int claims(struct kube_ctx *k)
{
	struct strv made = {0}, from = {0};
	int rc = 0;
	for (size_t i = 0; i < k->st->volumes.n && rc == 0; i++) {
		const char *v = k->st->volumes.v[i];
		const struct svc_mount *m = NULL;
		const struct service *owner = NULL;
		for (size_t j = 0; j < k->st->nsvcs && !m; j++)
			for (size_t l = 0; k->names[j] && l < k->st->svcs[j].nmounts && !m; l++)
				if (k->st->svcs[j].mounts[l].volume &&
				    strcmp(k->st->svcs[j].mounts[l].volume, v) == 0)
					m = &k->st->svcs[j].mounts[l], owner = &k->st->svcs[j];
		if (!m)
			continue; /* no exported service mounts it */
		_cleanup_free_ char *want =
		    m->volume_name ? xstrdup(m->volume_name) : xasprintf("%s-%s", k->st->name, v);
		_cleanup_free_ char *claim = kube_name(want);
		for (size_t j = 0; j < made.n && rc == 0; j++)
			if (strcmp(made.v[j], claim ? claim : "volume") == 0)
				rc = clan_error_code(
				    k->err, CLAN_EXIT_USAGE,
				    "export kube: volumes %s and %s both become the "
				    "claim %s; rename one",
				    from.v[j], v, made.v[j]);
		if (rc < 0)
			break;
		strv_push(&made, claim ? claim : "volume");
		strv_push(&from, v);
		if (m->external) {
			kube_warn(k, owner, "volume %s is external: the claim %s must exist", v,
				  claim ? claim : "volume");
			continue;
		}
		json_t *doc =
		    kube_object(k, "PersistentVolumeClaim", claim ? claim : "volume", NULL);
		json_object_set_new(doc, "spec",
				    json_pack("{s:[s],s:{s:{s:s}}}", "accessModes", "ReadWriteOnce",
					      "resources", "requests", "storage", "1Gi"));
		kube_doc(k, doc, NULL);
	}
	strv_free(&made);
	strv_free(&from);
	return rc;
}

/* Every exported service's Kubernetes name, each once. */
static int names(struct kube_ctx *k)
{
	for (size_t i = 0; i < k->st->nsvcs; i++) {
		const struct service *s = &k->st->svcs[i];
		if (k->o->want && !k->o->want[i])
			continue;
		if (export_check_image(s, "kube", k->err) < 0)
			return -1;
		char *n = kube_name(s->name);
		if (!n)
			return clan_error_code(k->err, CLAN_EXIT_USAGE,
					       "export kube: service %s: no Kubernetes name can be "
					       "made of it (letters, digits and '-'): rename it",
					       s->name);
		for (size_t j = 0; j < i; j++)
			if (k->names[j] && strcmp(k->names[j], n) == 0) {
				clan_error_code(
				    k->err, CLAN_EXIT_USAGE,
				    "export kube: services %s and %s would both be named "
				    "%s in Kubernetes: rename one",
				    k->st->svcs[j].name, s->name, n);
				free(n);
				return -1;
			}
		if (strcmp(n, s->name) != 0)
			kube_warn(k, s,
				  "named %s in Kubernetes (lowercase letters, digits and '-', "
				  "at most 63): the other services reach it by that name",
				  n);
		k->names[i] = n;
	}
	return 0;
}

int export_kube(const struct stack *st, const struct export_opts *o, struct export_out *out,
		struct clan_err *err)
{
	*out = (struct export_out){.docs = json_array()};
	struct kube_ctx k = {.st = st,
			     .o = o,
			     .out = out,
			     .names = xcalloc(st->nsvcs + 1, sizeof(char *)),
			     .part_of = kube_name(st->name),
			     .err = err};
	if (!k.part_of)
		k.part_of = xstrdup("clan");
	int r = names(&k);
	if (r == 0)
		r = claims(&k);
	if (r == 0) {
		for (size_t i = 0; i < st->nsvcs; i++)
			if (k.names[i])
				service_doc(&k, &st->svcs[i]);
		/* in dependency order: what a pod waits for is played first */
		for (size_t i = 0; i < st->nsvcs; i++)
			if (k.names[i])
				pod_doc(&k, &st->svcs[i]);
	}
	for (size_t i = 0; i < st->nsvcs; i++)
		free(k.names[i]);
	free(k.names);
	free(k.part_of);
	if (r < 0)
		export_out_free(out);
	return r;
}
