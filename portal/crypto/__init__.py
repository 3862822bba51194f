"""Encryption of personal data at rest: AES-256-GCM model fields and keyed
blind indexes for exact lookups.

A package of its own, beside accounts and cases rather than inside either:
the core (accounts: identity numbers) and the later apps (legal aid incomes,
bank accounts, petition contents) all store their sensitive columns through
the same field type, and the core never imports an app.
"""
