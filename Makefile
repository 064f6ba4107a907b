# Two commands: `make run` (set up, load the demo on first start, open the app on SQLite) and
# `make test` (set up, start the test services, lint, run every test).
VENV ?= .venv
PY := $(VENV)/bin/python
PORT ?= 8501

.PHONY: setup run test lint format bench clean

$(VENV)/.installed: requirements.txt requirements-dev.txt pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements-dev.txt
	$(PY) -m pip install -q --no-deps -e .
	touch $@

setup: $(VENV)/.installed

run: setup
	$(PY) -m dashboard demo --if-empty
	$(VENV)/bin/streamlit run dashboard/app.py --server.port $(PORT)

test:
	bash scripts/test.sh

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: setup
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

clean:
	rm -rf $(VENV) data/*.db
