"""Trading: negotiations over licence offers, contracts and their text, signing keys,
paying into escrow, settlement, and the trade's flow between its steps.
"""
