"""What the benchmark, the soak and the simulator's command line share.

`cli`: argument types and Markdown tables; `homeassistant`: a real Home Assistant
with the integration set up on a simulated account; `remote`: a simulator in a
process of its own, driven over its control API.
"""

from pathlib import Path

REPOSITORY = Path(__file__).resolve().parent.parent
"""The repository: processes started there import its packages."""
