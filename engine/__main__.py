"""``python -m engine``: the ``dialogvakt`` command."""

import sys

from .cli import main

sys.exit(main())
