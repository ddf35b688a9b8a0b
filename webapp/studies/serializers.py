"""API shapes of studies. Raters get only what cannot unblind: no cases, arms or file names."""

from django.contrib.auth import get_user_model
from rest_framework import serializers

from webapp.cases.models import Karyogram

from .models import Study


class RaterStudySerializer(serializers.ModelSerializer):
    """Studies annotated by `services.with_progress` for the calling rater."""

    rated = serializers.IntegerField(read_only=True)
    total = serializers.IntegerField(read_only=True)

    class Meta:
        model = Study
        fields = ["id", "name", "instructions", "state", "rated", "total"]


class StudySerializer(serializers.ModelSerializer):
    """For curators and admins: creation from karyogram ids and rater usernames."""

    karyograms = serializers.PrimaryKeyRelatedField(many=True, write_only=True, queryset=Karyogram.objects.all())
    raters = serializers.SlugRelatedField(many=True, slug_field="username", queryset=get_user_model().objects.all())
    cases = serializers.SerializerMethodField()

    class Meta:
        model = Study
        fields = ["id", "name", "instructions", "state", "repeats", "karyograms", "raters", "cases", "created"]
        read_only_fields = ["state", "created"]

    def get_cases(self, study: Study) -> int:
        return study.study_cases.count()


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
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True)
