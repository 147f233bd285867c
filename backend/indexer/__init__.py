"""The event indexer: every event of every deployed contract, followed into SQL."""
