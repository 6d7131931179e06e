"""In-memory fakes of the services' ports: they keep rows in dicts and behave as the SQL stores do
for what the service-level tests use (the API tests keep checking the SQL side)."""
