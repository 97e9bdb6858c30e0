"""Columns of an import file and how a cell's text becomes a value, with a message when it cannot."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass

from django.utils import translation
from django.utils.translation import gettext as _

from literacy.core.errors import InvalidPhoneNumber
from literacy.core.phones import ParsedPhone, parse_phone
from literacy.imports.readers import normalise_header


@dataclass(frozen=True)
class Column:
    key: str
    header: str  # the Japanese header the template prints
    header_en: str
    required: bool = False
    hint: str = ""  # how to fill it in, shown on the upload page
    choices: type | None = None  # a TextChoices whose labels the cell may use

    @property
    def how_to_fill(self) -> str:
        if self.choices is not None:
            return "／".join(str(label) for label in self.choices.labels)
        return str(self.hint)

    def accepts(self, header: str) -> bool:
        """A file may use the Japanese header, the English one, or the key itself."""
        wanted = normalise_header(header).lower()
        return wanted in {normalise_header(self.header).lower(), normalise_header(self.header_en).lower(),
                          self.key.lower()}

    @property
    def label(self) -> str:
        """The header in the reader's language (for error messages)."""
        return self.header_en if (translation.get_language() or "ja").startswith("en") else self.header


@dataclass(frozen=True)
class Problem:
    column: Column | None
    message: str


class RowInvalid(Exception):
    """One row cannot be imported; carries every problem found in it."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("; ".join(p.message for p in problems))


class RowCheck:
    """Collects the problems of one row so all of them are reported at once, not just the first."""

    def __init__(self, values: dict[str, str]):
        self.values = values
        self.problems: list[Problem] = []

    def add(self, column: Column | None, message: str) -> None:
        self.problems.append(Problem(column, message))

    def raise_if_any(self) -> None:
        if self.problems:
            raise RowInvalid(self.problems)

    def text(self, column: Column, *, max_length: int = 200) -> str:
        value = self.values.get(column.key, "").strip()
        if column.required and not value:
            self.add(column, _("「%(column)s」が空です。") % {"column": column.label})
        elif len(value) > max_length:
            self.add(column, _("「%(column)s」が長すぎます（%(max)s文字まで）。") % {
                "column": column.label, "max": max_length})
            return value[:max_length]
        return value

    def integer(self, column: Column, *, default: int | None = None, minimum: int = 0) -> int | None:
        raw = _half_width(self.text(column)).replace(",", "")
        if not raw:
            return default
        if not re.fullmatch(r"-?\d+", raw) or int(raw) < minimum:
            self.add(column, _("「%(column)s」は%(minimum)s以上の整数で入力してください（%(value)s）。") % {
                "column": column.label, "minimum": minimum, "value": raw})
            return default
        return int(raw)

    def boolean(self, column: Column, *, default: bool = False) -> bool:
        raw = _half_width(self.text(column)).lower()
        if not raw:
            return default
        if raw in TRUE_WORDS:
            return True
        if raw in FALSE_WORDS:
            return False
        self.add(column, _("「%(column)s」は「はい」か「いいえ」で入力してください（%(value)s）。") % {
            "column": column.label, "value": raw})
        return default

    def date(self, column: Column) -> dt.date | None:
        raw = _half_width(self.text(column))
        if not raw:
            return None
        match = re.fullmatch(r"(\d{4})[-/年.](\d{1,2})[-/月.](\d{1,2})日?", raw)
        if match:
            try:
                return dt.date(*(int(part) for part in match.groups()))
            except ValueError:
                pass
        self.add(column, _("「%(column)s」の日付が読めません（%(value)s）。例: 2026-04-01") % {
            "column": column.label, "value": raw})
        return None

    def phone(self, column: Column) -> ParsedPhone | None:
        raw = self.text(column, max_length=40)
        if not raw:
            return None
        try:
            return parse_phone(raw)
        except InvalidPhoneNumber:
            self.add(column, _("電話番号が正しくありません（%(value)s）。") % {"value": raw})
            return None

    def choice(self, column: Column, choices, *, default: str | None = None,
               aliases: dict[str, str] | None = None) -> str | None:
        """A TextChoices value given as its value, its Japanese or English label, or an alias."""
        raw = self.text(column)
        if not raw:
            return default
        wanted = _half_width(raw).lower()
        if aliases and wanted in aliases:
            return aliases[wanted]
        for value, _label in choices.choices:
            if wanted in {value.lower(), *(label.lower() for label in labels_of(choices, value))}:
                return value
        names = "、".join(labels_of(choices, value)[0] for value in choices.values)
        self.add(column, _("「%(column)s」の「%(value)s」がわかりません。次のどれかにしてください: %(names)s") % {
            "column": column.label, "value": raw, "names": names})
        return default

    def names(self, column: Column) -> list[str]:
        """A list in one cell: 'LINEの使い方、地図アプリ' (・ stays: it is part of names)."""
        raw = self.text(column, max_length=2000)
        return [part.strip() for part in re.split(r"[、,，;；\n]", raw) if part.strip()]


TRUE_WORDS = {"はい", "有", "あり", "可", "○", "〇", "◯", "yes", "y", "true", "1"}
FALSE_WORDS = {"いいえ", "無", "なし", "不可", "×", "✕", "-", "no", "n", "false", "0"}


def _half_width(text: str) -> str:
    return unicodedata.normalize("NFKC", text or "").strip()


def labels_of(choices, value: str) -> list[str]:
    """The Japanese and English labels of one choice, whatever language is active."""
    labels = []
    for language in ("ja", "en"):
        with translation.override(language):
            labels.append(str(choices(value).label))
    return labels
