/* Inside the supervisor: the state of each service and of the whole
 * stack, shared by supervisor.c (the loop), sup_service.c (one service's
 * life) and sup_ctl.c (the control socket). */
#ifndef CLAN_SUP_INT_H
#define CLAN_SUP_INT_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "container/container.h"
#include "config/hc_timing.h"
#include "supervisor/logfile.h"
#include "container/pod.h"
#include "container/spec.h"
#include "supervisor/sup_request.h"
#include "supervisor/supervisor.h"

enum svc_state {
	SVC_WAITING,	  /* for its dependencies */
	SVC_STARTING,	  /* running, not yet healthy */
	SVC_RUNNING,	  /* healthy (or started, without a health check) */
	SVC_STOPPING,	  /* signalled, waiting for it to exit */
	SVC_EXITED,	  /* ended by itself */
	SVC_STOPPED,	  /* stopped on request */
	SVC_RESTART_WAIT, /* exited; restarts at restart_at */
};

struct svc_rt {
	const struct service *svc;
	enum svc_state state;
	struct container_spec spec;
	struct container *ctr;
	pid_t pid;
	int out_fd, err_fd; /* read ends of its output pipes, -1 when closed */
	char *part[2];	    /* a line not yet ended, per stream */
	size_t partlen[2];
	/* monotonic ms: when its output pipe is polled again, per stream. A
	 * pause after each read lets a chatty service's output gather, so it
	 * is read in large pieces, not a wakeup per write. */
	int64_t out_hold[2];
	struct log_writer log;
	bool healthy, unhealthy;
	int exit_code;
	int restarts;	    /* restarts in a row: the next restart's delay */
	int restart_count;  /* restarts since up, for ps */
	int early_exits;    /* exits before it was ever ready, while `up` waited */
	int64_t ready_ms;   /* monotonic: when it last became ready */
	int64_t started;    /* wall clock, seconds */
	int64_t started_ms; /* monotonic */
	int64_t restart_at; /* monotonic ms */
	int64_t kill_at;    /* monotonic ms: SIGKILL if still there */
	int emulated_sig;
	bool want_stop; /* stopped on request: no restart */
	/* down/stop/restart -t: this stop's grace in ms, over the service's;
	 * -1: none (set back at each start) */
	int stop_timeout_ms;
	/* up --no-deps: its next start does not wait on its dependencies */
	bool no_deps;
	bool restart_after_stop;
	pid_t hc_pid;
	int64_t hc_next, hc_deadline;
	/* while starting with none of its TCP ports listened on yet: when to
	 * look again (0: not waiting on one) */
	int64_t hc_listen_poll;
	struct hc_track hc;
	int64_t hc_cpu_ms;	 /* CPU the last check took, with what it waited for */
	bool hc_timed_out;	 /* the running check was killed at its timeout */
	int hc_fd;		 /* the running check's output (read end), -1 */
	char hc_buf[HC_OUT_MAX]; /* its last HC_OUT_MAX bytes so far */
	size_t hc_len;
	char *hc_output; /* the last finished check's last lines, NULL: none yet */
	int hc_exit;	 /* and its exit code, -1 when killed */
	char *error;	 /* why it failed to start or became unhealthy */
	/* its published ports as the pod bound them: a host port the kernel
	 * picked (none in the file) filled in, one map a port then */
	struct port_map *bound;
	size_t nbound;
	/* `up -d` with a changed config: the config and container spec it
	 * runs once it has stopped (pending NULL: none), and the config it
	 * runs now if one was swapped in (own_svc, owned; NULL: the stack's
	 * from the start) */
	struct service *pending, *own_svc;
	struct container_spec pending_spec;
};

/* A control connection, one request and one answer, all non-blocking:
 * a client that trickles its request or never reads its answer holds a
 * slot until its deadline, never the loop (restarts, health checks). */
enum ctl_phase {
	CTL_FREE,  /* an unused slot */
	CTL_READ,  /* reading the request, until a newline */
	CTL_OP,	   /* the operation runs; answered when done */
	CTL_WRITE, /* writing the answer */
};

#define SUP_CTL_MAX 16 /* past it, a new connection drops the oldest */

struct ctl_conn {
	enum ctl_phase phase;
	int fd;
	char *buf; /* the request while reading, the answer while writing */
	size_t len, cap, off;
	int64_t deadline; /* monotonic ms: dropped (or "timed out") past it */
	uint64_t seq;	  /* accept order */
	char op[16];
	bool *targets;
};

struct sup {
	const struct sup_opts *o;
	struct svc_rt *svcs;
	size_t n;
	struct pod pod;
	char *storage;
	int sig_fd, listen_fd;
	int ready_fd;  /* -1 once `up` has its answer */
	char *failure; /* why the start failed, told to `up` once all is stopped */
	bool down;
	int64_t startup_deadline;
	int64_t settled_at; /* monotonic ms: when every service was first settled */
	int64_t recheck_at; /* when `up`'s answer is looked at again, 0: never */
	int64_t trim_at;    /* when, idle since, it gives back code pages; 0: not due */
	struct ctl_conn ctl[SUP_CTL_MAX];
	/* volume_hold's fds: each volume a service mounted, held until exit */
	int *vol_holds;
	size_t nvol_holds;
	uint64_t ctl_seq;
};

int64_t sup_now_ms(void);

/* sup_service.c */
/* The container spec of service svc (its mounts' sources pinned). */
int svc_build_spec(struct sup *s, const struct service *svc, struct container_spec *c,
		   struct clan_err *err);
int svc_prepare(struct sup *s, struct svc_rt *r, struct clan_err *err);
void svc_free(struct svc_rt *r);
bool svc_active(const struct svc_rt *r);
/* A one-shot (a migration, `true`) that ran and ended well, and that its
 * restart policy does not restart: compose's `up -d` is content with it. */
bool svc_finished_well(const struct svc_rt *r);
bool svc_deps_ready(const struct sup *s, const struct svc_rt *r);
int svc_start(struct sup *s, struct svc_rt *r, struct clan_err *err);
void svc_stop(const struct sup *s, struct svc_rt *r);
/* Reads what the service wrote and logs it; true when there was any. */
bool svc_on_output(struct svc_rt *r, int stream);
void svc_on_sync(struct sup *s, struct svc_rt *r);
/* sup_health.c */
#define SETTLE_MS 1000
void svc_run_health_check(struct svc_rt *r);
/* After r's next check was set: a starting service whose TCP ports
 * (service.listen_tcp) nobody listens on yet has its check wait (up to
 * HC_UNLISTENED_MS) for one to be listened on. */
void svc_hc_wait_listen(struct svc_rt *r, int64_t now);
/* The timers' side: the check runs as soon as a port is listened on. */
void svc_hc_poll_listen(struct svc_rt *r, int64_t now);
void svc_on_health_result(struct sup *s, struct svc_rt *r, int status);
/* The running health check wrote something. */
void svc_on_hc_output(struct svc_rt *r);
/* Whether r counts as up for `up`: ready, and without a health check,
 * running for SETTLE_MS (a crash on start is seen by `up`). */
bool svc_settled(const struct svc_rt *r, int64_t now);
/* A warning for `up` about a published port of r that nothing of r
 * listens on, NULL when all are r's. */
char *svc_port_warning(const struct svc_rt *r);
/* A child of ours exited: one of r's (its pid 1 or its health check)? */
bool svc_reap(struct sup *s, struct svc_rt *r);
void svc_timers(struct sup *s, struct svc_rt *r, int64_t now);
int64_t svc_next_deadline(const struct svc_rt *r);
const char *svc_state_name(const struct svc_rt *r);
/* The last lines of its log, for error messages. */
char *svc_last_lines(const struct sup *s, const struct svc_rt *r, int lines);

/* sup_ctl.c */
int sup_listen(struct sup *s, struct clan_err *err);
/* Takes the waiting connections (the listening socket is readable). */
void sup_accept(struct sup *s);
/* What connection i waits for (poll events), 0 for nothing. */
short sup_ctl_events(const struct sup *s, size_t i);
void sup_ctl_on_event(struct sup *s, size_t i, short revents);
/* Answers the operations that are done; drops or answers the connections
 * past their deadline. */
void sup_settle(struct sup *s);
/* The earliest connection deadline, 0 if none. */
int64_t sup_ctl_next_deadline(const struct sup *s);
/* At exit: gives the last answers (down's) up to timeout_ms to go out,
 * then closes every connection. */
void sup_ctl_close_all(struct sup *s, int timeout_ms);
json_t *sup_ps_json(const struct sup *s);

/* sup_recreate.c: `up -d` on a running stack */
/* Builds the container specs of req's new configs and hands them (moved
 * out of req) to their services; -1 and why, nothing changed, if one
 * cannot be built or changes what the pod holds for all (published
 * ports, names): only a new stack can do that. */
int sup_up_prepare(struct sup *s, struct ctl_request *req, char *why, size_t len);
/* Recreates what was prepared, starts the services req names. */
void sup_up_op(struct sup *s, struct ctl_request *req);
/* Swaps in r's pending config and spec if it has them and is not
 * active. */
void svc_apply_pending(struct svc_rt *r);
void svc_drop_pending(struct svc_rt *r);

/* supervisor.c: what the loop does after a service changed state */
void sup_service_changed(struct sup *s, struct svc_rt *r);

#endif
