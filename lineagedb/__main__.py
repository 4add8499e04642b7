"""``python -m lineagedb``: the command line."""

from lineagedb.cli import main

main()
