"""Hall services."""
