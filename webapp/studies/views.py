"""Pages: the rater portal (one blinded item at a time) and, for curators, studies and their statistics."""

from django.contrib import messages
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views import View
from django.views.generic import CreateView, DetailView, ListView

from enhancer.study_statistics import HYPOTHESES, study_statistics
from webapp.accounts.roles import Role, RoleRequiredMixin

from . import exports, plots, services
from .forms import AddRatersForm, RatingForm, StudyForm
from .models import Study, StudyImage


class RaterPage(RoleRequiredMixin):
    allowed_roles = (Role.RATER,)


class CuratorPage(RoleRequiredMixin):
    allowed_roles = (Role.CURATOR, Role.ADMIN)


class RaterHomeView(RaterPage, View):
    def get(self, request):
        studies = [
            (s, s.rated, s.total)
            for s in services.with_progress(Study.objects.filter(raters=request.user), request.user)
        ]
        return render(request, "studies/rater_home.html", {"studies": studies})


class RateView(RaterPage, View):
    """The rater's current item: image, form and a running timer; the server keeps the time.

    `?item=TOKEN` names the item: the current one, or an item already rated, shown again with its answers
    to correct (a new version with a reason). Each item has its own address, so the browser's Back goes
    to the previous item.
    """

    def _study(self, request, pk) -> Study:
        return get_object_or_404(Study.objects.filter(raters=request.user), pk=pk)

    def get(self, request, pk):
        study = self._study(request, pk)
        token = request.GET.get("item")
        if token:
            assignment = services.own_assignment(study, request.user, token)
            if assignment is None:
                raise Http404("No such item.")
            latest = assignment.ratings.order_by("-version").first()
            if latest is not None:
                initial = {
                    "item": assignment.token,
                    "abnormality": latest.abnormality,
                    "quality": latest.quality,
                    "sharpness": latest.sharpness,
                }
                return self._page(request, study, RatingForm(initial=initial), correcting=assignment)
            if assignment != services.upcoming(study, request.user):
                return redirect("rate-study", pk=study.pk)  # items are rated in order: no skipping ahead
        return self._page(request, study, RatingForm())

    def post(self, request, pk):
        study = self._study(request, pk)
        form = RatingForm(request.POST)
        correcting = None
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.submit_rating(
                    study,
                    request.user,
                    data["item"],
                    abnormality=data["abnormality"],
                    quality=data["quality"],
                    sharpness=data["sharpness"],
                    duration_seconds=data["duration_seconds"],
                    hidden_seconds=data["hidden_seconds"],
                    reason=data["reason"],
                )
                upcoming = services.upcoming(study, request.user)
                url = reverse("rate-study", args=[study.pk])
                return redirect(f"{url}?item={upcoming.token}" if upcoming else url)
            except services.StudyError as exc:
                form.add_error(None, str(exc))
        posted = services.own_assignment(study, request.user, request.POST.get("item", ""))
        if posted is not None and posted.ratings.exists():
            correcting = posted
        return self._page(request, study, form, status=400, correcting=correcting)

    def _page(self, request, study: Study, form: RatingForm, status: int = 200, correcting=None):
        """The page of the current item (its clock restarted when served by a GET: shown afresh), or of
        `correcting`."""
        if study.state != Study.State.OPEN:
            correcting = None  # a closed study takes no corrections either
        context = {"study": study, "correcting": correcting}
        try:
            assignment = correcting or services.next_assignment(
                study, request.user, restart=request.method == "GET"
            )
        except services.StudyError as exc:
            context["closed"] = str(exc)
            if request.method == "POST":  # an answer sent as the study closed: say so, and show it back
                context["unsaved"] = form.data
            assignment = None
        rated, total = services.progress(study, request.user)
        context.update(rated=rated, total=total, form=form)
        if form.errors:
            # a refused answer: the focus goes to the summary of its problems, not to the first field
            form.fields["abnormality"].widget.attrs.pop("autofocus", None)
        previous = services.rated_before(study, request.user, assignment.position if assignment else None)
        context["previous"] = previous if study.state == Study.State.OPEN else None
        if correcting is not None:
            form.fields["reason"].required = True
            context.update(assignment=correcting, position=correcting.position + 1, elapsed=None)
        elif assignment is not None:
            form.initial["item"] = assignment.token
            form.fields["item"].initial = assignment.token
            context.update(
                assignment=assignment,
                position=rated + 1,
                elapsed=int((timezone.now() - assignment.shown_at).total_seconds()),
            )
        response = render(request, "studies/rate.html", context, status=status)
        response["Cache-Control"] = "private, no-store"  # Back fetches the item again, in its corrected state
        return response


class StudyListView(CuratorPage, ListView):
    queryset = services.with_cases_and_raters(Study.objects.all())
    template_name = "studies/study_list.html"
    context_object_name = "studies"


class StudyCreateView(CuratorPage, CreateView):
    form_class = StudyForm
    template_name = "studies/study_form.html"

    def form_valid(self, form):
        """Text outside the slots stops creation once, with a warning: blank it in both arms, or keep it."""
        karyograms = list(form.cleaned_data["karyograms"])
        choice = self.request.POST.get("text_action")  # "blank" or "keep", from the warning's buttons
        blank_text = form.cleaned_data["blank_text"] or choice == "blank"
        try:
            checks = services.check_texts(karyograms)
            flagged = [(k, checks[k.pk]) for k in karyograms if checks[k.pk] and checks[k.pk].found]
            if flagged and not blank_text and choice != "keep":
                return self.render_to_response(self.get_context_data(form=form, text_warnings=flagged))
            study = services.create_study(
                name=form.cleaned_data["name"],
                instructions=form.cleaned_data["instructions"],
                karyograms=karyograms,
                raters=list(form.cleaned_data["raters"]),
                created_by=self.request.user,
                repeats=form.cleaned_data["repeats"],
                blank_text=blank_text,
                text_checks=checks,
            )
        except services.StudyError as exc:
            form.add_error(None, str(exc))
            return self.form_invalid(form)
        unchecked = study.study_cases.filter(text_checked=False).count()
        note = (
            f" {unchecked} karyogram(s) had no slot boxes, so were not checked for text." if unchecked else ""
        )
        messages.success(self.request, f"Study “{study.name}” created and open for its raters.{note}")
        return redirect(study)


class StudyDetailView(CuratorPage, DetailView):
    model = Study
    template_name = "studies/study_detail.html"
    context_object_name = "study"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(_detail_context(self.object, kwargs.get("add_form")))
        return context


def _detail_context(study: Study, add_form: AddRatersForm | None = None) -> dict:
    """What the study page shows: raters and their progress, cases, items, and the form to add raters."""
    items, repeats = services.study_items(study)
    return {
        "study": study,
        "raters": services.raters_progress(study),
        "cases": study.study_cases.select_related("job__karyogram__case"),
        "items": items,
        "repeats": repeats,
        "add_form": add_form or AddRatersForm(study=study),
    }


class StudyProgressView(CuratorPage, View):
    """The raters' progress alone, which the study page fetches every few seconds while the study is open
    (kept out of the audit trail: names and counts, no case data, and one read per poll would flood it)."""

    def get(self, request, pk):
        study = get_object_or_404(Study, pk=pk)
        context = {"study": study, "raters": services.raters_progress(study)}
        return render(request, "studies/rater_progress.html", context)


class StudyRatersView(CuratorPage, View):
    """Add raters to an open study; refused (400, with the reason on the study page) when it cannot be."""

    def post(self, request, pk):
        study = get_object_or_404(Study, pk=pk)
        form = AddRatersForm(request.POST, study=study)
        if form.is_valid():
            try:
                services.add_raters(
                    study, form.cleaned_data["raters"], request.user, request.META.get("REMOTE_ADDR")
                )
            except services.StudyError as exc:
                form.add_error("raters", str(exc))
        if form.errors:
            return render(request, "studies/study_detail.html", _detail_context(study, form), status=400)
        names = ", ".join(u.username for u in form.cleaned_data["raters"])
        items = services.study_items(study)[0]
        messages.success(request, f"Added {names}: each has their own order of the {items} items.")
        return redirect(study)


class StudyStateView(CuratorPage, View):
    def post(self, request, pk):
        with transaction.atomic():
            study = get_object_or_404(Study.objects.select_for_update(), pk=pk)
            wanted = request.POST.get("state")
            if wanted not in Study.State.values:
                messages.error(request, "Choose to open or to close the study.")
                return redirect(study)
            study.state = wanted
            study.save(update_fields=["state"])
        messages.success(request, f"The study is now {study.get_state_display().lower()}.")
        return redirect(study)


class StudyStatisticsView(CuratorPage, View):
    """Table 1, the tests behind it, agreement, consistency, detection, and plots."""

    def get(self, request, pk):
        study = get_object_or_404(Study, pk=pk)
        records = services.rating_records(study)
        stats = study_statistics(records)
        return render(
            request,
            "studies/statistics.html",
            {
                "study": study,
                "stats": stats,
                "hypotheses": HYPOTHESES,
                "ratings": len(records),
                "unfinished": [
                    (r, rated, total) for r, rated, total in services.raters_progress(study) if rated < total
                ],
                "table1": [
                    (rater, [by_h[h.key] for h in HYPOTHESES]) for rater, by_h in stats["raters"].items()
                ],
                "plots": _plots(records),
            },
        )


class StudyCaseImageView(CuratorPage, View):
    """One arm of a study case exactly as its raters are shown it (blanked where the study blanked text), so
    curators can check what went into the study; never to one of its raters, whatever their other roles."""

    def get(self, request, pk, case_pk, arm):
        if Study.objects.filter(pk=pk, raters=request.user).exists():
            raise Http404("a rater of this study sees its items blind")  # a curator who also rates it
        image = get_object_or_404(StudyImage, study_case__study_id=pk, study_case_id=case_pk, arm=arm)
        return services.study_image_response(image)


class StudyCsvView(CuratorPage, View):
    def get(self, request, pk, what):
        study = get_object_or_404(Study, pk=pk)
        if what == "ratings":
            body = exports.ratings_csv(study)
        elif what == "results":
            body = exports.results_csv(study_statistics(services.rating_records(study)))
        elif what == "agreement":
            body = exports.agreement_csv(study_statistics(services.rating_records(study)))
        else:
            raise Http404("unknown export")
        # A byte-order mark first: without it Excel reads the file as ANSI, and "anna – ben", "Trisomie 8 — ß"
        # come out garbled (the API's export, read by scripts, has none).
        response = HttpResponse(exports.SPREADSHEET_BOM + body, content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="study-{study.pk}-{what}.csv"'
        return response


def _plots(records) -> list[tuple[str, list[str]]]:
    """Per rater: slope plots of quality, sharpness and time, and the distributions of the two scores."""
    out = []
    for rater in sorted({r.rater for r in records}):
        mine = [r for r in records if r.rater == rater and not r.repeat]
        by_case: dict[str, dict[str, object]] = {}
        for r in mine:
            by_case.setdefault(r.study_case, {})[r.arm] = r
        pairs = [(c["original"], c["enhanced"]) for c in by_case.values() if len(c) == 2]
        svgs = [
            plots.slope_plot([(a.quality, b.quality) for a, b in pairs], "Quality (5 excellent)", 1, 5),
            plots.slope_plot([(a.sharpness, b.sharpness) for a, b in pairs], "Sharpness (1 sharp)", 1, 5),
            plots.slope_plot([(a.duration, b.duration) for a, b in pairs], "Analysis time (s)"),
        ]
        for score, title in (
            ("quality", "Quality scores (5 excellent)"),
            ("sharpness", "Sharpness scores (1 sharp)"),
        ):
            svgs.append(
                plots.distribution_plot(
                    [getattr(r, score) for r in mine if r.arm == "original"],
                    [getattr(r, score) for r in mine if r.arm == "enhanced"],
                    title,
                )
            )
        out.append((rater, svgs))
    return out
