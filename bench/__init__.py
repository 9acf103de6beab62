"""The polling benchmark of issue #7: our coordinator against the gps_tracker library.

`python -m bench` (or `scripts/bench`, which provisions the library's own virtualenv
first) starts a simulator process per account, polls each with Home Assistant running
the integration in this process and with `gps_tracker` in another, then writes the
results.
"""
