"""`python -m mlstrata.provider`: serve the provider over the Terraform plugin protocol."""

from __future__ import annotations

import contextlib
import os
import sys

from mlstrata.provider.plugin import serve


def end(code: int) -> None:
    """End the process at once: no interpreter teardown, no exit handlers.

    `serve` returns once Terraform has asked the provider to stop (go-plugin's `GRPCController.Shutdown`) and every
    response is sent; each store write committed when its call returned. Tearing down an interpreter that has
    loaded MLflow (thousands of modules) costs 1.5 s of CPU and took 7-15 s on a busy machine, and Terraform
    waits only 2 s for a provider to exit before it kills it ("plugin failed to exit gracefully"): every apply
    that wrote through MLflow lost up to those 2 s."""
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):  # Terraform closed the pipe: nothing left to say
            stream.flush()
    os._exit(code)


if __name__ == "__main__":
    end(serve(sys.argv))
