# clan: GNU make. `make`, `make check`, `make check-asan`, `make demo`,
# `make install PREFIX=...`, `make fmt`.

PREFIX ?= /usr/local
BUILD ?= build
CC ?= cc
PKGS := libcap yaml-0.1 inih fuse3 libseccomp jansson

PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS := $(shell pkg-config --libs $(PKGS) 2>/dev/null)

CFLAGS ?= -O2 -g
CFLAGS += -std=gnu11 -Wall -Wextra -Werror -Wshadow -Wformat=2 -Wno-format-nonliteral \
	  -D_FORTIFY_SOURCE=2 -fstack-protector-strong $(PKG_CFLAGS) -Irootless -Ilauncher -Inetns
# Link only what is used: every library costs start-up time in the dynamic loader.
LDFLAGS += -Wl,--as-needed -Wl,-z,relro -Wl,-z,now
LDLIBS += $(PKG_LIBS)

ifeq ($(SAN),1)
CFLAGS := $(filter-out -D_FORTIFY_SOURCE=2,$(CFLAGS)) -O1 -fsanitize=address,undefined \
	  -fno-omit-frame-pointer -fno-sanitize-recover=undefined
LDFLAGS += -fsanitize=address,undefined
endif

LIB_SRCS := $(wildcard rootless/*.c netns/*.c) $(filter-out launcher/main.c,$(wildcard launcher/*.c))
LIB_OBJS := $(LIB_SRCS:%.c=$(BUILD)/%.o)
UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/%)

.PHONY: all unit-tests check check-asan demo install fmt clean deps
all: $(BUILD)/clan

$(BUILD)/%.o: %.c $(wildcard rootless/*.h launcher/*.h netns/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c -o $@ $<

$(BUILD)/libclan.a: $(LIB_OBJS)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/clan: $(BUILD)/launcher/main.o $(BUILD)/libclan.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/tests/%: tests/unit/%.c tests/unit/tap.h $(BUILD)/libclan.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Itests/unit $(LDFLAGS) -o $@ $< $(BUILD)/libclan.a $(LDLIBS)

unit-tests: $(UNIT_BINS)

deps:
	./scripts/deps.sh

# As root (a fresh machine, CI) this installs packages, sets up the test
# users and runs the suites as them; as a user it runs them as that user.
check:
	@if [ "$$(id -u)" = 0 ]; then ./scripts/deps.sh; fi
	$(MAKE) BUILD=$(BUILD) all unit-tests
	./scripts/check.sh $(BUILD)

check-asan:
	@if [ "$$(id -u)" = 0 ]; then ./scripts/deps.sh; fi
	$(MAKE) check BUILD=build-asan SAN=1

demo:
	@if [ "$$(id -u)" = 0 ]; then ./scripts/deps.sh; fi
	$(MAKE) all
	./scripts/demo.sh $(BUILD)/clan

install: $(BUILD)/clan
	install -D -m 0755 $(BUILD)/clan $(DESTDIR)$(PREFIX)/bin/clan
	install -d $(DESTDIR)$(PREFIX)/share/clan/profiles
	cp -r profiles/. $(DESTDIR)$(PREFIX)/share/clan/profiles/

fmt:
	clang-format -i $(wildcard launcher/*.[ch] rootless/*.[ch] netns/*.[ch] tests/unit/*.[ch])

clean:
	rm -rf build build-asan
