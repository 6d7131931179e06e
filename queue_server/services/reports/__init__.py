"""Reports services."""
