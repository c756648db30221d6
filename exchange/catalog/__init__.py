"""The catalog: products, versions and offers, the listing workflow, search, and taking in
data files (ingest/).
"""
