"""Tests of the Invoxia integration, its API client and its simulator."""
