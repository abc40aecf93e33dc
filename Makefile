# The two commands of the README. Both work on a fresh machine: they create the virtual
# environment and install what they need (PostgreSQL comes from Debian's packages, via
# scripts/with-postgres.sh, the first time the tests need it).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed

.PHONY: demo test test-sqlite test-postgres bench clean

$(INSTALLED): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(INSTALLED)

demo: $(INSTALLED)
	$(BIN)/kinerja demo

test: test-sqlite test-postgres

test-sqlite: $(INSTALLED)
	@echo "=== kinerja test suite on SQLite ==="
	$(BIN)/python -m pytest

test-postgres: $(INSTALLED)
	@echo "=== kinerja test suite on PostgreSQL ==="
	scripts/with-postgres.sh $(BIN)/python -m pytest

bench: $(INSTALLED)
	$(BIN)/python bench/start_and_complete.py

clean:
	rm -rf $(VENV) var
