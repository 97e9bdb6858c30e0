# Oshieai: `make run` starts everything with demo data; `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
STAMP := $(VENV)/.installed

.PHONY: run test install lint bench messages clean

$(STAMP): requirements.txt requirements-dev.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	@touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo
	@echo ""
	@echo "  Oshieai is starting:  http://127.0.0.1:$(PORT)/"
	@echo "    kiosk:      http://127.0.0.1:$(PORT)/kiosk/"
	@echo "    volunteers: http://127.0.0.1:$(PORT)/volunteer/"
	@echo "    city:       http://127.0.0.1:$(PORT)/city/"
	@echo "    admin:      http://127.0.0.1:$(PORT)/admin/"
	@echo "    API docs:   http://127.0.0.1:$(PORT)/api/docs/"
	@echo "  SMS and calls appear in this log (console provider). Ctrl-C stops both."
	@echo ""
	@trap 'kill 0' INT TERM EXIT; \
	  $(PY) manage.py run_worker & \
	  $(PY) manage.py runserver 127.0.0.1:$(PORT)

test: $(STAMP)
	$(VENV)/bin/ruff check .
	$(PY) manage.py makemigrations --check --dry-run --settings=literacy.settings.test
	$(VENV)/bin/pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff check .

bench: $(STAMP)
	$(PY) -m bench.run

messages: $(STAMP)
	$(PY) manage.py makemessages -l en --ignore=.venv --ignore=bench --ignore=tests
	$(PY) manage.py compilemessages -l en --ignore=.venv

clean:
	rm -rf $(VENV) db.sqlite3 db.sqlite3-wal db.sqlite3-shm staticfiles
