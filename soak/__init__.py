"""The soak test of issue #8: ten thousand polls of a disturbed API, then a verdict.

`python -m soak` (or `scripts/soak`) starts a simulator process, polls it with the
integration in a real Home Assistant while disturbing it at random (seeded),
watches for exceptions, event-loop stalls, memory growth and leaked descriptors, and
compares the final entity states with the simulated world.
"""

import time

STARTED = time.perf_counter()
"""When the run's clock started: before Home Assistant is imported, which takes time."""
