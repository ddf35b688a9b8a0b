from django.contrib import admin

from webapp.core.admin import ReadOnlyAdmin

from .models import Dataset, ModelComparison, ModelVersion, TrainingRun


@admin.register(Dataset)
class DatasetAdmin(ReadOnlyAdmin):
    """Read-only: a dataset is an immutable snapshot; new ones are made on the curation pages."""

    list_display = ("name", "state", "test_fraction", "seed", "created_by", "created")
    list_filter = ("state",)
    search_fields = ("name",)


@admin.register(TrainingRun)
class TrainingRunAdmin(ReadOnlyAdmin):
    """Read-only: runs are started and cancelled on the curation pages, and moved on by the workers."""

    list_display = (
        "pk",
        "dataset",
        "preset",
        "state",
        "progress",
        "iteration",
        "iterations",
        "model",
        "created",
    )
    list_filter = ("state", "preset")


@admin.register(ModelVersion)
class ModelVersionAdmin(ReadOnlyAdmin):
    """Read-only: activation is gated by the evaluation on the models page (an admin override is audited)."""

    list_display = ("name", "source", "is_active", "dataset", "weights_sha256", "created")
    list_filter = ("source", "is_active")
    search_fields = ("name", "weights_sha256")


@admin.register(ModelComparison)
class ModelComparisonAdmin(ReadOnlyAdmin):
    """Read-only: comparisons are asked for on the models page and made by a worker."""

    list_display = ("pk", "first", "second", "state", "created_by", "created")
    list_filter = ("state",)
