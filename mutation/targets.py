"""Which tests can catch a mistake in which module: the mutation run's map."""

from collections.abc import Mapping
from pathlib import Path
from typing import Final

PACKAGE: Final = "custom_components/invoxia"

TARGETS: Final[Mapping[str, tuple[str, ...]]] = {
    f"{PACKAGE}/api/__init__.py": ("tests/test_api_*.py",),
    f"{PACKAGE}/api/client.py": ("tests/test_api_*.py",),
    f"{PACKAGE}/api/exceptions.py": ("tests/test_api_*.py",),
    f"{PACKAGE}/api/models.py": ("tests/test_api_*.py",),
    f"{PACKAGE}/coordinator.py": (
        "tests/test_coordinator*.py",
        "tests/test_config_flow.py",
        "tests/test_entities.py",
        "tests/test_faults.py",
        "tests/test_init.py",
        "tests/test_scheduler.py",
        "tests/test_services.py",
    ),
    f"{PACKAGE}/scheduler.py": (
        "tests/test_scheduler_rules.py",
        "tests/test_scheduler.py",
        "tests/test_coordinator*.py",
        "tests/test_diagnostics.py",
    ),
}
"""Each module mutated, and the test files (globs, from the root) run against it."""

DEFAULT_FILES: Final = (
    f"{PACKAGE}/api/client.py",
    f"{PACKAGE}/api/models.py",
    f"{PACKAGE}/coordinator.py",
    f"{PACKAGE}/scheduler.py",
)


def resolve(root: Path, arguments: list[str]) -> list[str]:
    """Return the modules named, from the root; a directory names those under it.

    A path may also be given from the integration's package (`api/client.py`).

    Raises:
        ValueError: A path names no file, or a module no test is mapped to.

    """
    if not arguments:
        return list(DEFAULT_FILES)
    found: list[str] = []
    for argument in arguments:
        path = root / argument
        if not path.exists():
            path = root / PACKAGE / argument
        if path.is_dir():
            modules = sorted(path.rglob("*.py"))
        elif path.is_file():
            modules = [path]
        else:
            msg = f"{argument}: no such file or directory"
            raise ValueError(msg)
        for module in modules:
            name = module.resolve().relative_to(root.resolve()).as_posix()
            if name not in TARGETS:
                msg = f"{name}: no tests are mapped to it in mutation/targets.py"
                raise ValueError(msg)
            if name not in found:
                found.append(name)
    return found


def mapped_tests(root: Path, module: str) -> list[str]:
    """Return the test files mapped to a module, from the root, sorted.

    Raises:
        ValueError: A glob of the map matches no file.

    """
    files: set[str] = set()
    for pattern in TARGETS[module]:
        matched = {path.relative_to(root).as_posix() for path in root.glob(pattern)}
        if not matched:
            msg = f"{pattern}, mapped to {module}, matches no file"
            raise ValueError(msg)
        files |= matched
    return sorted(files)
