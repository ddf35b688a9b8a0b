"""Users and their roles (Django groups)."""
