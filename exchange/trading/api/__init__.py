"""Trading's API: negotiations and contracts."""
