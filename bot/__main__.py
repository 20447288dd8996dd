import sys

from bot.cli import main

if __name__ == "__main__":  # worker processes re-import the main module: never rerun the CLI there
    sys.exit(main())
