"""Authentication: device and API tokens, passwords, browser sessions."""
