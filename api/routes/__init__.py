"""HTTP routes, thin: parse, authorise (dependencies), query (api.queries), render."""
