"""API shapes of studies. Raters get only what cannot unblind: no cases, arms or file names."""

from django.contrib.auth import get_user_model
from rest_framework import serializers

from webapp.cases.models import Karyogram

from . import services
from .models import Study


class RaterStudySerializer(serializers.ModelSerializer):
    """Studies annotated by `services.with_progress` for the calling rater."""

    rated = serializers.IntegerField(read_only=True)
    total = serializers.IntegerField(read_only=True)

    class Meta:
        model = Study
        fields = ["id", "name", "instructions", "state", "rated", "total"]


class StudySerializer(serializers.ModelSerializer):
    """For curators and admins: creation from karyogram ids and rater usernames; reads studies fetched by
    `services.with_cases_and_raters`."""

    karyograms = serializers.PrimaryKeyRelatedField(
        many=True, write_only=True, queryset=Karyogram.objects.all()
    )
    raters = serializers.SlugRelatedField(
        many=True, slug_field="username", queryset=get_user_model().objects.all()
    )
    cases = serializers.SerializerMethodField()
    items_per_rater = serializers.SerializerMethodField(
        help_text="items each rater gets: both versions of every case and the hidden repeats"
    )
    blank_text = serializers.BooleanField(
        default=False, help_text="paint text outside the slots over, in both arms"
    )
    text_outside_slots = serializers.SerializerMethodField(
        help_text="per study case with text found outside the slots: where it is and whether it was blanked"
    )

    class Meta:
        model = Study
        fields = [
            "id",
            "name",
            "instructions",
            "state",
            "repeats",
            "karyograms",
            "raters",
            "cases",
            "items_per_rater",
            "blank_text",
            "text_outside_slots",
            "created",
        ]
        read_only_fields = ["state", "created"]

    def validate(self, attrs: dict) -> dict:
        """Repeats the study can serve (the karyograms are checked by `services.create_study`)."""
        try:
            services.check_repeats(attrs.get("repeats", 0), len(attrs.get("karyograms", [])))
        except services.StudyError as exc:
            raise serializers.ValidationError({"repeats": [str(exc)]}) from exc
        return attrs

    def get_cases(self, study: Study) -> int:
        return study.study_cases.count()

    def get_items_per_rater(self, study: Study) -> int:
        return services.study_items(study)[0]

    def get_text_outside_slots(self, study: Study) -> list[dict]:
        return [
            {
                "study_case": sc.pk,
                "karyogram": sc.job.karyogram_id,
                "text": sc.text_outside,
                "blanked": bool(sc.blanked),
            }
            for sc in study.study_cases.all()  # in pk order, with their jobs: `services.with_cases_and_raters`
            if sc.text_outside
        ]


class NextItemSerializer(serializers.Serializer):
    item = serializers.CharField()
    image_url = serializers.URLField()
    position = serializers.IntegerField()
    total = serializers.IntegerField()


class RatingInputSerializer(serializers.Serializer):
    item = serializers.CharField(max_length=64)
    abnormality = serializers.CharField(max_length=500, allow_blank=True)
    quality = serializers.JSONField()
    sharpness = serializers.JSONField()
    duration_seconds = serializers.JSONField(required=False, allow_null=True)
    hidden_seconds = serializers.JSONField(
        required=False,
        allow_null=True,
        help_text="seconds the page was hidden while the item was shown (Page Visibility API); subtracted from "
        "the server's time, and no more than it",
    )
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True)


class AddRatersSerializer(serializers.Serializer):
    """Raters to add to an open study (`services.add_raters` checks them): each gets their own stored order."""

    raters = serializers.SlugRelatedField(
        many=True, allow_empty=False, slug_field="username", queryset=get_user_model().objects.all()
    )
