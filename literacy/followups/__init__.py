"""Follow-ups: the coordinators queue, so that no request or learner goes quiet."""
