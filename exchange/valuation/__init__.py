"""Valuation: who may value a product, what a valuation reads from the catalog, and
valuations through pricing/.
"""
