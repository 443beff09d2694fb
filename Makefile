# reviewtool — the two commands people need are `make demo` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
DEMO_DIR ?= demo

.PHONY: setup demo test test-quick bench screenshots lint clean

setup: $(STAMP)

$(STAMP): pyproject.toml packaging/install-system-deps.sh
	bash packaging/install-system-deps.sh
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $(STAMP)

demo: setup
	$(PY) -m reviewtool demo --dir $(DEMO_DIR)

test: setup
	$(VENV)/bin/lint-imports --no-cache
	QT_QPA_PLATFORM=offscreen $(VENV)/bin/pytest -q

test-quick: setup
	QT_QPA_PLATFORM=offscreen $(VENV)/bin/pytest -q -m "not pg and not slow and not vlc"

bench: setup
	@for b in bench/bench_*.py; do echo "== $$b"; $(PY) $$b || echo "   ($$b reports a figure outside its target)"; done

screenshots: setup
	QT_QPA_PLATFORM=offscreen $(PY) tests/support/screenshots.py docs/screenshots

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis build dist *.egg-info
