"""API representations of cases, karyograms and jobs."""

from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from .models import Case, EnhancementJob, Karyogram, Remedy, duplicate_accession


class CaseSerializer(serializers.ModelSerializer):
    created_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    karyotype_warning = serializers.CharField(
        source="karyotype_problem",
        read_only=True,
        help_text="why known_karyotype is not readable as ISCN (the study statistics then leave the case out "
        "of their detection analysis); empty when it is readable or blank",
    )

    class Meta:
        model = Case
        fields = [
            "id",
            "accession",
            "sample_type",
            "referral_reason",
            "known_karyotype",
            "karyotype_warning",
            "notes",
            "created_by",
            "created",
            "updated",
        ]
        read_only_fields = ["id", "created_by", "created", "updated"]

    def validate_accession(self, accession: str) -> str:
        """Refuse an accession another case has, ignoring upper/lower case (kept as typed otherwise)."""
        if message := duplicate_accession(accession, self.instance):
            raise serializers.ValidationError(message, code="unique")
        return accession


class GuardSerializer(serializers.Serializer):
    """The fidelity guard's verdict on a cell: the strength it allows and why."""

    strength_cap = serializers.FloatField(
        help_text="1 passed; lower: enhanced at most this much; 0 left as original"
    )
    reason = serializers.CharField(help_text="plain words; empty when the cell passed")
    measures = serializers.DictField(
        child=serializers.FloatField(),
        help_text="mask IoU, length ratio, grid ratio, band counts at full strength; the homologs' band "
        "correlation in the input and the output (input_homolog_corr, homolog_corr) where the input's pair "
        "agrees (r ≥ 0.5)",
    )


class StainingSerializer(serializers.Serializer):
    """What the model's staining depth did to the whole karyogram: one gain for every cell, less where
    a cell's bands are or would turn black."""

    gain = serializers.FloatField(
        help_text="darkness below each cell's chromosome threshold × this; 1: left as it was"
    )
    darkness = serializers.FloatField(
        allow_null=True,
        help_text="the karyogram's mean darkness (1 − grey/background) as the model left it; null: too little "
        "chromosome to measure",
    )
    deepened_to = serializers.FloatField(allow_null=True, help_text="its darkness after the gain")
    target = serializers.FloatField(help_text="the excellent training cells' darkness it is deepened toward")
    max_gain = serializers.FloatField(help_text="the most gain the model card allows")
    limited = serializers.IntegerField(
        help_text="cells deepened less than the gain, or not at all: their bands are black already or would "
        "turn black"
    )
    description = serializers.CharField(source="describe", help_text="the same in plain words")


class ReportFigureSerializer(serializers.Serializer):
    """One figure of the whole karyogram's report beside the target it is held to."""

    name = serializers.CharField(
        help_text="e.g. mask IoU, length, grid texture, band contrast, homolog agreement"
    )
    value = serializers.CharField(help_text='as shown, e.g. "0.968", "1.03×" or "0.844 → 0.835"')
    target = serializers.CharField(help_text="the product's target for a whole karyogram, e.g. ≥ 0.95")
    holds = serializers.BooleanField(
        allow_null=True, help_text="whether the target holds; null: not measured"
    )
    meaning = serializers.CharField(help_text="what the figure says, in plain words")


class KaryogramReportSerializer(serializers.Serializer):
    """The result as downloaded measured whole against the original, with no ground truth
    (`enhancer.karyogram_report`); the guard judged each cell on its own, this the karyogram as a whole."""

    mask_iou = serializers.FloatField(
        help_text="chromosome masks of result and original, inside the slot boxes"
    )
    length_ratio = serializers.FloatField(
        help_text="the result's chromosomes along the original's medial axes, over the original's"
    )
    grid_ratio = serializers.FloatField(
        help_text="checkerboard (period-2) energy inside the chromosomes, over the original's"
    )
    band_contrast_ratio = serializers.FloatField(
        help_text="band-scale contrast inside the chromosomes, over the original's"
    )
    homolog_corr_before = serializers.FloatField(
        allow_null=True,
        help_text="mean band-profile correlation of the homolog pairs in the original; null: no pair compared",
    )
    homolog_corr_after = serializers.FloatField(allow_null=True, help_text="the same in the result")
    homolog_pairs = serializers.IntegerField(help_text="how many homolog pairs were compared")
    figures = ReportFigureSerializer(
        many=True, help_text="each figure beside its target, as the job page shows them"
    )
    shortfalls = serializers.ListField(
        child=serializers.CharField(),
        help_text="the targets that do not hold, in plain words; empty: all measured hold",
    )
    description = serializers.CharField(
        source="describe", help_text="the same in one line, as the command line says it"
    )


class JobCellSerializer(serializers.Serializer):
    label = serializers.CharField()
    box = serializers.ListField(child=serializers.IntegerField())
    objects = serializers.IntegerField(source="object_count")
    strength = serializers.FloatField(help_text="as set; the result uses min(strength, guard.strength_cap)")
    applied_strength = serializers.FloatField(
        read_only=True, help_text="the strength the result uses: `strength`, at most the guard's cap"
    )
    guard = GuardSerializer(source="verdict", allow_null=True, read_only=True)


class JobProgressSerializer(serializers.ModelSerializer):
    """What a page polling a running job needs, and nothing of the case: it is read every second, unaudited."""

    stage = serializers.CharField(
        read_only=True,
        help_text='where the job stands, in words: its state, or "Cancelling" once a cancel is asked',
    )
    active = serializers.BooleanField(
        source="is_active", read_only=True, help_text="whether the job is still queued or running"
    )
    cancellable = serializers.BooleanField(
        source="is_cancellable", read_only=True, help_text="whether POST cancel/ can still stop it"
    )
    error = serializers.CharField(
        read_only=True,
        help_text="why the job failed, as the web pages say it; empty otherwise",
    )
    remedies = serializers.ListField(
        child=serializers.ChoiceField(choices=Remedy.choices),
        read_only=True,
        help_text="what can change the outcome of a failed job (or the slot counts of a finished one): split (a "
        "figure of several karyograms: POST split/), boxes (run again with corrected slot boxes, on its page), "
        "retry (run again as it is: the failure was not the slicer's verdict on the image, or it was cancelled); "
        "empty while it runs, when it finished well, for a figure already split and for an image without "
        "chromosomes, where running it again could only end the same way",
    )
    waiting_for_worker = serializers.CharField(
        read_only=True,
        help_text="why an unfinished job has not moved for a while when no worker takes its next step "
        "(or the broker is down); empty otherwise",
    )

    class Meta:
        model = EnhancementJob
        fields = [
            "id",
            "state",
            "stage",
            "progress",
            "active",
            "cancellable",
            "error",
            "waiting_for_worker",
            "panels",
            "remedies",
        ]
        read_only_fields = fields


class JobSerializer(JobProgressSerializer):
    """A job with its options, cells, warnings, timings and result: a read of results, audited."""

    cells = JobCellSerializer(
        source="cell_rows", many=True, read_only=True, help_text="one row per cell (`cell_count` of them)"
    )
    result_url = serializers.SerializerMethodField()
    staining = StainingSerializer(
        source="staining_depth",
        allow_null=True,
        read_only=True,
        help_text="null before the cells are enhanced, or for a model without the staining depth",
    )
    report = KaryogramReportSerializer(
        source="karyogram_report",
        allow_null=True,
        read_only=True,
        help_text="the result as downloaded measured whole against the original (measured again at each strength "
        "change); null before the job is done, and where its cells can no longer be read to measure it",
    )
    layout_warnings = serializers.ListField(
        child=serializers.CharField(),
        read_only=True,
        help_text="what looks wrong in the slot boxes' chromosome counts (an empty autosome slot, a crowded "
        "slot, no sex chromosome); empty when the karyogram was sliced as one should be",
    )

    class Meta:
        model = EnhancementJob
        fields = [
            *JobProgressSerializer.Meta.fields,
            "karyogram",
            "attempts",
            "model_version",
            "device",
            "strength",
            "cell_count",
            "cells",
            "staining",
            "report",
            "layout_warnings",
            "layout_guess",
            "timings",
            "created",
            "started",
            "finished",
            "updated",
            "result_url",
        ]
        read_only_fields = fields

    def get_result_url(self, job: EnhancementJob) -> str | None:
        if not job.result:
            return None
        request = self.context.get("request")
        url = reverse("api-job-result", args=[job.pk])
        return request.build_absolute_uri(url) if request else url


class StrengthsSerializer(serializers.Serializer):
    strengths = serializers.DictField(
        child=serializers.FloatField(min_value=0.0, max_value=1.0),
        allow_empty=False,
        help_text="cell label → strength between 0 (the original) and 1",
    )


class KaryogramSerializer(serializers.ModelSerializer):
    job = serializers.SerializerMethodField()
    same_file_as = serializers.IntegerField(
        source="same_file_as.pk",
        read_only=True,
        allow_null=True,
        help_text="id of the case's earlier karyogram with the very same bytes, if any",
    )
    same_file_in_other_case = serializers.IntegerField(
        source="same_file_in_other_case.pk",
        read_only=True,
        allow_null=True,
        help_text="id of an earlier karyogram with the very same bytes under another case, if any "
        "(check that the image belongs to this patient)",
    )

    class Meta:
        model = Karyogram
        fields = [
            "id",
            "case",
            "original_name",
            "sha256",
            "size_bytes",
            "format",
            "bit_depth",
            "channels",
            "width",
            "height",
            "quality",
            "created",
            "same_file_as",
            "same_file_in_other_case",
            "split_from",
            "job",
        ]
        read_only_fields = fields

    @extend_schema_field(JobSerializer(allow_null=True, help_text="the karyogram's newest job, if any"))
    def get_job(self, karyogram: Karyogram) -> dict | None:
        """The newest job (jobs are ordered newest first)."""
        job = karyogram.jobs.first()
        return JobSerializer(job, context=self.context).data if job else None


class KaryogramMoveSerializer(serializers.Serializer):
    accession = serializers.CharField(max_length=64, help_text="the accession of the case it belongs to")
    reason = serializers.CharField(max_length=500, help_text="why it is moved; kept in the audit trail")


class UploadSerializer(serializers.Serializer):
    # An empty file passes here to be refused by the upload's own check, in the words the upload page uses
    # ("empty.png: The file is empty."), not DRF's.
    image = serializers.FileField(allow_empty_file=True, help_text="the karyogram image, one file")
    strength = serializers.FloatField(default=1.0, min_value=0.0, max_value=1.0)
    cells = serializers.ChoiceField(
        choices=[23, 24], default=24, help_text="how many cells to cut: 24, or 23 with X and Y in one"
    )
