"""Celery task adapters, registered by name on the app of `webapp.celery`: each loads a row, calls a
`webapp` service or an `enhancer` function, and stores the result."""
