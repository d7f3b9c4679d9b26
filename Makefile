# ngx_http_status_policy_module
#
#   make            build the module (.so) against Debian's nginx-dev
#   make run        build and start a demo nginx on 127.0.0.1:8080
#   make test       build and run every test (unit + integration)
#   make bench      core micro-benchmarks, then nginx end to end against
#                   nginx alone and nginx's own map/location equivalent
#   make bench-nginx  the end-to-end part alone
#   make fuzz       libFuzzer over the rules reader and matcher
#   make test-asan  the integration suite against a module built with
#                   ASan and UBSan (part of make test)
#   make test-valgrind  the integration suite under valgrind
#   make deb        the Debian package; make test-deb installs, checks
#                   and purges it
#   make check-all  make test, test-valgrind and a longer fuzz run
#   make matrix     build and test against Debian's nginx and every source
#                   tree in ../shared/nginx-src (nginx 1.26, 1.30, 1.31
#                   with HTTP/3, freenginx, Angie); see tools/version-matrix
#
# NGINX_SRC=/path/to/nginx-x.y.z builds against an nginx source tree
# instead of /usr/share/nginx/src.

BUILD      ?= $(CURDIR)/build
NGINX_SRC  ?= /usr/share/nginx/src

# Debian's nginx-dev tree has no .c files: the module is built for
# /usr/sbin/nginx.  A full source tree builds its own nginx binary as well.
# Angie's tree builds an "angie" binary.  NGINX_CONFIGURE_FLAGS adds
# configure flags for a full tree, e.g. "--with-http_ssl_module
# --with-http_v3_module", to match an operator's own binary.
ifeq ($(wildcard $(NGINX_SRC)/src/core/nginx.c),)
NGINX_BIN      ?= /usr/sbin/nginx
NGINX_TARGETS   = modules
else ifneq ($(wildcard $(NGINX_SRC)/src/core/angie.h),)
NGINX_BIN      ?= $(BUILD)/nginx/angie
NGINX_TARGETS   = build modules
else
NGINX_BIN      ?= $(BUILD)/nginx/nginx
NGINX_TARGETS   = build modules
endif
NGINX_CONFIGURE_FLAGS ?=

# the tree and flags nginx was configured with: other ones configure anew
NGINX_CONFIGURED = $(BUILD)/nginx-configured
NGINX_CONFIGURATION = $(NGINX_SRC) $(NGINX_CONFIGURE_FLAGS) $(SP_CC_OPT)
ifneq ($(file < $(NGINX_CONFIGURED)),$(NGINX_CONFIGURATION))
$(shell mkdir -p $(BUILD) && echo '$(NGINX_CONFIGURATION)' > $(NGINX_CONFIGURED))
endif
CXX        ?= g++
CXXFLAGS   ?= -O2 -g
SP_CXXFLAGS = -std=c++17 -fPIC -fvisibility=hidden -Wall -Wextra -Werror \
              -Isrc/core $(CXXFLAGS)

# Vectorscan (libvectorscan-dev, which make deps installs) scans large
# regex sets in one pass; SP_VECTORSCAN=0 builds the core on PCRE2 alone.
SP_VECTORSCAN ?= 1
ifeq ($(SP_VECTORSCAN),1)
SP_DEFS     = -DSP_HAVE_VECTORSCAN=1
SP_LIBS     = -lhs -lpcre2-8
else
SP_DEFS     =
SP_LIBS     = -lpcre2-8
endif
SP_CXXFLAGS += $(SP_DEFS)
PROVE_JOBS ?= 4

MODULE     = $(BUILD)/nginx/ngx_http_status_policy_module.so
CORE_LIB   = $(BUILD)/core/libstatus_policy_core.a
CORE_SRCS  = $(wildcard src/core/*.cpp)
CORE_OBJS  = $(CORE_SRCS:src/core/%.cpp=$(BUILD)/core/%.o)
CORE_HDRS  = $(wildcard src/core/*.h src/core/*.hpp)
MODULE_SRCS = $(wildcard src/*.c src/*.h) config config.make
UNIT_SRCS  = $(wildcard t/unit/*.cpp)
BENCH_SRCS = $(wildcard bench/*.cpp)
CHECK_SRCS = $(wildcard src/cli/*.cpp)
# the checker's own code that the unit tests test as well
CHECK_TESTED_SRCS = $(addprefix src/cli/,access_log.cpp explain.cpp \
                    request_line.cpp uri_normalize.cpp)

.PHONY: test-pcre2 matrix deb test-deb test-valgrind check-all test-asan fuzz-short unit-asan test-deps all module core deps unit test prove bench run clean check-tool fuzz fuzz-deps bench-nginx

all: deps module check-tool

check-tool: $(BUILD)/status-policy-check

deps:
	@tools/install-deps

core: $(CORE_LIB)

$(BUILD)/core/%.o: src/core/%.cpp $(CORE_HDRS)
	@mkdir -p $(dir $@)
	$(CXX) $(SP_CXXFLAGS) -c -o $@ $<

$(CORE_LIB): $(CORE_OBJS)
	@mkdir -p $(dir $@)
	rm -f $@
	ar rcs $@ $^

module: $(MODULE)

# nginx's configure writes a Makefile into the directory it runs from, so it
# runs in a private copy of the source tree; the system tree stays untouched.
$(BUILD)/nginx/Makefile: config config.make $(NGINX_CONFIGURED)
	rm -rf $(BUILD)/nginx-src $(BUILD)/nginx
	mkdir -p $(BUILD)
	cp -a $(NGINX_SRC) $(BUILD)/nginx-src
	STATUS_POLICY_CORE_LIB=$(CORE_LIB) \
	STATUS_POLICY_VECTORSCAN=$(SP_VECTORSCAN) \
	NGINX_CONFIGURE_FLAGS="$(NGINX_CONFIGURE_FLAGS)" \
	SP_CC_OPT="$(SP_CC_OPT)" SP_LD_OPT="$(SP_LD_OPT)" \
	    tools/configure-nginx $(BUILD)/nginx-src $(CURDIR) $(BUILD)/nginx

$(MODULE): $(BUILD)/nginx/Makefile $(CORE_LIB) $(MODULE_SRCS)
	$(MAKE) -f $(BUILD)/nginx/Makefile -C $(BUILD)/nginx-src $(NGINX_TARGETS)
	@touch $@

$(BUILD)/unit_tests: $(UNIT_SRCS) $(CHECK_TESTED_SRCS) $(CORE_LIB)
	$(CXX) $(SP_CXXFLAGS) -Isrc/cli -o $@ $(UNIT_SRCS) $(CHECK_TESTED_SRCS) \
	    $(CORE_LIB) -lgtest_main -lgtest $(SP_LIBS) -pthread

$(BUILD)/status-policy-check: $(CHECK_SRCS) $(CORE_LIB)
	$(CXX) $(SP_CXXFLAGS) -o $@ $(CHECK_SRCS) $(CORE_LIB) $(SP_LIBS)

unit: deps $(BUILD)/unit_tests
	$(BUILD)/unit_tests

# the report tests check Prometheus output with promtool and render the
# HTML page in headless Chromium
test-deps:
	@tools/install-deps prometheus chromium ngtcp2-client openssl

prove: deps test-deps module check-tool
	NGINX_BIN=$(NGINX_BIN) STATUS_POLICY_MODULE=$(MODULE) \
	STATUS_POLICY_CHECK=$(BUILD)/status-policy-check \
	    prove -j$(PROVE_JOBS) -I t/lib t/

test: unit unit-asan fuzz-short prove test-asan test-pcre2

# the core built without Vectorscan: its unit tests, and the matching
# suites (precedence, the bypass table, rules) against that module
PCRE2_BUILD ?= $(CURDIR)/build/pcre2

test-pcre2: deps test-deps
	$(MAKE) BUILD=$(PCRE2_BUILD) SP_VECTORSCAN=0 unit module check-tool
	NGINX_BIN=$(NGINX_BIN) \
	STATUS_POLICY_MODULE=$(PCRE2_BUILD)/nginx/ngx_http_status_policy_module.so \
	STATUS_POLICY_CHECK=$(PCRE2_BUILD)/status-policy-check \
	    prove -j$(PROVE_JOBS) -I t/lib t/precedence.t t/bypass.t t/rules.t \
	    t/normalize.t t/limits.t t/check_tool.t

# the core's unit tests again, built with clang's AddressSanitizer and
# UndefinedBehaviorSanitizer; any report fails the run
ASAN_FLAGS = -std=c++17 -g -O1 -fsanitize=address,undefined \
             -fno-sanitize-recover=all -Isrc/core -Isrc/cli $(SP_DEFS)

$(BUILD)/unit_tests_asan: $(UNIT_SRCS) $(CORE_SRCS) $(CORE_HDRS) \
                          $(CHECK_TESTED_SRCS)
	@mkdir -p $(dir $@)
	clang++ $(ASAN_FLAGS) -o $@ $(UNIT_SRCS) $(CORE_SRCS) \
	    $(CHECK_TESTED_SRCS) -lgtest_main -lgtest $(SP_LIBS) -pthread

unit-asan: deps fuzz-deps $(BUILD)/unit_tests_asan
	$(BUILD)/unit_tests_asan --gtest_brief=1

# The core and the module built with AddressSanitizer and
# UndefinedBehaviorSanitizer, loaded into Debian's nginx with the runtime
# preloaded, and the whole integration suite run against them; any
# sanitizer report fails the run.
SAN_BUILD ?= $(CURDIR)/build/sanitized
SAN_OPT    = -fsanitize=address,undefined -fno-sanitize-recover=all \
             -fno-omit-frame-pointer

test-asan: deps test-deps
	$(MAKE) BUILD=$(SAN_BUILD) CXXFLAGS="-O1 -g $(SAN_OPT)" \
	    SP_CC_OPT="$(SAN_OPT)" SP_LD_OPT="$(SAN_OPT)" module check-tool
	tools/run-checked-suite sanitizers $(SAN_BUILD)

# every nginx process of the integration suite under valgrind's memcheck
# (about 4 minutes); any error or definite leak fails the run
VG_BUILD ?= $(CURDIR)/build/valgrind

test-valgrind: deps test-deps
	@tools/install-deps valgrind
	$(MAKE) BUILD=$(VG_BUILD) module check-tool
	tools/run-checked-suite valgrind $(VG_BUILD)

# everything: make test, the suite under valgrind, and a longer fuzz run
check-all: test test-valgrind fuzz

$(BUILD)/bench_core: $(BENCH_SRCS) $(CORE_LIB)
	$(CXX) $(SP_CXXFLAGS) -O2 -DNDEBUG -o $@ $(BENCH_SRCS) $(CORE_LIB) \
	    -lbenchmark $(SP_LIBS) -pthread

# Google Benchmark for the core (lookups at 1k/100k/1M rules against a
# linear PCRE2-JIT baseline, spike counting, loading), then nginx end to
# end against nginx alone and nginx's own map/location equivalent, with
# the ratio table (about 12 minutes).
bench: deps $(BUILD)/bench_core module
	bench/run-core-bench $(BUILD)
	bench/run-nginx-bench $(BUILD)
	bench/run-live-bench $(BUILD)
	STATUS_POLICY_MODULE=$(MODULE) bench/mask-timing

# the end-to-end part alone
bench-nginx: deps module
	bench/run-nginx-bench $(BUILD)

# The Debian package, laid out as Debian's own libnginx-mod-* packages;
# test-deb installs it on this machine (as root), checks it and purges it.
DEB_REVISION ?= 1
DEB_DIR       = $(BUILD)/deb
DEB           = $(DEB_DIR)/libnginx-mod-http-status-policy_$(shell cat VERSION)-$(DEB_REVISION)_$(shell dpkg --print-architecture).deb

deb: deps module check-tool
	DEB_REVISION=$(DEB_REVISION) tools/make-deb $(BUILD) $(DEB_DIR)

test-deb: deb
	tools/test-deb $(DEB)

# The module against several nginx versions: Debian's, and the newest
# stable and mainline releases in NGINX_GIT (a clone of nginx's git
# repository), or the versions named, e.g. MATRIX_VERSIONS="1.22 1.30".
MATRIX_VERSIONS ?=

matrix: deps test-deps
	tools/version-matrix $(MATRIX_VERSIONS)

run: deps module
	tools/run-demo $(MODULE) $(NGINX_BIN)

clean:
	rm -rf $(BUILD)

# libFuzzer with ASan and UBSan over the rules reader, matcher and
# redirects; FUZZ_SECONDS bounds the run.
FUZZ_SECONDS ?= 60
FUZZ_SHORT_SECONDS ?= 10
FUZZ_FLAGS  = -std=c++17 -g -O1 -fsanitize=fuzzer-no-link,address,undefined \
              -fno-sanitize-recover=all -Isrc/core $(SP_DEFS)

FUZZ_TARGETS = rules report spike state regex live

# the core is compiled once for every target, and kept
FUZZ_CORE_OBJS = $(CORE_SRCS:src/core/%.cpp=$(BUILD)/fuzz-core/%.o)
.SECONDARY: $(FUZZ_CORE_OBJS)

$(BUILD)/fuzz-core/%.o: src/core/%.cpp $(CORE_HDRS)
	@mkdir -p $(dir $@)
	clang++ $(FUZZ_FLAGS) -c -o $@ $<

$(BUILD)/fuzz_%: t/fuzz/fuzz_%.cpp $(FUZZ_CORE_OBJS)
	clang++ $(FUZZ_FLAGS) -fsanitize=fuzzer -o $@ $< $(FUZZ_CORE_OBJS) \
	    $(SP_LIBS)

fuzz-deps:
	@tools/install-deps clang libclang-rt-14-dev

fuzz: fuzz-deps $(FUZZ_TARGETS:%=$(BUILD)/fuzz_%)
	for t in $(FUZZ_TARGETS); do \
	    mkdir -p $(BUILD)/fuzz-corpus-$$t; \
	    $(BUILD)/fuzz_$$t -max_total_time=$(FUZZ_SECONDS) -max_len=4096 \
	        -timeout=5 -artifact_prefix=$(BUILD)/fuzz-$$t- \
	        $(BUILD)/fuzz-corpus-$$t t/fuzz/corpus-$$t || exit 1; \
	done

# a short run of every target, part of make test
fuzz-short:
	$(MAKE) fuzz FUZZ_SECONDS=$(FUZZ_SHORT_SECONDS)
