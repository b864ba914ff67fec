"""Running a command without root's power to read and write anything (for permission tests as root)."""

from __future__ import annotations

import os
import shutil

import pytest


def without_dac_override() -> list[str]:
    """A command prefix that drops CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH when the tests run as root (the
    user stays root, so an interpreter under /root stays reachable); nothing otherwise."""
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("running as root needs setpriv to drop CAP_DAC_OVERRIDE")
    return [setpriv, "--bounding-set=-dac_override,-dac_read_search", "--"]
