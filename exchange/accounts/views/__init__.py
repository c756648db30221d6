"""Accounts' pages: sign-in and registration, the profile, organisations and verification."""
