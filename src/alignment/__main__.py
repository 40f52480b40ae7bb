"""``python -m alignment``: the ``alignment`` command."""

import sys

from .cli import main

sys.exit(main())
