"""Phone desk: staff find or create a learner while on the phone and book for them."""
