"""The money machinery trading uses: gateways (bank transfer, Stripe) and double-entry
escrow. Paying for a contract and settling it are trade steps (exchange.trading).
"""
