"""The brand icons are the output of scripts/brand.py, in the sizes HA reads."""

import importlib.util
from pathlib import Path
from types import ModuleType

from PIL import Image, ImageChops
import pytest

ROOT = Path(__file__).parent.parent
BRAND = ROOT / "custom_components" / "invoxia" / "brand"


def _brand_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("brand", ROOT / "scripts/brand.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize(("name", "size"), [("icon.png", 256), ("icon@2x.png", 512)])
def test_icon_is_square_transparent_and_reproducible(name: str, size: int) -> None:
    """Each icon has its size, a transparent background; the script draws it."""
    with Image.open(BRAND / name) as icon:
        assert (icon.size, icon.mode) == ((size, size), "RGBA")
        assert icon.getpixel((0, 0)) == (0, 0, 0, 0)
        drawn = _brand_script().draw_icon(size)
        assert ImageChops.difference(icon, drawn).getbbox() is None
