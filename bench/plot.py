"""Draw the benchmark's plots: the cost of a poll, and the cost of freshness.

The first has wall time and requests per poll against trackers; with `--freshness`,
requests per day against median staleness, one point per strategy and size.

Run by the benchmark with the interpreter of its own virtualenv, which has matplotlib:
`python -m bench.plot [--freshness] --output PATH`, the data as JSON on the standard
input.
"""

import argparse
import json
import sys
from typing import Any

import matplotlib as mpl

mpl.use("Agg")

from matplotlib import ticker
import matplotlib.pyplot as plt

_STYLES = {
    "floor: the listing alone, fetched, not parsed": ("tab:gray", ".", "--"),
    "gps_tracker, one tracker after the other": ("tab:red", "o", "-"),
    "gps_tracker, asyncio.gather": ("tab:orange", "s", "-"),
    "ours, nothing moved": ("tab:blue", "o", "-"),
    "ours, 10 % moved": ("tab:blue", "^", "--"),
    "ours, all moved": ("tab:blue", "s", ":"),
}


_FRESHNESS_COLORS = {
    "fixed 30 s": "tab:gray",
    "fixed 60 s": "tab:red",
    "fixed 300 s": "tab:orange",
    "peer": "tab:purple",
    "adaptive": "tab:blue",
    "foresight (a bound)": "tab:green",
}
_SIZE_MARKERS = {1: "o", 3: "s", 10: "^"}


def main() -> None:
    """Read the data and write the plot it is for."""
    parser = argparse.ArgumentParser(prog="python -m bench.plot")
    parser.add_argument("--output", required=True)
    parser.add_argument("--freshness", action="store_true")
    options = parser.parse_args()
    payload = json.load(sys.stdin)
    if options.freshness:
        _freshness(payload, options.output)
    else:
        _polls(payload, options.output)


def _freshness(points: list[dict[str, Any]], output: str) -> None:
    """Plot each strategy's requests per day against its median staleness."""
    figure, axes = plt.subplots(figsize=(9, 6), dpi=110)
    for strategy, color in _FRESHNESS_COLORS.items():
        for size, marker in _SIZE_MARKERS.items():
            chosen = [
                point
                for point in points
                if point["strategy"] == strategy and point["size"] == size
            ]
            axes.scatter(
                [point["requests"] for point in chosen],
                [point["median"] for point in chosen],
                color=color,
                marker=marker,
                s=60,
                label=f"{strategy}, N={size}" if chosen else None,
            )
    axes.set_xscale("log")
    axes.xaxis.set_major_formatter(ticker.StrMethodFormatter("{x:,.0f}"))
    axes.xaxis.set_minor_formatter(ticker.NullFormatter())
    axes.set_xticks([300, 500, 1000, 2000, 4000])
    axes.set_xlabel("requests per day")
    axes.set_ylabel("median staleness (s)")
    axes.set_title("One simulated day: cost against freshness (lower left is better)")
    axes.grid(visible=True, which="both", alpha=0.3)
    figure.legend(fontsize=7, ncol=4, loc="lower center")
    # Room under the axes for the legend.
    figure.tight_layout(rect=(0, 0.16, 1, 1))
    figure.savefig(output)


def _polls(payload: dict[str, Any], output: str) -> None:
    """Plot wall time and requests per poll against the number of trackers."""
    figure, (wall, requests) = plt.subplots(1, 2, figsize=(11, 5), dpi=110)
    for line in payload["lines"]:
        color, marker, dash = _STYLES.get(line["label"], ("tab:gray", "x", "-"))
        panels = [(wall, "wall_ms")]
        if not line["label"].startswith("floor"):
            # The floor is one request by definition: only its time says something.
            panels.append((requests, "requests"))
        for axes, key in panels:
            axes.plot(
                line["sizes"],
                line[key],
                label=line["label"],
                color=color,
                marker=marker,
                linestyle=dash,
            )
    wall.axhline(
        2 * payload["rtt_ms"],
        color="gray",
        linewidth=0.8,
        linestyle="-.",
        label="target, nothing moved: 2 RTT",
    )
    wall.set_title(f"Wall time per poll (median), RTT {payload['rtt_ms']:g} ms")
    wall.set_ylabel("ms")
    requests.set_title("HTTP requests per poll")
    requests.set_ylabel("requests")
    for axes in (wall, requests):
        axes.set_xscale("log")
        axes.set_yscale("log")
        axes.set_xlabel("trackers on the account")
        axes.grid(visible=True, which="major", alpha=0.3)
    handles, labels = wall.get_legend_handles_labels()
    figure.legend(handles, labels, loc="lower center", ncol=3, fontsize=8)
    # Room under the panels for the legend, which both share.
    figure.tight_layout(rect=(0, 0.1, 1, 1))
    figure.savefig(output)


if __name__ == "__main__":
    main()
