"""`python -m pipeline` is the `offrecord` command."""

from .cli import main

main()
