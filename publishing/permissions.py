"""The permission policy of each model in this app (see accounts.permissions)."""
