"""Settings by environment: base, local (development), test, production."""
