"""Framework-free domain vocabulary of the exchange."""
