"""The demo: fictional Jiangxi vendors and their data products (TOML under demo/data/), the
synthetic files behind them, and the loaders that feed them through the exchange's services. The
exchange never imports it; `flask demo` comes from here as a plugin."""

from __future__ import annotations

from demo.content import DEMO_PRODUCTS, DEMO_VENDORS
from demo.files import generate_file
from demo.specs import DemoField, DemoOffer, DemoProduct, DemoVendor

__all__ = [
    "DEMO_PRODUCTS",
    "DEMO_VENDORS",
    "DemoField",
    "DemoOffer",
    "DemoProduct",
    "DemoVendor",
    "generate_file",
]
