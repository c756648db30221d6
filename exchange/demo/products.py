"""Every demo product, gathered from the per-board modules in a stable order."""

from __future__ import annotations

from exchange.demo.products_agriculture import AGRICULTURE_PRODUCTS
from exchange.demo.products_chemicals import CHEMICAL_PRODUCTS
from exchange.demo.products_copper import COPPER_PRODUCTS
from exchange.demo.products_electronics import ELECTRONICS_PRODUCTS
from exchange.demo.products_energy import ENERGY_PRODUCTS
from exchange.demo.products_furniture_aviation import AVIATION_PRODUCTS, FURNITURE_PRODUCTS
from exchange.demo.products_lithium import LITHIUM_PRODUCTS
from exchange.demo.products_logistics import LOGISTICS_PRODUCTS
from exchange.demo.products_medicine import MEDICINE_PRODUCTS
from exchange.demo.products_power import POWER_PRODUCTS
from exchange.demo.products_rare_metals import RARE_METAL_PRODUCTS
from exchange.demo.products_solar import SOLAR_PRODUCTS
from exchange.demo.products_steel import STEEL_PRODUCTS
from exchange.demo.products_textiles import TEXTILE_PRODUCTS
from exchange.demo.specs import DemoProduct

DEMO_PRODUCTS: tuple[DemoProduct, ...] = (
    COPPER_PRODUCTS
    + RARE_METAL_PRODUCTS
    + LITHIUM_PRODUCTS
    + STEEL_PRODUCTS
    + ENERGY_PRODUCTS
    + POWER_PRODUCTS
    + SOLAR_PRODUCTS
    + CHEMICAL_PRODUCTS
    + TEXTILE_PRODUCTS
    + ELECTRONICS_PRODUCTS
    + FURNITURE_PRODUCTS
    + AVIATION_PRODUCTS
    + MEDICINE_PRODUCTS
    + LOGISTICS_PRODUCTS
    + AGRICULTURE_PRODUCTS
)
