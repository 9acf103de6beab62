"""The demo: a real Home Assistant with the integration, fed by the simulator.

`scripts/develop` runs it until Ctrl-C (`__main__`); `launcher.start_demo` runs it for
the duration of an `async with` block, for tests. `requirements` lists the packages its
Home Assistant needs beyond the test requirements, for `scripts/setup`.
"""
