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

# The address the app puts in its links (offer links, the calendar feed, Twilio's callbacks)
# and seed_demo prints: this machine on PORT, unless SITE_URL is set already (a tunnel Twilio
# can reach, say).
run: export SITE_URL ?= http://127.0.0.1:$(PORT)
run: $(STAMP)
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo
	@echo ""
	@echo "  Oshieai is starting on http://127.0.0.1:$(PORT)/ (the addresses above)."
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
