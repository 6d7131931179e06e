"""The domain core: the hall's rules in plain Python, with no I/O."""
