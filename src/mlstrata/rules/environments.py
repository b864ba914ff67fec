"""Which environments are protected when no spec says: a leaf module, so that the rules' context and the review
gate can both read it without importing the rule protocol (rules.base) or each other."""

from __future__ import annotations

# Without a spec, these environment names are treated as protected (by the rules and the review gate).
PROTECTED_NAMES = frozenset({"prod", "production", "prd"})
