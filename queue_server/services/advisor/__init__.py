"""The allocation advisor: learn the hall from its events, simulate its day, propose who serves what."""
