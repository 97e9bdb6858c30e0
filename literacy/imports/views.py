"""Upload a roster, see what it would do, then confirm: nothing is written before the confirmation."""

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from literacy.accounts.access import coordinator_required
from literacy.core.errors import DomainError
from literacy.imports.forms import ImportUploadForm
from literacy.imports.importers import IMPORTERS
from literacy.imports.models import ImportBatch
from literacy.imports.services import import_batch_apply, import_batch_preview, template_header


@coordinator_required
@require_http_methods(["GET", "POST"])
def upload(request: HttpRequest) -> HttpResponse:
    form = ImportUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            batch = import_batch_preview(
                municipality=request.municipality, kind=form.cleaned_data["kind"],
                filename=upload.name, content=upload.read(), actor=request.user,
            )
        except DomainError as error:
            form.add_error("file", str(error))
        else:
            return redirect(_preview_url(batch, request))
    recent = ImportBatch.objects.filter(municipality=request.municipality).select_related("created_by")[:10]
    return render(request, "imports/upload.html", {
        "form": form, "recent": recent,
        "kinds": [(kind, importer.title, importer.columns) for kind, importer in IMPORTERS.items()],
    }, status=400 if form.errors else 200)


@coordinator_required
@require_http_methods(["GET", "POST"])
def preview(request: HttpRequest, batch_id: int) -> HttpResponse:
    batch = get_object_or_404(ImportBatch, pk=batch_id, municipality__in=request.municipalities)
    error = None
    if request.method == "POST":
        try:
            batch = import_batch_apply(batch=batch, actor=request.user)
        except DomainError as refused:
            error = str(refused)
        else:
            return redirect(_preview_url(batch, request))
    return render(request, "imports/preview.html", {
        "batch": batch, "report": batch.report, "title": IMPORTERS[batch.kind].title, "error": error,
    }, status=409 if error else 200)


@coordinator_required
def template_csv(request: HttpRequest, kind: str) -> HttpResponse:
    """The header row as a CSV Excel opens correctly (UTF-8 with a BOM)."""
    if kind not in IMPORTERS:
        raise Http404()
    response = HttpResponse("\ufeff" + ",".join(template_header(kind)) + "\r\n", content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="oshieai-{kind}.csv"'
    return response


def _preview_url(batch: ImportBatch, request: HttpRequest) -> str:
    return reverse("imports:preview", args=[batch.pk]) + f"?m={batch.municipality.jis_code}"
