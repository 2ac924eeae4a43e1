# crm-suite: thin wrappers over CMake, CTest and scripts/.
#
#   make run        install packages, build (build/), run the whole suite in
#                   the foreground until Ctrl-C
#   make test       install packages, build with ASan+UBSan (build-test/),
#                   check formatting, run every test
#   make stop       stop a suite started by `make run` (from another terminal)
#   make build      build the binaries only (build/)
#   make fmt        clang-format every C++ file in place
#   make fmt-check  fail, listing them, if any C++ file is not formatted
#   make bench      build, then run the customer-profile benchmark
#                   (bench/run.sh; report in bench/results/report.md)
#   make images     build, then one OCI image per binary with buildah (no
#                   Docker): build/images/crm-<name>.tar, sizes in
#                   build/images/sizes.txt (scripts/build-images.sh)
#   make test-images  make images, then unpack each image and run its
#                   binary from the image's files alone (needs root)
#   make test-rollout  build-test, then a rolling update of each service
#                   under load: zero failed calls expected (about a minute;
#                   tests/k8s/run_rollout_test.sh)
#   make clean      remove the build trees (var/ with the local database
#                   and its secrets stays; `make distclean` removes it too)

BUILD_DIR      ?= build
BUILD_TYPE     ?= RelWithDebInfo
TEST_BUILD_DIR ?= build-test
# Debug compiles fastest, which dominates on two cores; the sanitizers do the
# checking.
TEST_BUILD_TYPE ?= Debug
JOBS           ?= $(shell nproc)
# `make run DEMO=0` (or CRM_DEMO_DATA=0 in the environment) skips loading the
# demo data set on the first run.
DEMO           ?= 1
CRM_DEMO_DATA  ?= $(DEMO)
CTEST_JOBS     ?= 2

.PHONY: run test stop build deps configure configure-test build-test fmt \
        fmt-check clean distclean bench images test-images \
        test-rollout

deps:
	@scripts/install-deps.sh

# Configure once; later builds let CMake re-run itself when needed.
configure: deps
	@test -f $(BUILD_DIR)/CMakeCache.txt || \
	  cmake -S . -B $(BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) \
	        -DCRM_BUILD_TESTS=OFF

build: configure
	cmake --build $(BUILD_DIR) -j $(JOBS)

run: build
	@CRM_DEMO_DATA=$(CRM_DEMO_DATA) scripts/run-all.sh $(BUILD_DIR)

bench: build
	@bench/run.sh $(BUILD_DIR)

images: build
	@scripts/build-images.sh --build-dir $(BUILD_DIR)

test-images: images
	@tests/k8s/test_images.sh $(BUILD_DIR)/images

test-rollout: build-test
	@tests/k8s/run_rollout_test.sh $(TEST_BUILD_DIR)

stop:
	@scripts/stop-suite.sh

configure-test: deps
	@test -f $(TEST_BUILD_DIR)/CMakeCache.txt || \
	  cmake -S . -B $(TEST_BUILD_DIR) -G Ninja \
	        -DCMAKE_BUILD_TYPE=$(TEST_BUILD_TYPE) -DCRM_SANITIZE=ON

# A failed build is retried once on one job: a real error fails again with
# its message last, while a transient one (a linker killed under memory
# pressure) does not fail the run.
build-test: configure-test
	cmake --build $(TEST_BUILD_DIR) -j $(JOBS) || { \
	  echo "build-test: the build failed; retrying once with -j 1" >&2; \
	  cmake --build $(TEST_BUILD_DIR) -j 1; }

# A test that fails is run once more and its first failure stays in the log:
# timing-bound tests on a loaded two-core machine may miss a bound once,
# while a real fault fails both runs.
test: build-test
	@scripts/format.sh check
	cd $(TEST_BUILD_DIR) && ctest --output-on-failure -j $(CTEST_JOBS) \
	  --repeat until-pass:2

fmt:
	@scripts/format.sh fix

fmt-check:
	@scripts/format.sh check

clean:
	rm -rf $(BUILD_DIR) $(TEST_BUILD_DIR)

distclean: stop clean
	rm -rf var
