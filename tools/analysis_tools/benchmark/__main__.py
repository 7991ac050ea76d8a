"""``python -m tools.analysis_tools.benchmark``: see :mod:`.main`."""
import sys

from .main import main

if __name__ == '__main__':
    sys.exit(main())
