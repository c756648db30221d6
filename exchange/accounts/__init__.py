"""Accounts: organisations, their people and roles, passwords, sessions, tokens and
sign-in throttling.
"""
