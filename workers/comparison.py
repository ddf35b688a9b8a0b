"""Celery task comparing two model versions on the same cells (queue cpu), a thin adapter over
`webapp.curation.comparison`."""

from celery import shared_task

from webapp.core import queue
from webapp.curation import comparison

from .tasks import RETRY


@shared_task(name=queue.COMPARE, **RETRY)
def compare_models_task(*, comparison_pk: int) -> None:
    """Enhance the sample cells with both versions and store them for the comparison page."""
    comparison.run_comparison(comparison_pk)
