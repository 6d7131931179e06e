"""Assessment services."""
