"""Pages for technologists: cases, uploads, live job progress and the result viewer."""

from django.conf import settings
from django.contrib import messages
from django.contrib.messages.views import SuccessMessageMixin
from django.core.files.storage import default_storage
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Prefetch, Q
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views import View
from django.views.generic import CreateView, DetailView, UpdateView

from webapp.accounts.roles import Role, RoleRequiredMixin

from . import services
from .forms import CaseForm, LayoutForm, MoveKaryogramForm
from .models import (
    AccessionTaken,
    Case,
    EnhancementJob,
    JobState,
    Karyogram,
    SampleType,
    accession_key,
    first_copies,
    saving_case,
)


class TechnologistPage(RoleRequiredMixin):
    allowed_roles = (Role.TECHNOLOGIST, Role.ADMIN)


class CaseListView(TechnologistPage, View):
    def get(self, request):
        cases = Case.objects.all()
        query = request.GET.get("q", "").strip()
        sample_type = request.GET.get("sample_type", "")
        if query:
            # The accession is matched case-folded: "äöü" finds "ÄÖÜ" on SQLite too.
            cases = cases.filter(
                Q(accession_key__contains=accession_key(query))
                | Q(known_karyotype__icontains=query)
                | Q(referral_reason__icontains=query)
            )
        if sample_type in SampleType.values:
            cases = cases.filter(sample_type=sample_type)
        page = Paginator(cases, 25).get_page(request.GET.get("page"))
        return render(
            request,
            "cases/case_list.html",
            {"page": page, "q": query, "sample_type": sample_type, "sample_types": SampleType.choices},
        )


class CaseSaving:
    """Saving a case form: an accession taken at the same moment by another request (a double click on
    Save) is refused like any other taken accession, not answered with a server error."""

    def form_valid(self, form):
        try:
            with saving_case(form.cleaned_data["accession"], form.instance):
                return super().form_valid(form)
        except AccessionTaken as taken:
            form.add_error("accession", str(taken))
            return self.form_invalid(form)


class CaseCreateView(TechnologistPage, CaseSaving, SuccessMessageMixin, CreateView):
    model = Case
    form_class = CaseForm
    template_name = "cases/case_form.html"
    success_message = "Case %(accession)s created."

    def form_valid(self, form):
        form.instance.created_by = self.request.user
        return super().form_valid(form)


class CaseUpdateView(TechnologistPage, CaseSaving, SuccessMessageMixin, UpdateView):
    model = Case
    form_class = CaseForm
    template_name = "cases/case_form.html"
    success_message = "Case %(accession)s saved."


MOVE_REFUSED = "move-refused"  # session key: a refused move, for the case page it redirects to


class CaseDetailView(TechnologistPage, DetailView):
    model = Case
    template_name = "cases/case_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        karyograms = list(
            self.object.karyograms.select_related("split_from__case").prefetch_related(
                "jobs__cell_rows", Prefetch("split_panels", Karyogram.objects.select_related("case"))
            )
        )
        first_of = first_copies(karyograms)
        refused = self.request.session.pop(MOVE_REFUSED, None)  # shown once, on the row it was typed in
        for karyogram in karyograms:  # a copy is marked on its row
            first = first_of[karyogram.sha256]
            karyogram.copy_of = None if first is karyogram else first
            karyogram.move_form = MoveKaryogramForm.for_row(karyogram.pk, refused)
            # a figure's move takes along its panels still in this case (one moved alone stays where it is)
            karyogram.panels_here = [
                p for p in karyogram.split_panels.all() if p.case_id == karyogram.case_id
            ]
        context["karyograms"] = karyograms
        context["max_upload_bytes"] = settings.MAX_UPLOAD_BYTES
        return context


class UploadView(TechnologistPage, View):
    """Several files at once; each is checked on its own and gets its own message."""

    def post(self, request, pk):
        case = get_object_or_404(Case, pk=pk)
        files = request.FILES.getlist("images")
        if not files:
            messages.error(request, "Choose at least one karyogram image to upload.")
        for uploaded in files:
            try:
                with transaction.atomic():
                    karyogram = services.add_karyogram(case, uploaded, request.user)
                    services.start_job(karyogram, request.user)
                messages.success(request, f"{uploaded.name}: uploaded; enhancement queued.")
                if earlier := karyogram.same_file_as:
                    messages.warning(
                        request,
                        f"{uploaded.name} is byte for byte the same file as {earlier.original_name}, uploaded "
                        f"to this case on {earlier.created:%Y-%m-%d}; both are kept and enhanced.",
                    )
                if elsewhere := karyogram.same_file_in_other_case:
                    messages.warning(
                        request,
                        f"{uploaded.name} is byte for byte the same file as {elsewhere.original_name} of case "
                        f"{elsewhere.case.accession}, uploaded on {elsewhere.created:%Y-%m-%d}: check that it "
                        "belongs to this patient. It is kept and enhanced here too.",
                    )
            except services.UploadError as exc:
                messages.error(request, str(exc))
        return redirect(case)


class KaryogramMoveView(TechnologistPage, View):
    """Move a karyogram uploaded to the wrong case to the right one (`services.move_karyogram`)."""

    def post(self, request, pk):
        karyogram = get_object_or_404(Karyogram.objects.select_related("case"), pk=pk)
        form = MoveKaryogramForm(request.POST)
        if not form.is_valid():
            return self.refused(request, karyogram, form)
        try:
            ip = request.META.get("REMOTE_ADDR") or None
            moved = services.move_karyogram(karyogram, user=request.user, ip=ip, **form.cleaned_data)
        except services.MoveRefused as exc:
            return self.refused(request, karyogram, form, exc)
        target = moved.case
        with_panels = (
            f" with its panels {', '.join(p.original_name for p in moved.panels)}" if moved.panels else ""
        )
        messages.success(
            request,
            f"{karyogram.original_name} was moved here from case {karyogram.case.accession}{with_panels}.",
        )
        if twin := target.karyograms.filter(sha256=karyogram.sha256).exclude(pk=karyogram.pk).first():
            messages.warning(
                request, f"This case holds the same file already ({twin.original_name}); both are kept."
            )
        return redirect(target)

    def refused(self, request, karyogram, form, refusal: services.MoveRefused | None = None):
        """Back to the case page (post/redirect/get: a reload does not post again), where the move form of
        that row opens with what was typed and why it was refused beside its field; a refusal its form has
        no field for goes in the banner."""
        if refusal and refusal.field not in form.fields:
            messages.error(request, f"{karyogram.original_name} was not moved: {refusal}")
        else:
            request.session[MOVE_REFUSED] = {
                "pk": karyogram.pk,
                "data": {name: form.data.get(name, "") for name in form.fields},
                "errors": {refusal.field: str(refusal)} if refusal else {},
            }
        return redirect(karyogram.case)


class JobDetailView(TechnologistPage, DetailView):
    # the gallery, the layout warnings and the editor's start all read the cells: fetched once
    queryset = EnhancementJob.objects.select_related("karyogram__case").prefetch_related("cell_rows")
    template_name = "cases/job_detail.html"
    context_object_name = "job"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        job = self.object
        services.measure_unmeasured(job)
        context["cells"] = list(job.cell_rows.all())
        shared = services.shared_strength(context["cells"])  # as "Apply to all" left it
        context["strength_all"] = job.strength if shared is None else shared
        context["layout_warnings"] = job.layout_warnings
        start, context["editor_source"] = services.editor_start(job)
        opened = LayoutForm(job.karyogram, initial={"layout": start})
        context["editor_start_text"] = opened.text()  # what Reset goes back to, after a refused submit too
        refused = self.request.session.get(LAYOUT_REFUSED)
        if refused and refused["job"] == job.pk:  # shown once: a reload opens the editor as it starts
            del self.request.session[LAYOUT_REFUSED]
            opened = LayoutForm(job.karyogram, {"layout": refused["layout"]})
            opened.is_valid()  # its refusal, found again
        context["layout_form"] = opened
        context["case"] = job.karyogram.case
        context["split_panels"] = job.karyogram.split_panels.prefetch_related("jobs")
        context["remedies"] = job.remedies
        context["resolved_by_split"] = job.state == JobState.FAILED and bool(context["split_panels"])
        return context


class JobImageView(TechnologistPage, View):
    """The original or the enhanced karyogram as PNG, for the viewer (media is never served raw)."""

    def get(self, request, pk, kind):
        job = get_object_or_404(EnhancementJob, pk=pk)
        if kind == "enhanced":
            if not job.result_png:
                raise Http404("no result yet")
            return FileResponse(job.result_png.open("rb"), content_type="image/png")
        if kind != "original":
            raise Http404("unknown image kind")
        return HttpResponse(services.original_preview(job.karyogram), content_type="image/png")


class CellImageView(TechnologistPage, View):
    def get(self, request, pk, label, kind):
        if kind not in ("original", "enhanced"):
            raise Http404("unknown image kind")
        job = get_object_or_404(EnhancementJob, pk=pk, state=JobState.DONE)
        cell = get_object_or_404(job.cell_rows, label=label)
        path = services.cell_preview_path(job, cell.label, kind)
        if not default_storage.exists(path):
            raise Http404("no preview of this cell")
        return FileResponse(default_storage.open(path, "rb"), content_type="image/png")


class StrengthView(TechnologistPage, View):
    def post(self, request, pk):
        job = get_object_or_404(EnhancementJob, pk=pk, state=JobState.DONE)
        try:
            strengths = {
                key[len("strength_") :]: float(value)
                for key, value in request.POST.items()
                if key.startswith("strength_")
            }
            services.set_cell_strengths(job, strengths)
            messages.success(request, "Strengths applied.")
        except ValueError as exc:
            messages.error(request, f"Strengths not applied: {exc}")
        except OSError as exc:
            messages.error(
                request, f"Strengths not applied: the result could not be saved ({exc.strerror or exc})."
            )
        return redirect(job)


class SplitPanelsView(TechnologistPage, View):
    """Split a figure of several karyograms into one karyogram per panel, each enhanced on its own."""

    def post(self, request, pk):
        job = get_object_or_404(EnhancementJob, pk=pk)
        try:
            panels = services.split_into_panels(job, request.user)
        except (services.SplitRefused, services.UploadError) as exc:
            messages.error(request, str(exc))
            return redirect(job)
        messages.success(
            request,
            f"{job.karyogram.original_name} was split into {len(panels)} karyograms "
            f"({', '.join(p.original_name for p in panels)}); each is being enhanced.",
        )
        return redirect(job.karyogram.case)


class JobCancelView(TechnologistPage, View):
    """Stop a job that was started by mistake (wrong file, wrong options): a queued one ends at once, a running
    one before its next step; it can then be run again as it was. Back to the page it was asked from (the job's
    or its case's)."""

    def post(self, request, pk):
        job = get_object_or_404(EnhancementJob.objects.select_related("karyogram__case"), pk=pk)
        cancelled = EnhancementJob.objects.cancel(job.pk)
        if cancelled is None:
            job.refresh_from_db()
            messages.error(request, f"Nothing to cancel: job {job.pk} is {job.stage.lower()}.")
        elif cancelled.state == JobState.CANCELLED:
            messages.success(request, f"Job {job.pk} is cancelled and will not run; its original is kept.")
        else:
            messages.success(
                request, f"Cancelling job {job.pk}: it stops once its {cancelled.state} step ends."
            )
        case_page = job.karyogram.case.get_absolute_url()
        return redirect(case_page if request.POST.get("from") == "case" else job.get_absolute_url())


LAYOUT_REFUSED = "layout-refused"  # session key: refused slot boxes, for the job page it redirects to


class RetryView(TechnologistPage, View):
    """Run the karyogram again, optionally with slot boxes corrected by a person."""

    def post(self, request, pk):
        job = get_object_or_404(EnhancementJob, pk=pk)
        layout = None
        if "layout" in request.POST:
            form = LayoutForm(job.karyogram, request.POST)
            if not form.is_valid():
                # Back to the job page at the editor (post/redirect/get: a reload does not post again, Back and a
                # bookmark show the job), with the refusal and the text as submitted: nothing typed is lost.
                request.session[LAYOUT_REFUSED] = {"job": job.pk, "layout": form.data["layout"]}
                return redirect(f"{job.get_absolute_url()}#correct-layout")
            layout = form.cleaned_data["layout"]
        try:
            with transaction.atomic():
                new = services.retry_job(job, request.user, layout)
        except services.RetryRefused as exc:
            messages.error(request, str(exc))
            return redirect(job)
        return redirect(new)
