"""Storage: versioned documents, sets, indexes with history, transactions and the write-ahead log.

Knows nothing about FQL: the language layer calls `Store.put` / `Store.define` inside a transaction.
"""
