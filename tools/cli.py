"""What the command lines share: argument types, and the tables they print."""

import argparse
from collections.abc import Iterable, Sequence


def positive_int(text: str) -> int:
    """Accept a whole number of at least one."""
    number = int(text)
    if number < 1:
        message = f"{text} is not a positive number"
        raise argparse.ArgumentTypeError(message)
    return number


def positive_float(text: str) -> float:
    """Accept a number above zero, such as a number of seconds."""
    number = float(text)
    if number <= 0:
        message = f"{text} is not a positive number"
        raise argparse.ArgumentTypeError(message)
    return number


def markdown_table(
    header: Sequence[str], rows: Iterable[Sequence[str]], *, text: int = 2
) -> str:
    """Render a Markdown table: the first `text` columns on the left, numbers right."""
    alignments = ["---"] * text + ["---:"] * (len(header) - text)
    lines = ["| " + " | ".join(header) + " |", "| " + " | ".join(alignments) + " |"]
    lines.extend("| " + " | ".join(row) + " |" for row in rows)
    return "\n".join(lines)
