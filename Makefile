# Two commands set up a fresh machine: `make run` (the demo PBX) and `make test`.
VENV      := .venv
BIN       := $(VENV)/bin
PYTHON    ?= python3
PYTEST_N  ?= 2
export VOCO_ASTERISK_ROOT ?= $(HOME)/.cache/voco/asterisk-sid

.PHONY: run test setup system sandbox lint bench clean

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --disable-pip-version-check -e '.[dev]'
	touch $@

system:
	@./scripts/install-system-deps.sh

sandbox: setup system
	$(BIN)/voco sandbox build

run: sandbox
	$(BIN)/python -m asterisk_bridge.services.demo

# pytest exits 5 when it collected nothing: that is a broken suite, not a pass.
test: sandbox lint
	@$(BIN)/pytest -n $(PYTEST_N) -p no:cacheprovider $(ARGS); rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "pytest collected no tests: the suite is broken" >&2; exit 1; fi; \
	exit $$rc

lint: setup
	$(BIN)/ruff check .
	$(BIN)/mypy

# Each bench measures its own baseline in the same run and rewrites its docs/benchmarks.md section.
bench: sandbox
	$(BIN)/python bench/bench_cli.py
	$(BIN)/python bench/bench_encryption.py
	$(BIN)/python bench/bench_recording_pipeline.py
	$(BIN)/python bench/bench_cdr.py
	$(BIN)/python bench/bench_nodes.py
	$(BIN)/python bench/bench_voicemail.py
	$(BIN)/python bench/bench_api.py

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .ruff_cache
