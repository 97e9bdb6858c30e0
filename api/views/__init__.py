"""API views: each parses its input, calls one service or selector, and renders."""
