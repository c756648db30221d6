"""The contract ledger: Merkle log, anchoring and signing. Never imports exchange or Flask."""
