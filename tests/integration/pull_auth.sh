#!/bin/bash
# clan pull from a registry with htpasswd basic auth: refused without
# credentials with a message that names the fix; `clan login` (docker's
# ~/.docker/config.json, or $REGISTRY_AUTH_FILE) and then the pull works; a
# hand-written docker config.json works too; a wrong password is refused at
# login and stores nothing.
# shellcheck disable=SC2016,SC2317 # $vars in single quotes expand inside; cases run via t
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"
# shellcheck source=tests/pull_lib.sh
. "$(dirname "$0")/../pull_lib.sh"

AUTH_USER=clantest
AUTH_PASS='s3cret pass:with-colon'
pull_setup_auth "$AUTH_USER:$AUTH_PASS"
APP=$REGISTRY/lib/app:1

# A home of its own for the case: no docker config, no auth file.
fresh_home() {
	HOME=$(mk_tmp) || die "cannot make a home dir"
	export HOME
	export XDG_CONFIG_HOME=$HOME/.config
	unset REGISTRY_AUTH_FILE DOCKER_CONFIG
	registry_push app lib/app:1 || die "cannot push the app image"
	fresh_storage
}

# login PASSWORD: `echo PASSWORD | clan login -u USER --password-stdin`.
login() {
	echo "$1" | timeout -k 5 "$PULL_TIMEOUT" "$CLAN" login -u "$AUTH_USER" --password-stdin "$REGISTRY" \
		>"$LIB_TMP/out" 2>"$LIB_TMP/err"
	rc=$?
	out=$(cat "$LIB_TMP/out")
	err=$(cat "$LIB_TMP/err")
}

# The basic auth that docker's config.json stores for USER:PASS.
auth_b64() {
	printf '%s' "$1" | base64 -w0
}

# auth_file_has FILE: FILE is docker's format and holds our credentials for
# this registry.
assert_auth_file() {
	local file=$1 got
	[ -f "$file" ] || die "no auth file at $file"
	assert_eq "$(stat -c %a "$file")" 600 "mode of $file"
	got=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["auths"][sys.argv[2]]["auth"])' \
		"$file" "$REGISTRY" 2>&1)
	assert_eq "$got" "$(auth_b64 "$AUTH_USER:$AUTH_PASS")" "auths[\"$REGISTRY\"].auth in $file"
}

case_no_credentials() {
	need_clan pull
	fresh_home
	clan_t pull "$APP"
	assert_refused "$REGISTRY"
	# What failed and the fix: authentication, and how to log in.
	assert_match "$(grep '^clan: ' <<<"$err")" "(login|log in)" "the error without credentials"
	assert_no_temp_in_store
}

case_login_then_pull() {
	need_clan login
	need_clan pull
	fresh_home
	login "$AUTH_PASS"
	assert_eq "$rc" 0 "exit of clan login (stderr: $err)"
	assert_auth_file "$HOME/.docker/config.json"
	pull_ok "$APP"
	run_ok kept "$APP" cat /etc/kept
}

case_login_auth_file() {
	need_clan login
	need_clan pull
	fresh_home
	export REGISTRY_AUTH_FILE=$HOME/auth.json
	login "$AUTH_PASS"
	assert_eq "$rc" 0 "exit of clan login with REGISTRY_AUTH_FILE (stderr: $err)"
	assert_auth_file "$REGISTRY_AUTH_FILE"
	[ -e "$HOME/.docker/config.json" ] && die "clan login wrote ~/.docker/config.json although REGISTRY_AUTH_FILE is set"
	pull_ok "$APP"
}

case_login_wrong_password() {
	need_clan login
	fresh_home
	login "not-the-password"
	assert_refused "$REGISTRY"
	if [ -f "$HOME/.docker/config.json" ] && grep -q "$(auth_b64 "$AUTH_USER:not-the-password")" "$HOME/.docker/config.json"; then
		die "clan login stored credentials the registry refused"
	fi
}

# Credentials docker (or podman --authfile) wrote: clan reads them.
case_docker_config_json() {
	need_clan pull
	fresh_home
	mkdir -p "$HOME/.docker"
	printf '{"auths": {"%s": {"auth": "%s"}}}\n' "$REGISTRY" "$(auth_b64 "$AUTH_USER:$AUTH_PASS")" >"$HOME/.docker/config.json"
	chmod 0600 "$HOME/.docker/config.json"
	pull_ok "$APP"
	run_ok kept "$APP" cat /etc/kept
}

case_registry_auth_file() {
	need_clan pull
	fresh_home
	export REGISTRY_AUTH_FILE=$HOME/auth.json
	printf '{"auths": {"%s": {"auth": "%s"}}}\n' "$REGISTRY" "$(auth_b64 "$AUTH_USER:$AUTH_PASS")" >"$REGISTRY_AUTH_FILE"
	chmod 0600 "$REGISTRY_AUTH_FILE"
	pull_ok "$APP"
}

t no_credentials_refused_naming_login case_no_credentials
t login_then_pull case_login_then_pull
t login_writes_registry_auth_file case_login_auth_file
t login_wrong_password_refused case_login_wrong_password
t pull_with_docker_config_json case_docker_config_json
t pull_with_registry_auth_file case_registry_auth_file
finish
