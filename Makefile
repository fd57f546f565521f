# t2r-mt — the commands a user runs. `make help` lists them.
SHELL := /bin/bash
SWIFT ?= swift
# Release builds for everything that runs or is timed; tests build with testing enabled.
RELEASE := -c release
TEST_FLAGS := -c release -Xswiftc -enable-testing --scratch-path .build-test
BIN := .build/release
APT_PACKAGES := libopenblas-dev libicu-dev zlib1g-dev libsentencepiece-dev libdnnl-dev pkg-config curl libopenmpi-dev openmpi-bin

.PHONY: help setup deps build test test-unit test-scripts test-recipes bench demo data clean

help:
	@echo "make setup   install system libraries (apt-get) if missing, build release binaries"
	@echo "make test    run the whole test suite (runs setup and data checks first)"
	@echo "make bench   run the benchmarks (one JSON object per result line)"
	@echo "make demo    the main job end to end (see README.md)"
	@echo "make data    check/download the corpora listed in data/manifest.tsv"
	@echo "make clean   remove build products"

# Installs the C libraries the toolkit links (OpenBLAS, ICU, zlib, SentencePiece; Open MPI for mpirun) when missing.
deps:
	@missing=""; for p in $(APT_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "[setup] installing:$$missing"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=""; elif command -v sudo >/dev/null; then SUDO=sudo; else \
	    echo "[setup] error: need root or sudo to install$$missing (apt-get install$$missing)" >&2; exit 1; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null \
	    || { echo "[setup] error: apt-get could not install$$missing" >&2; exit 1; }; \
	fi
	@command -v $(SWIFT) >/dev/null || { echo "[setup] error: no Swift toolchain on PATH (need Swift 6.x)" >&2; exit 1; }

build: deps
	$(SWIFT) build $(RELEASE)

setup: build

# The corpora: MT_DATA_DIR if set, else ../shared/data, else downloaded into data/downloads.
data:
	@bash data/fetch.sh >/dev/null && echo "[data] corpora in $$(bash data/fetch.sh)"

# Unit and integration tests (XCTest), end-to-end scripts (Tests/scripts: SIGKILL and resume,
# re-scoring the recipes' committed outputs), then the paper-scale recipes' --smoke runs.
test: test-unit test-scripts test-recipes

test-unit: deps
	@export MT_DATA_DIR="$$(bash data/fetch.sh)" && echo "[test] corpora in $$MT_DATA_DIR" && \
	  $(SWIFT) build $(TEST_FLAGS) --build-tests && \
	  $(SWIFT) test $(TEST_FLAGS) --skip-build

test-scripts: deps
	@$(SWIFT) build $(TEST_FLAGS) --build-tests >/dev/null
	@export MT_DATA_DIR="$$(bash data/fetch.sh)" BIN=$(CURDIR)/.build-test/release && \
	  passed=0; failed=0; \
	  for t in Tests/scripts/*.sh; do \
	    if bash "$$t"; then passed=$$((passed+1)); echo "[test] $$t: ok"; \
	    else failed=$$((failed+1)); echo "[test] $$t: FAILED"; fi; \
	  done; \
	  echo "scripts: $$passed passed, $$failed failed"; [ $$failed = 0 ]

# Every step of each WMT recipe and of the Multi30k comparison on a small slice (binaries from
# the test build).
test-recipes: deps
	@$(SWIFT) build $(TEST_FLAGS) --build-tests >/dev/null
	@export MT_DATA_DIR="$$(bash data/fetch.sh)" BIN=$(CURDIR)/.build-test/release && \
	  passed=0; failed=0; \
	  for r in wmt14-en-de wmt14-en-fr wmt17-zh-en; do \
	    rm -rf work/smoke-$$r; \
	    if bash recipes/$$r/run.sh --smoke > work-smoke-$$r.log 2>&1; then \
	      passed=$$((passed+1)); echo "[test] recipe $$r --smoke: ok"; \
	    else failed=$$((failed+1)); echo "[test] recipe $$r --smoke: FAILED"; tail -20 work-smoke-$$r.log; fi; \
	  done; \
	  rm -rf work/smoke-multi30k-en-de-compare; \
	  if bash recipes/multi30k-en-de/compare.sh --smoke > work-smoke-compare.log 2>&1; then \
	    passed=$$((passed+1)); echo "[test] recipe multi30k-en-de/compare.sh --smoke: ok"; \
	  else failed=$$((failed+1)); echo "[test] recipe multi30k-en-de/compare.sh --smoke: FAILED"; tail -20 work-smoke-compare.log; fi; \
	  echo "recipes: $$passed passed, $$failed failed"; [ $$failed = 0 ]

bench: build
	@export MT_DATA_DIR="$$(bash data/fetch.sh)" BIN=$(BIN) && \
	  $(BIN)/mt-bench gemm && \
	  $(BIN)/mt-bench gemm --layout nt --shapes '4,32000,512;4,2048,512;4,8000,256' && \
	  $(BIN)/mt-bench train --configs small,base --steps 2 && \
	  $(BIN)/mt-bench decode && \
	  for b in bench/*.sh; do [ -f "$$b" ] && bash "$$b"; done; true

# Multi30k En-De end to end on a short schedule: data, joint BPE, small softmax model,
# swap-then-finetune to T2R, beam search on test_2016_flickr, BLEU and decoding speed.
demo: build
	@bash recipes/multi30k-en-de/run.sh --demo

clean:
	rm -rf .build .build-test work-smoke-*.log
