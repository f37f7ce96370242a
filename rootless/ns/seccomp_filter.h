/* Seccomp filters for the container's command: a profile compiled once in
 * clan (before the clone, where errors can still be reported plainly) to
 * a BPF program that the child loads with one prctl right before execve,
 * and that the container's record keeps for `clan exec`. */
#ifndef CLAN_SECCOMP_FILTER_H
#define CLAN_SECCOMP_FILTER_H

#include <linux/filter.h>
#include <stdbool.h>
#include <stddef.h>

#include "base/error.h"
#include "ns/seccomp_profile.h"

/* A compiled filter; len 0: none (unconfined with every id mapped). */
struct seccomp_bpf {
	struct sock_filter *insns;
	size_t len;
	bool notify;  /* SECCOMP_RECORD_CHOWN: the chown family waits on a listener */
	char *cached; /* the cache file it was read from, never rewritten in place */
};

/* Calls that succeed without effect (single-id mode has one uid inside:
 * chown to any other id fails with EINVAL and breaks package managers),
 * as Podman's ignore_chown_errors and fakeroot do for chown, and
 * Charliecloud's seccomp mode for the rest. */
enum {
	SECCOMP_FAKE_CHOWN = 1, /* the chown family */
	SECCOMP_FAKE_IDS = 2,	/* setuid, setgid, setgroups, setres*, setfs*, capset */
	/* with FAKE_CHOWN: the chown family stops at a user notification, for
	 * clan to record the owner asked for (chown_record.h) */
	SECCOMP_RECORD_CHOWN = 4,
};

/* The profile as BPF; fake: SECCOMP_FAKE_* the profile allows succeed
 * without effect. */
int seccomp_compile(const struct seccomp_profile *p, unsigned fake, struct seccomp_bpf *out,
		    struct clan_err *err);

/* The filter for --security-opt seccomp=WHICH (NULL or "default": clan's
 * default profile, "unconfined", else a Docker JSON profile's path, whose
 * errors read "FILE: ..." with exit code 2), for a container with
 * capabilities caps. The built-in profiles are compiled once (per set of
 * rules) and kept in STORAGE/seccomp/ (storage NULL: no cache). */
int seccomp_filter_for(const char *which, unsigned fake, uint64_t caps, const char *storage,
		       struct seccomp_bpf *out, struct clan_err *err);

/* What `clan exec` applies in the container of the record in dir: the
 * filter its start saved (seccomp.bpf; empty: none). */
int seccomp_filter_of_record(const char *dir, bool single, struct seccomp_bpf *out,
			     struct clan_err *err);

/* In the child, after no_new_privs (which the kernel requires of an
 * unprivileged filter): the last step before execve. A notify filter
 * gives its listener in *listener when that is not NULL (else its
 * notified calls fail with ENOSYS: for pid 1, which makes none); -1
 * otherwise. */
int seccomp_bpf_apply(const struct seccomp_bpf *f, int *listener, struct clan_err *err);

/* The record's copy for `clan exec`. */
int seccomp_bpf_save(const struct seccomp_bpf *f, const char *path, struct clan_err *err);
int seccomp_bpf_read(const char *path, struct seccomp_bpf *f, struct clan_err *err);
void seccomp_bpf_free(struct seccomp_bpf *f);

/* Just the chown rules, loaded at once: the deb image build (mmdebstrap
 * mounts and chroots, which the container profile refuses). */
int seccomp_fake_chown(struct clan_err *err);

#endif
