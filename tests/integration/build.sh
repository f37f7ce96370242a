#!/bin/bash
# Dockerfile builds (issue 14): `clan build` on a base image from the
# registry on 127.0.0.1 (busybox with whiteouts and an opaque dir, tests/
# registry.sh's app image), as a user with and without a subuid range:
# the step cache (a no-op rebuild runs nothing, an mtime-only change
# keeps every key, a code edit reruns only the last COPY, a requirements
# edit reruns from its COPY), .dockerignore with a ! exception, multi-stage
# COPY --from and --target, COPY --chown, a failing RUN, the errors, and
# compose's build: with up and up --build. apt-get in a RUN on deb:bookworm
# (the network is the Debian archive's) runs without a subuid range too.
# clan-test-timeout: 900
# shellcheck disable=SC2016,SC2317 # $vars in single quotes expand inside; cases run via t
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"
# shellcheck source=tests/pull_lib.sh
. "$(dirname "$0")/../pull_lib.sh"
pull_setup

BASE=$REGISTRY/clan/base:1
PORT=$((20000 + ($$ % 20000)))

push_base() {
	registry_push app clan/base:1 || die "cannot push the base image"
}

# project NAME: a fresh dir with a Dockerfile of stdin's text (@BASE@ is
# the base image); prints its path.
project() {
	local dir
	dir=$(mk_tmp) || die "cannot make a project dir"
	sed "s|@BASE@|$BASE|g; s|@PORT@|$PORT|g" >"$dir/Dockerfile"
	echo "$dir"
}

# build ARGS...: clan build, under a timeout; sets rc/out/err.
build() {
	run timeout -k 5 300 "$CLAN" build --progress plain "$@"
}

# The step lines of the last build that say CACHED, and that ran.
cached_steps() { grep -c ' CACHED$' <<<"$err"; }
step_line() { grep -m1 "$1" <<<"$err"; }

case_cache() {
	fresh_storage
	push_base
	local dir id1 id2 id3 id4
	dir=$(project <<-'EOF'
		FROM @BASE@
		ARG GREETING=hello
		ENV APP_HOME=/srv/app
		WORKDIR $APP_HOME
		COPY requirements.txt .
		RUN echo "installing for $GREETING" && cp requirements.txt /srv/installed && echo ran >> /srv/runs
		COPY . .
		LABEL org.example.name="demo app"
		EXPOSE 8000
		CMD ["cat", "/srv/app/code.txt"]
	EOF
	)
	echo "req 1" >"$dir/requirements.txt"
	echo "code 1" >"$dir/code.txt"
	cd "$dir" || die "no project dir"
	build -t demo:1 .
	assert_eq "$rc" 0 "the first build's exit code ($err)"
	assert_contains "$err" "installing for hello" "RUN's output"
	id1=$(tail -n 1 <<<"$out")
	assert_match "$id1" '^sha256:[0-9a-f]{64}$' "the printed id"
	run clan run --rm demo:1
	assert_eq "$out" "code 1" "the image's CMD in its WORKDIR"
	run clan run --rm demo:1 sh -c 'cat /srv/installed; echo "$APP_HOME $GREETING"'
	assert_eq "$out" "$(printf 'req 1\n/srv/app ')" "RUN's change and ENV (ARG is not kept)"
	# no-op: every layer step is a hit, same image
	build -t demo:1 .
	assert_eq "$rc" 0 "the no-op rebuild"
	assert_eq "$(cached_steps)" 4 "cached steps of the no-op rebuild (WORKDIR, COPY, RUN, COPY)"
	assert_eq "$(tail -n 1 <<<"$out")" "$id1" "the no-op rebuild's id"
	# an mtime-only change keeps every key
	touch -d '2001-01-01' code.txt requirements.txt
	build -t demo:1 .
	assert_eq "$(tail -n 1 <<<"$out")" "$id1" "the id after touching the files"
	# a code edit reruns only the last COPY
	echo "code 2" >code.txt
	build -t demo:1 .
	id2=$(tail -n 1 <<<"$out")
	assert_ne "$id2" "$id1" "the id after a code edit"
	assert_contains "$(step_line '] RUN')" "CACHED" "RUN after a code edit"
	assert_not_contains "$(step_line '] COPY \. \.')" "CACHED" "the last COPY after a code edit"
	run clan run --rm demo:1
	assert_eq "$out" "code 2" "the rebuilt image's code"
	# a requirements edit reruns from its COPY on
	echo "req 2" >requirements.txt
	build -t demo:1 .
	id3=$(tail -n 1 <<<"$out")
	assert_ne "$id3" "$id2" "the id after a requirements edit"
	assert_not_contains "$(step_line '] RUN')" "CACHED" "RUN after a requirements edit"
	run clan run --rm demo:1 cat /srv/runs
	assert_eq "$out" "ran" "the RUN's layer holds its own change once"
	# --build-arg changes RUN's input; --no-cache runs everything
	build -t demo:1 --build-arg GREETING=bonjour .
	assert_contains "$err" "installing for bonjour" "RUN with --build-arg"
	build -t demo:1 --no-cache .
	assert_eq "$(cached_steps)" 0 "cached steps with --no-cache"
	id4=$(tail -n 1 <<<"$out")
	assert_ne "$id4" "$id3" "--no-cache makes a new image"
	run clan images
	assert_contains "$out" "demo" "clan images lists the build"
}

case_dockerignore() {
	fresh_storage
	push_base
	local dir
	dir=$(project <<-'EOF'
		FROM @BASE@
		COPY . /ctx/
		CMD ["sh", "-c", "cd /ctx && find . -type f | sort"]
	EOF
	)
	printf '*.log\n!keep.log\nsecret*\nbuild/\n' >"$dir/.dockerignore"
	echo x >"$dir/other.log"
	echo x >"$dir/keep.log"
	echo x >"$dir/secret.env"
	mkdir -p "$dir/build" "$dir/src"
	echo x >"$dir/build/out"
	echo x >"$dir/src/main.c"
	cd "$dir" || die "no project dir"
	build -t ign .
	assert_eq "$rc" 0 "the build ($err)"
	run clan run --rm ign
	assert_eq "$out" "$(printf './.dockerignore\n./Dockerfile\n./keep.log\n./src/main.c')" \
		"what COPY . took"
	# an excluded file's edit is no input
	echo y >"$dir/secret.env"
	build -t ign .
	assert_eq "$(cached_steps)" 1 "cached steps after editing an excluded file"
}

case_multistage() {
	fresh_storage
	push_base
	local dir
	dir=$(project <<-'EOF'
		FROM @BASE@ AS builder
		WORKDIR /out
		RUN echo built > artifact && mkdir sub && echo deep > sub/x && ln -s /out /outlink
		FROM @BASE@ AS unused
		RUN echo never
		FROM @BASE@
		COPY --from=builder /out/ /opt/
		COPY --from=0 /out/artifact /again
		COPY --from=builder /outlink/sub/x /vialink
		CMD ["sh", "-c", "cat /opt/artifact /opt/sub/x /again /vialink"]
	EOF
	)
	cd "$dir" || die "no project dir"
	build -t ms .
	assert_eq "$rc" 0 "the build ($err)"
	assert_not_contains "$err" "echo never" "a stage nothing needs"
	run clan run --rm ms
	assert_eq "$out" "$(printf 'built\ndeep\nbuilt\ndeep')" "files from the builder stage, one through its absolute link"
	build -t ms-builder --target builder .
	assert_eq "$rc" 0 "--target builder"
	assert_not_contains "$err" "COPY" "steps after the target"
	build -t ms --target nosuch .
	assert_eq "$rc" 2 "an unknown --target"
	assert_contains "$err" "target stage nosuch could not be found" "its message"
}

case_heredoc() {
	fresh_storage
	push_base
	local dir
	dir=$(project <<-'EOF'
		FROM @BASE@
		RUN <<SCRIPT
		echo one > /one
		echo two >> /one
		SCRIPT
		RUN cat <<"A" > /two && <<B cat >> /two
		x $HOME
		A
		y $HOME
		B
		RUN <<PROG
		#!/bin/sh -e
		echo "from a #! script" > /three
		PROG
		ARG WHO=world
		COPY <<GREETING /etc/greeting
		hello "$WHO" \$HOME
		GREETING
		COPY <<"RAW" <<two.txt /opt/
		raw $WHO
		RAW
		second
		two.txt
		CMD ["sh", "-c", "cat /one /two /three; ls -A /tmp | wc -l; cat /etc/greeting /opt/RAW /opt/two.txt"]
	EOF
	)
	cd "$dir" || die "no project dir"
	build -t hd .
	assert_eq "$rc" 0 "the build ($err)"
	run clan run --rm hd
	assert_eq "$out" "$(printf 'one\ntwo\nx $HOME\ny /root\nfrom a #! script\n0\nhello "world" $HOME\nraw $WHO\nsecond')" \
		"what the heredoc RUNs wrote (quoted: not expanded; the #! script's file removed) and COPY took"
}

case_cache_mount() {
	fresh_storage
	push_base
	local dir
	dir=$(project <<-'EOF'
		FROM @BASE@
		RUN --mount=type=cache,target=/var/cache/demo echo x >> /var/cache/demo/log && wc -l < /var/cache/demo/log
		CMD ["sh", "-c", "ls /var/cache/demo 2>&1; echo end"]
	EOF
	)
	cd "$dir" || die "no project dir"
	build -t cm .
	assert_eq "$rc" 0 "the build ($err)"
	assert_match "$(grep -E '^ *[0-9]+$' <<<"$err")" '^ *1$' "the cache's first use"
	build -t cm --no-cache .
	assert_match "$(grep -E '^ *[0-9]+$' <<<"$err")" '^ *2$' "the cache kept between builds"
	run clan run --rm cm
	assert_contains "$out" "No such file" "the cache is not in the image"
	printf 'FROM %s\nRUN --mount=type=bind,target=/x true\n' "$BASE" >Dockerfile
	build .
	assert_eq "$rc" 2 "a bind mount"
	assert_contains "$err" "--mount=type=bind is not supported yet" "its message"
}

# ADD of a local tar (told by content, not name) unpacks it; a tar whose
# entry climbs out of the dest dir is refused, naming the entry.
case_add_archive() {
	fresh_storage
	push_base
	local dir
	dir=$(project <<-'EOF'
		FROM @BASE@
		ADD bundle.tgz /opt/bundle/
		ADD plain.data /opt/plain
		ADD notes.txt /opt/notes.txt
		CMD ["sh", "-c", "cd /opt && find . | sort"]
	EOF
	)
	mkdir -p "$dir/src/sub"
	echo a >"$dir/src/a.txt"
	echo b >"$dir/src/sub/b.txt"
	echo n >"$dir/notes.txt"
	tar -C "$dir/src" -czf "$dir/bundle.tgz" .
	tar -C "$dir/src" -cf "$dir/plain.data" .
	cd "$dir" || die "no project dir"
	build -t add .
	assert_eq "$rc" 0 "the build ($err)"
	run clan run --rm add
	assert_eq "$out" "$(printf '.\n./bundle\n./bundle/a.txt\n./bundle/sub\n./bundle/sub/b.txt\n./notes.txt\n./plain\n./plain/a.txt\n./plain/sub\n./plain/sub/b.txt')" \
		"what ADD unpacked and copied"
	python3 - "$dir/evil.tar" <<-'PY'
		import io, sys, tarfile
		with tarfile.open(sys.argv[1], "w") as t:
		    data = b"owned\n"
		    info = tarfile.TarInfo("../../../../tmp/clan-add-escape")
		    info.size = len(data)
		    t.addfile(info, io.BytesIO(data))
	PY
	printf 'FROM %s\nADD evil.tar /opt/\n' "$BASE" >Dockerfile
	build .
	assert_ne "$rc" 0 "a tar entry that climbs out"
	assert_contains "$err" "clan-add-escape" "the entry named"
	[ ! -e /tmp/clan-add-escape ] || die "ADD wrote outside the image"
}

# recorded_owner ID PATH: the owner the store records for PATH of image ID
# with one mapped id (the user.clan.owner xattr of the top layer that has
# it; "0:0" when none, "-" when no layer has the path).
recorded_owner() {
	python3 - "$CLAN_STORAGE" "$1" "$2" <<-'PY'
		import json, os, sys
		store, image, path = sys.argv[1], sys.argv[2].split(":")[-1], sys.argv[3].lstrip("/")
		with open(os.path.join(store, "images", image, "image.json")) as f:
		    layers = json.load(f)["layers"]
		for layer in reversed(layers):
		    p = os.path.join(store, "layers", layer.split(":")[-1], path)
		    if os.path.lexists(p):
		        try:
		            print(os.getxattr(p, "user.clan.owner", follow_symlinks=False).decode())
		        except OSError:
		            print("0:0")
		        sys.exit(0)
		print("-")
	PY
}

# COPY --chown and the chown of a RUN: real owners with a subuid range;
# with one mapped id every file is that id's inside, and the owner asked
# for is recorded in the layer (a chown back to root clears it, a link
# keeps none, a later step's chown wins).
case_chown() {
	fresh_storage
	push_base
	local dir want id
	dir=$(project <<-'EOF'
		FROM @BASE@
		COPY --chown=33:33 --chmod=0640 hello /www/hello
		COPY hello /root-owned
		RUN mkdir -p /srv/a && touch /srv/a/f /srv/g /srv/back && chown -R 100:101 /srv/a && chown 7:8 /srv/back && chown 0:0 /srv/back && touch /srv/t && ln -s t /srv/link && chown -h 5:5 /srv/link && cd /srv && chown 44:44 ./g && chown 44:44 ./a/f
		RUN chown 46:47 /srv/g && stat -c '%u:%g %a' /www/hello /root-owned > /owners
		CMD ["cat", "/owners"]
	EOF
	)
	echo hi >"$dir/hello"
	cd "$dir" || die "no project dir"
	build -t own .
	assert_eq "$rc" 0 "the build ($err)"
	id=$(tail -n 1 <<<"$out")
	run clan run --rm own
	if has_subuid; then want='33:33 640'; else want='0:0 640'; fi
	# with one id inside every file is that id's (clan-nosub)
	assert_eq "$(head -n 1 <<<"$out")" "$want" "COPY --chown's owner"
	assert_eq "$(tail -n 1 <<<"$out")" "0:0 644" "COPY's default owner"
	if has_subuid; then
		run clan run --rm own stat -c '%u:%g' /srv/a /srv/a/f /srv/g /srv/back
		assert_eq "$out" "$(printf '100:101\n44:44\n46:47\n0:0')" "RUN's chowns, real"
		return 0
	fi
	assert_eq "$(recorded_owner "$id" /www/hello)" "33:33" "COPY --chown recorded"
	assert_eq "$(recorded_owner "$id" /root-owned)" "0:0" "COPY without --chown: nothing recorded"
	assert_eq "$(recorded_owner "$id" /srv/a)" "100:101" "chown -R recorded on the dir"
	assert_eq "$(recorded_owner "$id" /srv/a/f)" "44:44" "relative chowns from the cwd"
	assert_eq "$(recorded_owner "$id" /srv/g)" "46:47" "a later step's chown wins"
	assert_eq "$(recorded_owner "$id" /srv/back)" "0:0" "a chown back to root clears the record"
	assert_eq "$(recorded_owner "$id" /srv/t)" "0:0" "chown -h of a link records nothing on its target"
	# the hostile: links and paths that climb toward a host file of the
	# user; the record is written from outside, and never reaches it
	echo canary >"$dir/canary"
	printf 'FROM %s\nRUN mkdir -p %s && touch %s/canary && ln -s ../../../../../../../..%s/canary /up && cd / && chown 9:9 up && chown 9:9 /up && chown 9:9 /../../../..%s/canary\n' \
		"$BASE" "$dir" "$dir" "$dir" "$dir" >Dockerfile
	build .
	assert_eq "$rc" 0 "the hostile chowns run ($err)"
	assert_eq "$(recorded_owner "$(tail -n 1 <<<"$out")" "$dir/canary")" "9:9" "recorded on the image's own file"
	run python3 -c 'import os,sys; print(os.listxattr(sys.argv[1]))' "$dir/canary"
	assert_eq "$out" "[]" "the host file has no record"
	# a package's mknod of a device node succeeds without effect; a FIFO
	# is made
	printf 'FROM %s\nRUN mknod /dev/fake c 1 3 && ! test -e /dev/fake && mkfifo /fifo && test -p /fifo\n' \
		"$BASE" >Dockerfile
	build .
	assert_eq "$rc" 0 "mknod in RUN with one mapped id ($err)"
}

# The hostile: a context symlink to a host file is copied as the link,
# never what it points at; a symlink the image plants on a COPY's way is
# followed inside the image (/ is the image's), and one that climbs above
# the root is refused: neither reaches the host.
case_hostile_paths() {
	fresh_storage
	push_base
	local dir mark
	mark="clan-build-escape-$$"
	dir=$(project <<-EOF
		FROM @BASE@
		RUN ln -s / /escape && ln -s ../../../../../../.. /up && mkdir -p /tmp
		COPY f /escape/tmp/$mark-1
		COPY link /copied-link
		CMD ["sh", "-c", "cat /tmp/$mark-1; readlink /copied-link"]
	EOF
	)
	echo inside >"$dir/f"
	ln -s /etc/hostname "$dir/link"
	cd "$dir" || die "no project dir"
	build -t hostile .
	assert_eq "$rc" 0 "the build ($err)"
	run clan run --rm hostile
	assert_eq "$out" "$(printf 'inside\n/etc/hostname')" "copies through the image's links"
	printf 'FROM hostile\nCOPY f /up/tmp/%s-2\n' "$mark" >Dockerfile
	build .
	assert_eq "$rc" 2 "a COPY through a link that climbs out"
	assert_contains "$err" "climbs above the container root" "its message"
	if [ -e "/tmp/$mark-1" ] || [ -e "/tmp/$mark-2" ]; then
		die "a COPY wrote to the host's /tmp"
	fi
	# the destination itself a link to a host dir: its mode stays
	local host_dir secret
	host_dir=$(mktemp -d /tmp/clan-build-chmod.XXXXXX)
	chmod 0700 "$host_dir"
	printf 'FROM %s\nRUN ln -s %s /app\nCOPY --chmod=0777 f /app/\n' "$BASE" "$host_dir" >Dockerfile
	build .
	assert_eq "$(stat -c %a "$host_dir")" 700 "a host dir a COPY's destination link names"
	[ ! -e "$host_dir/f" ] || die "a COPY wrote into the host dir"
	rm -rf "$host_dir"
	# COPY --from through a link to /: not the host's files
	secret=$(mktemp /tmp/clan-build-secret.XXXXXX)
	echo host-secret >"$secret"
	printf 'FROM %s AS a\nRUN ln -s / /escape\nFROM %s\nCOPY --from=a /escape%s /k\nCMD ["cat", "/k"]\n' \
		"$BASE" "$BASE" "$secret" >Dockerfile
	build -t steal .
	run clan run --rm steal
	assert_not_contains "$out" "host-secret" "a host file read through a stage's link"
	rm -f "$secret"
}

case_failing_run() {
	fresh_storage
	push_base
	local dir
	dir=$(project <<-'EOF'
		FROM @BASE@
		RUN echo step-output && exit 3
	EOF
	)
	cd "$dir" || die "no project dir"
	build -t bad .
	assert_eq "$rc" 1 "a failing RUN's exit code"
	assert_contains "$err" "step-output" "its output"
	assert_contains "$err" "Dockerfile:2: RUN" "its line"
	assert_contains "$err" "non-zero code: 3" "its code"
	run clan images
	# the name column only: an image id may end in "bad" too
	assert_eq "$(awk '$1 == "bad" || $1 ~ /\/bad$/' <<<"$out")" "" "no image tagged bad (images: $out)"
	assert_no_containers
}

case_errors() {
	fresh_storage
	push_base
	local dir
	dir=$(mk_tmp)
	cd "$dir" || die "no project dir"
	build .
	assert_eq "$rc" 2 "no Dockerfile"
	assert_contains "$err" "cannot read the Dockerfile" "its message"
	build ./api
	assert_eq "$rc" 2 "a context that is not there"
	assert_contains "$err" "the build context ./api is not a directory (it does not exist)" "its message"
	printf 'FROM %s\nCOPY missing.txt /\n' "$BASE" >Dockerfile
	build .
	assert_eq "$rc" 2 "a missing COPY source"
	assert_contains "$err" "Dockerfile:2: COPY: missing.txt: not found in the build context" \
		"its message"
	printf 'FROM %s\nCOPY ../../etc/passwd /\n' "$BASE" >Dockerfile
	build .
	assert_eq "$rc" 2 "a source outside the context"
	assert_contains "$err" "outside the build context" "its message"
	printf 'FROM %s\nONBUILD RUN true\n' "$BASE" >Dockerfile
	build .
	assert_eq "$rc" 2 "ONBUILD"
	assert_contains "$err" "ONBUILD is not supported" "its message"
	printf 'FROM %s\nFROBNICATE x\n' "$BASE" >Dockerfile
	build .
	assert_eq "$rc" 2 "an unknown instruction"
	assert_contains "$err" "Dockerfile:2" "its line"
	printf 'FROM %s\nRUN echo ran-before\nCOPPY x /\n' "$BASE" >Dockerfile
	build .
	assert_eq "$rc" 2 "a typo after a RUN"
	assert_contains "$err" "Dockerfile:3: COPPY: unknown instruction 'COPPY'; did you mean COPY?" "the typo and the fix"
	assert_not_contains "$err" "ran-before" "found before any step runs"
	printf 'RUN true\nFROM %s\n' "$BASE" >Dockerfile
	build .
	assert_eq "$rc" 2 "RUN before FROM"
	printf 'FROM %s\nENV A="${B:?must be set}"\n' "$BASE" >Dockerfile
	build .
	assert_eq "$rc" 2 "a required variable"
	assert_contains "$err" "B: must be set" "its message"
	build -t 'Bad Tag' .
	assert_eq "$rc" 2 "a bad tag"
}

case_compose_build() {
	fresh_storage
	push_base
	local dir id1
	dir=$(project <<-'EOF'
		FROM @BASE@
		COPY index.html /srv/
		CMD ["httpd", "-f", "-p", "8080", "-h", "/srv"]
	EOF
	)
	cat >"$dir/compose.yaml" <<-EOF
		services:
		  web:
		    build: .
		    ports: ["127.0.0.1:$PORT:8080"]
	EOF
	echo v1 >"$dir/index.html"
	cd "$dir" || die "no project dir"
	run timeout 300 "$CLAN" up -d
	assert_eq "$rc" 0 "up builds the missing image ($err)"
	assert_contains "$err" "building web" "up says it builds"
	assert_eq "$(get "http://127.0.0.1:$PORT/index.html" 30)" v1 "the built image serves"
	id1=$(cd / && clan images | awk '$1 ~ /-web$/ {print $3}')
	[ -n "$id1" ] || {
		clan down
		die "no PROJECT-web image in clan images"
	}
	echo v2 >index.html
	run timeout 300 "$CLAN" up -d
	assert_eq "$rc" 0 "up without --build"
	assert_eq "$(get "http://127.0.0.1:$PORT/index.html")" v1 "up without --build keeps the image"
	run timeout 300 "$CLAN" up --build -d
	assert_eq "$rc" 0 "up --build ($err)"
	assert_contains "$out$err" "Recreating web" "the rebuilt image recreates web"
	assert_eq "$(get "http://127.0.0.1:$PORT/index.html" 30)" v2 "the rebuilt image serves"
	run timeout 300 "$CLAN" up --build -d
	assert_not_contains "$out$err" "Recreating" "a no-op up --build"
	assert_ne "$(cd / && clan images | awk '$1 ~ /-web$/ {print $3}')" "$id1" "the image's id after --build"
	run clan down
	assert_eq "$rc" 0 "down"
}

case_apt_in_run() {
	command -v mmdebstrap >/dev/null || skip_case "mmdebstrap missing: deb:bookworm needs it"
	use_deb_storage
	local dir
	dir=$(mk_tmp)
	cat >"$dir/Dockerfile" <<-'EOF'
		FROM deb:bookworm
		RUN apt-get update -qq && apt-get install -y -qq --no-install-recommends jq >/dev/null && rm -rf /var/lib/apt/lists/*
		CMD ["jq", "--version"]
	EOF
	cd "$dir" || die "no project dir"
	run timeout -k 5 600 "$CLAN" build --progress plain -t "apt-$(id -un)" .
	assert_eq "$rc" 0 "apt-get install in RUN ($err)"
	run clan run --rm "apt-$(id -un)"
	assert_match "$out" '^jq-' "the installed program"
	run clan run --rm "apt-$(id -un)" ls /etc/apt/apt.conf.d
	assert_not_contains "$out" "00clan-build-sandbox" "RUN's apt drop-in is not in the image"
}

# serve_files DIR: a plain http server of DIR on 127.0.0.1 that dies with
# the test; sets FILES_URL and FILES_PID.
serve_files() {
	local log tenths=100 port=""
	log=$(mktemp "$REGISTRY_TMP/http.XXXXXX") || die "cannot make a log file"
	registry_spawn "$log" python3 -u -m http.server --bind 127.0.0.1 --directory "$1" 0
	FILES_PID=$REGISTRY_SPAWNED
	while [ -z "$port" ] && [ "$tenths" -gt 0 ]; do
		sleep 0.1
		tenths=$((tenths - 1))
		port=$(sed -n 's/.* port \([0-9]*\) .*/\1/p' "$log" | head -n 1)
	done
	[ -n "$port" ] || die "the file server did not start: $(cat "$log")"
	FILES_URL=http://127.0.0.1:$port
}

# ADD of URLs: downloaded with libcurl, 0600, not unpacked; --checksum
# checked, and a step with one is cached without the server; without
# one, the content decides the key.
case_add_url() {
	fresh_storage
	push_base
	local dir files sum
	files=$(mk_tmp)
	dir=$(mk_tmp)
	printf 'echo fetched\n' >"$files/tool.sh"
	echo "data 1" >"$files/data.txt"
	tar -C "$files" -cf "$files/bundle.tar" tool.sh
	sum=sha256:$(sha256sum "$files/tool.sh" | cut -d' ' -f1)
	serve_files "$files"
	cd "$dir" || die "no project dir"
	cat >Dockerfile <<-EOF
		FROM $BASE
		ADD --checksum=$sum $FILES_URL/tool.sh /opt/
		ADD $FILES_URL/data.txt /opt/renamed.txt
		ADD $FILES_URL/bundle.tar /opt/
		CMD ["sh", "-c", "stat -c '%a %n' /opt/tool.sh /opt/renamed.txt /opt/bundle.tar; cat /opt/renamed.txt"]
	EOF
	build -t addurl .
	assert_eq "$rc" 0 "the build ($err)"
	run clan run --rm addurl
	assert_eq "$out" "$(printf '600 /opt/tool.sh\n600 /opt/renamed.txt\n600 /opt/bundle.tar\ndata 1')" \
		"the downloads: 0600, named by the URL or the destination, a tar not unpacked"
	echo "data 2" >"$files/data.txt"
	build -t addurl .
	assert_eq "$rc" 0 "the rebuild after the file changed ($err)"
	assert_eq "$(cached_steps)" 1 "only the --checksum step is cached (the others are downloaded again)"
	run clan run --rm addurl cat /opt/renamed.txt
	assert_eq "$out" "data 2" "the new content"
	registry_kill "$FILES_PID"
	head -n 2 Dockerfile >Dockerfile.sum
	build -f Dockerfile.sum .
	assert_eq "$rc" 0 "a --checksum step with the server gone ($err)"
	assert_eq "$(cached_steps)" 1 "it is cached, no request made"
	build --no-cache -f Dockerfile.sum -t sumonly .
	assert_eq "$rc" 0 "--no-cache: the download is in the store already ($err)"
	build .
	assert_ne "$rc" 0 "a URL without --checksum and no server"
	assert_contains "$err" "cannot download $FILES_URL/data.txt" "the URL named"
	assert_contains "$err" "Dockerfile:3" "the line named"
	serve_files "$files"
	printf 'FROM %s\nADD --checksum=sha256:%064d %s/tool.sh /opt/\n' "$BASE" 0 "$FILES_URL" >Dockerfile
	build .
	assert_ne "$rc" 0 "a wrong checksum"
	assert_contains "$err" "not sha256:$(printf '%064d' 0) as --checksum says" "the mismatch named"
	printf 'FROM %s\nADD %s/missing.txt /opt/\n' "$BASE" "$FILES_URL" >Dockerfile
	build .
	assert_ne "$rc" 0 "a URL the server has not"
	assert_contains "$err" "answered 404" "the status"
	printf 'FROM %s\nADD %s/ /opt/\n' "$BASE" "$FILES_URL" >Dockerfile
	build .
	assert_contains "$err" "names no file" "a URL with no file name"
	printf 'FROM %s\nADD --checksum=md5:00 %s/tool.sh /opt/\n' "$BASE" "$FILES_URL" >Dockerfile
	build .
	assert_contains "$err" "clan checks sha256:<hex> checksums" "another checksum kind"
	printf 'FROM %s\nADD --checksum=%s tool.sh /opt/\n' "$BASE" "$sum" >Dockerfile
	build .
	assert_contains "$err" "--checksum is for URLs" "a checksum on a local file"
	printf 'FROM %s\nADD %s/tool.sh notes.txt /opt/\n' "$BASE" "$FILES_URL" >Dockerfile
	build .
	assert_contains "$err" "URLs and files of the context cannot be added by one ADD" "mixed sources"
	printf 'FROM %s\nADD %s/sub/%%2e%%2e /opt/\n' "$BASE" "$FILES_URL" >Dockerfile
	build .
	assert_contains "$err" "names no file" "a last segment that is an escaped .."
	# the name is the decoded last segment: an escaped slash names no dir,
	# glob characters are a name, not a pattern
	mkdir -p "$files/a"
	echo deep >"$files/a/b.txt"
	echo brackets >"$files/file[1].txt"
	printf 'FROM %s\nADD %s/a%%2fb.txt %s/file%%5B1%%5D.txt /opt/\nCMD ["sh", "-c", "cd /opt && find . | sort"]\n' \
		"$BASE" "$FILES_URL" "$FILES_URL" >Dockerfile
	build -t addname .
	assert_eq "$rc" 0 "escaped names ($err)"
	run clan run --rm addname
	assert_eq "$out" "$(printf '.\n./b.txt\n./file[1].txt')" "each named by its decoded last segment"
}

# HEALTHCHECK is kept in the image: a service without a healthcheck: of
# its own runs it, and a dependent waiting for service_healthy starts
# after it passes; NONE leaves nothing to wait for, which up refuses.
case_healthcheck() {
	fresh_storage
	push_base
	local dir
	dir=$(project <<-'EOF'
		FROM @BASE@
		HEALTHCHECK --interval=1s --timeout=3s --retries=30 CMD test -f /tmp/ready
		CMD ["sh", "-c", "sleep 2; touch /tmp/ready; exec sleep 600"]
	EOF
	)
	cat >"$dir/compose.yaml" <<-'EOF'
		services:
		  slow:
		    build: .
		  after:
		    image: @BASE@
		    command: ["sh", "-c", "date +%s > /tmp/started; exec sleep 600"]
		    depends_on:
		      slow: {condition: service_healthy}
	EOF
	sed -i "s|@BASE@|$BASE|" "$dir/compose.yaml"
	cd "$dir" || die "no project dir"
	run timeout 300 "$CLAN" up -d
	assert_eq "$rc" 0 "up waits for the image's check ($err)"
	run clan ps
	assert_match "$(grep slow <<<"$out")" "healthy" "ps: slow is healthy by its image's check"
	local ready started
	ready=$(clan exec slow stat -c %Y /tmp/ready)
	started=$(clan exec after cat /tmp/started)
	assert_match "$ready" '^[0-9]+$' "slow's ready time"
	assert_match "$started" '^[0-9]+$' "after's start time"
	[ "$started" -ge "$ready" ] || die "after started at $started, before slow was ready at $ready"
	run clan down
	assert_eq "$rc" 0 "down"
	sed -i 's|^HEALTHCHECK .*|HEALTHCHECK NONE|' Dockerfile
	run timeout 300 "$CLAN" up --build -d
	assert_eq "$rc" 2 "waiting for a check the image disables"
	assert_contains "$err" "service after waits for slow to be healthy, but slow has no health check" "the reason"
	run clan down
	printf 'FROM %s\nHEALTHCHECK --every=1s CMD true\n' "$BASE" >Dockerfile
	build .
	assert_contains "$err" "unknown flag --every=1s" "a bad flag"
	printf 'FROM %s\nHEALTHCHECK --interval=fast CMD true\n' "$BASE" >Dockerfile
	build .
	assert_contains "$err" "Dockerfile:2" "a bad duration names the line"
	assert_contains "$err" "--interval: bad duration 'fast'" "and the flag"
}

# A pulled image's own Healthcheck (its config's) is run the same way, and
# a record an earlier clan wrote without it gets it at the next pull.
case_pulled_healthcheck() {
	fresh_storage
	registry_push healthy clan/healthy:1 || die "cannot push the healthy image"
	local dir image=$REGISTRY/clan/healthy:1
	dir=$(mk_tmp)
	cat >"$dir/compose.yaml" <<-EOF
		services:
		  slow:
		    image: $image
		  after:
		    image: $image
		    command: ["sleep", "600"]
		    healthcheck: {disable: true}
		    depends_on:
		      slow: {condition: service_healthy}
	EOF
	cd "$dir" || die "no project dir"
	run timeout 300 "$CLAN" up -d
	assert_eq "$rc" 0 "up waits for the pulled image's check ($err)"
	run clan ps
	assert_match "$(grep slow <<<"$out")" "healthy" "ps: slow is healthy by its image's check"
	run clan down
	# as an earlier clan left it: the record without the check
	python3 - "$CLAN_STORAGE" <<-'PY'
		import glob, json, sys
		for path in glob.glob(sys.argv[1] + "/images/*/image.json"):
		    with open(path) as f:
		        rec = json.load(f)
		    rec.pop("healthcheck", None)
		    with open(path, "w") as f:
		        json.dump(rec, f)
	PY
	run timeout 300 "$CLAN" up -d
	assert_eq "$rc" 2 "without the check in the record, nothing to wait for"
	run clan down
	run timeout 300 "$CLAN" pull "$image"
	assert_eq "$rc" 0 "pull ($err)"
	run timeout 300 "$CLAN" up -d
	assert_eq "$rc" 0 "the next pull put the check back in the record ($err)"
	run clan down
	assert_eq "$rc" 0 "down"
}

t "the step cache: no-op, mtime, code and requirements edits" case_cache
t ".dockerignore with a ! exception" case_dockerignore
t "multi-stage: COPY --from, unused stages, --target" case_multistage
t "heredocs: RUN a script, stdin of commands, a #! program; COPY files" case_heredoc
t "RUN --mount=type=cache: kept between builds, not in the image" case_cache_mount
t "ADD: local tars unpacked, a climbing entry refused" case_add_archive
t "ADD of URLs: --checksum, cache, errors" case_add_url
t "COPY --chown and --chmod" case_chown
t "hostile paths: context links, image links on a COPY's way" case_hostile_paths
t "HEALTHCHECK kept and run by a service" case_healthcheck
t "a pulled image's Healthcheck, and an older record's at the next pull" case_pulled_healthcheck
t "a failing RUN" case_failing_run
t "errors: Dockerfile:LINE and the instruction" case_errors
t "compose build: with up and up --build" case_compose_build
t "apt-get install in RUN" case_apt_in_run
finish
