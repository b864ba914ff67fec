"""How an amount of money is written, everywhere (cost, review, the CI pull-request comment)."""

from __future__ import annotations


def money(value: float | None) -> str:
    """A monthly or hourly amount as `$1,234.56`; `unpriced` when unknown (never zero)."""
    return "unpriced" if value is None else f"${value:,.2f}"


def signed_money(value: float | None) -> str:
    """A change of cost as `+$12.00` / `-$3.50`; `unpriced` when unknown."""
    return "unpriced" if value is None else f"{'+' if value >= 0 else '-'}${abs(value):,.2f}"
