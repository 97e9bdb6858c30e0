"""Places: municipalities (the tenant), districts and venues with opening hours."""
