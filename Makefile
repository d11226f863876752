# Two commands on a fresh machine:  make run   |   make test
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
# Two workers: the suite runs on both cores (each worker has its own database).
PYTEST_ARGS ?= -n 2
# The port of `make run`: PORT=5100 make run
PORT ?= 5000
export FLASK_APP = wsgi.py

.PHONY: run test test-pg install install-test translations translations-update bench gallery clean

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --upgrade --quiet pip

install: $(BIN)/activate
	$(BIN)/pip install --quiet -r requirements.txt

install-test: $(BIN)/activate
	$(BIN)/pip install --quiet -r requirements-test.txt

translations: install
	$(BIN)/flask translate compile

translations-update: install
	$(BIN)/flask translate update

## Run the portal with demo data on SQLite: http://127.0.0.1:5000 (PORT=5100 make run: another port)
run: install translations
	$(BIN)/flask init-db
	$(BIN)/flask seed-demo
	$(BIN)/flask run --host 127.0.0.1 --port $(PORT)

## Run the whole test suite (SQLite; set TEST_DATABASE_URL for PostgreSQL).
test: install-test translations
	$(BIN)/python -m pytest $(PYTEST_ARGS) --ignore=tests/browser
	$(BIN)/python -m pytest $(PYTEST_ARGS) tests/browser --timeout=300

## The suite against the local PostgreSQL server (a fresh database per run).
test-pg: install-test translations
	TEST_DATABASE_URL=$${TEST_DATABASE_URL:-postgresql+psycopg://postgres@127.0.0.1:5432/test} $(BIN)/python -m pytest $(PYTEST_ARGS)

bench: install-test translations
	$(BIN)/python bench/pages.py
	$(BIN)/python bench/proposals.py

## Screenshots of the demo for docs/gallery/ (Chromium; a few minutes; not part of make test).
gallery: install-test translations
	$(BIN)/python docs/gallery/make_gallery.py

clean:
	rm -rf $(VENV) instance/*.sqlite3 translations/*/LC_MESSAGES/*.mo
