"""The one exception type the store raises: a diagnostic with a summary, detail and hint."""

from __future__ import annotations

from mlstrata.diagnostics import DiagnosticsError, error


class StoreError(DiagnosticsError):
    """A problem in the local platform store, carried up to the plugin layer as a diagnostic."""

    def __init__(self, summary: str, detail: str = "", hint: str = "", path: str = "") -> None:
        super().__init__([error(summary, detail=detail, hint=hint, path=path, code="provider.store")])
