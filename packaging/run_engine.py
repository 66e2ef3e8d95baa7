"""PyInstaller entry point of the engine."""

import sys

from engine.cli import main

sys.exit(main())
