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


class ScoreField(serializers.IntegerField):
    """A 1–5 score, typed and bounded in the schema; the messages name the score (`services.submit_rating`
    checks it again for the rating page)."""

    def __init__(self, name: str, **kwargs):
        out_of_range = f"{name} must be from 1 to 5."
        super().__init__(
            min_value=1,
            max_value=5,
            error_messages={
                "invalid": f"{name} must be a whole number from 1 to 5.",
                "min_value": out_of_range,
                "max_value": out_of_range,
            },
            **kwargs,
        )


class SecondsField(serializers.FloatField):
    """A number of seconds from 0: a boolean is no number here (Python's float(True) is 1 s), nor are NaN,
    infinity or a number too large for a float."""

    def __init__(self, what: str, **kwargs):
        not_seconds = f"{what} must be a number of seconds."
        messages = {
            "invalid": not_seconds,
            "overflow": not_seconds,
            "min_value": f"{what} cannot be below 0 s.",
        }
        if "max_value" in kwargs:
            messages["max_value"] = f"{what} must be between 0 and {kwargs['max_value']} seconds."
        super().__init__(min_value=0, error_messages=messages, **kwargs)

    def validate_empty_values(self, data):
        if data == "" and self.allow_null:  # an empty answer is none, as on the rating page
            return True, None
        return super().validate_empty_values(data)

    def to_internal_value(self, data):
        if isinstance(data, bool):
            self.fail("invalid")
        return super().to_internal_value(data)


class RatingInputSerializer(serializers.Serializer):
    item = serializers.CharField(max_length=64)
    abnormality = serializers.CharField(max_length=500, allow_blank=True)
    quality = ScoreField("Overall quality", help_text="overall quality, 1 poor … 5 excellent")
    sharpness = ScoreField("Band sharpness", help_text="band sharpness, 1 sharp … 5 fuzzy (here 1 is best)")
    duration_seconds = SecondsField(
        "The corrected time",
        max_value=services.MAX_CORRECTED_SECONDS,
        required=False,
        allow_null=True,
        help_text="a corrected analysis time in seconds, with a `reason`; left out, the server's measured time "
        "counts",
    )
    hidden_seconds = SecondsField(
        "The time the page was hidden",
        required=False,
        allow_null=True,
        help_text="seconds the page was hidden while the item was shown (Page Visibility API); subtracted from "
        "the server's time, and no more than it",
    )
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True)


def _ci95(help_text: str) -> serializers.ListField:
    return serializers.ListField(
        child=serializers.FloatField(allow_null=True), min_length=2, max_length=2, help_text=help_text
    )


class HypothesisSerializer(serializers.Serializer):
    score = serializers.CharField(help_text="the rating field compared: quality, sharpness or duration")
    alternative = serializers.ChoiceField(
        ["greater", "less"], help_text="one-sided alternative for enhanced − original"
    )
    text = serializers.CharField()


class WilcoxonSerializer(serializers.Serializer):
    p = serializers.FloatField(allow_null=True)
    variant = serializers.CharField(help_text="how the p-value was computed, or why it was not")
    zero_method = serializers.CharField()
    n_nonzero = serializers.IntegerField()
    zeros_dropped = serializers.IntegerField()
    ties = serializers.BooleanField()


class PairedTestSerializer(serializers.Serializer):
    """One rater and hypothesis: the study cases the rater scored in both arms (hidden repeats left out)."""

    n = serializers.IntegerField(help_text="pairs")
    mean_original = serializers.FloatField(allow_null=True)
    mean_enhanced = serializers.FloatField(allow_null=True)
    mean_diff = serializers.FloatField(allow_null=True, help_text="mean of enhanced − original")
    ci95 = _ci95(
        "two-sided 95 % t-interval of the mean difference, [low, high], only when it is a valid interval: with a "
        "width (the differences have some spread), finite and, for the 1–5 scores, within −4 to 4; otherwise "
        "both bounds are null and `ci95_note` says why (with fewer than 2 pairs, or on few pairs whose "
        "interval reaches past what a difference of two scores can be)"
    )
    ci95_note = serializers.CharField(allow_null=True, help_text="why `ci95` is not given; null when it is")
    t = serializers.FloatField(allow_null=True)
    p_ttest = serializers.FloatField(
        allow_null=True, help_text="one-sided paired t-test (the paper's Table 1)"
    )
    p_wilcoxon = serializers.FloatField(allow_null=True)
    wilcoxon = WilcoxonSerializer()
    effect_size = serializers.FloatField(allow_null=True, help_text="Cohen's d_z")
    p_holm = serializers.FloatField(
        allow_null=True, help_text="the t-test's p-value, Holm-corrected over every rater × hypothesis"
    )


class RaterTestsSerializer(serializers.Serializer):
    H1 = PairedTestSerializer()
    H2 = PairedTestSerializer()
    H3 = PairedTestSerializer()


class KappaSerializer(serializers.Serializer):
    form = serializers.CharField()
    n = serializers.IntegerField(help_text="cases both scored")
    kappa = serializers.FloatField(allow_null=True)
    ci95 = _ci95(
        "asymptotic (Wald) 95 % CI, [low, high], only when it is a valid interval: with a width (a large-sample "
        "standard error above 0), and within −1 to 1; otherwise both bounds are null and `ci95_note` says why "
        "(on few cases the interval can reach past 1 or −1, and at perfect agreement it is a single point)"
    )
    ci95_note = serializers.CharField(allow_null=True, help_text="why `ci95` is not given; null when it is")
    reliable = serializers.BooleanField(help_text="false below 30 cases, and whenever no CI is given")
    note = serializers.CharField(
        help_text="what the figure can mean, or why it is not computed, with the reason for any missing CI"
    )


class RaterPairKappaSerializer(KappaSerializer):
    raters = serializers.ListField(child=serializers.CharField(), min_length=2, max_length=2)


class IccSerializer(serializers.Serializer):
    form = serializers.ChoiceField(["ICC(2,1)", "ICC(2,k)"])
    description = serializers.CharField()
    value = serializers.FloatField(
        allow_null=True,
        help_text="null when not computed, or when the estimate lies outside what the ICC can be (ICC(2,1) "
        "from −1/(k−1) to 1, ICC(2,k) at most 1): `note` says why",
    )
    ci95 = _ci95(
        "McGraw & Wong's F-based 95 % CI, [low, high], only when it is a valid interval: finite, low ≤ value ≤ "
        "high, and within what the ICC can be; otherwise both bounds are null and `ci95_note` says why (on "
        "few cases rated by every rater the approximation can give a lower bound below −1/(k−1), or one above "
        "the upper)"
    )
    ci95_note = serializers.CharField(allow_null=True, help_text="why `ci95` is not given; null when it is")
    n = serializers.IntegerField(help_text="cases every rater scored")
    raters = serializers.IntegerField(help_text="k")
    reliable = serializers.BooleanField(help_text="false below 30 cases, and whenever no CI is given")
    note = serializers.CharField(help_text="what the figure can mean, with the reason for any missing CI")


class AgreementSerializer(serializers.Serializer):
    kappa_quadratic = RaterPairKappaSerializer(many=True, help_text="per pair of raters")
    icc = IccSerializer(many=True, help_text="ICC(2,1), then ICC(2,k)")


class ConsistencyScoreSerializer(serializers.Serializer):
    exact_agreement = serializers.FloatField(allow_null=True)
    mean_abs_diff = serializers.FloatField(allow_null=True)
    kappa_quadratic = KappaSerializer()


class ConsistencySerializer(serializers.Serializer):
    n = serializers.IntegerField(help_text="hidden repeats with a first showing")
    quality = ConsistencyScoreSerializer()
    sharpness = ConsistencyScoreSerializer()


class DetectionArmSerializer(serializers.Serializer):
    n = serializers.IntegerField()
    detected = serializers.IntegerField()


class DetectionSerializer(serializers.Serializer):
    original = DetectionArmSerializer()
    enhanced = DetectionArmSerializer()
    unreadable = serializers.ListField(
        child=serializers.CharField(), help_text="known karyotypes not readable as ISCN, left out"
    )
    pairs = serializers.IntegerField()
    table = serializers.ListField(
        child=serializers.ListField(child=serializers.IntegerField(), min_length=2, max_length=2),
        min_length=2,
        max_length=2,
        help_text="[[both, only original], [only enhanced, neither]]",
    )
    p_mcnemar = serializers.FloatField(allow_null=True, help_text="exact; null without discordant pairs")


class StudyStatisticsSerializer(serializers.Serializer):
    """What `GET /api/studies/{id}/statistics/` answers (`enhancer.study_statistics.study_statistics`); the
    maps are empty before the first rating."""

    hypotheses = serializers.DictField(child=HypothesisSerializer(), help_text="by key: H1, H2, H3")
    raters = serializers.DictField(child=RaterTestsSerializer(), help_text="by rater's username")
    agreement = serializers.DictField(
        child=AgreementSerializer(),
        help_text="by arm and score: original_quality, original_sharpness, enhanced_quality, enhanced_sharpness",
    )
    consistency = serializers.DictField(child=ConsistencySerializer(), help_text="by rater's username")
    detection = serializers.DictField(child=DetectionSerializer(), help_text="by rater's username")


class AddRatersSerializer(serializers.Serializer):
    """Raters to add to an open study (`services.add_raters` checks them): each gets their own stored order."""

    raters = serializers.SlugRelatedField(
        many=True, allow_empty=False, slug_field="username", queryset=get_user_model().objects.all()
    )
