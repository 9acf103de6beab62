"""The integration's coordinator polling the simulator, timed and traced."""

import time
import tracemalloc

from custom_components.invoxia.coordinator import InvoxiaCoordinator
from tools.homeassistant import SetupError


async def refresh(coordinator: InvoxiaCoordinator) -> tuple[float, float]:
    """Poll as the update interval does; return its wall and CPU time in seconds."""
    wall = time.perf_counter()
    cpu = time.process_time()
    await coordinator.async_refresh()
    timing = time.perf_counter() - wall, time.process_time() - cpu
    if not coordinator.last_update_success:
        msg = f"the poll failed: {coordinator.last_exception!r}"
        raise SetupError(msg)
    return timing


async def memory(coordinator: InvoxiaCoordinator) -> tuple[int, int]:
    """Build the coordinator data under tracemalloc; return its size and the peak.

    The update method is called directly so that only the data is traced, not the
    states its listeners would then write.
    """
    tracemalloc.start()
    try:
        # The coordinator's own update method: exactly the data a refresh builds.
        data = await coordinator._async_update_data()  # noqa: SLF001
        retained, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    if not data:
        msg = "the coordinator data is empty"
        raise SetupError(msg)
    return retained, peak
