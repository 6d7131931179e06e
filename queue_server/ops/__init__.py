"""Running a server process the way a hall's IT department does: health, metrics and logs."""
