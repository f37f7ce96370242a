#!/bin/bash
# Tall images (issue 16, scale): an image of many layers runs on the kernel's
# overlayfs, not the fuse fallback. 100 layers' paths overflow the page that
# mount(2) takes for options; 520 are more than overlayfs stacks (500), so the
# bottom ones are merged into one read-only overlay first. Whiteouts and
# opaque dirs in both parts still hide what they name. A build on such an
# image works too.
# clan-test-timeout: 600
# shellcheck disable=SC2016,SC2317 # $vars in single quotes expand inside; cases run via t
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"
use_rootfs

TOOL=$CLAN_TEST_ROOT/tests/archive_tool.py

# tall N: loads tall:N, an image of N layers (tests/archive_tool.py tall).
tall() {
	local n=$1 tar
	tar=$LIB_TMP/tall$n.tar
	python3 "$TOOL" tall "$n" "$ROOTFS" "$tar" || die "cannot make an image of $n layers"
	run clan image load -i "$tar"
	[ "$rc" = 0 ] || die "clan image load of $n layers: exit $rc" "$err"
	rm -f -- "$tar"
}

SHOW='ls /layers | wc -l; cat /x; ls /d; test -e /gone && echo gone-seen; test -e /gone2 && echo gone2-seen; echo ok'

# tall_runs N: tall:N runs on the kernel's overlayfs and shows every
# layer, with what the layers deleted gone.
tall_runs() {
	local n=$1
	need_cmd python3
	tall "$n"
	CLAN_OVERLAY=kernel run clan run --rm --debug --network none "tall:$n" sh -c "$SHOW"
	assert_eq "$rc" 0 "exit code with $n layers (stderr: $err)"
	assert_contains "$err" "overlay: kernel" "--debug output"
	assert_eq "$out" "$((n - 1))
top
b
ok" "the merged view of $n layers"
	# a container that stays: its writable layer over the same lowers
	run clan run --network none --name "tall$n" "tall:$n" sh -c 'echo w > /x; rm /layers/1; cat /x'
	assert_eq "$rc$out" "0w" "a write over $n layers (stderr: $err)"
	run clan rm "tall$n"
	assert_eq "$rc" 0 "rm (stderr: $err)"
	assert_no_containers
	assert_nothing_mounted
}

case_layers_past_the_page() {
	tall_runs 100
}

case_layers_past_the_stack() {
	tall_runs 520
}

# A build on a tall image: its RUN step's overlay and COPY --from's
# read-only one both stack every layer.
case_build_on_tall() {
	local dir
	need_cmd python3
	tall 100
	dir=$(mk_tmp)
	cat >"$dir/Dockerfile" <<-EOF
		FROM tall:100 AS s
		RUN echo built > /built && rm /layers/2
		FROM tall:100
		COPY --from=s /built /x /from/
	EOF
	run timeout -k 5 300 "$CLAN" build --progress plain -t tallbuilt:1 "$dir"
	assert_eq "$rc" 0 "clan build on 100 layers (stderr: $err)"
	run clan run --rm --network none tallbuilt:1 sh -c 'cat /from/built /from/x; ls /layers | wc -l'
	assert_eq "$rc$out" "0built
top
99" "the built image"
}

t layers_past_the_page case_layers_past_the_page
t layers_past_the_stack case_layers_past_the_stack
t build_on_tall case_build_on_tall
finish
