# The two commands of the README: `make demo` and `make test`. Both set up .venv first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: demo test lint typecheck unit bench graphs notebooks lab site site-test wheel clean

$(BIN)/pip:
	PYTHON=$(PYTHON) VENV=$(VENV) sh scripts/make_venv.sh

# A stamp per install, redone when pyproject.toml changes.
$(VENV)/.installed: pyproject.toml | $(BIN)/pip
	$(BIN)/pip install --quiet -e ".[viz]"
	touch $@

$(VENV)/.dev-installed: pyproject.toml | $(BIN)/pip
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $@

$(VENV)/.bench-installed: pyproject.toml | $(BIN)/pip
	$(BIN)/pip install --quiet -e ".[dev,bench]"
	touch $@

$(VENV)/.lab-installed: pyproject.toml | $(BIN)/pip
	$(BIN)/pip install --quiet -e ".[viz,lab]"
	touch $@

demo: $(VENV)/.installed
	$(BIN)/python -m micrograd_lite.demo

lint: $(VENV)/.dev-installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(VENV)/.dev-installed
	$(BIN)/mypy micrograd_lite

# Drawing uses graphviz-pure (pip installs it); where a system Graphviz is installed too,
# the visualiser's tests run again with it, as MICROGRAD_LITE_DOT=dot asks.
unit: $(VENV)/.dev-installed
	@sh scripts/ensure_graphviz.sh
	@sh scripts/ensure_chromium.sh
	$(BIN)/pytest
	@if command -v dot >/dev/null 2>&1; then \
		echo "the visualiser's tests again, with the system Graphviz (MICROGRAD_LITE_DOT=dot)"; \
		MICROGRAD_LITE_DOT=dot $(BIN)/pytest -q tests/test_viz.py tests/test_viz_dot.py \
			tests/test_viz_stepper.py tests/test_viz_live.py tests/test_viz_layout.py; \
	fi

test: lint typecheck unit

# Speed and memory against micrograd, PyTorch scalars and plain floats (torch optional).
bench: $(VENV)/.bench-installed
	$(BIN)/python -m benchmarks.run

# The README's pictures: a neuron's graph, drawn by the command line with real Graphviz,
# and its step-through page, photographed in headless Chromium.
graphs: $(VENV)/.dev-installed
	@sh scripts/ensure_graphviz.sh
	@sh scripts/ensure_chromium.sh
	$(BIN)/python -m micrograd_lite graph "tanh(x1*w1 + x2*w2 + b)" \
		--var x1=2 --var x2=0 --var w1=-3 --var w2=1 --var b=6.8813735870195432 -o docs/neuron.svg
	$(BIN)/python scripts/stepper_screenshot.py docs/stepper.png

# Re-execute every walkthrough in a real kernel and store the fresh outputs.
notebooks: $(VENV)/.dev-installed
	$(BIN)/python -m notebooks.execute

# Open the walkthroughs in JupyterLab, installed into .venv (pinned in pyproject.toml),
# trusted first: their stored pictures, stepper and live view show without a re-run.
# JupyterLab refuses to run as root (a container's user) unless told it may.
lab: $(VENV)/.lab-installed
	$(BIN)/jupyter trust notebooks/*.ipynb
	$(BIN)/jupyter lab notebooks/ $(if $(filter 0,$(shell id -u)),--allow-root)

# The offline site: JupyterLite with every walkthrough, built into dist/site (see site/).
site: $(VENV)/.dev-installed
	bash site/build.sh

# The site in a real browser: every walkthrough run top to bottom (slow; CI runs it).
site-test: site
	@sh scripts/ensure_chromium.sh
	MICROGRAD_LITE_SITE=1 $(BIN)/pytest -q tests/test_site.py

wheel: $(VENV)/.dev-installed
	$(BIN)/pip wheel --no-deps -w dist .

clean:
	rm -rf $(VENV) dist build .pytest_cache .mypy_cache .ruff_cache .hypothesis
