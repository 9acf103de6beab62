"""Run the soak: thousands of polls against a disturbed simulator, then the verdict."""

import argparse
import asyncio
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import partial
import sys
import time
from unittest.mock import patch

from homeassistant.config_entries import SOURCE_REAUTH, ConfigEntryState
from homeassistant.const import CONF_PASSWORD, STATE_NOT_HOME, STATE_UNKNOWN
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.exceptions import ConfigEntryAuthFailed, HomeAssistantError
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.update_coordinator import UpdateFailed

import custom_components.invoxia as integration
from custom_components.invoxia.api import Config
from custom_components.invoxia.const import DOMAIN
from custom_components.invoxia.coordinator import InvoxiaConfigEntry, InvoxiaCoordinator
from tools.cli import positive_int
from tools.homeassistant import home_assistant, set_up
from tools.remote import SimulatedTracker

from . import STARTED
from .plan import Disturbance, Step, baseline, plan
from .probes import Clock, Findings, Sample, open_descriptors, sample, watching
from .report import Results, render
from .simulated import SimulatedWorld, Stepped

REQUEST_TIMEOUT_S = 1.0
"""The client's timeout in the soak: a hung request then costs a second, not 20."""
LIMIT_S = 300.0


class SoakError(RuntimeError):
    """The soak could not go on: the integration left a state it cannot recover."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Settings:
    """What to run."""

    polls: int
    trackers: int
    seed: int
    limit_s: float


def parse_args(argv: Sequence[str] | None = None) -> Settings:
    """Read the command line."""
    parser = argparse.ArgumentParser(
        prog="scripts/soak",
        description="Poll a disturbed simulator for a long while; check the aftermath.",
    )
    parser.add_argument(
        "--polls", type=positive_int, default=10_000, help="default 10000"
    )
    parser.add_argument(
        "--trackers", type=positive_int, default=100, help="default 100"
    )
    parser.add_argument(
        "--seed", type=int, default=1, help="world and disturbances (default 1)"
    )
    parser.add_argument(
        "--limit",
        type=float,
        default=LIMIT_S,
        help=f"seconds the run may take, or it fails (default {LIMIT_S:g})",
    )
    options = parser.parse_args(argv)
    return Settings(
        polls=options.polls,
        trackers=options.trackers,
        seed=options.seed,
        limit_s=options.limit,
    )


def _progress(message: str) -> None:
    """Tell the reader how far the run is, and since when it goes on."""
    sys.stderr.write(f"[soak {time.perf_counter() - STARTED:5.1f} s] {message}\n")
    sys.stderr.flush()


def _surprise(
    index: int, step: Step, stepped: Stepped, coordinator: InvoxiaCoordinator
) -> str | None:
    """Say how a poll did not end as its disturbance says it must, if it did not."""
    succeeded = coordinator.last_update_success
    error = coordinator.last_exception
    data = coordinator.data
    match step.disturbance:
        case Disturbance.CREDENTIALS_CHANGED:
            expected = not succeeded and isinstance(error, ConfigEntryAuthFailed)
        case kind if kind.fails_poll:
            expected = (
                not succeeded
                and isinstance(error, UpdateFailed)
                # The wait follows the polling interval too (the integration's
                # tests pin the rule): here only whether one was asked matters.
                and (error.retry_after is None) == (step.retry_after is None)
            )
        case Disturbance.HISTORY if stepped.tracker is not None:
            # The listing says the tracker moved; its fix could not be fetched.
            known = data.get(stepped.tracker)
            expected = (
                succeeded
                and known is not None
                and known.fix_of != known.tracker.tracker_status.last_location
            )
        case Disturbance.TRACKER_ADDED:
            expected = succeeded and stepped.tracker in data
        case Disturbance.TRACKER_REMOVED:
            expected = succeeded and stepped.tracker not in data
        case _:
            expected = succeeded
    if expected:
        return None
    outcome = "succeeded" if succeeded else f"failed: {error!r}"
    return f"poll {index + 1} ({step.disturbance}) {outcome}"


async def _reauthenticate(
    hass: HomeAssistant, entry: InvoxiaConfigEntry, password: str
) -> InvoxiaCoordinator:
    """Answer the reauth flow with the new password, as the user would; wait for it."""
    await hass.async_block_till_done()
    flows = [
        flow
        for flow in hass.config_entries.flow.async_progress_by_handler(DOMAIN)
        if flow["context"].get("source") == SOURCE_REAUTH
    ]
    if len(flows) != 1:
        msg = f"{len(flows)} reauth flows in progress, not one"
        raise SoakError(msg)
    result = await hass.config_entries.flow.async_configure(
        flows[0]["flow_id"], {CONF_PASSWORD: password}
    )
    # The entry reloads in a task of its own.
    await hass.async_block_till_done()
    if (
        result["type"] is not FlowResultType.ABORT
        or result.get("reason") != "reauth_successful"
        or entry.state is not ConfigEntryState.LOADED
    ):
        msg = f"the reauth flow ended with {result!r}, the entry {entry.state}"
        raise SoakError(msg)
    return entry.runtime_data


def compare(
    hass: HomeAssistant, entry: InvoxiaConfigEntry, truth: list[SimulatedTracker]
) -> list[str]:
    """List how the entities of the entry differ from the world's trackers."""
    registry = er.async_get(hass)
    entities = {
        entity.unique_id: entity.entity_id
        for entity in er.async_entries_for_config_entry(registry, entry.entry_id)
    }
    mismatches: list[str] = []
    serials = {tracker.serial for tracker in truth}
    mismatches.extend(
        f"{entity_id}: its tracker is no longer on the account"
        for unique_id, entity_id in entities.items()
        if entity_id.startswith("device_tracker.") and unique_id not in serials
    )
    for tracker in truth:
        location = entities.get(tracker.serial)
        battery = entities.get(f"{tracker.serial}_battery")
        location_state = hass.states.get(location) if location else None
        battery_state = hass.states.get(battery) if battery else None
        if location_state is None or battery_state is None:
            mismatches.append(f"{tracker.serial}: no state")
            continue
        fix = tracker.last_fix
        expected = {
            "state": STATE_UNKNOWN if fix is None else STATE_NOT_HOME,
            "latitude": None if fix is None else fix.latitude,
            "longitude": None if fix is None else fix.longitude,
            "gps_accuracy": None if fix is None else fix.accuracy,
            "battery": str(tracker.battery),
        }
        found = {
            "state": location_state.state,
            "latitude": location_state.attributes.get("latitude"),
            "longitude": location_state.attributes.get("longitude"),
            "gps_accuracy": location_state.attributes.get("gps_accuracy"),
            "battery": battery_state.state,
        }
        mismatches.extend(
            f"{location}: {key} is {found[key]!r}, the world says {value!r}"
            for key, value in expected.items()
            if found[key] != value
        )
    return mismatches


def _ending(coordinator: InvoxiaCoordinator) -> str:
    """Say how the last poll ended: `ok`, or the translation key of its error."""
    if coordinator.last_update_success:
        return "ok"
    error = coordinator.last_exception
    if isinstance(error, HomeAssistantError) and error.translation_key:
        return error.translation_key
    return type(error).__name__


@dataclass(slots=True)
class _Polled:
    """What the polls did."""

    endings: Counter[tuple[Disturbance, str]] = field(default_factory=Counter)
    surprises: list[str] = field(default_factory=list)
    samples: list[Sample] = field(default_factory=list)


async def _poll_all(
    hass: HomeAssistant, world: SimulatedWorld, steps: list[Step], findings: Findings
) -> tuple[_Polled, InvoxiaConfigEntry]:
    """Set the entry up, then poll once per step; sample memory now and then."""
    coordinator, _ = await set_up(hass, world.simulator)
    findings.setting_up = False
    entry = coordinator.config_entry
    every = baseline(len(steps))
    polled = _Polled()
    previous = Disturbance.NONE
    for index, step in enumerate(steps):
        findings.poll = f"poll {index + 1} ({step.disturbance}, after {previous})"
        previous = step.disturbance
        stepped = await world.step(step)
        await coordinator.async_refresh()
        polled.endings[step.disturbance, _ending(coordinator)] += 1
        if surprise := _surprise(index, step, stepped, coordinator):
            polled.surprises.append(surprise)
        if stepped.password is not None:
            findings.setting_up = True
            coordinator = await _reauthenticate(hass, entry, stepped.password)
            findings.setting_up = False
        if (index + 1) % every == 0 or index + 1 == len(steps):
            polled.samples.append(await sample(index + 1, findings))
            _progress(f"{index + 1:,} polls")
    return polled, entry


async def run(
    settings: Settings, started: float | None = None, *, clock: Clock | None = None
) -> Results:
    """Run the soak within its time limit; `started` is when the run's clock started.

    Stalls are timed by `clock`, the machine's unless another is given.
    """
    start = time.perf_counter() if started is None else started
    steps = plan(settings.polls, settings.seed)
    loop = asyncio.get_running_loop()
    async with (
        asyncio.timeout(settings.limit_s - (time.perf_counter() - start)),
        await SimulatedWorld.start(
            trackers=settings.trackers, seed=settings.seed, lifetime_s=settings.limit_s
        ) as world,
    ):
        with (
            watching(loop, clock) as findings,
            # The only change to the integration: its client gives up sooner.
            patch.object(
                integration,
                "Config",
                partial(Config, request_timeout=REQUEST_TIMEOUT_S),
            ),
        ):
            descriptors_before = open_descriptors()
            async with home_assistant() as hass:
                polled, entry = await _poll_all(hass, world, steps, findings)
                truth, served = await world.truth()
                mismatches = compare(hass, entry, truth)
            descriptors_after = open_descriptors()
    return Results(
        polls=len(steps),
        trackers=settings.trackers,
        seed=settings.seed,
        request_timeout_s=REQUEST_TIMEOUT_S,
        duration_s=time.perf_counter() - start,
        limit_s=settings.limit_s,
        served=served,
        endings=polled.endings,
        surprises=polled.surprises,
        findings=findings,
        samples=tuple(polled.samples),
        descriptors_before=descriptors_before,
        descriptors_after=descriptors_after,
        mismatches=mismatches,
        compared=len(truth),
    )


def main(argv: Sequence[str] | None = None) -> None:
    """Run the soak from the command line; exit with 1 when a check fails."""
    settings = parse_args(argv)
    try:
        results = asyncio.run(run(settings, STARTED))
    except TimeoutError:
        message = f"FAIL: the soak did not finish within {settings.limit_s:g} s"
        raise SystemExit(message) from None
    sys.stdout.write(render(results))
    if not results.passed:
        raise SystemExit(1)
