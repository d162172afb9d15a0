"""``python -m himoya.triage`` - see :mod:`himoya.triage.cli`."""

import sys

from himoya.triage.cli import main

sys.exit(main())
