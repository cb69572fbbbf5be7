# Kaifang: two commands on a fresh machine.
#   make run   - set up, start Elasticsearch, migrate, load the real demo catalogue, serve on :5000
#   make test  - set up, start Elasticsearch and PostgreSQL, run the whole suite
# Every step is idempotent: a second run reuses the venv, the Elasticsearch jars and the data.

SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
KAIFANG := $(VENV)/bin/kaifang
export KAIFANG_VAR ?= $(CURDIR)/var
export ELASTICSEARCH_PORT ?= 9200
PG_PORT ?= 5433
export PG_TEST_URL ?= postgresql+psycopg://kaifang@127.0.0.1:$(PG_PORT)/kaifang_test

.PHONY: run test setup venv translations assets system-deps engine search-start search-stop postgres-start postgres-stop \
        db-upgrade demo serve lint bench clean

run: setup search-start db-upgrade demo serve

test: setup search-start postgres-start
	$(PY) -m pytest -q $(PYTEST_ARGS)

setup: system-deps venv translations assets engine

system-deps:
	@bash scripts/system-deps.sh

venv: $(VENV)/.installed

$(VENV)/.installed: requirements.txt requirements-dev.txt pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements-dev.txt
	$(PY) -m pip install -q --no-deps -e .
	touch $@

translations: venv
	$(VENV)/bin/pybabel compile -d portal/translations >/dev/null

# Front-end libraries come from npm (package-lock.json) and are copied into static/vendor, never committed.
assets: static/vendor/.installed

static/vendor/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --silent
	rm -rf static/vendor && mkdir -p static/vendor/leaflet static/vendor/swagger-ui
	cp -r node_modules/leaflet/dist/. static/vendor/leaflet/
	cp node_modules/swagger-ui-dist/swagger-ui-bundle.js node_modules/swagger-ui-dist/swagger-ui.css \
	   static/vendor/swagger-ui/
	touch $@

engine: venv
	$(KAIFANG) search install

search-start: engine
	$(KAIFANG) search start

search-stop:
	$(KAIFANG) search stop

postgres-start:
	@bash scripts/postgres.sh start $(PG_PORT)

postgres-stop:
	@bash scripts/postgres.sh stop $(PG_PORT)

db-upgrade: venv
	$(KAIFANG) db upgrade

demo: venv
	$(KAIFANG) demo load

serve: venv
	$(VENV)/bin/gunicorn -c gunicorn.conf.py 'portal:create_app()'

lint: venv
	$(VENV)/bin/ruff check .

# The issues' benchmarks (see bench/RESULTS.md); search and portal vary the demo catalogue's records.
# Long: about 30 minutes on two cores. bench/profile_*.py are for profiling, run by hand.
bench: setup search-start db-upgrade demo
	$(PY) bench/validate.py
	$(PY) bench/harvest.py
	$(PY) bench/geo.py
	$(PY) bench/search.py
	$(PY) bench/portal.py
	$(PY) bench/write.py

clean:
	-$(KAIFANG) search stop
	-bash scripts/postgres.sh stop $(PG_PORT)
	rm -rf var search/engine/target search/engine/plugin/target search/engine/geo-plugin/target
