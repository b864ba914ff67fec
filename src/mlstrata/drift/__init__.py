"""Drift: refresh-only plans read into categorised, allowed-or-not findings, with history."""
