"""The service layer: one handler per command, each run as one unit of work."""
