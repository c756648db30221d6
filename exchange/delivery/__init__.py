"""Delivery: entitlements of paid contracts, fingerprinted downloads, and data-API keys."""
