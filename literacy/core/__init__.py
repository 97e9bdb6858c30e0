"""Core: the home page, health checks and shared domain errors."""
