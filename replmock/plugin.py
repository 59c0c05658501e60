"""Plugin: thin pytest glue over replmock.server (fixtures, marker, options); imports nothing heavy at load."""
