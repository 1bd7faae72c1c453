# Japanese FAQ bot: `make run` starts it, `make test` tests it. Everything else is set up on the way.
SHELL := /bin/bash
.DEFAULT_GOAL := help

# Python 3.10 exactly: rasa 3.6 supports no newer one (under 3.11 pip silently picks rasa 1.10).
PYTHON ?= $(shell PYENV_VERSION=3.10.13 pyenv which python3.10 2>/dev/null || command -v python3.10 2>/dev/null)
VENV := .venv
PY := $(VENV)/bin/python
# The web app faces the internet: its own venv on a supported Python with current libraries
# (FastAPI, pydantic 2, SQLAlchemy 2), no Rasa in it (bot/pythons.py).
WEB_PYTHON ?= $(shell PYENV_VERSION=3.13.0 pyenv which python3.13 2>/dev/null || command -v python3.13 2>/dev/null || PYENV_VERSION=3.12.1 pyenv which python3.12 2>/dev/null || command -v python3.12 2>/dev/null)
WEB_VENV := .venv-web
WEB_PY := $(WEB_VENV)/bin/python
RASA := $(VENV)/bin/rasa
FAQ_CORPUS ?= faq_corpus
RASA_PORT ?= 5005
ACTIONS_PORT ?= 5055
PORT ?= 8000
HOST ?= 127.0.0.1
# Browser tests drive Debian's Chromium (never a browser a test tool downloads).
CHROMIUM ?= /usr/bin/chromium
BROWSER_PACKAGES := chromium fonts-noto-cjk npm
# axe-core for the accessibility tests: pinned in package-lock.json, installed by `npm ci`
# without install scripts (no test tool downloads a browser of its own).
NPM ?= npm
# rasa test nlu cross-validation folds in `make eval` (0 skips it; each fold trains once)
FOLDS ?= 3

# Customers' questions never leave the machine: no telemetry, no crash reports, quiet TensorFlow.
export RASA_TELEMETRY_ENABLED := false
export TF_CPP_MIN_LOG_LEVEL := 2
export SANIC_HOST := 127.0.0.1

NLU_SOURCES := $(wildcard faq_corpus/*.yml) faq_catalog.yml
# The dialogue model is retrained only when what it learns changes: the named intents, rules,
# stories, the pipeline and its code. FAQ entries and out-of-scope examples are knowledge
# (bot/knowledge/): an edit is published as a snapshot in seconds, never trained.
KNOWLEDGE_DATA := data/nlu/faq.yml data/nlu/out_of_scope.yml
TRAIN_INPUTS := config.yml domain.yml $(filter-out $(KNOWLEDGE_DATA),$(wildcard data/nlu/*.yml)) $(wildcard data/rules/*.yml data/stories/*.yml) $(wildcard bot/nlu/*.py)

.PHONY: help setup run train test eval bench soak insights lint check-faq build-faq lock clean actions browser axe

help:
	@echo "make run    set up, train if needed, start the web app (http://127.0.0.1:8000/), Rasa and the actions"
	@echo "make test   set up, train if needed, run all tests"
	@echo "make eval   accuracy report into reports/"
	@echo "make insights  frequent fallback and low-confidence questions from the conversation log"
	@echo "make bench  throughput and latency curves (and stock Rasa's), memory, training and edit-to-live times into reports/"
	@echo "make soak   10 customers for SOAK_MINUTES (30): memory, files, latency per window"
	@echo "make train  check + build the FAQ corpus, train the model if its inputs changed, publish the FAQ"

setup: $(VENV)/.installed $(WEB_VENV)/.installed

$(VENV)/.installed: requirements.lock pyproject.toml
	@if [ -z "$(PYTHON)" ]; then \
	  echo "Python 3.10 was not found. Install it (for example: pyenv install 3.10.13)," ; \
	  echo "or point PYTHON at one: make PYTHON=/path/to/python3.10 test" ; exit 1; fi
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 10) else 1)' || \
	  { echo "$(PYTHON) is not Python 3.10 (rasa 3.6 needs 3.10); set PYTHON=/path/to/python3.10"; exit 1; }
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade "pip==24.2"
	$(PY) -m pip install --quiet -r requirements.lock
	$(PY) -m pip install --quiet --no-deps --no-build-isolation -e .
	@touch $@

$(WEB_VENV)/.installed: requirements-web.lock
	@if [ -z "$(WEB_PYTHON)" ]; then \
	  echo "Python 3.13 (or 3.12) for the web app was not found. Install it (for example:" ; \
	  echo "pyenv install 3.13.0), or point WEB_PYTHON at one: make WEB_PYTHON=/path/to/python3.13 test" ; exit 1; fi
	@$(WEB_PYTHON) -c 'import sys; sys.exit(0 if sys.version_info[:2] >= (3, 12) else 1)' || \
	  { echo "$(WEB_PYTHON) is older than Python 3.12; set WEB_PYTHON=/path/to/python3.13"; exit 1; }
	@test -x $(WEB_PY) || $(WEB_PYTHON) -m venv $(WEB_VENV)
	$(WEB_PY) -m pip install --quiet -r requirements-web.lock
	@# the checkout's packages on the web app's path, like the editable install of .venv
	$(WEB_PY) -c 'import site, sys; open(site.getsitepackages()[0] + "/faq-bot.pth", "w").write(sys.argv[1] + "\n")' "$(CURDIR)"
	@touch $@

check-faq: setup
	$(PY) -m bot faq check --corpus $(FAQ_CORPUS)

# The shop's corpus builds into data/nlu/faq.yml; another FAQ_CORPUS gets its own workspace
# (var/corpora/<name>/, models/<name>/; see bot/corpora.py) and never touches these files.
data/nlu/faq.yml: $(NLU_SOURCES) $(VENV)/.installed
	$(PY) -m bot faq check --corpus faq_corpus
	$(PY) -m bot faq build --corpus faq_corpus

build-faq: data/nlu/faq.yml

models/.trained: $(TRAIN_INPUTS) $(VENV)/.installed | data/nlu/faq.yml
	$(PY) -m bot train --corpus faq_corpus
	@touch $@

ifeq ($(abspath $(FAQ_CORPUS)),$(abspath faq_corpus))
# The model when it is stale, then the FAQ as it is now (checked; unchanged: nothing published).
train: models/.trained data/nlu/faq.yml
	$(PY) -m bot knowledge publish --corpus faq_corpus --confirm
else
train: setup
	$(PY) -m bot train --corpus $(FAQ_CORPUS)
endif

run: models/.trained $(WEB_VENV)/.installed
	$(PY) -m bot serve --rasa-port $(RASA_PORT) --actions-port $(ACTIONS_PORT) --web-port $(PORT) --host $(HOST)

# Debian's chromium, a Japanese font and npm for the browser tests; installed when missing (as root).
browser:
	@if [ -x "$(CHROMIUM)" ] && fc-list 2>/dev/null | grep -qi "noto.*cjk" && command -v $(NPM) >/dev/null; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  packages="chromium fonts-noto-cjk"; \
	  command -v $(NPM) >/dev/null || packages="$$packages npm"; \
	  echo "installing $$packages from Debian for the browser tests"; \
	  DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$packages >/dev/null; \
	elif [ ! -x "$(CHROMIUM)" ] || ! command -v $(NPM) >/dev/null; then \
	  echo "The browser tests need Debian's Chromium and npm: sudo apt-get install $(BROWSER_PACKAGES)"; exit 1; \
	fi

axe: node_modules/.installed

node_modules/.installed: package.json package-lock.json | browser
	$(NPM) ci --ignore-scripts --no-audit --no-fund
	@touch $@

# Each test file in the Python where its code runs (tests/conftest.py picks them): Rasa's, then
# the web app's; the store's tests in both.
test: models/.trained $(WEB_VENV)/.installed browser axe
	$(PY) -m bot faq build --corpus faq_corpus --check
	$(PY) -m pytest
	$(WEB_PY) -m pytest

# Latency, throughput at 1/10/50 sessions, a model swap under load, memory, training times
# (about 15 min; BENCH_ARGS=--no-train skips the two timed trainings).
bench: models/.trained $(WEB_VENV)/.installed
	$(PY) -m bot bench $(BENCH_ARGS)

# A long day in little: 10 customers for SOAK_MINUTES (default 30), memory, open files, files
# under var/ and latency per 5-minute window into reports/soak.{json,md,png}.
SOAK_MINUTES ?= 30
soak: models/.trained
	$(PY) -m bot bench --soak $(SOAK_MINUTES)

# The conversation log (DATABASE_URL, else var/store.sqlite3) for the content team.
insights: setup
	$(PY) -m bot insights

eval: models/.trained
	$(PY) -m bot eval --corpus $(FAQ_CORPUS) --folds $(FOLDS)

lint: setup
	$(VENV)/bin/ruff check bot actions tests
	$(VENV)/bin/ruff format --check bot actions tests

lock: setup
	$(PY) -m pip freeze --exclude-editable | sed '1i # Locked with pip freeze on Python 3.10 from requirements.in; regenerate with make lock.' > requirements.lock
	$(WEB_PY) -m pip freeze | sed '1i # The web app: locked with pip freeze on Python 3.13 from requirements-web.in; regenerate with make lock.' > requirements-web.lock

clean:
	rm -rf models reports .pytest_cache
