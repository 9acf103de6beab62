"""Draw the benchmark's plot: wall time and requests per poll against trackers.

Run by the benchmark with the interpreter of its own virtualenv, which has matplotlib:
`python -m bench.plot --output PATH`, the series as JSON on the standard input.
"""

import argparse
import json
import sys

import matplotlib as mpl

mpl.use("Agg")

import matplotlib.pyplot as plt

_STYLES = {
    "floor: the listing alone, fetched, not parsed": ("tab:gray", ".", "--"),
    "gps_tracker, one tracker after the other": ("tab:red", "o", "-"),
    "gps_tracker, asyncio.gather": ("tab:orange", "s", "-"),
    "ours, nothing moved": ("tab:blue", "o", "-"),
    "ours, 10 % moved": ("tab:blue", "^", "--"),
    "ours, all moved": ("tab:blue", "s", ":"),
}


def main() -> None:
    """Read the series and write the plot."""
    parser = argparse.ArgumentParser(prog="python -m bench.plot")
    parser.add_argument("--output", required=True)
    options = parser.parse_args()
    payload = json.load(sys.stdin)
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
    figure.savefig(options.output)


if __name__ == "__main__":
    main()
