"""What a target offers the spec, as data: state backends, serving engines, online stores, orchestrators,
autoscalers, TPU pools and how CI signs in. Each target's own are in its data-only `<target>/offers.py`; the spec's
checks read them through `mlstrata.targets.offered` without importing a target's code (renderers, checks,
catalogs)."""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class CiSignIn:
    """A setting CI needs to sign in once an environment has CI roles: `<section>.<key>` of the spec, what to add
    when it is missing, and (when it has a form to check) the `pattern` it matches, `what` it is and `hint`."""

    section: str
    key: str
    missing_hint: str
    pattern: re.Pattern[str] | None = None
    what: str = ""
    hint: str = ""


@dataclass(frozen=True)
class Offers:
    """What one target offers; the first serving engine and online store are the defaults."""

    state_backends: tuple[str, ...]
    serving_engines: tuple[str, ...]
    online_stores: tuple[str, ...]
    orchestrators: tuple[str, ...] | None  # None: the target runs no orchestrator (the spec's is not checked)
    autoscalers: tuple[str, ...]
    ci_sign_in: CiSignIn | None = None
    tpu_pools: bool = False  # TPU slice pools (`tpu_pools:`)
