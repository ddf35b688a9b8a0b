from django.contrib import admin

from webapp.core.admin import ReadOnlyAdmin

from .models import Case, EnhancementJob, JobCell, Karyogram


class KaryogramInline(admin.TabularInline):
    model = Karyogram
    fields = ("original_name", "format", "width", "height", "quality", "sha256")
    readonly_fields = fields
    extra = 0
    can_delete = False


@admin.register(Case)
class CaseAdmin(admin.ModelAdmin):
    list_display = ("accession", "sample_type", "known_karyotype", "created_by", "created")
    search_fields = ("accession", "known_karyotype", "referral_reason")
    list_filter = ("sample_type",)
    inlines = (KaryogramInline,)


@admin.register(EnhancementJob)
class EnhancementJobAdmin(ReadOnlyAdmin):
    """Read-only: jobs are started, retried and fed by the pipeline, never written by hand."""

    list_display = (
        "pk",
        "karyogram",
        "state",
        "progress",
        "attempts",
        "model_version",
        "created",
        "finished",
    )
    list_filter = ("state",)


@admin.register(JobCell)
class JobCellAdmin(ReadOnlyAdmin):
    list_display = ("job", "label", "index", "object_count")
