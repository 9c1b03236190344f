"""``python -m engine.cli``: the ``dialogvakt`` command."""

import sys

from . import main

sys.exit(main())
