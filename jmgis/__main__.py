"""``python -m jmgis`` is the ``jmgis`` command."""

import sys

from jmgis.cli import main

sys.exit(main())
