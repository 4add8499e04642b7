"""Text renderings of records: describe(), view()."""
