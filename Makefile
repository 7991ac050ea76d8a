# make demo : set up .venv, then train + evaluate the SSD on the embedded shapes data
# make test : set up .venv, then run the whole test suite
PY := .venv/bin/python

.PHONY: setup demo test

setup:
	bash tools/setup_env.sh

demo: setup
	$(PY) tools/demo.py

test: setup
	$(PY) -m pytest -q tests
