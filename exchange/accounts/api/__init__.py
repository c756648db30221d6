"""Accounts' API: users (registration, tokens, profile) and organisations."""
