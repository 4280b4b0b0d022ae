# k8saudit — the two commands the README promises, plus the tiers around them.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-test
#: k8saudit and what it runs on, without the test tool chain (what `make demo` needs)
RUNTIME_STAMP := $(VENV)/.installed-runtime

.PHONY: demo test lint typecheck unit apiserver cluster e2e image clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

# The demo needs the runtime only: 39 packages (200 MB, 45 s), not the 69 (330 MB, 1 min 40 s) with the
# test tools. Its summary ends with where the reports went.
$(RUNTIME_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $(RUNTIME_STAMP)

## demo: install k8saudit (not the test tools), audit the demo cluster shipped in the package, write ./k8saudit-report/
demo: $(RUNTIME_STAMP)
	$(BIN)/k8saudit scan --demo --output-dir k8saudit-report

lint: $(STAMP)
	$(BIN)/ruff check k8saudit tests tools benchmarks
	$(BIN)/ruff format --check k8saudit tests tools benchmarks

typecheck: $(STAMP)
	$(BIN)/mypy

## apiserver: build kube-apiserver and etcd for the apiserver tier (once per machine, then cached;
## $KUBEBUILDER_ASSETS skips it). Without Go the tier is skipped with that reason, not failed.
apiserver:
	@bash tests/apiserver/build.sh >/dev/null; rc=$$?; \
	if [ $$rc -eq 3 ]; then echo "make apiserver: no Go and no KUBEBUILDER_ASSETS: the apiserver tier will be skipped"; \
	elif [ $$rc -ne 0 ]; then exit $$rc; fi

## cluster: build the e2e tier's local single-node cluster (tests/e2e/cluster: binaries from Go
## modules, images without a registry; once per machine, then cached in ~/.cache/k8saudit/cluster/).
## Where it cannot run (not root, packages missing, no Go) it says why: the tier uses kind or skips.
cluster:
	@bash tests/e2e/cluster/prepare.sh

## test: ruff, mypy and the whole pytest suite, the e2e tier included (the apiserver tier and the
## local cluster build their binaries once)
test: $(STAMP) apiserver cluster
	$(BIN)/ruff check k8saudit tests tools benchmarks
	$(BIN)/ruff format --check k8saudit tests tools benchmarks
	$(BIN)/mypy
	$(BIN)/pytest -q --run-e2e

## e2e: only the e2e tier: the local cluster (root) or kind (Docker, kind, kubectl)
e2e: $(STAMP) cluster
	$(BIN)/pytest -q -m e2e tests/e2e --run-e2e

## image: build the container image (Dockerfile) as $(IMAGE) with Docker (BuildKit) or, without a
## Docker engine, podman. ENGINE=docker|podman picks one; PYTHON_IMAGE=... sets the base;
## BASE=local (podman) builds on the local Debian base with no registry (tests/e2e/cluster/image.sh).
IMAGE ?= k8saudit:$(shell sed -n 's/^version = "\(.*\)"/\1/p' pyproject.toml)
image:
	bash tests/e2e/cluster/image.sh -t $(IMAGE) $(if $(ENGINE),--engine $(ENGINE)) \
		$(if $(BASE),--base $(BASE),$(if $(PYTHON_IMAGE),--base $(PYTHON_IMAGE)))

## bench: the scan benchmark (benchmarks/README.md): every size, or one with SIZE=S|M|L
SIZE ?= all
BENCH_STAMP := $(VENV)/.installed-bench
.PHONY: bench

$(BENCH_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test,bench]'
	touch $(BENCH_STAMP)

bench: $(BENCH_STAMP)
	$(BIN)/python -m benchmarks.run --size $(SIZE)

clean:
	rm -rf $(VENV) k8saudit-report dist build .mypy_cache .pytest_cache .ruff_cache
