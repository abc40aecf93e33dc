# The two commands of the README. Both work on a fresh machine: they create the virtual
# environment and install what they need (PostgreSQL comes from Debian's packages, via
# scripts/with-postgres.sh, the first time the tests need it).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed

.PHONY: demo test test-sqlite test-postgres translations messages bench clean

$(INSTALLED): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(INSTALLED)

# Compiled message catalogs (English; Indonesian is the source language).
translations: $(INSTALLED)
	$(BIN)/pybabel compile --use-fuzzy -d web/translations -D messages

# After changing UI strings: extract them and merge into the English catalog (then translate
# the new entries in web/translations/en/LC_MESSAGES/messages.po).
messages: $(INSTALLED)
	mkdir -p var
	$(BIN)/pybabel extract -F babel.cfg --project kinerja --no-location -o var/messages.pot .
	$(BIN)/pybabel update -i var/messages.pot -d web/translations -l en --no-fuzzy-matching

demo: $(INSTALLED) translations
	$(BIN)/kinerja demo

test: test-sqlite test-postgres

test-sqlite: $(INSTALLED) translations
	@echo "=== kinerja test suite on SQLite ==="
	KINERJA_CHROMIUM=$$(scripts/ensure-chromium.sh) $(BIN)/python -m pytest

test-postgres: $(INSTALLED) translations
	@echo "=== kinerja test suite on PostgreSQL ==="
	KINERJA_CHROMIUM=$$(scripts/ensure-chromium.sh) scripts/with-postgres.sh $(BIN)/python -m pytest

bench: $(INSTALLED)
	$(BIN)/python bench/start_and_complete.py
	$(BIN)/python bench/open_cycle.py

clean:
	rm -rf $(VENV) var
