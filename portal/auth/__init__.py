"""Accounts, login, password, profile."""
