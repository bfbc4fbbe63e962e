"""Domain rules: plain Python over the models, importable without GraphQL or HTTP."""
