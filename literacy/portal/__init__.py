"""Portal: the volunteer teachers pages."""
