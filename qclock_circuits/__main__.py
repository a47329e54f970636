"""``python -m qclock_circuits`` runs the ``qclock`` command line."""

import sys

from qclock_circuits.cli.main import main

if __name__ == "__main__":
    sys.exit(main())
