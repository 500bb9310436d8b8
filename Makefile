# Two commands on a fresh machine: `make demo` and `make test` (see README.md).
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.deepstat-installed

.PHONY: demo test bench setup clean

setup: $(STAMP)

# torch first, pinned to the CPU wheel on disk, so that nothing pulls another torch.
$(STAMP): pyproject.toml Makefile
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -qq "torch==2.13.0"
	$(PY) -m pip install -qq -e ".[all,test]"
	touch $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/deepstat demo

test: $(STAMP)
	$(PY) -m pytest -n 2 --durations=15

bench: $(STAMP)
	$(PY) -m pip install -qq -e ".[bench]"
	$(PY) bench/tabular.py

clean:
	rm -rf $(VENV) build src/*.egg-info .pytest_cache
