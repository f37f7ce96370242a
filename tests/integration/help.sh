#!/bin/bash
# Help and discovery as a new user meets them: every command's --help names
# each flag its option table accepts (read from the sources, so a flag
# added without a word of help fails here), clan --help lists every
# command and says dev vs up, up's -t is compose's stop timeout and
# --wait-timeout the start's, clan profiles / profile show.
# shellcheck disable=SC2317 # cases run via t
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"

src=$CLAN_TEST_ROOT/launcher/cli

# The commands each source file's option tables serve.
file_commands() {
	case $1 in
	cmd_tables.c) echo "" ;;
	cmd_config.c) echo config ;;
	cmd_down.c) echo down ;;
	cmd_export.c) echo export ;;
	cmd_exec.c) echo exec ;;
	cmd_images.c) echo images rmi ;;
	cmd_image.c) echo image ;;
	cmd_init.c) echo init ;;
	cmd_login.c) echo login ;;
	cmd_logs.c) echo logs ;;
	cmd_network.c) echo network ;;
	cmd_ps.c) echo ps ;;
	cmd_pull.c) echo pull ;;
	cmd_build.c) echo build ;;
	cmd_rm.c) echo rm ;;
	run_args.c) echo run ;;
	cmd_stack_ctl.c) echo restart stop start kill ;;
	cmd_port.c) echo port ;;
	cmd_system.c) echo system builder ;;
	cmd_up.c) echo up dev ;;
	cmd_volume.c) echo volume ;;
	*) return 1 ;;
	esac
}

# flags FILE: each flag of FILE's opt_def tables, one a line: --long, -s
# (an entry is {"long", 's', ARG, HELP, ID}, maybe over several lines).
flags() {
	tr '\n\t' '  ' <"$1" |
		grep -oE '\{ *(NULL|"[a-zA-Z][a-zA-Z-]*"), *(0|'"'"'.'"'"'), *(NULL|"[^"]*"), ' |
		sed -E 's/^\{//' |
		while IFS=, read -r long short _; do
			long=${long// /}
			long=${long//\"/}
			short=${short// /}
			short=${short//\'/}
			[ "$long" = NULL ] || printf '%s\n' "--$long"
			[ "$short" = 0 ] || printf '%s\n' "-$short"
		done
}

# names FLAG TEXT: TEXT names FLAG as a word (-t in "-t, --timeout", not
# in "--tail" or "--no-tty").
names() {
	grep -qE -- "(^|[^a-zA-Z0-9-])$1([^a-zA-Z0-9-]|\$)" <<<"$2"
}

case_every_flag_is_in_its_commands_help() {
	[ -d "$src" ] || skip_case "no launcher sources in $CLAN_TEST_ROOT"
	local file base cmds cmd flag text missing=() nfiles=0 nflags=0
	for file in "$src"/*.c; do
		base=$(basename "$file")
		grep -qE 'struct opt_def [a-z_]+\[\]' "$file" || continue
		cmds=$(file_commands "$base") || {
			missing+=("$base: a file with an option table this test does not map to a command")
			continue
		}
		nfiles=$((nfiles + 1))
		text=""
		# the flags before a command: in clan --help
		[ "$base" = cmd_tables.c ] && text=$("$CLAN" --help)
		for cmd in $cmds; do
			run clan "$cmd" --help
			assert_eq "$rc" 0 "clan $cmd --help exits 0 (stderr: $err)"
			assert_contains "$out" "usage: clan $cmd" "clan $cmd --help on stdout"
			text+=$out$'\n'
		done
		while read -r flag; do
			nflags=$((nflags + 1))
			names "$flag" "$text" || missing+=("$flag of $base in no help of: $cmds")
		done < <(flags "$file")
	done
	note "$nfiles files, $nflags flags"
	[ "$nflags" -gt 40 ] || die "only $nflags flags found in $src: is the extraction broken?"
	assert_eq "$(printf '%s\n' "${missing[@]}")" "" "flags the help does not name"
}

# assert_line TEXT ERE WHAT: a line of TEXT matches ERE.
assert_line() {
	grep -qE -- "$2" <<<"$1" || die "$3: no line matches /$2/" "$3: got '$1'"
}

# A flag with a word of help: the help line that names it says more than
# the usage line does.
case_flags_are_described_not_only_listed() {
	local cmd line
	for cmd in up dev down logs exec ps rm images rmi pull login config init run; do
		run clan "$cmd" --help
		line=$(grep -cE '^ +-' <<<"$out")
		[ "$line" -ge 1 ] || die "clan $cmd --help describes no flag on a line of its own:" "$out"
	done
}

case_top_level_help_lists_every_command() {
	local cmd
	run clan --help
	assert_eq "$rc" 0 "clan --help"
	for cmd in dev up down logs exec restart stop start config export init profiles profile volume \
		run ps rm pull login images rmi network system doctor completion version; do
		assert_line "$out" "^  $cmd " "clan --help lists $cmd"
	done
	assert_contains "$out" "dev or up?" "clan --help says which to use"
	assert_contains "$out" "--debug" "the global flags"
	run clan dev --help
	assert_contains "$out" "clan up -d" "dev's help says what it is not"
	assert_usage_error clan dev -d
	assert_eq "$err" "clan: dev: dev runs in the foreground; for the background use clan up -d" "dev -d"
}

case_up_timeouts_follow_compose() {
	run clan up --help
	assert_line "$out" "-t, --timeout SECONDS +seconds the services get to stop" "up -t"
	assert_contains "$out" "--wait-timeout SECONDS" "the start timeout"
	local dir
	dir=$(mk_tmp) || die "mk_tmp"
	cd "$dir" || die "cd"
	assert_usage_error clan up -t soon
	assert_contains "$err" "the seconds services get to stop" "a bad -t"
	assert_usage_error clan up --wait-timeout 0
	assert_contains "$err" "bad --wait-timeout '0'" "a zero start timeout"
	# no .clanrc here: it fails after parsing, with the note for old scripts
	run clan up -d --timeout 5
	assert_contains "$err" "note: up --timeout is the stop timeout, as compose's; the start's is --wait-timeout" "the old meaning's note"
}

case_profiles_lists_and_shows() {
	local dir
	dir=$(mk_tmp) || die "mk_tmp"
	cd "$dir" || die "cd"
	run clan profiles
	assert_eq "$rc" 0 "clan profiles (stderr: $err)"
	assert_line "$out" "^postgres +PostgreSQL" "postgres with its description"
	assert_line "$out" "^redis +Redis" "redis"
	run clan profile ls
	assert_contains "$out" "mariadb" "profile ls"
	run clan profile show redis
	assert_eq "$rc" 0 "profile show redis"
	assert_match "$out" "^# /.*/redis\\.yaml" "the path first"
	assert_contains "$out" "healthcheck:" "the YAML"
	# a project's own profile comes first and is listed
	mkdir profiles && printf 'description: my cache\nimage: redis:7\n' >profiles/redis.yaml
	run clan profile show redis
	assert_contains "$out" "# $dir/profiles/redis.yaml" "the project's profile wins"
	run clan profiles
	assert_line "$out" "^redis +my cache" "listed with its description"
	printf 'imgae: x\n' >profiles/broken.yaml
	run clan profiles
	assert_eq "$rc" 0 "a broken profile does not hide the others"
	assert_match "$out" "broken +\\(does not load: .*unknown key" "it says why"
	assert_usage_error clan profile show redsi
	assert_eq "$err" "clan: unknown profile 'redsi' (did you mean redis? available: broken, django, flask, mariadb, nginx, node, postgres, redis)" "an unknown name"
	assert_usage_error clan profile show ../../etc/passwd
	assert_contains "$err" "bad profile name" "a path is no name"
	assert_usage_error clan profile frobnicate
	assert_contains "$err" "unknown subcommand 'frobnicate'" "a bad subcommand"
}

t every_flag_is_in_its_commands_help case_every_flag_is_in_its_commands_help
t flags_are_described_not_only_listed case_flags_are_described_not_only_listed
t top_level_help_lists_every_command case_top_level_help_lists_every_command
t up_timeouts_follow_compose case_up_timeouts_follow_compose
t profiles_lists_and_shows case_profiles_lists_and_shows
finish
