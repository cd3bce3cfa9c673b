# LearnFlow: the two commands a fresh machine needs are `make lab` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PIP := $(BIN)/python -m pip
STAMP := $(VENV)/.installed

.PHONY: lab test test-fast install services lint schemas notebooks evals bench frontend-test e2e clean

# The frontend's toolchain (jlpm, jupyter labextension build) comes from the venv;
# Playwright drives Debian's Chromium and must never download a browser of its own.
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD := 1
LAB_ENV := PATH=$(abspath $(BIN)):$$PATH

$(STAMP): constraints.txt pyproject.toml agents/pyproject.toml agents/bank/pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -c constraints.txt -e "./agents[broker,course,gateway]" -e ./agents/bank -e ".[test,dev]"
	# Helm's library for `helm lint` in the chart tests; the wheel declares Python >= 3.12
	# but its lint works on 3.11.
	$(PIP) install --quiet --ignore-requires-python -c constraints.txt helm-sdkpy
	touch $(STAMP)

## JupyterHub's proxy, for the gateway tests (a local npm install, nothing global).
build/chp/node_modules/.bin/configurable-http-proxy:
	npm install --prefix build/chp --no-audit --no-fund --silent configurable-http-proxy@5

install: $(STAMP)

## Run JupyterLab with LearnFlow on its embedded defaults (in-process bus, SQLite, offline tutors).
lab: install
	$(BIN)/jupyter kernelspec install kernels/learnflow-python3 --sys-prefix >/dev/null
	$(BIN)/jupyter server extension enable learnflow_ext --sys-prefix >/dev/null 2>&1
	# Jupyter refuses to run as root unless told; containers and these machines run as root.
	$(BIN)/jupyter lab $(if $(filter 0,$(shell id -u)),--allow-root,)

## Start what the tests need that a fresh machine may not run yet (PostgreSQL).
services:
	bash scripts/ensure-services

lint: install
	$(BIN)/ruff check .

schemas: install
	$(BIN)/learnflow-agents schemas export --check

## Released student notebooks must run clean under nbval (visible tests report, never raise).
notebooks: install
	rm -rf build/released && $(BIN)/learnflow-agents course release agents/bank/learnflow_exercise_bank/notebooks build/released
	$(BIN)/python -m pytest --nbval-lax -p no:cacheprovider -q build/released

## The JupyterLab extension's unit tests (vitest) and browser end-to-end tests (Playwright).
labextension/node_modules: install
	cd labextension && $(LAB_ENV) jlpm install --immutable

frontend-test: labextension/node_modules
	cd labextension && $(LAB_ENV) jlpm test

e2e: labextension/node_modules services
	cd labextension && $(LAB_ENV) LEARNFLOW_E2E_PYTHON=$(abspath $(BIN))/python jlpm e2e

## The evaluations print their figures and fail below their floors.
evals: install
	$(BIN)/python benchmarks/triage_eval.py --min-accuracy 0.95
	$(BIN)/python benchmarks/triage_outside_eval.py --split dev --min-accuracy 0.95
	$(BIN)/python benchmarks/triage_outside_eval.py --set so --split dev --min-accuracy 0.85
	$(BIN)/python benchmarks/triage_agreement.py
	$(BIN)/python benchmarks/debug_eval.py --min-correct 0.90
	$(BIN)/python benchmarks/debug_outside_eval.py --set cpython --split dev --min-correct 0.95 --max-generic 0.10
	$(BIN)/python benchmarks/debug_outside_eval.py --set runtime --split dev --min-correct 0.95 --max-generic 0.10
	$(BIN)/python benchmarks/debug_outside_eval.py --set teaching --split dev --min-correct 0.95 --max-generic 0.10
	$(BIN)/python benchmarks/debug_outside_eval.py --set asserts --split dev --min-correct 0.85 --max-generic 0.15
	$(BIN)/python benchmarks/debug_outside_eval.py --set so --split dev --min-correct 0.95 --max-generic 0.10
	$(BIN)/python benchmarks/debug_outside_eval.py --set so_input --split dev --min-correct 0.90 --max-generic 0.10
	$(BIN)/python benchmarks/debug_outside_eval.py --set parso --split dev --min-correct 0.95 --max-generic 0.05
	$(BIN)/python benchmarks/debug_outside_eval.py --set so_logic --split dev --min-correct 0.70 --max-generic 0.30
	$(BIN)/python benchmarks/debug_outside_eval.py --set ruff --split dev --min-correct 0.97 --max-generic 0.03
	$(BIN)/python benchmarks/debug_outside_eval.py --set cpython_runtime --split dev --min-correct 0.75 --max-generic 0.16
	$(BIN)/python benchmarks/debug_outside_eval.py --set so_logic2 --split dev --min-correct 0.60 --max-generic 0.40
	$(BIN)/python benchmarks/review_eval.py --min-match 0.90

bench: install services
	$(BIN)/python benchmarks/pipeline.py

## The whole suite: lint, contracts, unit + integration (real Kafka-protocol broker, real PostgreSQL), evals.
test: install services build/chp/node_modules/.bin/configurable-http-proxy
	$(BIN)/ruff check .
	$(BIN)/learnflow-agents schemas export --check
	# Two workers (pytest-xdist): most tests wait on servers, brokers and kernels, so two
	# processes share the two cores well (38 -> 22 minutes measured side by side here).
	$(BIN)/python -m pytest -p no:cacheprovider -n 2
	$(MAKE) --no-print-directory notebooks
	$(MAKE) --no-print-directory frontend-test e2e
	$(MAKE) --no-print-directory evals
	$(BIN)/python benchmarks/pipeline.py --quick --profile --compare
	$(BIN)/python benchmarks/cell_to_card.py --cases 10
	$(BIN)/python benchmarks/sandbox_fairness.py --repeat 5

## Day-to-day: the tests that start no servers, kernels, brokers or browsers (PostgreSQL still runs).
test-fast: install services
	$(BIN)/python -m pytest -p no:cacheprovider -m "not slow" -q

clean:
	rm -rf $(VENV) build labextension/node_modules labextension/lib learnflow_ext/labextension

## Container images: docker/{agents,sandbox,singleuser}.Dockerfile, tagged
## $(REGISTRY)/learnflow-<name>:$(IMAGE_TAG) (default: the chart's appVersion); PUSH=1 pushes them.
## Needs Docker with BuildKit (the sandbox and single-user builds read <Dockerfile>.dockerignore).
REGISTRY ?= localhost/learnflow
IMAGE_TAG ?= $(shell sed -n 's/^appVersion: *"\{0,1\}\([^"]*\)"\{0,1\}$$/\1/p' helm/learnflow/Chart.yaml)
.PHONY: images
images:
	@test -n "$(IMAGE_TAG)" || { echo "IMAGE_TAG is empty" >&2; exit 1; }
	DOCKER_BUILDKIT=1 docker build -f docker/agents.Dockerfile -t $(REGISTRY)/learnflow-agents:$(IMAGE_TAG) .
	DOCKER_BUILDKIT=1 docker build -f docker/sandbox.Dockerfile -t $(REGISTRY)/learnflow-sandbox:$(IMAGE_TAG) .
	DOCKER_BUILDKIT=1 docker build -f docker/singleuser.Dockerfile -t $(REGISTRY)/learnflow-singleuser:$(IMAGE_TAG) .
	$(if $(filter 1,$(PUSH)),docker push $(REGISTRY)/learnflow-agents:$(IMAGE_TAG))
	$(if $(filter 1,$(PUSH)),docker push $(REGISTRY)/learnflow-sandbox:$(IMAGE_TAG))
	$(if $(filter 1,$(PUSH)),docker push $(REGISTRY)/learnflow-singleuser:$(IMAGE_TAG))
