"""Transfers: one lifecycle owns a Transfer row from claim to end; one runner per direction does the copying."""
