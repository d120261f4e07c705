# modelgov — the two commands: `make demo` (the whole lifecycle) and `make test` (the suite).
# Both run `make setup` first: it installs everything from the project's own files, idempotently.
SHELL := /bin/bash
.DEFAULT_GOAL := help

export SOLCX_BINARY_PATH := $(CURDIR)/.toolchain/solcx
export PATH := $(CURDIR)/.venv/bin:$(PATH)
export MODELGOV_HOME ?= $(CURDIR)/.modelgov
# Ape: no telemetry, no update checks, no compiler downloads.
export APE_DISABLE_PLUGIN_UPDATE_CHECK := 1

.PHONY: help setup demo test bench clean

help:
	@echo "make demo   - run the whole lifecycle on a local chain, IPFS node and arlocal"
	@echo "make test   - run the full test suite"
	@echo "make bench  - write bench/results.md (throughput, gas, make test/demo wall time)"
	@echo "make setup  - install the toolchain (done by demo/test)"

setup:
	@bash tools/setup.sh

demo: setup
	modelgov demo

test: setup
	bash tools/test.sh

bench: setup
	python bench/run.py --with-make

clean:
	rm -rf .build .ape-tmp contracts/.cache .modelgov
