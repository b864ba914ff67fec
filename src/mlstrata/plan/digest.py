"""What a plan does, as one hash: the binding of review findings, acceptances and the applied plan file."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

# what each resource change says about the change itself (not Terraform's plan-time stamps or ordering)
_CHANGE_KEYS = ("actions", "before", "after", "after_unknown", "replace_paths")
_NOTHING = (["no-op"], ["read"])


def _changes(data: Any) -> list[dict[str, Any]]:
    changes = data.get("resource_changes") if isinstance(data, dict) else None
    return [rc for rc in changes or [] if isinstance(rc, dict)]


def changes_digest(plan_json: Path) -> str:
    """sha256 of what a plan does: every resource change (address, actions, before, after, unknowns, what
    forces a replacement), canonically serialised. A plan made again of the same configuration against the
    same state has the same digest, unlike its file (Terraform stamps every plan); any other change,
    another before value (the state moved) or another after value, gives another digest."""
    changes = sorted(
        [str(rc.get("address")), str(rc.get("deposed") or ""),
         {k: (rc.get("change") or {}).get(k) for k in _CHANGE_KEYS}]
        for rc in _changes(json.loads(plan_json.read_bytes())))
    canonical = json.dumps(changes, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def changes_resources(plan_json: Path) -> bool:
    """Whether the plan creates, updates, replaces or destroys any resource."""
    return any((rc.get("change") or {}).get("actions") not in _NOTHING
               for rc in _changes(json.loads(plan_json.read_bytes())))
