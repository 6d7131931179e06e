"""Desk services."""
