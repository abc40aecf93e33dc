# The two commands of the README. Both work on a fresh machine: they create the virtual
# environment and install what they need (PostgreSQL comes from Debian's packages, via
# scripts/with-postgres.sh, the first time the tests need it).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed

.PHONY: demo test test-sqlite test-postgres translations messages frontend bench clean doc-images
FRONTEND := web/static/dist/.built

$(INSTALLED): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(INSTALLED)

# The page images of the README (docs/images/skp.png, evaluasi.png), rendered by the tests.
doc-images: $(INSTALLED) translations
	scripts/ensure-poppler.sh >/dev/null
	KINERJA_WRITE_DOC_IMAGES=1 $(BIN)/python -m pytest -q tests/test_documents.py -k page_images

# Compiled message catalogs (English; Indonesian is the source language).
translations: $(INSTALLED)
	$(BIN)/pybabel compile --use-fuzzy -d web/translations -D messages

# The browser modeler and viewers (bpmn-js, dmn-js from npm, bundled by esbuild).
frontend: $(FRONTEND)
$(FRONTEND): web/frontend/package-lock.json web/frontend/build.mjs $(wildcard web/frontend/src/*)
	scripts/ensure-node.sh
	cd web/frontend && npm ci --no-audit --no-fund --loglevel=error && npm run --silent build
	touch $(FRONTEND)

# After changing UI strings: extract them and merge into the English catalog (then translate
# the new entries in web/translations/en/LC_MESSAGES/messages.po).
messages: $(INSTALLED)
	mkdir -p var
	$(BIN)/pybabel extract -F babel.cfg --project kinerja --no-location -o var/messages.pot .
	$(BIN)/pybabel update -i var/messages.pot -d web/translations -l en --no-fuzzy-matching

demo: $(INSTALLED) translations $(FRONTEND)
	scripts/ensure-poppler.sh >/dev/null
	$(BIN)/kinerja demo

test: test-sqlite test-postgres

test-sqlite: $(INSTALLED) translations $(FRONTEND)
	@echo "=== kinerja test suite on SQLite ==="
	scripts/ensure-poppler.sh >/dev/null
	KINERJA_CHROMIUM=$$(scripts/ensure-chromium.sh) $(BIN)/python -m pytest

test-postgres: $(INSTALLED) translations $(FRONTEND)
	@echo "=== kinerja test suite on PostgreSQL ==="
	scripts/ensure-poppler.sh >/dev/null
	KINERJA_CHROMIUM=$$(scripts/ensure-chromium.sh) scripts/with-postgres.sh $(BIN)/python -m pytest

bench: $(INSTALLED)
	$(BIN)/python bench/start_and_complete.py
	$(BIN)/python bench/open_cycle.py
	$(BIN)/python bench/documents.py

clean:
	rm -rf $(VENV) var web/frontend/node_modules web/static/dist
