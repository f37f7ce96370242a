/* The table of compose's keys (compose-spec's schema, 2025) and what clan
 * does with each; docs/compose.md lists the same with the reasons. */
#include "config/compose_keys.h"

#include <string.h>

#include "base/suggest.h"
#include "base/util.h"

#define DO(k)                             \
	{                                 \
		k, COMPOSE_HONOURED, NULL \
	}
#define WARN(k, why)                   \
	{                              \
		k, COMPOSE_WARNED, why \
	}

#define LIMITS "resource limits need cgroups, which a rootless clan does not manage"
#define ONE_NET "a stack is one pod: its services share one network namespace"
#define DNS "names resolve through the stack's /etc/hosts and slirp4netns's DNS"
#define NO_TTY "services run without a terminal (clan exec -it SERVICE sh gives one)"

const struct compose_key compose_service_keys[] = {
    WARN("annotations", "OCI annotations are for a runtime's plugins; clan's has none"),
    WARN("attach", "clan logs shows every service"),
    WARN("blkio_config", LIMITS),
    DO("build"),
    DO("cap_add"),
    DO("cap_drop"),
    WARN("cgroup", LIMITS),
    WARN("cgroup_parent", LIMITS),
    DO("command"),
    DO("configs"),
    DO("container_name"),
    WARN("cpu_count", LIMITS),
    WARN("cpu_percent", LIMITS),
    WARN("cpu_period", LIMITS),
    WARN("cpu_quota", LIMITS),
    WARN("cpu_rt_period", LIMITS),
    WARN("cpu_rt_runtime", LIMITS),
    WARN("cpu_shares", LIMITS),
    WARN("cpus", LIMITS),
    WARN("cpuset", LIMITS),
    WARN("credential_spec", "it is for Windows containers"),
    DO("depends_on"),
    WARN("deploy", "clan runs one container per service on this machine"),
    WARN("develop", "clan's source binds reload edits already"),
    WARN("device_cgroup_rules", LIMITS),
    DO("devices"),
    WARN("dns", DNS),
    WARN("dns_opt", DNS),
    WARN("dns_search", DNS),
    WARN("domainname", DNS),
    DO("entrypoint"),
    DO("env_file"),
    DO("environment"),
    DO("expose"),
    DO("extends"),
    WARN("external_links", ONE_NET),
    DO("extra_hosts"),
    WARN("gpus", "use devices: with a CDI name (nvidia.com/gpu=all)"),
    WARN("group_add", "not supported yet"),
    DO("healthcheck"),
    DO("hostname"),
    DO("image"),
    DO("init"),
    WARN("ipc", "each service has its own IPC namespace"),
    WARN("isolation", "it is for Windows containers"),
    WARN("label_file", "not read: write the labels under labels:"),
    DO("labels"),
    DO("links"),
    WARN("logging", "clan keeps each service's log itself (clan logs)"),
    WARN("mac_address", ONE_NET),
    WARN("mem_limit", LIMITS),
    WARN("mem_reservation", LIMITS),
    WARN("mem_swappiness", LIMITS),
    WARN("memswap_limit", LIMITS),
    WARN("models", "not supported"),
    WARN("network_mode", ONE_NET),
    DO("networks"),
    WARN("oom_kill_disable", LIMITS),
    WARN("oom_score_adj", LIMITS),
    WARN("pid", "each service has its own pid namespace"),
    WARN("pids_limit", LIMITS),
    DO("platform"),
    DO("ports"),
    WARN("post_start", "not supported yet"),
    WARN("pre_stop", "not supported yet"),
    WARN("privileged",
	 "a rootless container's privileges stay in its user namespace; clan does not widen them"),
    DO("profiles"),
    WARN("provider", "not supported"),
    DO("pull_policy"),
    DO("read_only"),
    DO("restart"),
    WARN("runtime", "clan is the runtime"),
    WARN("scale", "clan runs one container per service"),
    DO("secrets"),
    DO("security_opt"),
    DO("shm_size"),
    WARN("stdin_open", NO_TTY),
    DO("stop_grace_period"),
    DO("stop_signal"),
    WARN("storage_opt", "clan's storage has no per-container options"),
    WARN("sysctls", "not supported yet"),
    DO("tmpfs"),
    WARN("tty", NO_TTY),
    DO("ulimits"),
    WARN("use_api_socket", "there is no Docker API socket"),
    DO("user"),
    WARN("userns_mode", "clan chooses the user namespace (clan doctor says which)"),
    WARN("uts", "each service has its own host name"),
    DO("volumes"),
    WARN("volumes_from", "not supported: mount the same named volume"),
    DO("working_dir"),
};
const size_t compose_service_nkeys = ARRAY_SIZE(compose_service_keys);

const struct compose_key compose_top_keys[] = {
    DO("configs"),
    DO("include"),
    WARN("models", "not supported"),
    DO("name"),
    DO("networks"),
    DO("secrets"),
    DO("services"),
    WARN("version", "it is obsolete: compose ignores it too"),
    DO("volumes"),
};
const size_t compose_top_nkeys = ARRAY_SIZE(compose_top_keys);

const struct compose_key *compose_key_find(const struct compose_key *keys, size_t n,
					   const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(keys[i].name, name) == 0)
			return &keys[i];
	return NULL;
}

const char *compose_key_suggest(const struct compose_key *keys, size_t n, const char *name)
{
	const char **names = xcalloc(n + 1, sizeof *names);
	for (size_t i = 0; i < n; i++)
		names[i] = keys[i].name;
	const char *near = suggest_nearest(name, names, n);
	free(names);
	return near;
}
