"""The client's configuration and the connection failures found before any answer."""

import socket
from traceback import format_exception

import aiohttp
from aiohttp import web
from aiohttp.abc import AbstractResolver, ResolveResult
import pytest

from custom_components.invoxia.api import (
    DEFAULT_API_URL,
    ApiConnectionError,
    AsyncClient,
    Config,
    FailedQuery,
)
from tests.conftest import serve


def test_config_defaults_to_the_invoxia_api() -> None:
    """Without an api_url the client talks to Invoxia with a 20 s timeout."""
    config = Config("rex@example.com", "s3cret")
    assert (config.api_url, config.request_timeout) == (DEFAULT_API_URL, 20.0)
    assert DEFAULT_API_URL == "https://labs.invoxia.io"


@pytest.mark.parametrize(
    ("api_url", "expected"),
    [
        ("https://labs.invoxia.io/", "https://labs.invoxia.io"),
        ("https://labs.invoxia.io/api/v1?x=1#y", "https://labs.invoxia.io"),
        ("  https://Labs.Invoxia.IO:8443/v1  ", "https://labs.invoxia.io:8443"),
        ("http://127.0.0.1:8765/", "http://127.0.0.1:8765"),
        ("http://LOCALHOST:8765", "http://localhost:8765"),
        ("http://[::1]:8765/path", "http://[::1]:8765"),
    ],
)
def test_config_normalises_api_url_to_scheme_and_host(
    api_url: str, expected: str
) -> None:
    """Paths, queries and trailing slashes are dropped from api_url."""
    assert Config("a", "b", api_url).api_url == expected


@pytest.mark.parametrize(
    "api_url", ["labs.invoxia.io", "ftp://labs.invoxia.io", "https://"]
)
def test_config_refuses_an_api_url_that_is_not_http(api_url: str) -> None:
    """An api_url without an http(s) scheme and a host is a ValueError."""
    with pytest.raises(ValueError, match="api_url must be an http"):
        Config("a", "b", api_url)


@pytest.mark.parametrize(
    "api_url",
    ["http://labs.invoxia.io", "http://192.168.1.2:8080", "http://localhost.example"],
)
def test_config_refuses_http_but_on_this_machine(api_url: str) -> None:
    """Credentials cross the network in the clear over http: only a loopback host."""
    with pytest.raises(
        ValueError, match=r"^api_url must be https, or http on this machine$"
    ):
        Config("a", "b", api_url)


@pytest.mark.parametrize(
    "api_url",
    [
        "https://zed:hunter2@labs.invoxia.io",
        "https://zed@labs.invoxia.io",
        "https://:hunter2@labs.invoxia.io/api",
    ],
)
def test_config_refuses_credentials_in_the_api_url(api_url: str) -> None:
    """Credentials go in username and password: an api_url carrying some is refused.

    Neither the message nor anything chained to it quotes the URL.
    """
    with pytest.raises(
        ValueError,
        match=r"^api_url cannot carry credentials: give them as username and password$",
    ) as err:
        Config("a", "b", api_url)
    _assert_quotes_nothing(err.value, ("hunter2", "zed"))


@pytest.mark.parametrize(
    "api_url",
    ["https://zed:hunter2", "https://labs.invoxia.io:hunter2", "http://[::1"],
)
def test_config_refuses_an_api_url_that_cannot_be_read(api_url: str) -> None:
    """A mistyped "user:password" reads as a port: refused, never quoted."""
    with pytest.raises(
        ValueError, match=r"^api_url must be an http\(s\) URL with a host$"
    ) as err:
        Config("a", "b", api_url)
    _assert_quotes_nothing(err.value, ("hunter2", "zed"))


def _assert_quotes_nothing(err: BaseException, secrets: tuple[str, ...]) -> None:
    """Check that an error shows no secret, and has neither cause nor context.

    The traceback shows the lines raising: the secrets must not be written there.
    """
    shown = f"{err}{err!r}{''.join(format_exception(err))}"
    assert [secret for secret in secrets if secret in shown] == []
    assert (err.__cause__, err.__context__) == (None, None)


def test_config_refuses_a_username_with_a_colon() -> None:
    """HTTP Basic auth ends the username at its first colon: one with a colon fails."""
    username = "zed:admin@example.com"
    with pytest.raises(
        ValueError,
        match=r"^username cannot contain ':', which HTTP Basic auth cannot carry$",
    ) as err:
        Config(username, "b")
    _assert_quotes_nothing(err.value, ("zed",))


@pytest.mark.parametrize(
    "timeout", [0, -0.0, -1.0, float("nan"), float("inf"), float("-inf")]
)
def test_config_refuses_a_timeout_that_is_not_positive_and_finite(
    timeout: float,
) -> None:
    """request_timeout bounds every request: a positive, finite number of seconds."""
    with pytest.raises(
        ValueError,
        match=r"^request_timeout must be a positive, finite number of seconds$",
    ):
        Config("a", "b", request_timeout=timeout)


def test_config_repr_hides_the_password() -> None:
    """The password never shows in a repr, which logs and tracebacks print."""
    text = repr(Config("rex@example.com", "s3cret", request_timeout=5))
    assert text == (
        "Config(username='rex@example.com', password='********', "
        "api_url='https://labs.invoxia.io', request_timeout=5)"
    )


class _FailingResolver(AbstractResolver):
    """A resolver that fails every lookup, as a DNS outage would."""

    async def resolve(
        self, host: str, *_args: object, **_kwargs: object
    ) -> list[ResolveResult]:
        raise OSError(socket.EAI_NONAME, f"cannot resolve {host}")

    async def close(self) -> None:
        """Nothing to close."""


async def test_dns_failure_is_a_connection_error() -> None:
    """A failed lookup raises ApiConnectionError; no real DNS query is made."""
    async with aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(resolver=_FailingResolver())
    ) as session:
        client = AsyncClient(Config("a", "s3cret", "https://invoxia.invalid"), session)
        with pytest.raises(ApiConnectionError) as err:
            await client.get_users()
        await client.close()
        assert not session.closed
    assert "s3cret" not in repr(err.value)
    assert str(err.value) == "Cannot reach the API: ClientConnectorDNSError"


async def test_redirect_is_refused_and_credentials_stay_home(
    socket_enabled: None,
) -> None:
    """A redirect to another host fails the query; the other host sees no request."""
    seen: list[str | None] = []

    async def record(request: web.Request) -> web.Response:
        seen.append(request.headers.get("Authorization"))
        return web.json_response([])

    async with serve(record) as other_url:

        async def redirect(request: web.Request) -> web.Response:
            location = f"{other_url}{request.path}"
            raise web.HTTPFound(location)

        async with (
            serve(redirect) as api_url,
            AsyncClient(Config("a", "s3cret", api_url)) as client,
        ):
            with pytest.raises(FailedQuery) as err:
                await client.get_users()
    assert err.value.status == 302
    assert seen == []
