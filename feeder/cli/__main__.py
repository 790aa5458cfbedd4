"""``python3 -m feeder.cli``: the same as the ``feeder`` command."""

from feeder.cli import main

if __name__ == "__main__":  # imported (tests/test_patterns.py imports every module), it runs nothing
    main()
