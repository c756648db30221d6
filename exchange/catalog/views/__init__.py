"""The catalog's pages: the public catalog, the vendor's products and the listing review."""
