"""ChromoEnhancer web application (Django project)."""
