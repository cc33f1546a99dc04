"""techreform."""
