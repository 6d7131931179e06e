"""Evaluations services."""
