# make demo : set up .venv, then train + evaluate the SSD on the embedded shapes data
# make test : set up .venv, lint, then run the whole test suite
# make lint : ruff check (pycodestyle, pyflakes, import order; pyproject.toml)
PY := .venv/bin/python

.PHONY: setup demo lint test

setup:
	bash tools/setup_env.sh

demo: setup
	$(PY) tools/demo.py

lint: setup
	$(PY) -m ruff check .

test: lint
	$(PY) -m pytest -q tests
