"""The regulators' pages: the market portal and the alerts."""
