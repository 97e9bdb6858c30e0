"""People: learners (no login) and volunteer teachers with their availability."""
