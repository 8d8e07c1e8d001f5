"""`python tests/parallel_standin --port 8765 --key demo-key` serves the stand-in."""

import sys
from pathlib import Path

# Run as a directory, this file's folder is on sys.path, not `tests/`, where the
# package lives; `python -m parallel_standin` (with tests/ on the path) needs none.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from parallel_standin import main

main()
