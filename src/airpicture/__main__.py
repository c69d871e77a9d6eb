"""``python -m airpicture`` is the same as the ``airpicture`` command."""

from airpicture.cli.app import main

if __name__ == "__main__":
    main()
