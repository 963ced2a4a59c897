"""Everything the API derives from the .proto contract (never written twice by hand)."""
