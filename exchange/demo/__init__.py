"""The demo catalog's content: fictional Jiangxi vendors, their data products and the synthetic
files behind them. Pure data — the demo loader feeds it through the exchange's services."""

from __future__ import annotations

from exchange.demo.files import generate_file
from exchange.demo.products import DEMO_PRODUCTS
from exchange.demo.specs import DemoField, DemoOffer, DemoProduct, DemoVendor
from exchange.demo.vendors import DEMO_VENDORS

__all__ = [
    "DEMO_PRODUCTS",
    "DEMO_VENDORS",
    "DemoField",
    "DemoOffer",
    "DemoProduct",
    "DemoVendor",
    "generate_file",
]
