"""What the demo asks a running Home Assistant, through its REST and WebSocket APIs."""

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass
from http import HTTPStatus
import json
from typing import Final

from aiohttp import ClientError, ClientSession, ClientTimeout
from yarl import URL

# The integration's domain and API URL field (custom_components/invoxia/const.py):
# importing them would import Home Assistant, seconds before starting anything.
DOMAIN: Final = "invoxia"
CONF_API_URL: Final = "api_url"
LANGUAGE: Final = "en"
_REQUEST_TIMEOUT: Final = ClientTimeout(total=30)


class DemoError(Exception):
    """The demo cannot go on; the message says why and what to do."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Tokens:
    """What `/auth/token` grants the demo."""

    access_token: str
    refresh_token: str


@dataclass(frozen=True, slots=True, kw_only=True)
class ConfigEntry:
    """A config entry, as `/api/config/config_entries/entry` lists it."""

    entry_id: str
    title: str
    state: str
    disabled: bool


def _object(value: object) -> dict[str, object]:
    """Return a JSON object, or fail on any other answer."""
    if not isinstance(value, dict):
        msg = f"Home Assistant answered {value!r} where an object was expected"
        raise DemoError(msg)
    return value


def _text(answer: Mapping[str, object], key: str) -> str:
    """Return a text field of an answer, or fail."""
    value = answer.get(key)
    if not isinstance(value, str):
        msg = f"Home Assistant answered {dict(answer)!r} without a text {key!r}"
        raise DemoError(msg)
    return value


class HomeAssistantApi:
    """A client of one Home Assistant, signed in as the demo user once `sign_in` ran."""

    def __init__(self, session: ClientSession, url: URL) -> None:
        """Talk to the Home Assistant at `url` through `session`."""
        self._session = session
        self._url = url
        # Any URL is a client id: Home Assistant's own is what its frontend uses.
        self._client_id = str(url.with_path("/"))
        self._tokens: Tokens | None = None

    @property
    def tokens(self) -> Tokens:
        """The tokens of the demo user."""
        if self._tokens is None:
            msg = "not signed in"
            raise RuntimeError(msg)
        return self._tokens

    async def _request(
        self,
        method: str,
        path: str,
        *,
        json_body: Mapping[str, object] | None = None,
        form: Mapping[str, str] | None = None,
        signed_in: bool = True,
    ) -> object:
        """Send a request, check that it succeeded and decode its JSON answer."""
        headers = (
            {"Authorization": f"Bearer {self.tokens.access_token}"} if signed_in else {}
        )
        async with self._session.request(
            method,
            self._url.join(URL(path)),
            json=json_body,
            data=form,
            headers=headers,
            timeout=_REQUEST_TIMEOUT,
        ) as response:
            if not response.ok:
                msg = (
                    f"Home Assistant answered {method} {path} with HTTP "
                    f"{response.status}: {await response.text()}"
                )
                raise DemoError(msg)
            text = await response.text()
        # Some answers are empty, and the rendered template is JSON sent as text.
        answer: object = json.loads(text) if text else None
        return answer

    async def answering(self) -> bool:
        """Whether Home Assistant answers HTTP requests yet."""
        try:
            # Any answer will do: before onboarding, this one is an error.
            async with self._session.get(
                self._url.with_path("/auth/providers"), timeout=_REQUEST_TIMEOUT
            ):
                return True
        except ClientError, TimeoutError:
            return False

    async def running(self) -> bool:
        """Whether Home Assistant has finished starting."""
        config = _object(await self._request("GET", "/api/config"))
        return config.get("state") == "RUNNING"

    async def sign_in(self, name: str, username: str, password: str) -> bool:
        """Create the demo user, the last onboarding step, or sign in as that user.

        Return whether the user was created.
        """
        user_onboarded = await self._user_onboarded()
        if user_onboarded:
            code = await self._log_in(username, password)
        else:
            created = await self._request(
                "POST",
                "/api/onboarding/users",
                json_body={
                    "client_id": self._client_id,
                    "name": name,
                    "username": username,
                    "password": password,
                    "language": LANGUAGE,
                },
                signed_in=False,
            )
            code = _text(_object(created), "auth_code")
        granted = _object(
            await self._request(
                "POST",
                "/auth/token",
                form={
                    "grant_type": "authorization_code",
                    "code": code,
                    "client_id": self._client_id,
                },
                signed_in=False,
            )
        )
        self._tokens = Tokens(
            access_token=_text(granted, "access_token"),
            refresh_token=_text(granted, "refresh_token"),
        )
        return not user_onboarded

    async def _user_onboarded(self) -> bool:
        """Whether onboarding has created its user."""
        async with self._session.get(
            self._url.with_path("/api/onboarding"), timeout=_REQUEST_TIMEOUT
        ) as response:
            # Once onboarded, Home Assistant no longer serves its onboarding API.
            if response.status == HTTPStatus.NOT_FOUND:
                return True
            answer: object = await response.json()
        if not isinstance(answer, list):
            msg = f"Home Assistant answered {answer!r} about its onboarding"
            raise DemoError(msg)
        return any(
            _text(step, "step") == "user" and step.get("done")
            for step in map(_object, answer)
        )

    async def _log_in(self, username: str, password: str) -> str:
        """Log in through the login form of the frontend; return the code it grants."""
        flow = _object(
            await self._request(
                "POST",
                "/auth/login_flow",
                json_body={
                    "client_id": self._client_id,
                    "handler": ["homeassistant", None],
                    "redirect_uri": self._client_id,
                },
                signed_in=False,
            )
        )
        result = _object(
            await self._request(
                "POST",
                f"/auth/login_flow/{_text(flow, 'flow_id')}",
                json_body={
                    "client_id": self._client_id,
                    "username": username,
                    "password": password,
                },
                signed_in=False,
            )
        )
        if result.get("type") != "create_entry":
            msg = (
                f"cannot log in as {username!r}: this configuration was onboarded with "
                "another user or password. Delete its .storage folder to start afresh."
            )
            raise DemoError(msg)
        return _text(result, "result")

    async def revoke(self) -> None:
        """Revoke the demo's refresh token: each start signs in anew."""
        await self._request(
            "POST",
            "/auth/revoke",
            form={"token": self.tokens.refresh_token},
            signed_in=False,
        )

    async def entries(self) -> list[ConfigEntry]:
        """List the config entries of the integration."""
        answer = await self._request(
            "GET", f"/api/config/config_entries/entry?domain={DOMAIN}"
        )
        if not isinstance(answer, list):
            msg = f"Home Assistant answered {answer!r} about its config entries"
            raise DemoError(msg)
        return [
            ConfigEntry(
                entry_id=_text(entry, "entry_id"),
                title=_text(entry, "title"),
                state=_text(entry, "state"),
                disabled=entry.get("disabled_by") is not None,
            )
            for entry in map(_object, answer)
        ]

    async def configure_account(
        self, email: str, password: str, api_url: str, entry_id: str | None = None
    ) -> None:
        """Add an account through the config flow, or reconfigure entry `entry_id`."""
        start: dict[str, object] = {"handler": DOMAIN, "show_advanced_options": True}
        if entry_id is not None:
            start["entry_id"] = entry_id
        form = _object(
            await self._request(
                "POST", "/api/config/config_entries/flow", json_body=start
            )
        )
        result = _object(
            await self._request(
                "POST",
                f"/api/config/config_entries/flow/{_text(form, 'flow_id')}",
                json_body={
                    "email": email,
                    "password": password,
                    CONF_API_URL: api_url,
                },
            )
        )
        expected = (
            ("create_entry", None)
            if entry_id is None
            else ("abort", "reconfigure_successful")
        )
        if (result.get("type"), result.get("reason")) != expected:
            msg = f"the config flow did not set up the account: {result!r}"
            raise DemoError(msg)

    async def set_disabled(self, entry_id: str, *, disabled: bool) -> None:
        """Disable or enable a config entry, as its menu in the UI does."""
        await self._websocket_call(
            {
                "type": "config_entries/disable",
                "entry_id": entry_id,
                "disabled_by": "user" if disabled else None,
            }
        )

    async def remove_own_person(self) -> None:
        """Delete the person onboarding made for the demo user.

        The map opens on its people when there are any: without, on the devices.
        """
        user = _object(await self._websocket_call({"type": "auth/current_user"}))
        persons = _object(await self._websocket_call({"type": "person/list"}))
        stored = persons.get("storage")
        for person in map(_object, stored if isinstance(stored, list) else []):
            if person.get("user_id") == user.get("id"):
                await self._websocket_call(
                    {"type": "person/delete", "person_id": _text(person, "id")}
                )

    async def _websocket_call(self, command: Mapping[str, object]) -> object:
        """Send a command over the WebSocket API; return its result if it succeeded."""
        async with (
            asyncio.timeout(_REQUEST_TIMEOUT.total),
            self._session.ws_connect(
                self._url.with_path("/api/websocket")
            ) as websocket,
        ):
            await websocket.receive_json()
            await websocket.send_json(
                {"type": "auth", "access_token": self.tokens.access_token}
            )
            authenticated = _object(await websocket.receive_json())
            if authenticated.get("type") != "auth_ok":
                msg = f"the WebSocket API refused the demo's token: {authenticated!r}"
                raise DemoError(msg)
            await websocket.send_json({"id": 1, **command})
            result = _object(await websocket.receive_json())
            if result.get("success") is not True:
                msg = f"Home Assistant refused {command['type']}: {result!r}"
                raise DemoError(msg)
            return result.get("result")

    async def trackers(self, entry_title: str) -> list[dict[str, object]]:
        """Return the states of the device trackers of the entry `entry_title`."""
        # The REST API lists no entity registry: a template maps entry to entities.
        template = (
            "{{ integration_entities(" + json.dumps(entry_title) + ")"
            " | select('match', 'device_tracker[.]') | list | tojson }}"
        )
        rendered = await self._request(
            "POST", "/api/template", json_body={"template": template}
        )
        if not isinstance(rendered, list):
            msg = f"Home Assistant rendered {rendered!r} as the entry's trackers"
            raise DemoError(msg)
        wanted = set(rendered)
        states = await self._request("GET", "/api/states")
        if not isinstance(states, list):
            msg = f"Home Assistant answered {states!r} about its states"
            raise DemoError(msg)
        return [
            state for state in map(_object, states) if state.get("entity_id") in wanted
        ]


def positioned(state: Mapping[str, object]) -> bool:
    """Whether a device tracker's state has a position the map can show."""
    attributes = state.get("attributes")
    return (
        isinstance(attributes, dict)
        and isinstance(attributes.get("latitude"), float | int)
        and isinstance(attributes.get("longitude"), float | int)
    )
