"""A city's halls at a glance: the 政务服务管理局's read-only view across the halls of one database."""
