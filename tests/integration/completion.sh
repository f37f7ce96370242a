#!/bin/bash
# Ecosystem conventions: `clan completion bash|zsh|fish` (sourced here and
# asked as the shells ask: COMP_WORDS/COMP_CWORD or COMP_LINE for bash,
# the core functions under zsh, `complete -C` under fish), the names it
# asks clan for (services, volumes), every command's every flag offered,
# bad input; clan(1) from scripts/mkman.sh rendered without a warning;
# make install putting them where the shells and man look.
# shellcheck disable=SC2016,SC2317 # the shells' code in single quotes is meant; cases run via t
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"

# A PATH dir where `clan` is the binary under test, as a user's would be.
BIN=$LIB_TMP/bin
mkdir -p "$BIN" && ln -s "$CLAN" "$BIN/clan"
SCRIPT=$LIB_TMP/clan.bash
"$CLAN" completion bash >"$SCRIPT" || {
	fail all "clan completion bash failed"
	finish
}

# comp WORD...: what bash's completion of clan offers for the last WORD,
# asked as bash asks (COMP_WORDS, COMP_CWORD), one a line, sorted.
comp() {
	PATH=$BIN:$PATH bash -c 'source "$1" && shift && COMP_WORDS=("$@") && COMP_CWORD=$(($# - 1)) &&
		_clan && printf "%s\n" "${COMPREPLY[@]}"' _ "$SCRIPT" "$@" | sort | sed '/^$/d'
}

# comp_line LINE: the same asked as readline asks (COMP_LINE, COMP_POINT,
# the default COMP_WORDBREAKS, which split at = and :).
comp_line() {
	PATH=$BIN:$PATH bash -c 'source "$1" && COMP_LINE=$2 && COMP_POINT=${#2} &&
		_clan && printf "%s\n" "${COMPREPLY[@]}"' _ "$SCRIPT" "$1" | sort | sed '/^$/d'
}

# lines WORD...: the words sorted, one a line.
lines() {
	printf '%s\n' "$@" | sort
}

# help_long_flags CMD: the --flags of CMD's --help (its names column).
help_long_flags() {
	"$CLAN" "$1" --help | awk '/^  -|^      -/ { sub(/^ +/, ""); sub(/  .*/, ""); print }' |
		grep -oE -- '--[a-zA-Z][a-zA-Z-]*' | sort -u
}

# A project with two services, in a dir of its own.
new_project() {
	local dir
	dir=$(mk_tmp) || die "mk_tmp"
	printf 'services:\n  web:\n    image: busybox\n  db:\n    image: busybox\n' >"$dir/compose.yaml"
	echo "$dir"
}

case_bash_commands_and_subcommands() {
	assert_eq "$(comp clan vol)" volume "clan vol"
	assert_eq "$(comp clan volume '')" "$(lines create inspect ls rm)" "clan volume's subcommands"
	assert_eq "$(comp clan network '')" ls "clan network's"
	assert_eq "$(comp clan system '')" "$(lines df prune)" "clan system's"
	assert_eq "$(comp clan builder '')" prune "clan builder's"
	assert_eq "$(comp clan profile '')" "$(lines ls show)" "clan profile's"
	assert_eq "$(comp clan profile show p)" postgres "profile show: the profiles clan has"
	assert_eq "$(comp clan completion '')" "$(lines bash fish zsh)" "clan completion's shells"
	assert_eq "$(comp clan compose vo)" volume "after compose, the same commands"
	# every command clan --help lists is offered
	local cmd missing=()
	for cmd in $("$CLAN" --help | awk '/^commands:/ { on = 1; next } on && /^$/ { exit } on { print $1 }'); do
		grep -qx -- "$cmd" <<<"$(comp clan "${cmd:0:2}")" || missing+=("$cmd")
	done
	assert_eq "${missing[*]}" "" "commands of clan --help not offered"
	assert_eq "$(comp clan --proj)" "$(lines --project-directory --project-name)" "the flags before a command"
	assert_eq "$(comp clan -p x --env-file y.env vo)" volume "a command after the project flags"
}

# Each command's options, read from its --help: completion offers exactly
# those (a command whose table completion does not know fails here).
case_bash_every_flag_of_every_command() {
	local cmd got want n=0 cmds all
	mapfile -t cmds < <("$CLAN" --help | awk '/^commands:/ { on = 1; next } on && /^$/ { exit } on && $1 != "version" { print $1 }')
	# one bash for all: "CMD FLAG" lines
	all=$(PATH=$BIN:$PATH bash -c 'source "$1" && shift && for c; do
		COMP_WORDS=(clan "$c" --) COMP_CWORD=2 && _clan && printf "$c %s\n" "${COMPREPLY[@]}"; done' \
		_ "$SCRIPT" "${cmds[@]}")
	for cmd in "${cmds[@]}"; do
		want=$(help_long_flags "$cmd")
		got=$(awk -v c="$cmd" '$1 == c && $2 ~ /^--/ { print $2 }' <<<"$all" | sort)
		assert_eq "$got" "$want" "clan $cmd --<tab> against clan $cmd --help"
		n=$((n + $(grep -c . <<<"$want")))
	done
	note "$n long flags checked"
	[ "$n" -gt 80 ] || die "only $n flags: is the help's extraction broken?"
	assert_eq "$(comp clan up --det)" --detach "up --det"
	assert_eq "$(comp clan compose up --det)" --detach "compose up --det"
	assert_contains "$(comp clan up -)" "-d" "short options too"
}

case_bash_option_values() {
	assert_eq "$(comp clan run --userns '')" "$(lines auto host single subuid)" "run --userns"
	assert_eq "$(comp clan config --format '')" "$(lines json yaml)" "config --format"
	assert_eq "$(comp clan volume --format '')" json "volume --format"
	assert_eq "$(comp clan kill -s SIGK)" SIGKILL "kill -s"
	# after run's IMAGE every word is the container's: no clan option
	assert_eq "$(comp clan run -it busybox -)" "" "run IMAGE -<tab>"
	assert_eq "$(comp clan run -e A=1 -)" "$(comp clan run -)" "a value is no operand"
	local dir
	dir=$(mk_tmp) || die "mk_tmp"
	touch "$dir/other.yaml"
	assert_eq "$(comp clan -f "$dir/oth")" "$dir/other.yaml" "-f completes files"
	# as readline asks: --flag=value, and name=value
	assert_eq "$(comp_line 'clan config --format=j')" json "--format=j"
	assert_eq "$(comp_line 'clan run --security-opt seccomp=unc')" unconfined \
		"the text after the = is what readline replaces"
	assert_eq "$(comp_line 'clan volume ')" "$(lines create inspect ls rm)" "COMP_LINE"
}

# Names asked of clan itself: the project's services (also the project
# named by -f), volumes; quietly and quickly; nothing for a bad project.
case_bash_names_from_clan() {
	local dir
	dir=$(new_project)
	cd "$dir" || die "cd"
	assert_eq "$(comp clan logs '')" "$(lines db web)" "clan logs <tab>: the services"
	assert_eq "$(comp clan logs --tail 5 w)" web "an option's value is skipped"
	assert_eq "$(comp clan logs web '')" "$(lines db web)" "later services too"
	assert_eq "$(comp clan up -d '')" "$(lines db web)" "up"
	assert_eq "$(comp clan port '')" "$(lines db web)" "port SERVICE"
	assert_eq "$(comp clan port web '')" "" "port SERVICE PRIVATE_PORT: no name"
	local start ms
	start=$(date +%s%N)
	comp clan exec '' >/dev/null
	ms=$((($(date +%s%N) - start) / 1000000))
	note "clan exec <tab>: $ms ms"
	[ "$ms" -lt 1500 ] || die "completion took $ms ms"
	cd "$LIB_TMP" || die "cd"
	assert_eq "$(comp clan -f "$dir/compose.yaml" logs '')" "$(lines db web)" "-f names the project"
	assert_eq "$(comp clan --project-directory="$dir" stop '')" "$(lines db web)" "--project-directory="
	# a broken project: nothing offered and nothing printed
	local bad
	bad=$(mk_tmp) || die "mk_tmp"
	printf 'services: [\n' >"$bad/compose.yaml"
	cd "$bad" || die "cd"
	run comp clan logs ''
	assert_eq "$rc:$out:$err" "0::" "a broken compose file: quiet"
	fresh_storage
	clan volume create v-one v-two >/dev/null || die "volume create"
	assert_eq "$(comp clan volume rm v-)" "$(lines v-one v-two)" "volume rm <tab>: the volumes"
	assert_eq "$(comp clan volume inspect v-one v-t)" v-two "and later ones"
	assert_eq "$(comp clan volume create v-)" "" "create names a new one"
}

case_completion_bad_input() {
	assert_usage_error clan completion tcsh
	assert_contains "$err" "bash, zsh or fish" "the shells it has"
	assert_usage_error clan completion
	assert_usage_error clan completion bash zsh
	assert_usage_error clan completion --shell bash
	run clan completion --help
	assert_eq "$rc" 0 "completion --help"
	assert_contains "$out" "source <(clan completion bash)" "how to use it"
	bash -n "$SCRIPT" || die "the bash script does not parse"
}

case_zsh() {
	command -v zsh >/dev/null || skip_case "no zsh here (scripts/deps.sh installs it)"
	local script=$LIB_TMP/_clan dir
	clan completion zsh >"$script" || die "clan completion zsh"
	assert_eq "$(head -n 1 "$script")" "#compdef clan" "the compsys tag"
	zsh -n "$script" || die "the zsh script does not parse"
	dir=$(new_project)
	cd "$dir" || die "cd"
	# the core the zsh function runs, under zsh with compinit loaded
	run env PATH="$BIN:$PATH" zsh -f -c 'autoload -Uz compinit && compinit -u -d "$1/zcompdump" &&
		source "$2" && setopt shwordsplit &&
		_clan_walk clan volume && _clan_what "" && print -r -- "$_clan_words" &&
		_clan_walk clan logs --tail 3 && _clan_what "" && print -r -- $(_clan_list $_clan_kinds) &&
		_clan_walk clan up && _clan_what --d && print -r -- "$_clan_words"' _ "$LIB_TMP" "$script"
	assert_eq "$rc" 0 "zsh (stderr: $err)"
	assert_eq "$(sed -n 1p <<<"$out")" "ls create inspect rm" "clan volume <tab>"
	assert_eq "$(sed -n 2p <<<"$out")" "web db" "clan logs --tail 3 <tab>"
	assert_contains "$(sed -n 3p <<<"$out")" "--detach" "clan up --d<tab>"
	# _clan itself, with compsys's builtins standing in: what it hands them
	run env PATH="$BIN:$PATH" zsh -f -c 'autoload -Uz compinit && compinit -u -d "$1/zcompdump" &&
		source "$2" &&
		_describe() { shift 3; print -rl -- "${(@P)1}"; } &&
		compadd() { shift; print -rl -- "${(@P)1}"; } &&
		_files() { print -r -- FILES; } &&
		compset() { return 0; } &&
		c() { words=("$@"); CURRENT=$#; _clan; } &&
		c clan volume "" && c clan logs -n 2 "" && c clan up --he && c clan --env-file ""' \
		_ "$LIB_TMP" "$script"
	assert_eq "$rc" 0 "zsh _clan (stderr: $err)"
	assert_contains "$out" $'ls\ncreate\ninspect\nrm\nweb\ndb\n' "subcommands, then services"
	assert_contains "$out" "--help:this text" "an option with its help"
	assert_contains "$out" "-d:start in the background" "up's -d with its help"
	assert_eq "$(grep -v '^$' <<<"$out" | tail -n 1)" FILES "--env-file: files"
}

case_fish() {
	command -v fish >/dev/null || skip_case "no fish here (scripts/deps.sh installs it)"
	local script=$LIB_TMP/clan.fish dir
	clan completion fish >"$script" || die "clan completion fish"
	fish -n "$script" || die "the fish script does not parse"
	dir=$(new_project)
	cd "$dir" || die "cd"
	fishc() {
		PATH=$BIN:$PATH HOME=$LIB_TMP XDG_CONFIG_HOME=$LIB_TMP/fishcfg fish --no-config -c \
			'source $argv[1]; complete -C $argv[2]' "$script" "$1" | cut -f1 | sort
	}
	assert_eq "$(fishc 'clan vol')" volume "clan vol"
	assert_eq "$(fishc 'clan volume ')" "$(lines create inspect ls rm)" "clan volume <tab>"
	assert_eq "$(fishc 'clan logs ')" "$(lines db web)" "clan logs <tab>"
	assert_eq "$(fishc 'clan logs -n 5 ')" "$(lines db web)" "an option's value is skipped"
	assert_eq "$(fishc 'clan up --det')" --detach "clan up --det"
	assert_eq "$(fishc 'clan config --format ')" "$(lines json yaml)" "config --format <tab>"
	assert_eq "$(fishc 'clan --proj')" "$(lines --project-directory --project-name)" "global flags"
	assert_eq "$(fishc 'clan run busybox -')" "" "after run's IMAGE: the container's words"
	assert_eq "$(fishc 'clan logs -- ')" "$(lines db web)" "operands after --"
}

case_man_page() {
	local page=$LIB_TMP/clan.1 cmd
	"$CLAN_TEST_ROOT/scripts/mkman.sh" "$CLAN" >"$page" || die "scripts/mkman.sh failed"
	for cmd in $("$CLAN" --help | awk '/^commands:/ { on = 1; next } on && /^$/ { exit } on { print $1 }'); do
		[ "$cmd" = version ] && continue
		grep -q "^\.SS \"clan $cmd" "$page" || die "no section for clan $cmd in clan(1)"
	done
	grep -q '^\.B "\\-d, \\-\\-detach"$' "$page" || die "up's -d is not in clan(1)"
	command -v groff >/dev/null || skip_case "no groff here to check clan(1) with"
	run groff -ww -man -z "$page"
	assert_eq "$rc:$err" "0:" "groff -ww -man: no warnings"
	if command -v mandoc >/dev/null; then
		run mandoc -T lint -W warning "$page"
		assert_eq "$rc:$out" "0:" "mandoc -T lint"
	fi
	if command -v man >/dev/null; then
		run env MANWIDTH=80 man -l "$page"
		assert_eq "$rc" 0 "man -l (stderr: $err)"
		assert_contains "$out" "COMMAND OPTIONS" "man -l renders it"
	fi
}

# make install (run from a source tree with its build) puts the man page
# and the three scripts where man and the shells look.
case_make_install() {
	local build root=$CLAN_TEST_ROOT dest share
	build=$(dirname "$CLAN")
	[ -f "$root/Makefile" ] || skip_case "no Makefile in $root (a copied test tree)"
	command -v make >/dev/null || skip_case "no make here"
	make -s -q -C "$root" BUILD="$build" "$build/clan" 2>/dev/null ||
		skip_case "$build/clan is not up to date with the sources: make first"
	dest=$(mk_tmp) || die "mk_tmp"
	run make -s -C "$root" BUILD="$build" DESTDIR="$dest" PREFIX=/usr install
	assert_eq "$rc" 0 "make install (stderr: $err)"
	share=$dest/usr/share
	local f
	for f in man/man1/clan.1 bash-completion/completions/clan zsh/vendor-completions/_clan \
		fish/vendor_completions.d/clan.fish clan/profiles/postgres.yaml; do
		[ -s "$share/$f" ] || die "make install wrote no $f"
	done
	assert_eq "$(cat "$share/bash-completion/completions/clan")" "$(cat "$SCRIPT")" "the bash script"
}

t bash_commands_and_subcommands case_bash_commands_and_subcommands
t bash_every_flag_of_every_command case_bash_every_flag_of_every_command
t bash_option_values case_bash_option_values
t bash_names_from_clan case_bash_names_from_clan
t completion_bad_input case_completion_bad_input
t zsh case_zsh
t fish case_fish
t man_page case_man_page
t make_install case_make_install
finish
