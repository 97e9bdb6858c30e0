"""Coverage: the city dashboard, the work queue pages and the phone desk."""
