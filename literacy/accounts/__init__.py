"""Accounts: the user model (email login) and coordinator roles per municipality."""
