"""``python -m alignment.cli``: the ``alignment`` command."""

import sys

from ._main import main

sys.exit(main())
