"""``python -m alphacheck``: the same command line as the ``alphacheck`` script.

``python -m`` puts the working directory first on ``sys.path``, so a
``vectorbt.py`` or ``torch.py`` lying there would be imported instead of the
installed library. It is taken off before anything else is imported; plugins
in the working directory are still found when named with ``--plugin``.
"""

import os
import sys

if sys.path and sys.path[0] in ("", os.getcwd()):
    del sys.path[0]

from alphacheck.cli.main import cli  # noqa: E402  (after the path is made safe)

cli()
