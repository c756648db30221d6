"""What every capability shares and none owns: the unit of work, actors and their checks,
the audit log, idempotency records and caching. No Flask, no capability.
"""
