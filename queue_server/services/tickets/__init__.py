"""Tickets services."""
