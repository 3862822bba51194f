# Yiwang: `make run` serves the demo district, `make test` runs the suite.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
STAMP := $(VENV)/.installed-$(shell cksum requirements.txt | cut -d' ' -f1)
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: setup run test worker beat bench messages migrate clean

$(STAMP): requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

setup: $(STAMP)
	$(PY) bin/compile_translations.py

migrate: setup
	DEBUG=1 $(PY) manage.py migrate --noinput

run: migrate
	DEBUG=1 $(PY) manage.py seed_holidays
	DEBUG=1 $(PY) manage.py load_demo
	DEBUG=1 $(PY) manage.py runserver $(HOST):$(PORT)

test: setup
	$(BIN)/pytest $(PYTEST_ARGS)

worker: migrate
	$(BIN)/celery -A portal worker --loglevel=info

beat: migrate
	$(BIN)/celery -A portal beat --loglevel=info

# Measures every page against a bare view at 100k and 1M cases (BENCH_SIZES,
# e.g. "10m"); seeds yiwang_bench_<size> on first use; the report keeps the
# sizes not measured in this run. Reports, never fails on a target. The
# options (BENCH_*) are in docs/benchmarks.md, "How to run".
bench: setup
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-bench.txt
	$(PY) bench/run.py

# English is the msgids themselves: only zh_Hans has a catalogue, and
# tests/test_translations.py fails on any string it lacks.
messages: setup
	$(PY) manage.py makemessages --locale zh_Hans --no-obsolete \
		--ignore '$(VENV)/*' --ignore 'var/*' --ignore 'staticfiles/*'
	$(PY) bin/compile_translations.py

clean:
	rm -rf $(VENV) var
