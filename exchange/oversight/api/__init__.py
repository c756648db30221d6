"""The regulators' API: the market (dashboard, trades, dossiers) and the alerts."""
