"""PyInstaller entry point of the app."""

import sys

from app.main import main

sys.exit(main())
