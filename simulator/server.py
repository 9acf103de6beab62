"""The simulator's HTTP server, on the loopback interface."""

from ipaddress import ip_address
from types import TracebackType
from typing import Self

from aiohttp import web
from yarl import URL

from .api import ApiRoutes
from .control import ControlRoutes
from .counters import Counters
from .faults import Faults
from .world import World


class Simulator:
    """The fake Invoxia cloud: the API and the control API of one world, over HTTP."""

    def __init__(
        self, world: World | None = None, *, host: str = "127.0.0.1", port: int = 0
    ) -> None:
        """Serve `world` (default: a new one) on loopback `host` and `port` (0: any)."""
        if not ip_address(host).is_loopback:
            # The control API takes no credentials: only this machine may reach it.
            msg = f"{host} is not a loopback address"
            raise ValueError(msg)
        self.world = World() if world is None else world
        self.faults = Faults()
        self.counters = Counters()
        self._host = host
        self._port = port
        self._runner: web.AppRunner | None = None
        self._url: URL | None = None
        self._stopped = False

    @property
    def url(self) -> str:
        """The server's root URL, such as `http://127.0.0.1:54321`, once started."""
        if self._url is None:
            msg = "the simulator is not running"
            raise RuntimeError(msg)
        return str(self._url)

    async def start(self) -> None:
        """Start serving; a simulator starts only once."""
        if self._runner is not None or self._stopped:
            msg = "a simulator starts only once"
            raise RuntimeError(msg)
        app = web.Application()
        app.add_routes(ApiRoutes(self.world, self.faults, self.counters).routes())
        app.add_routes(ControlRoutes(self.world, self.faults, self.counters).routes())
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, self._host, self._port).start()
        host, port = self._runner.addresses[0][:2]
        self._url = URL.build(scheme="http", host=host, port=port)

    async def stop(self) -> None:
        """Stop serving: hung requests are dropped, connections closed, no task left."""
        if self._runner is None:
            return
        self._stopped = True
        # Hung and delayed requests must end first: shutting down waits for them.
        self.faults.close()
        await self._runner.cleanup()
        self._runner = None
        self._url = None

    async def __aenter__(self) -> Self:
        """Start serving for the duration of an `async with` block."""
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        """Stop serving."""
        await self.stop()
