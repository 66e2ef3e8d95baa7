"""`python -m engine` runs the engine's command line."""

from engine.cli import main

raise SystemExit(main())
