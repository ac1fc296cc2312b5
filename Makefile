# CareBridge: `make demo` serves a demo on 127.0.0.1:8000; `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
export DJANGO_SETTINGS_MODULE := config.settings

.PHONY: demo run install test test-sqlite test-postgres test-e2e lint messages messages-check bench clean

$(STAMP): pyproject.toml
	@# Debian ships venv separately (python3-venv); with only Python and pip, virtualenv does the same job.
	$(PYTHON) -m venv $(VENV) || { rm -rf $(VENV); $(PYTHON) -m pip install --quiet --user virtualenv && $(PYTHON) -m virtualenv $(VENV); }
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	@# rapidocr pulls in opencv-python (needs libGL); the headless build, reinstalled last, owns cv2/ and needs none.
	$(PY) -m pip install --quiet --force-reinstall --no-deps opencv-python-headless
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(PY) scripts/messages.py compile
	$(PY) manage.py migrate --no-input -v 0
	$(PY) manage.py demo_load
	$(PY) manage.py collectstatic --no-input -v 0
	@# A worker runs jobs due later (reminders) beside the web server; both stop together.
	$(PY) manage.py jobs_work & worker=$$!; trap 'kill $$worker' EXIT INT TERM; $(PY) manage.py runserver 127.0.0.1:8000

run: $(STAMP)
	$(PY) manage.py jobs_work & worker=$$!; trap 'kill $$worker' EXIT INT TERM; $(PY) manage.py runserver 127.0.0.1:8000

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(PY) manage.py makemigrations --check --dry-run -v 1

messages: $(STAMP)
	$(PY) scripts/messages.py make

messages-check: $(STAMP)
	$(PY) scripts/messages.py check

test: $(STAMP)
	bash scripts/test_all.sh

test-sqlite: $(STAMP)
	$(PY) scripts/messages.py compile
	$(VENV)/bin/pytest -q

test-postgres: $(STAMP)
	bash scripts/with_postgres.sh $(VENV)/bin/pytest -q

test-e2e: $(STAMP)
	bash scripts/e2e.sh

bench: $(STAMP)
	for f in bench/[a-z]*.py; do case $$f in bench/support.py|bench/urls.py) continue;; esac; $(PY) $$f || exit 1; done

clean:
	rm -rf $(VENV) var/*.sqlite3* staticfiles node_modules
