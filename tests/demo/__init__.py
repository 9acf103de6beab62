"""Tests of the demo: scripts/develop, and a person using it in a browser."""
