"""Tables, targets and the markdown report of the benchmark."""
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence, Tuple

Key = Tuple  # e.g. ('loss', 189, 64, 'head')


@dataclass
class Table:
    """A titled table of strings.

    Args:
        title (str): section heading.
        header (list[str]): column names.
        rows (list[list[str]]): cells.
        notes (list[str]): lines printed under the table.
    """

    title: str
    header: List[str]
    rows: List[List[str]] = field(default_factory=list)
    notes: List[str] = field(default_factory=list)

    def markdown(self) -> List[str]:
        """The table as GitHub markdown lines."""
        lines = [f'### {self.title}', '',
                 '| ' + ' | '.join(self.header) + ' |',
                 '|' + '---|' * len(self.header)]
        lines += ['| ' + ' | '.join(r) + ' |' for r in self.rows]
        return lines + [''] + self.notes + ([''] if self.notes else [])

    def text(self) -> str:
        """The table as aligned plain text (for the terminal)."""
        cells = [self.header] + self.rows
        widths = [max(len(r[i]) for r in cells)
                  for i in range(len(self.header))]
        out = [f'== {self.title} ==']
        for r in cells:
            out.append('  '.join(c.ljust(w) for c, w in zip(r, widths)))
        return '\n'.join(out + self.notes)


def ms(value: Optional[float]) -> str:
    """Milliseconds with 3 significant digits, '-' when missing."""
    return '-' if value is None else f'{value:.3g}'


def ratio(num: Optional[float], den: Optional[float]) -> Optional[float]:
    """``num / den`` or None."""
    if num is None or den is None or den <= 0:
        return None
    return num / den


def fmt_ratio(value: Optional[float]) -> str:
    """A ratio as ``1.23x``."""
    return '-' if value is None else f'{value:.2f}x'


@dataclass
class Target:
    """A speed goal checked on ratios of the same run.

    Args:
        name (str): what is compared.
        goal (str): the goal, in words.
        measured (float, optional): the measured value.
        unit (str): ``x`` for ratios, ``%`` or ``ms``.
        passed (bool, optional): None when not measured.
    """

    name: str
    goal: str
    measured: Optional[float]
    unit: str
    passed: Optional[bool]

    def row(self) -> List[str]:
        """Cells of the targets table."""
        value = '-' if self.measured is None else (
            f'{self.measured:.2f}{self.unit}')
        status = {True: 'PASS', False: 'MISS', None: 'n/a'}[self.passed]
        return [self.name, self.goal, value, status]


def check(name: str, goal: str, value: Optional[float], unit: str,
          ok) -> Target:
    """A Target whose ``passed`` is ``ok(value)`` (None if unmeasured)."""
    return Target(name, goal, value, unit,
                  None if value is None else bool(ok(value)))


def loss_targets(res: Dict[Key, float], dense: int,
                 batches: Sequence[int]) -> List[Target]:
    """Floor, lecture and stock goals of the assignment + loss section."""
    big = 64 if 64 in batches else max(batches)
    out = []
    for floor, what in (('floor', 'fastest class loss'),
                        ('floor autograd', 'bare autograd focal')):
        for anchors in (189, dense):
            out.append(check(
                f'floor: head / {what}, {anchors} anchors, batch {big}',
                '<= 2x', ratio(res.get(('loss', anchors, big, 'head')),
                               res.get(('loss', anchors, big, floor))),
                'x', lambda v: v <= 2))
    out.append(check(
        f'lecture: lecture / head, 189 anchors, batch {big}', '>= 4x',
        ratio(res.get(('loss', 189, big, 'lecture')),
              res.get(('loss', 189, big, 'head'))), 'x', lambda v: v >= 4))
    worst = [ratio(res.get(('loss', dense, b, 'lecture')),
                   res.get(('loss', dense, b, 'head'))) for b in batches]
    worst = [w for w in worst if w is not None]
    out.append(check(f'lecture: lecture / head, {dense} anchors, worst batch',
                     '>= 1x (never slower)', min(worst) if worst else None,
                     'x', lambda v: v >= 1))
    out.append(check(
        f'stock: stock SSDHead / head, {dense} anchors, batch {big}', '> 1x',
        ratio(res.get(('loss', dense, big, 'stock')),
              res.get(('loss', dense, big, 'head'))), 'x', lambda v: v > 1))
    return out


def model_targets(res: Dict[Key, float], post_batch: int,
                  train_batch: int) -> List[Target]:
    """Training-share, post-processing and end-to-end goals."""
    share = ratio(res.get(('train', 'head+assign+loss')),
                  res.get(('train', 'step')))
    e2e = ratio(res.get(('e2e', 'fastssd', 1)), res.get(('e2e', 'ssd300', 1)))
    return [
        check(f'train: head+assign+loss share of a step, batch {train_batch}',
              '<= 5%', None if share is None else 100 * share, '%',
              lambda v: v <= 5),
        check(f'post-processing per image, batch {post_batch}', '<= 2 ms',
              res.get(('post', post_batch)), ' ms', lambda v: v <= 2),
        check('end-to-end latency, batch 1: FastSSD / SSD300', '<= 0.33x',
              e2e, 'x', lambda v: v <= 1 / 3),
    ]


def targets_table(targets: List[Target]) -> Table:
    """The PASS/MISS table."""
    return Table('Targets (ratios from this run)',
                 ['target', 'goal', 'measured', 'PASS/MISS'],
                 [t.row() for t in targets])


def machine_lines(info: Dict[str, str], load_before: str, load_after: str,
                  args: str) -> List[str]:
    """The 'measured on' paragraph."""
    lines = [
        f'- CPU: {info["cpu"]}, {info["cores"]} cores; torch '
        f'{info["torch"]}, {info["threads"]} intra-op threads; device '
        f'`{info["device"]}`; GPU: {info["gpu"]}.',
        f'- Load average (1/5/15 min) before the run: {load_before}; '
        f'after: {load_after} (the 1-minute figure after includes the '
        f'benchmark\'s own {info["threads"]} threads).',
        f'- Command: `{args}`.',
    ]
    if info['gpu'].startswith('none'):
        lines.append('- No GPU here: all numbers are CPU numbers; CI never '
                     'needs a GPU. `--device cuda --amp --channels-last` runs '
                     'the same benchmark on one.')
    return lines


def write_markdown(path: str, header: List[str], tables: List[Table]) -> None:
    """Write the report: header lines, then every table."""
    lines = list(header) + ['']
    for table in tables:
        lines += table.markdown()
    with open(path, 'w') as f:
        f.write('\n'.join(lines).rstrip() + '\n')
