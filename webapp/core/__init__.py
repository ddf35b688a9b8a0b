"""Site-wide pages (home, health) and operational commands."""
