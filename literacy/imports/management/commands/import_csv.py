"""Import a roster from a spreadsheet: python manage.py import_csv <kind> <file> --municipality <jis>."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from literacy.core.errors import DomainError
from literacy.imports.importers import IMPORTERS
from literacy.imports.readers import read_sheet
from literacy.imports.services import import_file, template_header
from literacy.places.models import Municipality


class Command(BaseCommand):
    help = (
        "Import districts, venues, topics, volunteers or learners from CSV (UTF-8 or Shift_JIS) or .xlsx. "
        "The whole file is imported or nothing is; --template prints the header row to start from."
    )

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=sorted(IMPORTERS))
        parser.add_argument("file", nargs="?", help="a .csv or .xlsx file")
        parser.add_argument("--municipality", help="JIS code of the municipality (e.g. 402109)")
        parser.add_argument("--dry-run", action="store_true", help="check and report; write nothing")
        parser.add_argument("--template", action="store_true", help="print the expected header row and stop")

    def handle(self, *args, kind, file, municipality, dry_run, template, **options):
        if template:
            self.stdout.write(",".join(template_header(kind)))
            return
        if not file:
            raise CommandError("Give the file to import (or --template to see the header row).")
        if not municipality:
            raise CommandError("Give --municipality <JIS code>.")
        city = Municipality.objects.filter(jis_code=municipality).first()
        if city is None:
            raise CommandError(f"No municipality with JIS code {municipality}.")
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"No such file: {file}")
        try:
            sheet = read_sheet(content=path.read_bytes(), filename=path.name)
            report = import_file(kind=kind, sheet=sheet, municipality=city, dry_run=dry_run)
        except DomainError as error:
            raise CommandError(str(error)) from error

        for error in report.errors:
            column = f" [{error.column}]" if error.column else ""
            self.stderr.write(f"{error.row}行目{column}: {error.message}")
        if report.ignored_columns:
            self.stdout.write(f"使わなかった列 (ignored columns): {', '.join(report.ignored_columns)}")
        summary = (
            f"{report.rows}行: 新規 {report.created} / 更新 {report.updated} / 変更なし {report.unchanged} "
            f"(rows: {report.created} created, {report.updated} updated, {report.unchanged} unchanged)"
        )
        if report.errors:
            raise CommandError(
                f"{len(report.errors)}件のエラーがあるため、何も取り込んでいません "
                f"({len(report.errors)} errors: nothing was imported)."
            )
        if dry_run:
            self.stdout.write(f"確認のみ (dry run, nothing written) — {summary}")
        else:
            self.stdout.write(self.style.SUCCESS(f"取り込みました (imported) — {summary}"))
