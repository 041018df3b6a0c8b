"""`python -m eval ARGS...` is `rag eval ARGS...`."""

import sys

from eval.cli import main

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
