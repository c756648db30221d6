"""Trading's pages: negotiations and contracts, from an offer to settlement."""
