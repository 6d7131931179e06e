"""Adapters: the database, and everything else that does I/O for the server."""
