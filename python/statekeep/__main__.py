"""`python -m statekeep`: the `statekeep` command (see statekeep.cli)."""

from statekeep.cli import main

if __name__ == "__main__":
    main()
