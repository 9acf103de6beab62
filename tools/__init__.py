"""What the benchmark, the soak and the simulator's command line share.

`cli`: argument types and Markdown tables.
"""

from pathlib import Path

REPOSITORY = Path(__file__).resolve().parent.parent
"""The repository: processes started there import its packages."""
