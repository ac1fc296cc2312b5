"""The interpreter and volunteer pool, interpreter assignments and navigators (filled in with the booking work)."""
