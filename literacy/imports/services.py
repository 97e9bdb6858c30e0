"""Importing a roster: a whole file in one transaction, or nothing, with every bad row named.

A preview is the same import rolled back at the end, so what the coordinator is shown is exactly
what confirming will do. Invitation emails are sent only after the import commits.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import asdict, dataclass, field

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from literacy.core.errors import DomainError, InvalidStateChange
from literacy.imports.columns import Column, RowCheck, RowInvalid
from literacy.imports.importers import CREATED, IMPORTERS, UNCHANGED, UPDATED, Importer, VolunteerImporter
from literacy.imports.invitations import volunteer_invitation_send
from literacy.imports.models import ImportBatch
from literacy.imports.readers import Sheet, normalise_header, read_sheet
from literacy.places.models import Municipality

# How long an uploaded file waits for confirmation before its bytes are thrown away.
PREVIEW_KEPT_FOR = dt.timedelta(hours=24)


class UnknownImportKind(DomainError):
    code = "import_unknown_kind"
    message = gettext_lazy("取り込みの種類がわかりません。")


@dataclass
class RowError:
    row: int
    column: str
    message: str


@dataclass
class RowOutcome:
    row: int
    action: str
    label: str
    changed: list[str] = field(default_factory=list)


@dataclass
class ImportReport:
    kind: str
    encoding: str = ""
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    outcomes: list[RowOutcome] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    applied: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors

    def as_dict(self) -> dict:
        return asdict(self)


class _RollBack(Exception):
    """Raised inside the import's transaction to undo it (a preview, or a file with errors)."""


def importer_class(kind: str) -> type[Importer]:
    try:
        return IMPORTERS[kind]
    except KeyError:
        raise UnknownImportKind() from None


def template_header(kind: str) -> list[str]:
    """The header row a file of this kind should start with (Japanese headers)."""
    return [column.header for column in importer_class(kind).columns]


def import_file(
    *,
    kind: str,
    sheet: Sheet,
    municipality: Municipality,
    dry_run: bool,
    actor=None,
    now: dt.datetime | None = None,
) -> ImportReport:
    """Import every row of the sheet, or none: any bad row (or dry_run) rolls the whole file back.

    Every row is still checked after the first bad one, so the report names all of them.
    """
    importer = importer_class(kind)(municipality=municipality, actor=actor, now=now or timezone.now())
    report = ImportReport(kind=kind, encoding=sheet.encoding, rows=len(sheet.rows))
    columns_by_header = _match_headers(importer, sheet, report)
    if report.errors:
        return report
    seen: dict[str, int] = {}
    try:
        # Not @transaction.atomic on the function: the rollback is decided inside, by the report.
        with transaction.atomic():
            for sheet_row in sheet.rows:
                values = {columns_by_header[h].key: v for h, v in sheet_row.values.items() if h in columns_by_header}
                key = importer.natural_key(values)
                if key and key in seen:
                    report.errors.append(RowError(sheet_row.number, "", _(
                        "%(row)s行目と重複しています。同じものは1行にまとめてください。") % {"row": seen[key]}))
                    continue
                if key:
                    seen[key] = sheet_row.number
                _import_one(importer, sheet_row.number, values, report)
            if dry_run or report.errors:
                raise _RollBack()
    except _RollBack:
        pass
    else:
        report.applied = True
        if isinstance(importer, VolunteerImporter):
            for user in importer.invited:
                transaction.on_commit(lambda user=user: volunteer_invitation_send(user=user, municipality=municipality))
    for outcome in report.outcomes:
        if outcome.action == CREATED:
            report.created += 1
        elif outcome.action == UPDATED:
            report.updated += 1
        elif outcome.action == UNCHANGED:
            report.unchanged += 1
    return report


def _match_headers(importer: Importer, sheet: Sheet, report: ImportReport) -> dict[str, Column]:
    matched: dict[str, Column] = {}
    for header in sheet.headers:
        column = next((c for c in importer.columns if c.accepts(header)), None)
        if column is None:
            report.ignored_columns.append(header)
        elif column not in matched.values():
            matched[normalise_header(header)] = column
    for column in importer.columns:
        if column.required and column not in matched.values():
            report.errors.append(RowError(1, column.label, _("必須の列「%(column)s」がありません。") % {
                "column": column.label}))
    return matched


def _import_one(importer: Importer, number: int, values: dict[str, str], report: ImportReport) -> None:
    check = RowCheck(values)
    try:
        with transaction.atomic():  # a savepoint: a row that fails in the database leaves no trace
            result = importer.import_row(check)
    except RowInvalid as invalid:
        for problem in invalid.problems:
            report.errors.append(RowError(number, problem.column.label if problem.column else "", problem.message))
        return
    except ValidationError as invalid:
        for field_name, messages in invalid.message_dict.items():
            column = next((c for c in importer.columns if c.key == field_name), None)
            for message in messages:
                report.errors.append(RowError(number, column.label if column else field_name, str(message)))
        return
    except IntegrityError:
        report.errors.append(RowError(number, "", _("ほかの行または登録済みのデータと重複しています。")))
        return
    report.outcomes.append(RowOutcome(number, result.action, result.label, result.changed))


# --- The upload page's two steps: preview, then apply -----------------------------------------------

@transaction.atomic
def import_batch_preview(
    *, municipality: Municipality, kind: str, filename: str, content: bytes, actor=None
) -> ImportBatch:
    """Read the upload and check it by a dry run; nothing is written but the batch itself.

    Raises UnreadableFile / EmptyFile / UnknownImportKind for a file that cannot be read at all.
    """
    importer_class(kind)
    sheet = read_sheet(content=content, filename=filename)
    report = import_file(kind=kind, sheet=sheet, municipality=municipality, dry_run=True, actor=actor)
    import_batches_forget_stale(municipality=municipality)
    batch = ImportBatch(
        municipality=municipality, kind=kind, filename=filename[:255], content=content,
        sha256=hashlib.sha256(content).hexdigest(), report=report.as_dict(), created_by=actor,
    )
    batch.full_clean()
    batch.save()
    return batch


@transaction.atomic
def import_batch_apply(*, batch: ImportBatch, actor=None) -> ImportBatch:
    """Import a previewed file for real. The rows are checked again: data may have changed since."""
    batch = ImportBatch.objects.select_for_update().get(pk=batch.pk)
    if batch.state != ImportBatch.State.PREVIEWED or not batch.content:
        raise InvalidStateChange()
    sheet = read_sheet(content=bytes(batch.content), filename=batch.filename)
    report = import_file(kind=batch.kind, sheet=sheet, municipality=batch.municipality, dry_run=False, actor=actor)
    batch.report = report.as_dict()
    if report.applied:
        batch.state = ImportBatch.State.APPLIED
        batch.applied_at = timezone.now()
        batch.content = b""
    batch.save()
    return batch


def import_batches_forget_stale(*, municipality: Municipality, now: dt.datetime | None = None) -> int:
    """Throw away the bytes of previews nobody confirmed (they may hold personal data)."""
    cutoff = (now or timezone.now()) - PREVIEW_KEPT_FOR
    return ImportBatch.objects.filter(
        municipality=municipality, state=ImportBatch.State.PREVIEWED, created_at__lt=cutoff
    ).update(state=ImportBatch.State.DISCARDED, content=b"")
