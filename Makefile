# Two set-up commands (see README):
#   make demo   install and run the default scenario on the embedded data
#   make test   install with dev extras and run the whole test suite
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: demo test case-study install install-dev clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# torch goes in first, pinned: an open range would pull a CUDA build of several GB.
# warm-up compiles vectorbt's numba kernels into the environment once, so no run has to.
$(VENV)/.installed: $(BIN)/python setup.cfg pyproject.toml
	$(BIN)/python -m pip install --quiet torch==2.13.0
	$(BIN)/python -m pip install --quiet -e .
	$(BIN)/alphacheck warm-up
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed
	$(BIN)/python -m pip install --quiet -e '.[dev,ray]'
	touch $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

demo: install
	$(BIN)/alphacheck run default

# The browser tests open the HTML reports in headless Chromium, from the system's packages.
test: install-dev
	@if [ ! -x /usr/bin/chromium ]; then \
	  if [ "$$(id -u)" = 0 ]; then apt-get update && apt-get install -y chromium; \
	  else sudo apt-get update && sudo apt-get install -y chromium; fi; \
	fi
	$(BIN)/python -m pytest

# docs/case-study.md and its plots, from real runs on the CSVs in ../shared/data/yahoo (offline).
case-study: install
	$(BIN)/python examples/case_study.py

clean:
	rm -rf $(VENV) runs mlflow.db
