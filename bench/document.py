"""The benchmark's report, `docs/benchmark.md`."""

from .report import (
    Results,
    Target,
    footprint_table,
    poll_table,
    ratio_table,
    recorded_table,
    summary_table,
    target_table,
)


def document(results: Results, found: list[Target]) -> str:
    """Write the whole report of a run."""
    environment = results.environment
    rtt_ms = f"{environment.rtt_s * 1000:g}"
    polls = f"up to {environment.polls}, none started after {environment.budget_s:g} s"
    interval = f"{environment.recorded_interval_s:g} s"
    count = environment.recorded_polls
    stretch = count * environment.recorded_interval_s / 60
    recorded = f"{environment.recorded_polls}, the clock {interval} further before each"
    return f"""# Benchmark: what a poll costs

Written by `scripts/bench` (issue #7): re-run it rather than edit this file.

The claim: a poll of this integration costs one HTTP request when no tracker moved, and
one more per tracker that moved, fetched 16 at a time; an integration built on the
`gps_tracker` library pays one request per tracker, one after the other. Here both poll
the same simulated Invoxia cloud, on this machine, whose every answer comes {rtt_ms} ms
late, as it would from across the Internet. On replies shaped as the real API's, whose
listing has no last position, ours pays one request more per tracker whose `last_event`
moved since the last poll: a fix, or a keep-alive, which comes every 15 minutes.

![Wall time and requests per poll against the number of trackers](images/benchmark.png)

## Re-run it

```sh
scripts/bench          # the full run: rewrites this file and images/benchmark.png
scripts/bench --quick  # 1, 10 and 100 trackers, a few polls: prints the tables only
scripts/bench --help   # round-trip time, sizes, polls, time budget, outputs
scripts/bench --freshness          # a simulated day per strategy: see Freshness
scripts/bench --freshness --quick  # N = 1, the main strategies: prints its tables
```

`scripts/bench` provisions the project (`scripts/setup`) and the benchmark's own
virtualenv, `.cache/bench`, which holds `gps_tracker` and matplotlib: neither is ever a
dependency of the project. Everything runs on 127.0.0.1 and stops by itself.

## This run

| | |
| --- | --- |
| command | `{environment.command}` |
| date | {environment.date} |
| machine | {environment.machine} |
| Python | {environment.python} |
| Home Assistant | {environment.home_assistant} (aiohttp {environment.aiohttp}) |
| library | {environment.library} |
| injected round-trip time | {rtt_ms} ms per request |
| world | simulator seed {environment.seed} |
| polls per series | {polls} |
| polls on recorded replies | {recorded} |
| duration of the run | {environment.duration_s:.0f} s |

## Summary

Medians per poll. Ours in three cases: no tracker has a new fix, 10 % of them have one,
all of them have one (at one tracker, 10 % is all). "Listing alone" is one request for
the tracker listing, its body read but not decoded: what the simulator and the network
cost before any client does anything.

{summary_table(results)}

## Targets

{target_table(found)}

## Per poll

Requests and response bytes from the simulator's counters; wall time around the poll;
CPU time of the polling process during the poll: Home Assistant's for ours and for the
listing alone, the library's own process for `gps_tracker`.

{poll_table(results)}

## Recorded replies

Ours again, on an account of the same seed in the simulator's recorded reply shape,
as the real API answers: the listing gives no tracker's last position, so ours asks a
tracker's newest fix whenever its `last_event` moves, and the trackers report a
keep-alive every 15 minutes, which moves it too. No tracker moves here: each stays
where it was at the start. Before each of the {count} polls, the world's clock advances
{interval}, the integration's default scan interval: {stretch:g} simulated minutes in
all, in which every tracker's keep-alive falls once. "last_event moved" is how many
trackers' keep-alives fell since the poll before, as the simulator counts them; the
target is one request more than that, poll after poll.

{recorded_table(results)}

## Once per account

Setup: ours, from the config entry's setup to the last state written by its entities,
once every enabled entity (7 per tracker) is available. The library has no Home
Assistant integration to set up: its column holds its first poll, which such an
integration must finish before it has entities. Memory: after a poll that fetched
every tracker, what its result still holds, and the peak during that poll.

{footprint_table(results)}

## Ours ÷ library

Below 1, ours costs less.

{ratio_table(results)}

## How it is measured

- **Simulator**: `python -m simulator`, one process per account (size and reply
  shape), all started at once, so that serving a thousand trackers neither counts in
  Home Assistant's CPU time nor competes with it for the interpreter. The benchmark
  drives each over its control API (`tools/remote.py`), between polls only. A latency
  fault delays every API answer by the round-trip time. Its clock stands still, so
  nothing moves unless the benchmark moves it: "k moved" means the first k trackers
  were given a new fix just before the poll (`POST /_simulator/trackers/move`; 10 % is
  k = ⌈N / 10⌉). The simulator's counters, reset just before the poll and read after
  it, give its requests and bytes.
- **Recorded replies**: a second world per account size, of the same seed, in
  `ReplyShape.RECORDED`, each tracker moved by hand at the start to its newest fix,
  where it then stays: only keep-alives move its `last_event`. Before each poll,
  `POST /_simulator/advance` moves its clock {interval} forward and says which
  trackers' `last_event` moved. Ours is set up on it in a Home Assistant of its own,
  then polled {environment.recorded_polls} times, whatever the time budget: the mean
  needs the whole stretch.
- **Ours**: a real `HomeAssistant` instance (`tools/homeassistant.py`, which the soak
  runs too), made by `pytest_homeassistant_custom_component`'s
  `async_test_home_assistant` (real core, state machine and registries; storage never
  written), with the integration loaded from `custom_components/` and set up through a
  config entry, as Home Assistant does.
  A poll is `InvoxiaCoordinator.async_refresh()`, what the update interval calls: the
  real `_async_update_data`, then the state writes it triggers. Home Assistant's
  resolver is replaced by aiohttp's own, so that no multicast socket opens: aiohttp
  resolves no IP address, such as the simulator's, anyway.
- **gps_tracker**: version 0.9.2 from PyPI in a process of its own
  (`bench/library_driver.py`), with the aiohttp session the library makes for itself.
  Sequential: `get_trackers()`, then `get_locations(tracker, max_count=1)` for each
  tracker in turn, as an integration on it polls. Gathered: the same calls under
  `asyncio.gather`, the best it can do (its session opens 100 connections at most).
  Whether trackers moved does not change its cost: it fetches every tracker, every
  poll. Its first poll is one of its samples. It reads everything the simulator sends
  here: of the simulator's quirks, it meets icons it does not know (it maps them to
  `UNKNOWN`) and numbers sent as strings (it converts them); the one it chokes on, a
  location method it does not know (a `ValueError` escapes `get_locations`), sits in
  an older location, which `max_count=1` never reads. So every run uses the same world
  for both clients, quirks included.
- **Times**: `time.perf_counter` and `time.process_time` around the poll alone.
  Processes share the machine's cores: the simulator's work on an answer counts in the
  wall time of the client waiting for it, as a server's would.
- **Memory**: `tracemalloc` around one poll after every tracker moved: "data held" is
  what was allocated during the poll and is still alive with its result kept, "peak"
  the highest traced amount during it. Ours: the coordinator's `_async_update_data()`
  called directly, so that the states entities write do not count. The library: one
  gathered poll; a sequential poll returns the same objects but holds one answer at a
  time, so its peak is lower.
- **Polls**: each series polls up to {environment.polls} times, but starts no poll that
  would end after {environment.budget_s:g} s, so that the run stays within minutes:
  the slow series (the sequential library from 100 trackers, ours with every tracker
  moved from a few hundred) have fewer polls, as the tables show, and their p95 is
  their slowest poll. One sequential poll of 1,000 trackers is 1,001 round trips, close
  to a minute at this round-trip time.
"""
