# The verbs of oxidag. `make demo` builds everything and runs the main job;
# `make test` runs every test. BACKEND=pyo3 (default) or cpython.

BACKEND ?= pyo3
VENV    ?= .venv
PYTHON  := $(VENV)/bin/python
HG      := $(VENV)/bin/hg
NATIVE  := hgext/oxidag/_native.so

.PHONY: all venv build demo test test-install test-rust-hg test-hg-releases test-pythons test-rust test-python test-backend test-older-hg test-soak lint bench clean bench-hg bench-hg-quick bench-commands bench-instructions bench-parallel

all: build

$(VENV)/.installed: tests/requirements.txt
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install -q -r tests/requirements.txt
	touch $@

venv: $(VENV)/.installed

# The native module in place, for `[extensions] oxidag = $(CURDIR)/hgext/oxidag`: a
# new file renamed over the old, so that a process with the old one mapped (a chg
# server, a test run) keeps reading it instead of faulting on a rewritten one. With
# the functions kept for the benchmarks (feature bench; the wheel leaves them out).
build: venv
	cargo build --release -p oxidag-bindings --features $(BACKEND),bench
	cp target/release/lib_native.so $(NATIVE).new && mv -f $(NATIVE).new $(NATIVE)
	@$(PYTHON) -c "import sys; sys.path.insert(0, 'hgext/oxidag'); import _native; print('built _native with', _native.BACKEND)"

demo: build
	$(PYTHON) contrib/demo.py

# Mercurial's own suite last (hg-tests-ci, most of the time), building into target/
# so that the backends just built are reused. The cpython build serves Mercurial
# 7.2.4 and 6.9.5 at once: the pytest runs use one core each (-O: outputs unmixed).
test: lint test-rust
	$(MAKE) test-backend BACKEND=pyo3
	$(MAKE) -j2 -O test-backend test-older-hg BACKEND=cpython PYTEST_JOBS=
	tests/test-install
	OXIDAG_SUITE_TARGET_DIR=$(CURDIR)/target $(MAKE) hg-tests-ci

test-rust:
	cargo test --release -p hg-core
	cargo test --release -p hg-core --benches
	cargo test --release -p oxidag-bindings --features pyo3 --lib

# The pytest suite on PYTEST_JOBS processes (pytest-xdist; a test file's tests on one,
# so that its module fixtures are made once): on 2 cores 5.5 minutes instead of 10.
# Empty: one process (the cpython run shares the machine with test-older-hg).
PYTEST_JOBS ?= 2

test-backend: build
	OXIDAG_EXPECT_BACKEND=$(BACKEND) OXIDAG_EXPECT_BENCH=1 $(PYTHON) -m pytest -q \
		$(if $(PYTEST_JOBS),-n $(PYTEST_JOBS) --dist loadfile) tests
	OXIDAG_EXPECT_BACKEND=$(BACKEND) tests/run-t-tests

# Mercurial 6.9.5, the oldest release supported (minimumhgversion): the pytest suite
# and test-oxidag.t against it, with the backend built in place.
OLD_HG_VENV := .venv-hg6.9

$(OLD_HG_VENV)/.installed: tests/requirements-hg6.9.txt
	python3 -m venv $(OLD_HG_VENV)
	$(OLD_HG_VENV)/bin/pip install -q -r tests/requirements-hg6.9.txt
	touch $@

test-older-hg: build $(OLD_HG_VENV)/.installed
	OXIDAG_EXPECT_BACKEND=$(BACKEND) OXIDAG_EXPECT_BENCH=1 $(OLD_HG_VENV)/bin/python -m pytest -q tests
	OXIDAG_EXPECT_BACKEND=$(BACKEND) VENV=$(abspath $(OLD_HG_VENV)) tests/run-t-tests

test-install: venv
	tests/test-install

# The abi3 wheel on the oldest and newest CPython supported (python3.9 and 3.13
# on PATH or from pyenv; a missing one is reported as skipped): installed, serving,
# and the pytest suite and test-oxidag.t against its module (not in make test: CI
# time, about ten minutes each).
PYTHONS := 3.9 3.13
test-pythons:
	tests/test-pythons $(PYTHONS)

# Mercurial 7.0 and 7.1 (in testedwith with 6.9.5 and 7.2.4): the pytest suite and
# test-oxidag.t against each, as test-older-hg does (not in make test: CI time).
HG_RELEASES := 7.0.3 7.1.2
test-hg-releases: build
	set -e; for v in $(HG_RELEASES); do \
	    d=.venv-hg$$v; \
	    [ -e $$d/.installed ] || { python3 -m venv $$d && $$d/bin/pip install -q mercurial==$$v pytest==9.2.0 xxhash==3.6.0 && touch $$d/.installed; }; \
	    OXIDAG_EXPECT_BACKEND=$(BACKEND) $$d/bin/python -m pytest -q tests; \
	    OXIDAG_EXPECT_BACKEND=$(BACKEND) VENV=$(abspath .)/$$d tests/run-t-tests; \
	done

# Under a Mercurial built with its own Rust extensions (contrib/bench/setup-peers
# builds it once: minutes of cargo, so not in make test, where the test skips):
# its Rust index reported as not served, answers Mercurial's, mode=native refused.
test-rust-hg: build
	contrib/bench/setup-peers
	OXIDAG_RUST_HG=$(CURDIR)/.tmp/bench/hg-rust/bin/hg $(PYTHON) -m pytest -q tests/test_rust_mercurial.py

# The randomized and adversarial tests at length (make test runs them short): 20,000
# random revsets per repository, 100,000 rounds of the memory check, with the
# lifecycle and thread tests. About ten minutes; OXIDAG_SEED=N reruns a failure.
test-soak: build
	OXIDAG_GRAMMAR_COUNT=20000 OXIDAG_SOAK_ROUNDS=100000 OXIDAG_EXPECT_BACKEND=$(BACKEND) \
		$(PYTHON) -m pytest -q tests/test_revset_grammar.py tests/test_adversarial.py \
		tests/test_lifecycle.py tests/test_concurrency.py

lint:
	cargo fmt --check
	cargo clippy -p hg-core --all-targets -- -D warnings
	cargo clippy -p oxidag-bindings --features pyo3 -- -D warnings
	cargo clippy -p oxidag-bindings --features cpython -- -D warnings
	cargo clippy -p oxidag-bindings --features pyo3,bench -- -D warnings
	cargo clippy -p oxidag-bindings --features cpython,bench -- -D warnings

bench: build
	cargo bench -p hg-core --bench ancestry

# The rayon kernels at 1 and 2 threads (in Rust, then called from Python), and 1 vs
# 2 Python threads querying at once. Needs an otherwise idle machine to mean anything.
bench-parallel: build
	cargo bench -p hg-core --bench parallel
	$(PYTHON) contrib/parallel_bench.py

clean:
	cargo clean
	rm -f $(NATIVE)

# Against Mercurial 7.2.4's C, pure Python and Rust installs (contrib/bench/): peers,
# repositories and results under .tmp/bench/. The full run takes tens of minutes.
BENCH_PY := .tmp/bench/hg-c/bin/python

bench-hg:
	contrib/bench/setup-peers
	$(BENCH_PY) contrib/bench/run

bench-hg-quick:
	contrib/bench/setup-peers
	$(BENCH_PY) contrib/bench/run --quick

# Whole `hg` commands (issue 13's benchmark): C, Rust and oxidag, plain and through
# chg, on 1M synthetic revisions, git-allrefs and a draft/obsolete-heavy repository;
# medians of interleaved rounds, ratios and a PNG in .tmp/bench/results/commands.*.
bench-commands:
	contrib/bench/setup-peers
	$(BENCH_PY) contrib/bench/commands

# The instructions (cachegrind) of the commands where oxidag has little to do, with
# and without it: what timing cannot separate from noise (~35 minutes).
bench-instructions:
	contrib/bench/setup-peers
	$(BENCH_PY) contrib/bench/commands --instructions

# Mercurial 7.2.4's own test suite with oxidag enabled (tests/hg-suite/run: builds each
# backend into .tmp/hg-suite/, never touches $(NATIVE); .err files and logs under
# tests/hg-suite/work/). Each run prints one line: hg-suite CONFIG LIST: N passed, ...
# Every run goes on after a red one; the target fails at the end if any was red.
# hg-tests-ci is what `make test` (and so CI) runs: the ancestry list for pyo3, the
# core list for cpython, the selftest. hg-tests-modes (the core list under the python
# fallback and pure-Python Mercurial, ~10 minutes) left it to keep CI under 50
# minutes; it runs before each submission, by hand.
.PHONY: hg-tests hg-tests-wide hg-tests-ci hg-tests-modes
HG_SUITE := VENV=$(abspath $(VENV)) tests/hg-suite/run -q

hg-tests: venv
	@status=0; \
	$(HG_SUITE) pyo3,cpython,python-fallback ancestry || status=1; \
	$(HG_SUITE) pyo3 test-branches.t || status=1; \
	$(HG_SUITE) purepy core || status=1; \
	$(HG_SUITE) pyo3 rewrite || status=1; \
	exit $$status

hg-tests-wide: venv
	$(HG_SUITE) pyo3 wide

hg-tests-ci: venv
	@status=0; \
	$(HG_SUITE) pyo3 ancestry || status=1; \
	$(HG_SUITE) cpython core || status=1; \
	tests/hg-suite/selftest || status=1; \
	exit $$status

hg-tests-modes: venv
	$(HG_SUITE) python-fallback,purepy core
