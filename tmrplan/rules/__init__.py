"""Rule cards as reviewed data: schema, facts, outcomes, the engine adapter, the ledger, self-tests, lint."""
