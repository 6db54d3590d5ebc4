"""``python -m driftline`` runs the command line."""

from driftline.cli.main import main

main()
