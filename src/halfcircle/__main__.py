"""``python -m halfcircle``: the command line, as the ``halfcircle`` command."""

from halfcircle.cli.app import main

if __name__ == "__main__":
    raise SystemExit(main())
