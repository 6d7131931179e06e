"""In-memory fakes of the services' ports, for service-level unit tests without a database."""
