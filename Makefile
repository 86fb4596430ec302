# hubspy -- one plain, non-recursive GNU Makefile
#   make            build ./hubspy
#   make check      all tests (unit, integration), suites in parallel; last line
#                   "N passed, N failed, N skipped" (tests/README.md)
#   make bench      benchmarks (figures, never pass/fail on time)
#   make fuzz       longer fuzz runs of the parsers
#   make install    PREFIX=/usr/local DESTDIR=
#   make deps       install the Debian build and test packages (idempotent)
#   make demo       the README's quick start: a local hub, a real run
#   knobs: SANITIZE=address,undefined  DEVELOPER=1  V=1  TESTS="unit report"  JOBS=4
-include Makefile.local

VERSION    := 0.1.0
PREFIX     ?= /usr/local
BINDIR     ?= $(PREFIX)/bin
MANDIR     ?= $(PREFIX)/share/man
CC         ?= cc
PKG_CONFIG ?= pkg-config
PKGS       := libcurl libcjson libarchive libbsd-overlay libmd

CFLAGS     ?= -O2 -g
HS_CFLAGS  := -std=c11 -D_GNU_SOURCE -Iinclude -Ibuild -DHUBSPY_VERSION=\"$(VERSION)\" \
              -Wall -Wextra -Wno-unused-parameter \
              $(shell $(PKG_CONFIG) --cflags $(PKGS))
# libarchive is not linked: src/core/arc.c opens it with dlopen() when a
# command first reads or writes an archive, by the soname of the library
# it is built against (objdump, binutils, comes with the compiler)
HS_LIBS    := $(shell $(PKG_CONFIG) --libs $(filter-out libarchive,$(PKGS))) -lm -lutil
ARC_SONAME := $(shell objdump -p "$$($(PKG_CONFIG) --variable=libdir libarchive 2>/dev/null)/libarchive.so" 2>/dev/null | awk '$$1 == "SONAME" {print $$2}')
HS_CFLAGS  += $(if $(ARC_SONAME),-DARC_SONAME=\"$(ARC_SONAME)\")
# the unit tests open the tarballs they check with libarchive directly
UNIT_LIBS  := $(shell $(PKG_CONFIG) --libs libarchive)

ifdef DEVELOPER
HS_CFLAGS  += -Wstrict-prototypes -Wvla -Wwrite-strings -Wformat-security \
              -Wshadow -Wmissing-prototypes -Werror
endif
ifdef SANITIZE
HS_CFLAGS  += -fsanitize=$(SANITIZE) -fno-omit-frame-pointer -fno-sanitize-recover=all
HS_LDFLAGS += -fsanitize=$(SANITIZE)
# sanitized objects live apart so plain and sanitized builds never mix
BUILD      := build/san
else
BUILD      := build/plain
endif

ifndef V
Q := @
endif

# src/LAYER/MODULE.c, headers in include/LAYER/MODULE.h (docs/architecture.md)
LAYERS     := core measure record load capture report run cli
SRCS       := $(sort $(wildcard $(LAYERS:%=src/%/*.c)))
LIB_SRCS   := $(filter-out src/cli/main.c,$(SRCS))
LIB_OBJS   := $(LIB_SRCS:src/%.c=$(BUILD)/%.o)
# tests/unit/unit.c (the runner) and tests/unit/LAYER/t_MODULE.c, one per module
UNIT_SRCS  := $(sort $(wildcard tests/unit/*.c $(LAYERS:%=tests/unit/%/*.c)))
UNIT_OBJS  := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/unit/%.o)
FUZZ_SRCS  := $(sort $(wildcard tests/fuzz/fuzz_*.c))
CMD_NAMES  := $(sort $(patsubst src/cli/cmd_%.c,%,$(wildcard src/cli/cmd_*.c)))

all: hubspy

build/cmds.inc: $(wildcard src/cli/cmd_*.c) Makefile
	@mkdir -p build
	$(Q)printf '%s\n' $(foreach c,$(CMD_NAMES),"CMD($(c))") > $@.tmp
	$(Q)if ! cmp -s $@.tmp $@; then mv $@.tmp $@; else rm -f $@.tmp; fi

$(BUILD)/%.o: src/%.c build/cmds.inc
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(HS_CFLAGS) $(CFLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/unit/%.o: tests/unit/%.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(HS_CFLAGS) -Itests/unit $(CFLAGS) -MMD -MP -c -o $@ $<

# tests/unit/cli/t_opt.c walks every command's table (build/cmds.inc)
$(UNIT_OBJS): | build/cmds.inc

$(BUILD)/libhubspy.a: $(LIB_OBJS)
	$(Q)rm -f $@ && ar rcs $@ $^

$(BUILD)/hubspy: $(BUILD)/cli/main.o $(BUILD)/libhubspy.a
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(HS_LDFLAGS) $(LDFLAGS) -o $@ $(BUILD)/cli/main.o -Wl,--whole-archive $(BUILD)/libhubspy.a -Wl,--no-whole-archive $(HS_LIBS)

# always compared, so switching between plain and SANITIZE builds copies
hubspy: $(BUILD)/hubspy
	$(Q)cmp -s $< $@ || cp $< $@

$(BUILD)/unit-tests: $(UNIT_OBJS) $(BUILD)/libhubspy.a
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(HS_LDFLAGS) $(LDFLAGS) -o $@ $(UNIT_OBJS) $(BUILD)/libhubspy.a $(HS_LIBS) $(UNIT_LIBS)

docs/hubspy.1: hubspy
	./hubspy manpage > $@.tmp && mv $@.tmp $@

man: docs/hubspy.1

check: hubspy $(BUILD)/unit-tests
	@LC_ALL=C HUBSPY=$(CURDIR)/hubspy UNIT=$(CURDIR)/$(BUILD)/unit-tests \
	    BUILD=$(CURDIR)/$(BUILD) $(if $(JOBS),JOBS=$(JOBS)) bash tests/run.sh $(TESTS)

bench: hubspy
	@LC_ALL=C HUBSPY=$(CURDIR)/hubspy BUILD=$(CURDIR)/$(BUILD) bash bench/run.sh

fuzz: $(BUILD)/libhubspy.a
	@FUZZ_SECONDS=$${FUZZ_SECONDS:-60} BUILD=$(CURDIR)/$(BUILD) bash tests/fuzz/run.sh

install: hubspy
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1
	install -m 0755 hubspy $(DESTDIR)$(BINDIR)/hubspy
	install -m 0644 docs/hubspy.1 $(DESTDIR)$(MANDIR)/man1/hubspy.1

deps:
	bash .ci/deps

# deps first, then a fresh make: pkg-config is read when make starts
demo:
	bash .ci/deps
	$(MAKE) hubspy
	bash tests/demo.sh

clean:
	rm -rf build hubspy

.PHONY: hubspy all check bench fuzz install deps demo clean man

-include $(LIB_OBJS:.o=.d) $(BUILD)/cli/main.d $(UNIT_OBJS:.o=.d)
