"""Print the packages the demo's Home Assistant needs, as its manifests pin them.

`scripts/setup` installs them into `.venv`: Home Assistant runs with `--skip-pip`
there, so that only the project's scripts change a virtualenv. Without them, the
frontend does not even load: the list of actions it asks for at start imports every
base entity component (the camera one, for instance, needs PyTurboJPEG).
"""

from collections.abc import Iterable
import importlib.util
import json
from pathlib import Path
import sys

from homeassistant.bootstrap import DEFAULT_INTEGRATIONS
from homeassistant.const import BASE_PLATFORMS

CONFIGURED_INTEGRATIONS = ("config", "frontend", "history", "logbook", "logger")
"""The integrations `config/configuration.yaml` sets up."""


def _components() -> Path:
    """Find Home Assistant's components folder."""
    spec = importlib.util.find_spec("homeassistant")
    if spec is None or spec.origin is None:
        msg = "Home Assistant is not installed"
        raise RuntimeError(msg)
    return Path(spec.origin).parent / "components"


def requirements(domains: Iterable[str]) -> list[str]:
    """List the requirements of integrations and of everything they depend on."""
    components = _components()
    seen: set[str] = set()
    pending = list(domains)
    found: set[str] = set()
    while pending:
        domain = pending.pop()
        if domain in seen:
            continue
        seen.add(domain)
        manifest = json.loads(
            (components / domain / "manifest.json").read_text(encoding="utf-8")
        )
        pending.extend(manifest.get("dependencies", []))
        found.update(manifest.get("requirements", []))
    return sorted(found)


def main() -> None:
    """Print the requirements, one a line."""
    domains = {*DEFAULT_INTEGRATIONS, *BASE_PLATFORMS, *CONFIGURED_INTEGRATIONS}
    sys.stdout.write("".join(f"{line}\n" for line in requirements(domains)))


if __name__ == "__main__":
    main()
