"""Per-store state and rules, free of HTTP. Each backend is given its ``Store`` on creation."""
