#!/bin/bash
# clan pull against what Debian's docker-registry cannot do without a token
# server, served by tests/registry_fake.py on 127.0.0.1: the anonymous
# Bearer token flow (401, token from the realm with its service and scope,
# the request again with the token), blob redirects to storage that must not
# see the Authorization header, a private repo whose token needs the login
# (clan login), an old schema 1 manifest refused; and mirrors, from
# registries.conf and from CLAN_REGISTRY_MIRROR for docker.io references,
# served by a docker-registry on 127.0.0.1, with every proxy variable
# pointing at the fake so that a request for a public host is caught there.
# shellcheck disable=SC2016,SC2317 # $vars in single quotes expand inside; cases run via t
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"
# shellcheck source=tests/pull_lib.sh
. "$(dirname "$0")/../pull_lib.sh"

# Every request of these tests goes to 127.0.0.1 directly.
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY all_proxy ALL_PROXY no_proxy NO_PROXY

# The docker-registry the mirror cases use ($REGISTRY, $REGISTRY_LOG).
pull_setup
MIRROR=$REGISTRY
MIRROR_LOG=$REGISTRY_LOG

FAKE_USER=u
FAKE_PASS='p4ss word:x'

# fake_start: the fake registry, serving the app image (the fixtures'
# layout, built once per run) as lib/app:1 and priv/app:1, and a schema 1
# manifest as lib/old:1; its blob redirects go to its second port. Sets
# FAKE (127.0.0.1:PORT) and FAKE_LOG. It dies with this shell and is
# stopped by pid at its exit (registry_spawn).
fake_start() {
	local layout dir
	if ! layout=$(registry_image app); then
		fail "all" "cannot build the app image's OCI layout (see above)"
		finish
	fi
	dir=$(mktemp -d "$LIB_TMP/fake.XXXXXX") || return 1
	FAKE_LOG=$dir/log
	: >"$FAKE_LOG"
	mkfifo "$dir/ready" || return 1
	# Opened read-write: neither side's open blocks; read -t bounds the wait.
	exec 3<>"$dir/ready"
	registry_spawn "$dir/out" python3 "$CLAN_TEST_ROOT/tests/registry_fake.py" \
		--layout "$layout" --ready "$dir/ready" --log "$FAKE_LOG" \
		--image lib/app:1=app --image priv/app:1=app --schema1 lib/old:1 \
		--user "$FAKE_USER:$FAKE_PASS" 3<&-
	local port="" tries=10
	# Up to 10 s, given up as soon as the fake has exited.
	while ! read -r -t 1 -u 3 port _ && [ "$tries" -gt 0 ] && registry_is_running "$REGISTRY_SPAWNED"; do
		tries=$((tries - 1))
	done
	if [ -z "$port" ]; then
		exec 3<&-
		fail "all" "tests/registry_fake.py did not start (it exited, or no port within 10 s); its output:" "$(tail -n 20 "$dir/out")"
		finish
	fi
	exec 3<&-
	FAKE=127.0.0.1:$port
}
if ! fake_start; then
	fail "all" "cannot set up the fake registry's dir in $LIB_TMP"
	finish
fi

# A port nothing listens on (a registry that is down).
if ! DOWN_PORT=$(python3 "$REGISTRY_TOOL" freeport); then
	fail "all" "registry_tool.py freeport failed"
	finish
fi
DOWN=127.0.0.1:$DOWN_PORT

# A home and a store of the case's own: no docker config, no auth file, no
# registries.conf of the user's.
fresh_home() {
	HOME=$(mk_tmp) || die "cannot make a home dir"
	export HOME
	export XDG_CONFIG_HOME=$HOME/.config
	unset REGISTRY_AUTH_FILE DOCKER_CONFIG CLAN_REGISTRY_MIRROR
	fresh_storage
}

# registries_conf TEXT: the case's ~/.config/clan/registries.conf.
registries_conf() {
	mkdir -p "$XDG_CONFIG_HOME/clan" || die "cannot make $XDG_CONFIG_HOME/clan"
	printf '%s\n' "$1" >"$XDG_CONFIG_HOME/clan/registries.conf"
}

# log_mark FILE: how many lines FILE has now (for log_since).
log_mark() {
	grep -c '' "$1"
}

# log_since FILE MARK: FILE's lines after the first MARK. docker-registry
# writes a request's line when its handler returns, which can be just after
# the client has everything: first wait (up to 3 s) until FILE has not grown
# for 0.3 s. (The fake logs before it answers.)
log_since() {
	local file=$1 mark=$2 size last="" same=0 tenths=30
	if [ "$file" != "$FAKE_LOG" ]; then
		while [ "$tenths" -gt 0 ] && [ "$same" -lt 3 ]; do
			size=$(stat -c %s "$file")
			if [ "$size" = "$last" ]; then same=$((same + 1)); else same=0; fi
			last=$size
			sleep 0.1
			tenths=$((tenths - 1))
		done
	fi
	tail -n "+$((mark + 1))" "$file"
}

# find_line TEXT AFTER NEEDLE...: the number of the first line of TEXT after
# line AFTER that contains every NEEDLE (literal strings); empty if none.
find_line() {
	local text=$1 after=$2
	shift 2
	awk -v after="$after" '
		BEGIN { n = ARGC - 1; for (i = 1; i <= n; i++) nd[i] = ARGV[i]; ARGC = 1 }
		NR > after {
			ok = 1
			for (i = 1; i <= n; i++) if (index($0, nd[i]) == 0) ok = 0
			if (ok) { print NR; exit }
		}' "$@" <<<"$text"
}

# expect_line VAR TEXT AFTER WHAT NEEDLE...: like find_line, into VAR; the
# case fails, naming WHAT and showing TEXT, when there is no such line.
expect_line() {
	local var=$1 text=$2 after=$3 what=$4 n
	shift 4
	n=$(find_line "$text" "$after" "$@")
	if [ -z "$n" ]; then
		die "the log has no line for $what (after line $after) holding: $*" "the log:" "$text"
	fi
	printf -v "$var" '%s' "$n"
}

# The app image's blobs: its config, then its layers.
app_blobs() {
	registry_info app app config && registry_info app app layers
}

# assert_nothing_stored: a refused pull left no image, tag, layer, blob
# (not even the refused manifest) or temp file in the store.
assert_nothing_stored() {
	local blobs
	assert_no_temp_in_store
	clan_t images -q
	assert_eq "$rc" 0 "exit of clan images -q (stderr: $err)"
	assert_eq "$out" "" "clan images -q after a refused pull"
	assert_eq "$(store_layers)" "" "the layer dirs in $CLAN_STORAGE/layers after a refused pull"
	blobs=$(find "$CLAN_STORAGE/blobs" -type f -printf '%P\n' 2>/dev/null)
	assert_eq "$blobs" "" "the blobs in $CLAN_STORAGE/blobs after a refused pull"
	assert_eq "$(find "$CLAN_STORAGE/tags" -type f -printf '%P\n' 2>/dev/null)" "" \
		"the tags in $CLAN_STORAGE/tags after a refused pull"
}

# login PASSWORD: `echo PASSWORD | clan login -u u --password-stdin $FAKE`.
login() {
	printf '%s\n' "$1" | timeout -k 5 "$PULL_TIMEOUT" "$CLAN" login -u "$FAKE_USER" --password-stdin "$FAKE" \
		>"$LIB_TMP/out" 2>"$LIB_TMP/err"
	rc=$?
	out=$(cat "$LIB_TMP/out")
	err=$(cat "$LIB_TMP/err")
}

# --- the token flow -----------------------------------------------------------

# An anonymous pull: 401, then the token from the realm with the challenge's
# service and scope, then the manifest again with the token; then it runs.
case_anonymous_token_pull_then_run() {
	need_clan pull
	fresh_home
	local mark log l1 l2 l
	mark=$(log_mark "$FAKE_LOG")
	pull_ok "$FAKE/lib/app:1"
	assert_store_clean
	log=$(log_since "$FAKE_LOG" "$mark")
	expect_line l1 "$log" 0 "the first manifest request, refused" \
		"api GET /v2/lib/app/manifests/1 401 auth=none"
	expect_line l2 "$log" "$l1" "the token request with the challenge's service and scope" \
		"api GET /token?" " 200 auth=none service=$FAKE scope=repository:lib/app:pull"
	expect_line l "$log" "$l2" "the manifest request again, with the token" \
		"api GET /v2/lib/app/manifests/1 200 auth=bearer"
	# One token for the whole pull; never a token the fake did not issue.
	assert_eq "$(grep -c ' /token?' <<<"$log")" 1 "token requests of one pull"
	assert_not_contains "$log" "auth=bearer-unknown" "the fake's log"
	need_run_images
	clan_t run --rm "$FAKE/lib/app:1" cat /etc/os-release
	assert_eq "$rc" 0 "exit of clan run --rm $FAKE/lib/app:1 cat /etc/os-release (stderr: $err)"
	assert_contains "$out" "ID=clantest" "/etc/os-release of the image"
}

# Blob GETs (config and layers) are redirected to storage on another port;
# curl follows, and the registry's token never reaches storage (which
# answers 400 to any Authorization header).
case_blob_redirect_without_authorization() {
	need_clan pull
	fresh_home
	local mark log d l storage_lines blobs
	blobs=$(app_blobs) || die "cannot read the app image's blobs"
	mark=$(log_mark "$FAKE_LOG")
	pull_ok "$FAKE/lib/app:1"
	log=$(log_since "$FAKE_LOG" "$mark")
	for d in $blobs; do
		expect_line l "$log" 0 "the blob GET of $d, redirected" \
			"api GET /v2/lib/app/blobs/$d 307 auth=bearer"
		# anywhere in the log: the fake logs a request after answering it,
		# so the followed redirect can be logged before the 307 itself
		expect_line l "$log" 0 "the redirect to storage followed for $d" \
			"storage GET /storage/$d?sig=" " 200 auth=none"
	done
	storage_lines=$(grep '^storage ' <<<"$log")
	assert_not_contains "$storage_lines" "auth=bearer" "storage requests"
	assert_not_contains "$storage_lines" "auth=basic" "storage requests"
	if grep -v ' 200 auth=none$' <<<"$storage_lines" | grep -q .; then
		die "storage answered requests with an error or saw credentials:" "$storage_lines"
	fi
	run_ok kept "$FAKE/lib/app:1" cat /etc/kept
}

# priv/* needs a login: the anonymous token is refused and the error says
# what to do; nothing is stored.
case_private_without_login_refused() {
	need_clan pull
	fresh_home
	local mark log l
	mark=$(log_mark "$FAKE_LOG")
	clan_t pull "$FAKE/priv/app:1"
	assert_refused "clan login" "$FAKE"
	log=$(log_since "$FAKE_LOG" "$mark")
	expect_line l "$log" 0 "the anonymous token request, refused" \
		"api GET /token?" " 401 auth=none service=$FAKE scope=repository:priv/app:pull"
	assert_not_contains "$log" "/blobs/" "the fake's log (a refused pull fetches no blob)"
	assert_nothing_stored
}

# clan login against a token registry: the login's token request carries the
# password; then the private pull's token request does, and the pull works.
case_login_then_private_pull() {
	need_clan login
	need_clan pull
	fresh_home
	local mark log l
	mark=$(log_mark "$FAKE_LOG")
	login "$FAKE_PASS"
	assert_eq "$rc" 0 "exit of clan login -u $FAKE_USER --password-stdin $FAKE (stderr: $err)"
	log=$(log_since "$FAKE_LOG" "$mark")
	expect_line l "$log" 0 "the login's token request with basic auth" \
		"api GET /token?" " 200 auth=basic:$FAKE_USER service=$FAKE"
	expect_line l "$log" "$l" "the login's check of /v2/ with the token" \
		"api GET /v2/ 200 auth=bearer"
	[ -f "$HOME/.docker/config.json" ] || die "clan login wrote no $HOME/.docker/config.json"
	mark=$(log_mark "$FAKE_LOG")
	pull_ok "$FAKE/priv/app:1"
	log=$(log_since "$FAKE_LOG" "$mark")
	expect_line l "$log" 0 "the pull's token request with basic auth" \
		"api GET /token?" " 200 auth=basic:$FAKE_USER service=$FAKE scope=repository:priv/app:pull"
	expect_line l "$log" "$l" "the manifest request with the token" \
		"api GET /v2/priv/app/manifests/1 200 auth=bearer"
	run_ok kept "$FAKE/priv/app:1" cat /etc/kept
}

# A realm with userinfo (http://127.0.0.1:1@HOST/token, whose host is HOST)
# is refused before any request: the login on file never goes there.
case_realm_with_userinfo_refused() {
	need_clan login
	need_clan pull
	fresh_home
	local mark log
	login "$FAKE_PASS"
	assert_eq "$rc" 0 "exit of clan login (stderr: $err)"
	mark=$(log_mark "$FAKE_LOG")
	clan_t pull "$FAKE/disguised/app:1"
	assert_refused "http://127.0.0.1:1@$FAKE/token" "a URL with a user name in it"
	log=$(log_since "$FAKE_LOG" "$mark")
	assert_not_contains "$log" "/token" "the fake's log (no token request to a disguised realm)"
	assert_nothing_stored
}

# A wrong password is refused by the token server at login; nothing saved.
case_login_wrong_password() {
	need_clan login
	fresh_home
	local mark log l
	mark=$(log_mark "$FAKE_LOG")
	login "not-the-password"
	assert_refused "$FAKE"
	log=$(log_since "$FAKE_LOG" "$mark")
	expect_line l "$log" 0 "the login's token request, refused" \
		"api GET /token?" " 401 auth=basic:$FAKE_USER"
	if [ -f "$HOME/.docker/config.json" ] && grep -q "$FAKE" "$HOME/.docker/config.json"; then
		die "clan login stored credentials the registry refused:" "$(cat "$HOME/.docker/config.json")"
	fi
}

# An old schema 1 manifest: a clear refusal, no blob fetched, nothing stored.
case_schema1_refused() {
	need_clan pull
	fresh_home
	local mark log l
	mark=$(log_mark "$FAKE_LOG")
	clan_t pull "$FAKE/lib/old:1"
	assert_refused "$FAKE/lib/old:1" "schema 1"
	log=$(log_since "$FAKE_LOG" "$mark")
	expect_line l "$log" 0 "the schema 1 manifest served" \
		"api GET /v2/lib/old/manifests/1 200 auth=bearer"
	assert_not_contains "$log" "/blobs/" "the fake's log (a refused manifest fetches no blob)"
	assert_nothing_stored
}

# --- mirrors ------------------------------------------------------------------

# registries.conf names a mirror for a registry that is down: the pull goes
# to the mirror (a docker-registry), whose log shows it.
case_conf_mirror_registry_down() {
	need_clan pull
	fresh_home
	registry_push app lib/app:1 || die "cannot push the app image to the mirror"
	registries_conf "[$DOWN]
mirror = http://$MIRROR"
	local mark log l d
	mark=$(log_mark "$MIRROR_LOG")
	pull_ok "$DOWN/lib/app:1"
	log=$(log_since "$MIRROR_LOG" "$mark")
	expect_line l "$log" 0 "the manifest request at the mirror" '"GET /v2/lib/app/manifests/1 ' '" 200 '
	for d in $(app_blobs); do
		expect_line l "$log" 0 "the mirror's blob GET of $d" "\"GET /v2/lib/app/blobs/$d " '" 200 '
	done
	run_ok kept "$DOWN/lib/app:1" cat /etc/kept
}

# The mirror comes first even when the registry is up: the registry (the
# fake) sees no request.
case_conf_mirror_preferred() {
	need_clan pull
	fresh_home
	registry_push app lib/app:1 || die "cannot push the app image to the mirror"
	registries_conf "[$FAKE]
mirror = http://$MIRROR"
	local mark fmark log l
	mark=$(log_mark "$MIRROR_LOG")
	fmark=$(log_mark "$FAKE_LOG")
	pull_ok "$FAKE/lib/app:1"
	log=$(log_since "$MIRROR_LOG" "$mark")
	expect_line l "$log" 0 "the manifest request at the mirror" '"GET /v2/lib/app/manifests/1 ' '" 200 '
	assert_eq "$(log_since "$FAKE_LOG" "$fmark")" "" "requests the registry got while its mirror served the pull"
}

# A mirror that is down: the pull falls back to the registry, quickly.
case_conf_mirror_down_falls_back() {
	need_clan pull
	fresh_home
	registries_conf "[$FAKE]
mirror = http://$DOWN"
	local mark log l start
	mark=$(log_mark "$FAKE_LOG")
	start=$(now_ms)
	pull_ok "$FAKE/lib/app:1"
	if [ $(($(now_ms) - start)) -gt 30000 ]; then
		die "the fallback from a closed mirror port took more than 30 s"
	fi
	log=$(log_since "$FAKE_LOG" "$mark")
	expect_line l "$log" 0 "the manifest from the registry itself" \
		"api GET /v2/lib/app/manifests/1 200 auth=bearer"
}

# hub_env: a docker.io pull may only reach the mirror: every proxy variable
# points at the fake, which logs any request for another host (and answers
# 502), and only 127.0.0.1 is reached directly.
hub_env() {
	export CLAN_REGISTRY_MIRROR=http://$MIRROR
	export http_proxy=http://$FAKE https_proxy=http://$FAKE all_proxy=http://$FAKE
	export HTTP_PROXY=$http_proxy HTTPS_PROXY=$https_proxy ALL_PROXY=$all_proxy
	export no_proxy=127.0.0.1 NO_PROXY=127.0.0.1
}

# The requests the fake got as a proxy (for a host other than itself).
proxied() {
	grep -E '^api [A-Z]+ [^/]' <<<"$1"
}

# CLAN_REGISTRY_MIRROR serves a docker.io reference (app:1 is
# docker.io/library/app:1): the mirror's log shows the pull, and no request
# left for a public host.
case_hub_mirror_env() {
	need_clan pull
	fresh_home
	registry_push app library/app:1 || die "cannot push library/app:1 to the mirror"
	hub_env
	local mark fmark log l
	mark=$(log_mark "$MIRROR_LOG")
	fmark=$(log_mark "$FAKE_LOG")
	pull_ok app:1
	log=$(log_since "$MIRROR_LOG" "$mark")
	expect_line l "$log" 0 "the manifest request at the mirror" '"GET /v2/library/app/manifests/1 ' '" 200 '
	assert_eq "$(proxied "$(log_since "$FAKE_LOG" "$fmark")")" "" "requests for a public host (through the proxy)"
	run_ok kept app:1 cat /etc/kept
	run_ok kept docker.io/library/app:1 cat /etc/kept
	assert_eq "$(proxied "$(log_since "$FAKE_LOG" "$fmark")")" "" "requests for a public host (through the proxy)"
}

# The guard of the case above works: an image the mirror lacks sends clan on
# to docker.io, which only reaches the fake as a proxy; the pull fails.
case_hub_fallback_caught() {
	need_clan pull
	fresh_home
	hub_env
	local fmark log l
	fmark=$(log_mark "$FAKE_LOG")
	clan_t pull library/no-such-image:1
	assert_refused "no-such-image"
	log=$(log_since "$FAKE_LOG" "$fmark")
	expect_line l "$log" 0 "the fallback to docker.io, caught at the proxy" "api CONNECT registry-1.docker.io:443 502"
	assert_eq "$(proxied "$log" | grep -v '^api CONNECT registry-1.docker.io:443 ')" "" \
		"requests through the proxy for other hosts"
}

t anonymous_token_pull_then_run case_anonymous_token_pull_then_run
t blob_redirect_drops_authorization case_blob_redirect_without_authorization
t private_repo_without_login_names_clan_login case_private_without_login_refused
t login_then_private_pull case_login_then_private_pull
t login_wrong_password_refused case_login_wrong_password
t realm_with_userinfo_refused case_realm_with_userinfo_refused
t schema1_manifest_refused case_schema1_refused
t conf_mirror_serves_when_registry_down case_conf_mirror_registry_down
t conf_mirror_preferred_over_registry case_conf_mirror_preferred
t conf_mirror_down_falls_back_to_registry case_conf_mirror_down_falls_back
t docker_hub_mirror_from_env case_hub_mirror_env
t docker_hub_fallback_caught_at_proxy case_hub_fallback_caught
finish
