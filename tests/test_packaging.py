"""What hassfest and HACS would check: manifest, translations, icons, quality scale."""

import json
from pathlib import Path
import re
from typing import Any

from awesomeversion import AwesomeVersion
from homeassistant.const import __version__ as HA_VERSION  # noqa: N812 - a constant
from homeassistant.util.yaml import load_yaml_dict

ROOT = Path(__file__).parent.parent
INTEGRATION = ROOT / "custom_components" / "invoxia"

# Every rule of Home Assistant's integration quality scale, Bronze to Platinum, as of
# Home Assistant 2026.11 (which added docs-triggers and docs-conditions).
QUALITY_SCALE_RULES = {
    "action-setup", "appropriate-polling", "brands", "common-modules",
    "config-flow-test-coverage", "config-flow", "dependency-transparency",
    "docs-actions", "docs-conditions", "docs-triggers", "docs-high-level-description",
    "docs-installation-instructions",
    "docs-removal-instructions", "entity-event-setup", "entity-unique-id",
    "has-entity-name", "runtime-data", "test-before-configure", "test-before-setup",
    "unique-config-entry", "action-exceptions", "config-entry-unloading",
    "docs-configuration-parameters", "docs-installation-parameters",
    "entity-unavailable", "integration-owner", "log-when-unavailable",
    "parallel-updates", "reauthentication-flow", "test-coverage", "devices",
    "diagnostics", "discovery-update-info", "discovery", "docs-data-update",
    "docs-examples", "docs-known-limitations", "docs-supported-devices",
    "docs-supported-functions", "docs-troubleshooting", "docs-use-cases",
    "dynamic-devices", "entity-category", "entity-device-class",
    "entity-disabled-by-default", "entity-translations", "exception-translations",
    "icon-translations", "reconfiguration-flow", "repair-issues", "stale-devices",
    "async-dependency", "inject-websession", "strict-typing",
}  # fmt: skip


def _json(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((INTEGRATION / name).read_text(encoding="utf-8"))
    return data


def _keys(tree: object, prefix: str = "") -> set[str]:
    """Flatten a JSON tree into its dotted key paths."""
    if not isinstance(tree, dict):
        return {prefix}
    return {
        path for key, value in tree.items() for path in _keys(value, f"{prefix}{key}.")
    }


def test_manifest_keys_are_domain_name_then_sorted() -> None:
    """Hassfest wants domain, name, then the other keys in alphabetical order."""
    manifest = _json("manifest.json")
    keys = list(manifest)
    assert keys[:2] == ["domain", "name"]
    assert keys[2:] == sorted(keys[2:])
    assert manifest["domain"] == "invoxia"
    assert manifest["requirements"] == []
    assert manifest["integration_type"] == "hub"
    assert manifest["iot_class"] == "cloud_polling"
    assert manifest["config_flow"] is True
    assert re.fullmatch(r"\d+\.\d+\.\d+", manifest["version"])


def test_hacs_names_the_integration_and_a_minimum_home_assistant_tested() -> None:
    """hacs.json has HACS's keys; its minimum Home Assistant is one the tests run on.

    The suite runs on the minimum and the latest supported Home Assistant, so the
    declared minimum is never above the version running the test.
    """
    hacs = json.loads((ROOT / "hacs.json").read_text(encoding="utf-8"))
    assert list(hacs) == ["name", "homeassistant"]
    assert hacs["name"] == _json("manifest.json")["name"]
    assert AwesomeVersion(hacs["homeassistant"]) <= AwesomeVersion(HA_VERSION)


def test_french_translation_has_exactly_the_english_keys() -> None:
    """fr.json translates every string of en.json, and nothing else."""
    assert _keys(_json("translations/fr.json")) == _keys(_json("translations/en.json"))


def test_english_translation_has_no_references() -> None:
    """Custom integrations get no [%key:...%] resolution: strings must be literal."""
    assert "[%key:" not in (INTEGRATION / "translations/en.json").read_text()


def test_every_translation_key_used_in_code_is_translated() -> None:
    """Every translation_key, error and abort reason in the code has a string.

    Each issue has a title and a description; each action, its name and description,
    and those of its fields.
    """
    en = _json("translations/en.json")
    source = "\n".join(path.read_text() for path in INTEGRATION.glob("*.py"))
    for key in re.findall(r'translation_key="(\w+)"', source):
        assert (
            key in en["exceptions"]
            or key in en["issues"]
            or any(key in platform for platform in en["entity"].values())
        ), key
    for key, issue in en["issues"].items():
        assert f'"{key}"' in source, key
        assert set(issue) == {"title", "description"}, key
    services = load_yaml_dict(INTEGRATION / "services.yaml")
    assert set(en["services"]) == set(services)
    for name, service in services.items():
        assert set(en["services"][name]) == {"name", "description", "fields"}
        assert set(en["services"][name]["fields"]) == set(service["fields"])
        for field in en["services"][name]["fields"].values():
            assert set(field) == {"name", "description"}, name
    for error in re.findall(r'errors\[[^]]+\] = "(\w+)"', source):
        assert error in en["config"]["error"] | en["options"]["error"], error
    for reason in re.findall(r'reason="(\w+)"', source):
        assert reason in en["config"]["abort"], reason


def test_quality_scale_lists_every_rule_done_or_exempt_with_reason() -> None:
    """Each rule of the quality scale is done, or exempt with a comment."""
    rules = load_yaml_dict(INTEGRATION / "quality_scale.yaml")["rules"]
    assert set(rules) == QUALITY_SCALE_RULES
    for name, rule in rules.items():
        if isinstance(rule, dict):
            assert rule["status"] == "exempt", name
            assert rule["comment"].strip(), name
        else:
            assert rule == "done", name
