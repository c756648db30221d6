"""The rights registry (确权): applications on public notice, objections, certificates, and
rights moved by trades.
"""
