"""The checks every test ends with catch the account's secrets wherever they show."""

import logging
from traceback import format_exception
from typing import Never

import aiohttp
from homeassistant.components import persistent_notification
from homeassistant.core import HomeAssistant
from homeassistant.helpers.update_coordinator import UpdateFailed
from multidict import CIMultiDict, CIMultiDictProxy
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from yarl import URL

from custom_components.invoxia.api import ApiConnectionError
from simulator import DEFAULT_PASSWORD, DEFAULT_USERNAME
from tests.conftest import (
    SECRETS,
    assert_no_secret,
    basic_authorization,
    shown_by_hass,
    shown_by_record,
)


class _QuietError(Exception):
    """An error whose message hides its arguments; only its repr shows them."""

    def __str__(self) -> str:
        """Say nothing of the arguments."""
        return "nothing to see"


def _record(message: str, err: BaseException | None = None) -> logging.LogRecord:
    """Build the record of a line logged with an exception, as `LOGGER.exception`."""
    exc_info = None if err is None else (type(err), err, err.__traceback__)
    return logging.LogRecord(
        "custom_components.invoxia", logging.ERROR, __file__, 1, message, (), exc_info
    )


def _raise(err: BaseException) -> Never:
    """Raise an error, for the traceback and the context it then has."""
    raise err


def _hidden_leak() -> RuntimeError:
    """Return an error whose context, hidden from tracebacks, holds the password."""
    try:
        try:
            _raise(_QuietError(DEFAULT_PASSWORD))
        except _QuietError:
            message = "the poll failed"
            raise RuntimeError(message) from None
    except RuntimeError as err:
        return err


def test_a_secret_in_a_hidden_exception_of_a_log_record_is_caught() -> None:
    """The repr of an exception the traceback hides still counts."""
    err = _hidden_leak()
    assert DEFAULT_PASSWORD not in "".join(format_exception(err))
    with pytest.raises(
        AssertionError,
        match=r"^a log record of custom_components.invoxia: _QuietError shows 1 secret",
    ):
        assert_no_secret(shown_by_record(_record("Unexpected error", err)))


def _malformed_answer_error() -> aiohttp.ClientResponseError:
    """Build the error aiohttp raises on a malformed status line: it holds the request.

    Its repr shows the request's headers, Authorization included; its str does not.
    """
    url = URL("http://127.0.0.1:8765/users/")
    headers = CIMultiDict(
        {"Authorization": basic_authorization(DEFAULT_USERNAME, DEFAULT_PASSWORD)}
    )
    request = aiohttp.RequestInfo(url, "GET", CIMultiDictProxy(headers), url)
    return aiohttp.ClientResponseError(
        request, (), status=400, message="Bad status line"
    )


def test_an_aiohttp_error_holding_the_request_is_caught_behind_ours() -> None:
    """An aiohttp error chained to the client's shows Authorization in its repr: caught.

    Its str, which the traceback prints, shows none: the repr must count.
    """
    try:
        try:
            _raise(_malformed_answer_error())
        except aiohttp.ClientResponseError as cause:
            message = "Cannot reach the API: ClientResponseError"
            raise ApiConnectionError(message) from cause
    except ApiConnectionError as err:
        error = err
    assert_no_secret([("traceback", "".join(format_exception(error)))])
    with pytest.raises(
        AssertionError,
        match=(
            r"^a log record of custom_components.invoxia: "
            r"ClientResponseError shows 1 secret"
        ),
    ):
        assert_no_secret(shown_by_record(_record("Polling failed", error)))


@pytest.mark.parametrize("secret", SECRETS)
def test_a_secret_in_a_log_message_is_caught(secret: str) -> None:
    """The password, the email and the Authorization value each count."""
    with pytest.raises(
        AssertionError,
        match=r"^a log record of custom_components.invoxia shows 1 secret",
    ):
        assert_no_secret(shown_by_record(_record(f"Signing in with {secret}")))


def test_a_log_record_without_secret_passes() -> None:
    """Chained and grouped exceptions without a secret pass, each looked at once."""
    try:
        try:
            _raise(_QuietError("timeout"))
        except _QuietError as cause:
            message = "the poll failed"
            raise ExceptionGroup(message, [cause, ValueError("bad JSON")]) from cause
    except ExceptionGroup as err:
        shown = shown_by_record(_record("Unexpected error", err))
    assert [where for where, _ in shown] == [
        "a log record of custom_components.invoxia",
        "a log record of custom_components.invoxia: traceback",
        "a log record of custom_components.invoxia: ExceptionGroup",
        "a log record of custom_components.invoxia: ValueError",
        "a log record of custom_components.invoxia: _QuietError",
    ]
    assert_no_secret(shown)


async def test_a_secret_in_a_notification_is_caught(hass: HomeAssistant) -> None:
    """A persistent notification showing the email counts."""
    persistent_notification.async_create(
        hass, f"Signed in as {DEFAULT_USERNAME}", title="Invoxia", notification_id="x"
    )
    with pytest.raises(AssertionError, match=r"^notification x shows 1 secret"):
        assert_no_secret(await shown_by_hass(hass))
    persistent_notification.async_dismiss(hass, "x")
    assert_no_secret(await shown_by_hass(hass))


@pytest.mark.usefixtures("init_integration")
async def test_diagnostics_showing_the_credentials_are_caught(
    hass: HomeAssistant,
) -> None:
    """Diagnostics that would redact nothing show the email and the password."""
    shown = dict(await shown_by_hass(hass))
    assert shown.keys() == {
        "entry d***@example.com: title and reason",
        "entry d***@example.com: diagnostics",
    }
    assert_no_secret(list(shown.items()))
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("custom_components.invoxia.diagnostics.TO_REDACT", set())
        with pytest.raises(
            AssertionError,
            match=r"^entry d\*\*\*@example.com: diagnostics shows 2 secret",
        ):
            assert_no_secret(await shown_by_hass(hass))


async def test_a_secret_behind_the_last_poll_error_is_caught(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    """The cause of the coordinator's last error counts, and its own message too."""
    coordinator = init_integration.runtime_data
    error = UpdateFailed("the poll failed")
    error.__cause__ = _QuietError(
        basic_authorization(DEFAULT_USERNAME, DEFAULT_PASSWORD)
    )
    coordinator.last_exception = error
    with pytest.raises(
        AssertionError,
        match=r"^entry d\*\*\*@example.com: last error: _QuietError shows 1 secret",
    ):
        assert_no_secret(await shown_by_hass(hass))
    coordinator.last_exception = UpdateFailed(f"no {DEFAULT_PASSWORD}")
    with pytest.raises(
        AssertionError,
        match=r"^entry d\*\*\*@example.com: last error: traceback shows 1 secret",
    ):
        assert_no_secret(await shown_by_hass(hass))
    coordinator.last_exception = None
