"""REST API of studies: curators create, close and analyse them; raters fetch items and rate."""

from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from enhancer.study_statistics import study_statistics
from webapp.accounts.roles import Role, has_role, role_permission
from webapp.core.renderers import FILE_RENDERERS, NOT_ACCEPTABLE, file_type

from . import exports, services
from .models import Assignment, Study
from .serializers import (
    AddRatersSerializer,
    NextItemSerializer,
    RaterStudySerializer,
    RatingInputSerializer,
    StudySerializer,
    StudyStatisticsSerializer,
)

CuratorOrAdmin = role_permission(Role.CURATOR, Role.ADMIN)
Rater = role_permission(Role.RATER)
AnyStudyRole = role_permission(Role.RATER, Role.CURATOR, Role.ADMIN)


class StudyViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    """Studies. A rater sees only the studies assigned to them, and only name, instructions and progress."""

    queryset = Study.objects.all()  # narrowed per user in get_queryset
    serializer_class = StudySerializer

    def get_permissions(self):
        if self.action in ("list", "retrieve"):
            return [AnyStudyRole()]
        if self.action in ("next", "ratings"):
            return [Rater()]
        return [CuratorOrAdmin()]

    def get_queryset(self):
        studies = services.studies_for(self.request.user)
        if has_role(self.request.user, [Role.CURATOR, Role.ADMIN]):
            return services.with_cases_and_raters(studies)
        return services.with_progress(studies, self.request.user)

    def get_serializer_class(self):
        if has_role(self.request.user, [Role.CURATOR, Role.ADMIN]):
            return StudySerializer
        return RaterStudySerializer

    def perform_create(self, serializer):
        data = serializer.validated_data
        try:
            study = services.create_study(
                name=data["name"],
                instructions=data.get("instructions", ""),
                karyograms=data["karyograms"],
                raters=data["raters"],
                created_by=self.request.user,
                repeats=data.get("repeats", 0),
                blank_text=data.get("blank_text", False),
            )
        except services.StudyError as exc:
            raise ValidationError({"detail": str(exc)}) from exc
        serializer.instance = self.get_queryset().get(pk=study.pk)  # answered as the list and detail are

    @extend_schema(
        request=None,
        responses={
            200: NextItemSerializer,
            204: OpenApiResponse(description="all rated"),
            400: OpenApiResponse(description="the study is not open to you for rating"),
        },
    )
    @action(detail=True, methods=["get"])
    def next(self, request, pk=None):
        """The caller's next item to rate; its time runs from this showing (asked for again, it restarts)."""
        study = self.get_object()
        try:
            assignment = services.next_assignment(study, request.user)
        except services.StudyError as exc:
            raise ValidationError({"detail": str(exc)}) from exc
        if assignment is None:
            return Response(status=status.HTTP_204_NO_CONTENT)
        rated, total = services.progress(study, request.user)
        url = request.build_absolute_uri(reverse("rate-image", args=[assignment.token]))
        return Response({"item": assignment.token, "image_url": url, "position": rated + 1, "total": total})

    @extend_schema(request=RatingInputSerializer, responses={201: None})
    @action(detail=True, methods=["post"])
    def ratings(self, request, pk=None):
        """Rate an item; rating it again is a correction and needs a `reason`."""
        study = self.get_object()
        form = RatingInputSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        try:
            rating = services.submit_rating(
                study,
                request.user,
                data["item"],
                abnormality=data["abnormality"],
                quality=data["quality"],
                sharpness=data["sharpness"],
                duration_seconds=data.get("duration_seconds"),
                hidden_seconds=data.get("hidden_seconds"),
                reason=data.get("reason", ""),
            )
        except services.StudyError as exc:
            raise ValidationError({"detail": str(exc)}) from exc
        return Response(
            {
                "item": data["item"],
                "version": rating.version,
                "duration_seconds": round(rating.duration_seconds, 3),
            },
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(request=None, responses={200: StudyStatisticsSerializer})
    @action(detail=True, methods=["get"])
    def statistics(self, request, pk=None):
        """Per rater and hypothesis: paired t-test (Table 1), Wilcoxon, CI, effect size, Holm; agreement."""
        return Response(study_statistics(services.rating_records(self.get_object())))

    @extend_schema(request=None, responses={(200, "text/csv"): str, 406: NOT_ACCEPTABLE})
    @action(detail=True, methods=["get"], renderer_classes=FILE_RENDERERS)
    def export(self, request, pk=None):
        """Raw ratings as CSV (`?what=results`: statistics per rater and hypothesis; `?what=agreement`)."""
        study = self.get_object()
        file_type(request, ["text/csv"])
        what = request.query_params.get("what")
        if what == "results":
            body, name = exports.results_csv(study_statistics(services.rating_records(study))), "results"
        elif what == "agreement":
            body, name = exports.agreement_csv(study_statistics(services.rating_records(study))), "agreement"
        else:
            body, name = exports.ratings_csv(study), "ratings"
        response = HttpResponse(body, content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="study-{study.pk}-{name}.csv"'
        return response

    @extend_schema(request=AddRatersSerializer, responses={200: StudySerializer})
    @action(detail=True, methods=["post"], url_path="raters")
    def add_raters(self, request, pk=None):
        """Add raters (usernames) to an open study; each gets their own stored order, as at creation."""
        study = self.get_object()
        form = AddRatersSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        try:
            study = services.add_raters(
                study, form.validated_data["raters"], request.user, request.META.get("REMOTE_ADDR")
            )
        except services.StudyError as exc:
            raise ValidationError({"raters": [str(exc)]}) from exc
        return Response(StudySerializer(study, context={"request": request}).data)

    @extend_schema(request=None, responses={200: StudySerializer})
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        """Close the study: no more ratings."""
        return self._set_state(Study.State.CLOSED)

    @extend_schema(request=None, responses={200: StudySerializer})
    @action(detail=True, methods=["post"], url_path="open")
    def reopen(self, request, pk=None):
        """Open the study again for ratings."""
        return self._set_state(Study.State.OPEN)

    def _set_state(self, state: str) -> Response:
        with transaction.atomic():
            study = get_object_or_404(Study.objects.select_for_update(), pk=self.get_object().pk)
            study.state = state
            study.save(update_fields=["state"])
        return Response(StudySerializer(study, context={"request": self.request}).data)


class ItemImageView(APIView):
    """A blinded image, by the opaque token of the caller's own assignment; nothing else identifies it."""

    permission_classes = [Rater]
    renderer_classes = FILE_RENDERERS

    @extend_schema(responses={(200, "image/png"): bytes, 406: NOT_ACCEPTABLE})
    def get(self, request, token: str):
        assignment = (
            Assignment.objects.select_related("image").filter(token=token, rater=request.user).first()
        )
        if assignment is None:
            raise NotFound("No such item.")
        file_type(request, ["image/png"])
        return services.study_image_response(assignment.image)
