"""Who is calling: credentials in, a ``Viewer`` out. Never touches GraphQL types."""
