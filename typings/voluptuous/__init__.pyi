# Home Assistant 2026.x aliases voluptuous to probatio at start-up (install_as_voluptuous
# in homeassistant/__init__.py). mypy checks against that Home Assistant, so for it
# voluptuous is probatio; the minimum Home Assistant runs the real voluptuous.
from probatio import *
