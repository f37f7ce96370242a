# clan: GNU make. `make`, `make check`, `make check-asan`, `make faults`, `make demo`,
# `make install PREFIX=... [DESTDIR=...]`, `make fmt`.

PREFIX ?= /usr/local
BUILD ?= build
CC ?= cc
PKGS := libcap yaml-0.1 inih fuse3 libseccomp jansson
# Loaded on first use (rootless/base/dl.c), not linked: together they would add
# ~45 shared libraries and ~15 ms to the start of every clan command.
DL_PKGS := libcurl libarchive libcrypto

# A missing -dev package stops the build here with its name, not later with
# a missing header. Goals that compile nothing themselves skip it: check,
# demo and faults install the packages first (as root), then build in a
# second make, which checks.
NO_PKG_GOALS := clean deps lint fmt check check-asan demo faults
ifneq ($(MAKECMDGOALS),)
ifeq ($(filter-out $(NO_PKG_GOALS),$(MAKECMDGOALS)),)
PKG_SKIP := 1
endif
endif
ifneq ($(PKG_SKIP),1)
PKG_MISSING := $(strip $(foreach p,$(PKGS) $(DL_PKGS),$(if $(shell pkg-config --exists $(p) && echo y),,$(p))))
ifneq ($(PKG_MISSING),)
$(error pkg-config cannot find: $(PKG_MISSING). Install the -dev packages with `sudo ./scripts/deps.sh` (or `make deps` as root))
endif
endif
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) $(DL_PKGS) 2>/dev/null)
PKG_LIBS := $(shell pkg-config --libs $(PKGS) 2>/dev/null) -ldl -lpthread
# unit tests build test archives with libarchive's write API
TEST_LIBS := $(shell pkg-config --libs libarchive 2>/dev/null)

CFLAGS ?= -O2 -g
CFLAGS += -std=gnu11 -Wall -Wextra -Werror -Wshadow -Wformat=2 -Wno-format-nonliteral \
	  -D_FORTIFY_SOURCE=2 -fstack-protector-strong $(PKG_CFLAGS) -Irootless -Ilauncher -I.
# Link only what is used: every library costs start-up time in the dynamic loader.
LDFLAGS += -Wl,--as-needed -Wl,-z,relro -Wl,-z,now
LDLIBS += $(PKG_LIBS)

ifeq ($(SAN),1)
CFLAGS := $(filter-out -D_FORTIFY_SOURCE=2,$(CFLAGS)) -O1 -fsanitize=address,undefined \
	  -fno-omit-frame-pointer -fno-sanitize-recover=undefined
LDFLAGS += -fsanitize=address,undefined
endif

# The layers (docs/architecture.md): an include names its folder,
# "base/util.h", "netns/slirp.h", "config/stack.h".
SRC_DIRS := $(wildcard rootless/*/ launcher/*/) netns/
LIB_SRCS := $(filter-out launcher/cli/main.c,$(wildcard $(SRC_DIRS:%=%*.c)))
# The shipped profiles compiled in (config/profile_builtin.h): generated
# C, built like the sources.
PROFILE_YAMLS := $(sort $(wildcard profiles/*.yaml))
GEN_SRCS := $(BUILD)/gen/profiles_data.c
LIB_OBJS := $(LIB_SRCS:%.c=$(BUILD)/%.o) $(GEN_SRCS:.c=.o)
UNIT_SRCS := $(wildcard tests/unit/test_*.c)
FMT_SRCS := $(wildcard $(SRC_DIRS:%=%*.[ch]) tests/unit/*.[ch] tests/fuzz/*.c)
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/%)

.PHONY: all unit-tests check check-asan demo install fmt clean deps faults lint
all: $(BUILD)/clan

# -MMD -MP: each object also writes which headers it read (a .d file
# beside it), so a header change rebuilds exactly what includes it.
$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -MMD -MP -c -o $@ $<

# profiles/ itself too: its mtime changes when a profile is added or removed
$(BUILD)/gen/profiles_data.c: scripts/embed_profiles.sh $(PROFILE_YAMLS) profiles
	@mkdir -p $(dir $@)
	./scripts/embed_profiles.sh $(PROFILE_YAMLS) >$@.tmp && mv $@.tmp $@

$(BUILD)/gen/%.o: $(BUILD)/gen/%.c
	$(CC) $(CFLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/libclan.a: $(LIB_OBJS)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/clan: $(BUILD)/launcher/cli/main.o $(BUILD)/libclan.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/tests/%: tests/unit/%.c tests/unit/tap.h $(BUILD)/libclan.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -MMD -MP -MF $(dir $@).$(notdir $@).d -Itests/unit $(LDFLAGS) -o $@ $< $(BUILD)/libclan.a $(LDLIBS) $(TEST_LIBS)

unit-tests: $(UNIT_BINS)

deps:
	./scripts/deps.sh

# As root (a fresh machine, CI) this installs packages, sets up the test
# users and runs the suites as them; as a user it runs them as that user.
check:
	@if [ "$$(id -u)" = 0 ]; then ./scripts/deps.sh; fi
	$(MAKE) BUILD=$(BUILD) all unit-tests
	./scripts/check.sh $(BUILD)

# The fault matrix (kill -9, full disk, read-only storage, /etc/subuid
# gone): as root, like check. FAULTS_ARGS=--quick: the CI slice.
faults:
	@if [ "$$(id -u)" = 0 ]; then ./scripts/deps.sh; fi
	$(MAKE) BUILD=$(BUILD) all
	./scripts/faults.sh $(BUILD) $(FAULTS_ARGS)

check-asan:
	@if [ "$$(id -u)" = 0 ]; then ./scripts/deps.sh; fi
	$(MAKE) check BUILD=build-asan SAN=1

demo:
	@if [ "$$(id -u)" = 0 ]; then ./scripts/deps.sh; fi
	$(MAKE) all
	./scripts/demo.sh $(BUILD)/clan

# The man page and the completion scripts are written by the built clan
# (its help and option tables), so they say what it accepts.
SHARE := $(DESTDIR)$(PREFIX)/share
install: $(BUILD)/clan
	install -D -m 0755 $(BUILD)/clan $(DESTDIR)$(PREFIX)/bin/clan
	install -d $(SHARE)/clan/profiles $(SHARE)/man/man1 $(SHARE)/bash-completion/completions \
		$(SHARE)/zsh/vendor-completions $(SHARE)/fish/vendor_completions.d
	install -m 0644 profiles/*.yaml $(SHARE)/clan/profiles/
	@mkdir -p $(BUILD)/gen
	./scripts/mkman.sh $(BUILD)/clan >$(BUILD)/gen/clan.1
	$(BUILD)/clan completion bash >$(BUILD)/gen/clan.bash
	$(BUILD)/clan completion zsh >$(BUILD)/gen/_clan
	$(BUILD)/clan completion fish >$(BUILD)/gen/clan.fish
	install -m 0644 $(BUILD)/gen/clan.1 $(SHARE)/man/man1/clan.1
	install -m 0644 $(BUILD)/gen/clan.bash $(SHARE)/bash-completion/completions/clan
	install -m 0644 $(BUILD)/gen/_clan $(SHARE)/zsh/vendor-completions/_clan
	install -m 0644 $(BUILD)/gen/clan.fish $(SHARE)/fish/vendor_completions.d/clan.fish

# `make lint`, as CI runs it: every shell script through shellcheck, the
# layer direction of every #include (and a test that the check catches an
# upward one), clang-format's verdict on every C file, and cppcheck.
LINT_SH := .ci/run $(wildcard scripts/*.sh scripts/*/*.sh tests/*.sh tests/*/*.sh)
CPPCHECK_FLAGS := -q -j2 --std=c11 --enable=warning,portability --inline-suppr \
		  --error-exitcode=1 -Irootless -Ilauncher -I. -D_GNU_SOURCE
# The parts run side by side (make -j, one per core): shellcheck alone is
# about 40 s of CPU, cppcheck 9 s, so one after the other took 43 s.
LINT_PARTS := lint-cppcheck lint-shellcheck lint-layers lint-docs lint-format
.PHONY: $(LINT_PARTS)
lint:
	@$(MAKE) --no-print-directory -O -j"$$(nproc)" $(LINT_PARTS)

lint-shellcheck:
	@echo "lint: shellcheck, $(words $(LINT_SH)) scripts"
	@# a few files per shellcheck, on every core: -x reads tests/lib.sh
	@# again for each test
	@printf '%s\n' $(LINT_SH) | xargs -P "$$(nproc)" -n 4 shellcheck -x

lint-layers:
	@echo "lint: include layers"
	@./scripts/lint/layers.sh
	@./tests/lint/layers_test.sh >/dev/null || ./tests/lint/layers_test.sh

lint-docs:
	@echo "lint: docs/compose.md's key table"
	@./scripts/lint/compose_keys_doc.sh

lint-format:
	@echo "lint: clang-format, $(words $(FMT_SRCS)) files"
	@clang-format --dry-run -Werror $(FMT_SRCS)

lint-cppcheck:
	@echo "lint: cppcheck"
	@cppcheck $(CPPCHECK_FLAGS) $(SRC_DIRS)

fmt:
	clang-format -i $(FMT_SRCS)

clean:
	rm -rf build build-*

# Fuzzing: `make fuzz [FUZZ_SECONDS=20] [FUZZ_TARGETS="idmap path"]` builds
# tests/fuzz/fuzz_NAME.c with clang's libFuzzer, ASan and UBSan against the
# library compiled with clang in $(FUZZ_BUILD)/, and runs each target for
# FUZZ_SECONDS on a working copy of its seeds (tests/fuzz/corpus/NAME/).
# Every target runs; crashing inputs land in $(FUZZ_BUILD)/crashes/.
# `make fuzz-long [FUZZ_LONG_SECONDS=600]` runs every target that long and
# keeps what it found: the inputs that reach new code are merged into
# tests/fuzz/corpus/NAME with libFuzzer's -merge=1 -use_counters=0 (only
# what reaches new edges, not new hit counts, so the corpus in the tree
# grows but stays small); commit them.
FUZZ_CC ?= clang
FUZZ_BUILD ?= build-fuzz
FUZZ_SECONDS ?= 20
FUZZ_LONG_SECONDS ?= 600
FUZZ_MERGE ?= 0
FUZZ_TARGETS ?= $(patsubst tests/fuzz/fuzz_%.c,%,$(wildcard tests/fuzz/fuzz_*.c))
FUZZ_CFLAGS := $(filter-out -O% -D_FORTIFY_SOURCE=% -fsanitize=% -fno-sanitize-recover=%,$(CFLAGS)) \
	       -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined
FUZZ_BINS := $(FUZZ_TARGETS:%=$(FUZZ_BUILD)/fuzz_%)

$(FUZZ_BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -MMD -MP -fsanitize=fuzzer-no-link -c -o $@ $<

$(FUZZ_BUILD)/gen/%.o: $(BUILD)/gen/%.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -MMD -MP -fsanitize=fuzzer-no-link -c -o $@ $<

$(FUZZ_BUILD)/libclan.a: $(LIB_SRCS:%.c=$(FUZZ_BUILD)/%.o) $(GEN_SRCS:$(BUILD)/%.c=$(FUZZ_BUILD)/%.o)
	@rm -f $@
	ar rcs $@ $^

$(FUZZ_BUILD)/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_BUILD)/libclan.a
	$(FUZZ_CC) $(FUZZ_CFLAGS) -MMD -MP -MF $@.d -fsanitize=fuzzer -o $@ $< $(FUZZ_BUILD)/libclan.a $(LDLIBS)

.PHONY: fuzz fuzz-long
fuzz: $(FUZZ_BINS)
	@mkdir -p $(FUZZ_BUILD)/crashes; failed=; \
	for name in $(FUZZ_TARGETS); do \
		mkdir -p $(FUZZ_BUILD)/corpus/$$name tests/fuzz/corpus/$$name; \
		log=$(FUZZ_BUILD)/fuzz_$$name.log; \
		if LSAN_OPTIONS=suppressions=$(CURDIR)/tests/fuzz/lsan.supp \
			$(FUZZ_BUILD)/fuzz_$$name -max_total_time=$(FUZZ_SECONDS) \
			-artifact_prefix=$(FUZZ_BUILD)/crashes/$$name- \
			$(FUZZ_BUILD)/corpus/$$name tests/fuzz/corpus/$$name >$$log 2>&1; then \
			echo "fuzz $$name: ok, $$(grep -o 'Done [0-9]* runs in [0-9]* second' $$log | tail -n 1)s"; \
			if [ "$(FUZZ_MERGE)" = 1 ]; then \
				before=$$(ls tests/fuzz/corpus/$$name | wc -l); \
				if LSAN_OPTIONS=suppressions=$(CURDIR)/tests/fuzz/lsan.supp \
					$(FUZZ_BUILD)/fuzz_$$name -merge=1 -use_counters=0 tests/fuzz/corpus/$$name \
					$(FUZZ_BUILD)/corpus/$$name >>$$log 2>&1; then \
					echo "fuzz $$name: corpus $$before -> $$(ls tests/fuzz/corpus/$$name | wc -l) inputs"; \
				else \
					echo "fuzz $$name: FAILED to merge into tests/fuzz/corpus/$$name (log: $$log)"; \
					failed="$$failed $$name"; \
				fi; \
			fi; \
		else \
			echo "fuzz $$name: FAILED (log: $$log)"; \
			grep -E 'ERROR:|SUMMARY:|Test unit written|/(rootless|launcher|netns)/' $$log | head -n 12; \
			failed="$$failed $$name"; \
		fi; \
	done; \
	if [ -n "$$failed" ]; then echo "fuzz: failed:$$failed"; exit 1; fi

fuzz-long:
	$(MAKE) fuzz FUZZ_SECONDS=$(FUZZ_LONG_SECONDS) FUZZ_MERGE=1

-include $(wildcard $(BUILD)/tests/.*.d $(BUILD)/*/*.d $(BUILD)/*/*/*.d $(FUZZ_BUILD)/*.d $(FUZZ_BUILD)/*/*.d $(FUZZ_BUILD)/*/*/*.d)
