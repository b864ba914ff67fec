"""GPU prices: the shipped catalog (every price with its source and date) and a team's overlay."""

from __future__ import annotations

from mlstrata.pricing.catalog import Catalog, HardwareFacts, InstancePrice, Price, load_catalog, load_shipped_catalog
from mlstrata.pricing.overlay import OVERLAY_PATH, Overlay, OverlayPrice, load_overlay, overlay_path, parse_overlay_rows
from mlstrata.pricing.resolve import PriceBook, Quote, load_price_book, shipped_price_book

__all__ = [
    "OVERLAY_PATH",
    "Catalog",
    "HardwareFacts",
    "InstancePrice",
    "Overlay",
    "OverlayPrice",
    "Price",
    "PriceBook",
    "Quote",
    "load_catalog",
    "load_overlay",
    "load_price_book",
    "load_shipped_catalog",
    "overlay_path",
    "parse_overlay_rows",
    "shipped_price_book",
]
