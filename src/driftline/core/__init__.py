"""The core: errors, settings, clock, hashing, URLs, the reference grammar (stdlib only)."""
