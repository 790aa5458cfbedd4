"""``python3 -m feeder.cli``: the same as the ``feeder`` command."""

from feeder.cli import main

main()
