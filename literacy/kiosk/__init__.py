"""Kiosk: the touch-screen booking flow for seniors at a venue."""
