"""Reference data the whole cycle reads: the return's schema, national codes, periods and the
policy profiles (one regime each)."""
