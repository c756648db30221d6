"""Valuation of data products: pure, Decimal in, frozen dataclasses out, no I/O."""
