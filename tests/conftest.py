"""Fixtures every test folder shares.

The plain helpers (the repository's paths ``ROOT``/``CONFIGS``/
``SHAPES_CFG``, ``make_shapes``, ``write_voc2007``, ``tiny_photos``,
``tiny_config``, ``write_config``, ``run_tool``) live in ``helpers.py`` and
are imported from there; the fixtures below give them a lifetime:

- ``tiny_shapes``: the data root of 8 training and 4 held-out shapes images
  (128 px, seed 3), generated once per session. Read it, never change it: a
  test that damages its data makes its own with ``helpers.make_shapes``.
- ``tiny_voc``: writes a VOC2007-layout folder with hand-placed boxes into
  the test's ``tmp_path`` (``helpers.write_voc2007``); returns its root.
"""
import helpers
import pytest


@pytest.fixture(scope='session')
def tiny_shapes(tmp_path_factory) -> str:
    return helpers.make_shapes(tmp_path_factory.mktemp('tiny_shapes'))


@pytest.fixture
def tiny_voc(tmp_path):

    def write(images, test_ids=()) -> str:
        return helpers.write_voc2007(str(tmp_path / 'voc'), images, test_ids)

    return write
