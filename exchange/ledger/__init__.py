"""The exchange's side of the ledger: recording events with their parties, browsing and
proving them, and the health of the chain.
"""
