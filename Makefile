# irm-review: every target installs what it needs first (a venv in .venv).
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   ?= .venv
PY      = $(VENV)/bin/python
STAMP   = $(VENV)/.installed-$(shell cat pyproject.toml | sha256sum | cut -c1-12)
export PYTHONWARNINGS ?= ignore::DeprecationWarning

.PHONY: install dev test test-unit browser-test fault-test fault-test-scaleout cluster-up cluster-down demo bench bench-scale up down compose-config settings translations clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 11) else "irm-review needs Python 3.11 (nameko 2.14 + eventlet)")'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	@rm -f $(VENV)/.installed-* && touch $@

install: $(STAMP)

## make dev: the whole stack on this machine (no Docker) at http://127.0.0.1:8000
dev: install
	$(PY) -m devtools.dev

## make test: unit, integration (real RabbitMQ + MongoDB-protocol server) and end-to-end tests
test: install
	$(PY) -m pytest

test-unit: install
	$(PY) -m pytest tests/unit

## make browser-test: only the pages in headless Chromium (screenshots in test-artifacts/)
browser-test: install
	$(PY) -m pytest tests/browser

## make fault-test: only the fault tests (FAULT_CASES=500 by default; part of `make test` too)
fault-test: install
	$(PY) -m pytest tests/faults

## make fault-test-scaleout: only the modes that leave the shared broker alone: two instances of each
## service, and a three-node broker cluster of its own (FAULT_CASES=500 / FAULT_CLUSTER_CASES=300 by default)
fault-test-scaleout: install
	$(PY) -m pytest tests/faults -k "two_instances or broker_cluster"

## make cluster-up / cluster-down: a three-node RabbitMQ cluster on this machine (ports 5701-5703)
cluster-up: install
	$(PY) -m devtools.rabbitmq_cluster start

cluster-down: install
	$(PY) -m devtools.rabbitmq_cluster stop

## make demo: one case through the running stack (start `make dev` first)
demo: install
	$(PY) -m devtools.demo

## make bench: the pipeline and the public read path against this machine's own limits (~5 min;
## BENCH_CASES=10000 for the memory target's size; see bench/README.md). Writes bench/results/<UTC>.json
bench: install
	$(PY) -m bench.run

## make bench-scale: each public read, the log and the deadline watch at 100, 1,000 and 10,000 published findings
## (issue 17; bench/scale.py): a table of p50/p99 and each read's growth, figures and a log-log plot in bench/results/.
## Quick: `make bench-scale SIZES=100,1000` (a few minutes). MONGODB_URI: on that server instead of SecantusDB.
bench-scale: install
	$(PY) -m bench.scale $(if $(SIZES),--sizes $(SIZES)) $(BENCH_SCALE_ARGS)

## make up / down: the stack in Docker (real mongo replica set and rabbitmq)
COMPOSE ?= $(shell docker compose version >/dev/null 2>&1 && echo "docker compose" || echo docker-compose)
up:
	$(COMPOSE) up --build -d
	@echo "irm-review: http://127.0.0.1:8000 (create tokens: $(COMPOSE) exec intake irmctl --help)"

down:
	$(COMPOSE) down

# Needs a compose binary, no engine: the `docker compose` plugin or Debian's docker-compose (1.29;
# `apt-get install docker-compose`, which .ci/run does). tests/unit/test_deploy_files.py runs the same checks.
compose-config:
	$(COMPOSE) -f docker-compose.yml config --quiet && echo "docker-compose.yml is valid"
	$(COMPOSE) --env-file deploy/ha.env -f docker-compose.yml config --quiet && echo "docker-compose.yml is valid with the ha profile (deploy/ha.env)"
	$(COMPOSE) --profile monitoring -f docker-compose.yml config --quiet && echo "docker-compose.yml is valid with the monitoring profile"

## make settings: deploy/nameko.yaml and README's settings table, from shared/settings.py (a test checks both)
settings: install
	$(PY) -m shared.settings

## make translations: the pages' (and the mails') strings from templates and code into messages.pot, then every
## catalog updated (translate the new msgids in ar and fr; tests/unit/test_web_pages.py lists any left).
## The .po files are the only copy: the web service compiles them in memory at start.
WEB_TRANSLATIONS = services/web/translations
# the mails' strings (tests/unit/test_mail.py lists any left); no comment on the line itself: make would keep
# the blanks before it in the value, and pybabel would be handed "services/mail/translations  /messages.pot"
MAIL_TRANSLATIONS = services/mail/translations
translations: install
	$(VENV)/bin/pybabel extract -F babel.cfg --no-location --omit-header -o $(WEB_TRANSLATIONS)/messages.pot .
	$(VENV)/bin/pybabel update -i $(WEB_TRANSLATIONS)/messages.pot -d $(WEB_TRANSLATIONS) --width=120
	@for lang in ar fr en; do $(VENV)/bin/pybabel compile --statistics -l $$lang -o /dev/null \
	    -i $(WEB_TRANSLATIONS)/$$lang/LC_MESSAGES/messages.po; done
	$(VENV)/bin/pybabel extract -F babel-mail.cfg --no-location --omit-header -o $(MAIL_TRANSLATIONS)/messages.pot .
	$(VENV)/bin/pybabel update -i $(MAIL_TRANSLATIONS)/messages.pot -d $(MAIL_TRANSLATIONS) --width=120
	@for lang in ar fr en; do $(VENV)/bin/pybabel compile --statistics -l $$lang -o /dev/null \
	    -i $(MAIL_TRANSLATIONS)/$$lang/LC_MESSAGES/messages.po; done

clean:
	rm -rf $(VENV) var *.egg-info
