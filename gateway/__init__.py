"""GraphQL gateway for England's early career teacher services."""
