# sfn: build, test, bench, fuzz.  `make` builds the C module for every Lua
# found (lua5.4 and LuaJIT) under build/<lua>/sfn/core.so; `make test` runs
# every spec under both; luarocks uses the rock-build/rock-install targets.

CC ?= cc
WARN = -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wpointer-arith \
       -Wcast-align -Wwrite-strings -Wno-unused-parameter -Wvla
OPT ?= -O2
CFLAGS_BASE = -std=c99 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE $(WARN) -fPIC \
              -fvisibility=hidden $(OPT)
LIBFLAG ?= -shared
LIBS_EXTRA =
# System libraries of the module: OpenSSL's libcrypto (SigV4) and libcurl (HTTP).
SYS_LIBS = -lcrypto -lcurl

CORE_SRC = $(sort $(wildcard src/sfn_*.c))
LUA_SRC  = $(sort $(wildcard src/lsfn*.c))
HDRS     = $(wildcard src/*.h)

LUA54_INC ?= $(shell pkg-config --cflags lua5.4 2>/dev/null || echo -I/usr/include/lua5.4)
LUAJIT_INC ?= $(shell pkg-config --cflags luajit 2>/dev/null || echo -I/usr/include/luajit-2.1)

# A source list stamp: adding or removing a source file rebuilds the module
# even when the new file is older than the built one.
SRC_STAMP := build/.sources
$(shell mkdir -p build; echo "$(CORE_SRC) $(LUA_SRC)" | cmp -s - $(SRC_STAMP) 2>/dev/null || \
  echo "$(CORE_SRC) $(LUA_SRC)" > $(SRC_STAMP))

HAVE_LUA54  := $(shell command -v lua5.4 >/dev/null 2>&1 && echo yes)
HAVE_LUAJIT := $(shell command -v luajit >/dev/null 2>&1 && echo yes)
TARGETS = $(if $(HAVE_LUA54),build/lua5.4/sfn/core.so) $(if $(HAVE_LUAJIT),build/luajit/sfn/core.so)

.PHONY: all check demo deps test test-lua5.4 test-luajit asan fuzz bench clean rock-build rock-install conformance

all: $(TARGETS)

build/lua5.4/sfn/core.so: $(CORE_SRC) $(LUA_SRC) $(HDRS) $(SRC_STAMP)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_BASE) $(CFLAGS_EXTRA) $(LUA54_INC) $(LIBFLAG) -o $@ $(CORE_SRC) $(LUA_SRC) $(SYS_LIBS) -lm $(LIBS_EXTRA)

build/luajit/sfn/core.so: $(CORE_SRC) $(LUA_SRC) $(HDRS) $(SRC_STAMP)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_BASE) $(CFLAGS_EXTRA) $(LUAJIT_INC) $(LIBFLAG) -o $@ $(CORE_SRC) $(LUA_SRC) $(SYS_LIBS) -lm $(LIBS_EXTRA)

# ---- luarocks (build.type = "make") ----
rock-build:
	@mkdir -p build/rock/sfn
	$(CC) $(CFLAGS_BASE) -I$(LUA_INCDIR) $(LIBFLAG) -o build/rock/sfn/core.so $(CORE_SRC) $(LUA_SRC) $(SYS_LIBS) -lm

rock-install:
	mkdir -p $(INST_LIBDIR)/sfn $(INST_LUADIR)/sfn
	cp build/rock/sfn/core.so $(INST_LIBDIR)/sfn/core.so
	cp -R lua/sfn/. $(INST_LUADIR)/sfn/

# ---- tests ----
# README's test command: install what is missing, build, run every spec.
check:
	@tools/install-deps
	@$(MAKE) --no-print-directory all
	@tools/run-tests

deps:
	@tools/install-deps

# README's main command: the demo workflow, locally.
demo:
	@tools/install-deps
	@$(MAKE) --no-print-directory all
	@LUA_PATH="$(CURDIR)/lua/?.lua;$(CURDIR)/lua/?/init.lua;;" LUA_CPATH="$(CURDIR)/build/lua5.4/?.so;;" \
	  lua5.4 examples/demo.lua

test: all
	@tools/run-tests

test-lua5.4: all
	@SFN_LUAS=lua5.4 tools/run-tests

test-luajit: all
	@SFN_LUAS=luajit tools/run-tests

conformance: all
	@SFN_SPECS=spec/conformance_spec.lua tools/run-tests

# Whole suite under AddressSanitizer + UBSan (lua5.4 only: LuaJIT's allocator
# confuses ASan).  Leaks are reported by LeakSanitizer at exit.
asan: all
	$(MAKE) build/asan/lua5.4/sfn/core.so
	@SFN_ASAN=1 SFN_LUAS=lua5.4 SFN_BUILD=build/asan tools/run-tests

build/asan/lua5.4/sfn/core.so: $(CORE_SRC) $(LUA_SRC) $(HDRS) $(SRC_STAMP)
	@mkdir -p $(dir $@)
	clang $(CFLAGS_BASE) -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined \
	  -fno-sanitize-recover=undefined $(LUA54_INC) $(LIBFLAG) -o $@ $(CORE_SRC) $(LUA_SRC) $(SYS_LIBS) -lm \
	  -fsanitize=address,undefined

clean-build:
	rm -rf build/lua5.4 build/luajit

fuzz:
	@tools/run-fuzz $(FUZZ_SECONDS)

bench: all
	@tools/run-bench

clean:
	rm -rf build
