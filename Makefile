# `make demo` and `make test` each set up what they need on a fresh clone:
#   .venv          the target, the emulator's dependencies and the test tools
#   .meltano-venv  Meltano alone, so that its dependencies never mix with the
#                  target's (each Meltano plugin gets its own venv under .meltano/)
# The setup steps are idempotent: a venv is reinstalled only when its stamp
# file is older than the file that lists its requirements.

PYTHON ?= python3
VENV := .venv
MELTANO_VENV := .meltano-venv
MELTANO_VERSION := 4.4.1

# pip -qq prints errors only; warnings and progress stay out of the output.
PIP_QUIET := -qq

PG_HOST ?= 127.0.0.1
PG_PORT ?= 5432
PG_CLUSTER ?= main

# Meltano settings that keep every run on this machine: no usage statistics,
# no check of PyPI for a newer Meltano.
export MELTANO_SEND_ANONYMOUS_USAGE_STATS := false
export MELTANO_CLI_DISABLE_VERSION_CHECK := true

.PHONY: demo test lint venv meltano-venv postgres clean-venvs

demo: venv meltano-venv
	bash scripts/demo.sh

test: lint meltano-venv postgres
	$(VENV)/bin/pytest tests

# The versions of ruff and mypy are pinned in pyproject.toml, so a new
# release cannot fail a build that passed before.
lint: venv
	$(VENV)/bin/ruff check target_salesforce_br sf_emulator scripts
	$(VENV)/bin/ruff format --check target_salesforce_br sf_emulator
	$(VENV)/bin/mypy target_salesforce_br sf_emulator

venv: $(VENV)/.installed

meltano-venv: $(MELTANO_VENV)/.installed

$(VENV)/.installed: pyproject.toml
	test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install $(PIP_QUIET) --upgrade pip
	$(VENV)/bin/python -m pip install $(PIP_QUIET) -e . --group dev
	touch $@

$(MELTANO_VENV)/.installed: Makefile
	test -x $(MELTANO_VENV)/bin/python || $(PYTHON) -m venv $(MELTANO_VENV)
	$(MELTANO_VENV)/bin/python -m pip install $(PIP_QUIET) --upgrade pip
	$(MELTANO_VENV)/bin/python -m pip install $(PIP_QUIET) meltano==$(MELTANO_VERSION)
	touch $@

# Start the local cluster when nothing answers on 127.0.0.1:5432, then wait up
# to 30 seconds for it to accept connections.
postgres:
	@if ! pg_isready -q -h $(PG_HOST) -p $(PG_PORT); then \
		echo "Starting PostgreSQL $$(ls /etc/postgresql) cluster $(PG_CLUSTER)"; \
		pg_ctlcluster --skip-systemctl-redirect $$(ls /etc/postgresql) $(PG_CLUSTER) start; \
	fi
	@for attempt in $$(seq 30); do \
		pg_isready -q -h $(PG_HOST) -p $(PG_PORT) && exit 0; \
		sleep 1; \
	done; \
	echo "PostgreSQL is not accepting connections on $(PG_HOST):$(PG_PORT) after 30 s" >&2; \
	exit 1

clean-venvs:
	rm -rf $(VENV) $(MELTANO_VENV) .meltano
