"""Moving, hashing and reading bytes; knows nothing of records."""
