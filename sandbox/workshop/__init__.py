"""The workshop session: the saved chain a room shares, the collection, words to ABI values."""
