# Two commands: `make run` (set up, load the demo on first start, serve the app on SQLite to this
# computer only: http://127.0.0.1:8501; ADDRESS=0.0.0.0 opens it to the network, see SECURITY.md) and
# `make test` (set up, start the test services, lint, run every test).
VENV ?= .venv
PY := $(VENV)/bin/python
PORT ?= 8501
ADDRESS ?= 127.0.0.1

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
	$(VENV)/bin/streamlit run serve.py --server.port $(PORT) --server.address $(ADDRESS)

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
