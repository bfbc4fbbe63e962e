"""Root-field resolvers, one module per domain: GraphQL arguments in, scoped SQL out."""
