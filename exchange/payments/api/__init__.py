"""The payments API: paying into escrow, and Stripe's signed webhook."""
