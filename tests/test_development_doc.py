"""docs/development.md: every repository path it names exists."""
import os.path as osp
import re

from helpers import ROOT

DOC = osp.join(ROOT, 'docs', 'development.md')
# `mmdet_fastssd/...`, `configs/...`, `tools/...`, `tests/...` in backticks;
# {a,b} alternatives are expanded
PATH = re.compile(r'`((?:mmdet_fastssd|configs|tools|tests)/[^`\s]*)`')


def expand(path):
    match = re.search(r'\{([^}]*)\}', path)
    if not match:
        return [path]
    head, tail = path[:match.start()], path[match.end():]
    return [p for alt in match.group(1).split(',')
            for p in expand(head + alt + tail)]


def named_paths():
    with open(DOC) as f:
        text = re.sub(r'`\s*\n\s*', '`', f.read())  # paths wrapped at `/`
    text = re.sub(r'/\s*\n\s*', '/', text)
    return sorted({p for m in PATH.findall(text) for p in expand(m)})


def test_the_doc_names_files_of_every_layer():
    paths = named_paths()
    assert len(paths) > 30
    for layer in ('apis', 'datasets', 'engine/hooks', 'models/dense_heads',
                  'models/task_modules', 'models/losses'):
        assert any(f'mmdet_fastssd/{layer}' in p for p in paths), layer


def test_every_named_path_exists():
    missing = [p for p in named_paths()
               if not osp.exists(osp.join(ROOT, p.rstrip('/')))]
    assert not missing, missing
