"""REST API for technologists and scripts: cases, karyogram upload, jobs and results."""

import re

from django.db import transaction
from django.http import FileResponse
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import APIException, ValidationError
from rest_framework.response import Response

from webapp.accounts.roles import Role, role_permission
from webapp.core.renderers import FILE_RENDERERS, NOT_ACCEPTABLE, file_type

from . import services
from .models import AccessionTaken, Case, EnhancementJob, JobState, Karyogram, saving_case
from .serializers import (
    CaseSerializer,
    JobProgressSerializer,
    JobSerializer,
    KaryogramMoveSerializer,
    KaryogramSerializer,
    StrengthsSerializer,
    UploadSerializer,
)

TechnologistOrAdmin = role_permission(Role.TECHNOLOGIST, Role.ADMIN)


class StorageUnavailable(APIException):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_code = "storage_unavailable"


def _job_is(job: EnhancementJob) -> str:
    """Where the job stands, as a refusal begins: "The job failed", "The job is queued"."""
    return "The job failed" if job.state == JobState.FAILED else f"The job is {job.state}"


class CaseViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    queryset = Case.objects.all()
    serializer_class = CaseSerializer
    permission_classes = [TechnologistOrAdmin]

    def perform_create(self, serializer):
        try:
            with saving_case(serializer.validated_data["accession"]):
                serializer.save(created_by=self.request.user)
        except AccessionTaken as taken:
            raise ValidationError({"accession": [str(taken)]}) from None

    @extend_schema(request={"multipart/form-data": UploadSerializer}, responses={201: KaryogramSerializer})
    @action(detail=True, methods=["post"], url_path="karyograms")
    def karyograms(self, request, pk=None):
        """Upload a karyogram (multipart field `image`, one file per request); its enhancement job starts at once."""
        case = self.get_object()
        sent = request.FILES.getlist("image")
        if len(sent) > 1:  # a form field keeps only the last file: refuse rather than drop the others unseen
            names = ", ".join(f.name for f in sent)
            raise ValidationError(
                {
                    "image": [
                        f"Send one karyogram per request; this one carried {len(sent)} ({names}), none was stored."
                    ]
                }
            )
        form = UploadSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        try:
            with transaction.atomic():
                karyogram = services.add_karyogram(case, form.validated_data["image"], request.user)
                services.start_job(
                    karyogram, request.user, form.validated_data["strength"], form.validated_data["cells"]
                )
                # As created (queued): once this commits, a worker may already have moved the job on.
                body = KaryogramSerializer(karyogram, context={"request": request}).data
        except services.UploadError as exc:
            raise ValidationError({"image": [str(exc)]}) from exc
        return Response(body, status=status.HTTP_201_CREATED)


@extend_schema_view(
    list=extend_schema(
        parameters=[OpenApiParameter("case", int, description="only the karyograms of this case (its id)")],
        responses={200: KaryogramSerializer(many=True), 400: OpenApiResponse(description="`case` is no id")},
    )
)
class KaryogramViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Karyograms with their first job; `?case=ID` lists one case's (what a script needs before a move)."""

    queryset = Karyogram.objects.select_related("case").order_by("pk")
    serializer_class = KaryogramSerializer
    permission_classes = [TechnologistOrAdmin]

    def get_queryset(self):
        queryset = super().get_queryset()
        case = self.request.query_params.get("case")
        if case is not None:
            if not re.fullmatch(r"[0-9]{1,18}", case):  # ASCII digits that fit the database's integer
                raise ValidationError({"case": ["Give the case's id, a whole number."]})
            queryset = queryset.filter(case_id=int(case))
        return queryset

    @extend_schema(request=KaryogramMoveSerializer, responses={200: KaryogramSerializer})
    @action(detail=True, methods=["post"])
    def move(self, request, pk=None):
        """Move a karyogram uploaded to the wrong case to the case `accession`, with its jobs; `reason` is kept
        in the audit trail. A figure takes along the panels cut from it that are still in its case; a panel
        moves alone (a figure may hold several patients' karyograms). Answers the karyogram in its new case."""
        karyogram = self.get_object()
        form = KaryogramMoveSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        try:
            ip = request.META.get("REMOTE_ADDR") or None
            services.move_karyogram(karyogram, user=request.user, ip=ip, **form.validated_data)
        except services.MoveRefused as exc:
            raise ValidationError({exc.field: [str(exc)]}) from exc
        karyogram.refresh_from_db()
        return Response(self.get_serializer(karyogram).data)


class JobViewSet(mixins.RetrieveModelMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    queryset = EnhancementJob.objects.select_related("karyogram").prefetch_related("cell_rows")
    serializer_class = JobSerializer
    permission_classes = [TechnologistOrAdmin]

    def retrieve(self, request, pk=None):
        """A job with its options, cells, warnings, timings, report and result."""
        job = self.get_object()
        services.measure_unmeasured(job)
        return Response(self.get_serializer(job).data)

    # Polling reads the job row alone, every second: not its karyogram nor its cells.
    @action(detail=True, queryset=EnhancementJob.objects.all(), serializer_class=JobProgressSerializer)
    def progress(self, request, pk=None):
        """A job's state and progress only (no case data), for pages that poll it; unlike the job itself,
        reading it is not an audit event, so a page open on a running job does not write one a second."""
        return Response(self.get_serializer(self.get_object()).data)

    @extend_schema(request=None, responses={202: JobSerializer})
    @action(detail=True, methods=["post"])
    def retry(self, request, pk=None):
        """Run a failed or finished job again as a new job with the same options (not a figure split into
        its panels)."""
        job = self.get_object()
        try:
            with transaction.atomic():
                new = services.retry_job(job, request.user)
        except services.RetryRefused as exc:
            raise ValidationError({"state": [str(exc)]}) from exc
        return Response(
            JobSerializer(new, context={"request": request}).data, status=status.HTTP_202_ACCEPTED
        )

    @extend_schema(request=None, responses={202: JobProgressSerializer})
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        """Stop a job started by mistake: a queued job is cancelled at once (state `cancelled`), a running one
        before its next step (`stage` "Cancelling" until then). Refused once it has ended."""
        job = self.get_object()
        cancelled = EnhancementJob.objects.cancel(job.pk)
        if cancelled is None:
            job.refresh_from_db()
            raise ValidationError({"state": [f"Nothing to cancel: the job is {job.stage.lower()}."]})
        return Response(JobProgressSerializer(cancelled).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(request=None, responses={201: KaryogramSerializer(many=True)})
    @action(detail=True, methods=["post"])
    def split(self, request, pk=None):
        """Split a figure of several karyograms (the `panels` its failed job found) into one karyogram per
        panel in the same case, each cut without loss and enhanced; answers the new karyograms."""
        job = self.get_object()
        try:
            panels = services.split_into_panels(job, request.user)
        except (services.SplitRefused, services.UploadError) as exc:
            raise ValidationError({"panels": [str(exc)]}) from exc
        body = KaryogramSerializer(panels, many=True, context={"request": request}).data
        return Response(body, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=StrengthsSerializer,
        responses={200: JobSerializer, 503: OpenApiResponse(description="the result could not be saved")},
    )
    @action(detail=True, methods=["post"])
    def strengths(self, request, pk=None):
        """Set the strength of some cells of a finished job (JSON `{"strengths": {"1": 0.5}}`); only the blend
        runs again, not the model. Answers the job with its cells and the time of the new result."""
        job = self.get_object()
        if job.state != JobState.DONE:
            raise ValidationError({"state": [f"{_job_is(job)}; strengths apply to a finished job."]})
        form = StrengthsSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        try:
            services.set_cell_strengths(job, form.validated_data["strengths"])
        except ValueError as exc:
            raise ValidationError({"strengths": [str(exc)]}) from exc
        except OSError as exc:
            raise StorageUnavailable(
                f"The result could not be saved ({exc.strerror or exc}); the original "
                "is intact, try again once the server's storage is fixed."
            ) from exc
        return Response(JobSerializer(self.get_queryset().get(pk=job.pk), context={"request": request}).data)

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "as",
                str,
                enum=["png"],
                description="png: as PNG; omit for the original's format (or what Accept prefers)",
            )
        ],
        responses={
            (200, "image/*"): bytes,
            400: OpenApiResponse(description="no result yet, or a format it cannot be converted to"),
            406: NOT_ACCEPTABLE,
        },
    )
    @action(
        detail=True, methods=["get"], url_path="result", url_name="result", renderer_classes=FILE_RENDERERS
    )
    def result(self, request, pk=None):
        """The enhanced karyogram, in the original's format, or as PNG (`?as=png`, or an Accept header that
        prefers `image/png`)."""
        job = self.get_object()
        if job.state != JobState.DONE or not job.result:
            no_result = "there is no result yet" if job.is_active else "there is no result"
            raise ValidationError({"state": [f"{_job_is(job)}; {no_result}."]})
        wanted = request.query_params.get("as")
        if wanted is not None and wanted.lower() != "png":
            raise ValidationError(
                {
                    "as": [
                        f"Cannot convert to {wanted!r}: ask for ?as=png, or nothing for the original's format."
                    ]
                }
            )
        original = job.karyogram.media_type
        chosen = file_type(request, ["image/png"] if wanted is not None else [original, "image/png"])
        png = wanted is not None or chosen != original
        field = job.result_png if png else job.result
        return FileResponse(field.open("rb"), as_attachment=True, filename=services.download_name(job, png))
