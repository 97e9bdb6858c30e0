"""One importer per kind of roster: its columns, its natural key, and how one row is written.

An importer writes one row at a time and says whether it created, updated or left the record
as it was; `literacy.imports.services.import_file` runs it over a whole file in one transaction.
Matching on a natural key (district name, venue name, topic slug, volunteer email, learner
phone + name) is what makes importing the same file twice change nothing.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass, field

from allauth.account.models import EmailAddress
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.core.validators import validate_email
from django.db.models import Q
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from literacy.accounts.models import User
from literacy.core.errors import InvalidPhoneNumber
from literacy.core.phones import parse_phone
from literacy.curriculum.models import Topic
from literacy.imports.columns import Column, RowCheck
from literacy.people.models import Channel, Learner, Volunteer, name_key
from literacy.places.models import District, Municipality, OpeningHours, Venue

YES_NO = gettext_lazy("はい／いいえ（空欄はいいえ）")
WHOLE_NUMBER = gettext_lazy("半角または全角の整数")
PHONE = gettext_lazy("市外局番から（例: 0943-23-1234、090-1234-5678）")
REGISTERED_DISTRICT = gettext_lazy("登録済みの地区の名前")

CREATED = "created"
UPDATED = "updated"
UNCHANGED = "unchanged"


@dataclass
class RowResult:
    action: str  # CREATED, UPDATED or UNCHANGED
    label: str  # what the row is, for the preview ("旧八女市", "山田 花子")
    changed: list[str] = field(default_factory=list)


def assign_changes(instance, values: dict) -> list[str]:
    """Set the fields that differ; the names of those that changed (empty: nothing to save)."""
    changed = []
    for name, value in values.items():
        try:
            current = getattr(instance, name)
        except ObjectDoesNotExist:  # a new row's foreign key that is not set yet
            current = None
        if current != value:
            setattr(instance, name, value)
            changed.append(name)
    return changed


def save_row(
    instance, values: dict, *, label: str, unstated: set[str], exclude: list[str] | None = None
) -> RowResult:
    """Create or update one model row from the row's values, validating it first.

    An existing record keeps what the file leaves empty (`unstated`): a roster re-imported
    months later must not wipe what a volunteer or coordinator has changed since.
    """
    is_new = instance.pk is None
    if not is_new:
        values = {name: value for name, value in values.items() if name not in unstated}
    changed = assign_changes(instance, values)
    if not is_new and not changed:
        return RowResult(UNCHANGED, label)
    # Foreign keys were looked up by the importer in this municipality: validating them again
    # would cost a query per key per row.
    relations = [f.name for f in instance._meta.fields if f.is_relation]
    instance.full_clean(exclude=[*relations, *(exclude or [])], validate_unique=False, validate_constraints=False)
    instance.save()
    return RowResult(CREATED if is_new else UPDATED, label, [] if is_new else changed)


class Importer:
    kind: str = ""
    title: str = ""
    columns: tuple[Column, ...] = ()

    def __init__(self, *, municipality: Municipality, actor=None, now: dt.datetime):
        self.municipality = municipality
        self.actor = actor
        self.now = now
        self.known_districts: dict[str, District] = {}

    def column(self, key: str) -> Column:
        return next(column for column in self.columns if column.key == key)

    def unstated(self, check: RowCheck) -> set[str]:
        """The columns this row leaves empty (or the file does not have)."""
        return {column.key for column in self.columns if not check.values.get(column.key, "").strip()}

    def natural_key(self, values: dict[str, str]) -> str:
        """What makes two rows the same record; two rows with one key in a file is an error."""
        raise NotImplementedError

    def import_row(self, check: RowCheck) -> RowResult:
        raise NotImplementedError

    # Lookups by name shared by several kinds ------------------------------------------------
    def district_named(self, check: RowCheck, column: Column, name: str) -> District | None:
        """Found districts are remembered for the file (a learner roster names the same few many
        times); a missing one is asked again, since a later row of a district file may add it."""
        district = self.known_districts.get(name)
        if district is None:
            district = District.objects.filter(municipality=self.municipality, name=name).first()
            if district is not None:
                self.known_districts[name] = district
        if district is None:
            check.add(column, _("地区「%(name)s」が登録されていません。先に地区を取り込んでください。") % {"name": name})
        return district


def _normalised_text(value: str) -> str:
    return " ".join(value.split())


class DistrictImporter(Importer):
    kind = "districts"
    title = gettext_lazy("地区")
    columns = (
        Column("name", "地区名", "District", required=True),
        Column("name_en", "地区名（英語）", "District (English)"),
        Column("name_kana", "ふりがな", "Kana"),
        Column("senior_population", "高齢者人口", "Senior population", hint=WHOLE_NUMBER),
        Column("parent", "上位地区", "Parent district", hint=gettext_lazy("同じファイルの上の行か、登録済みの地区の名前")),
        Column("order", "表示順", "Order", hint=WHOLE_NUMBER),
    )

    def natural_key(self, values):
        return _normalised_text(values.get("name", ""))

    def import_row(self, check):
        name = _normalised_text(check.text(self.column("name")))
        values = {
            "name_en": check.text(self.column("name_en")),
            "name_kana": check.text(self.column("name_kana")),
            "senior_population": check.integer(self.column("senior_population"), default=0),
            "order": check.integer(self.column("order"), default=0),
            "parent": None,
        }
        parent_name = _normalised_text(check.text(self.column("parent")))
        if parent_name:
            if parent_name == name:
                check.add(self.column("parent"), _("上位地区に自分自身は指定できません。"))
            else:
                values["parent"] = self.district_named(check, self.column("parent"), parent_name)
        check.raise_if_any()
        district = District.objects.filter(municipality=self.municipality, name=name).first()
        district = district or District(municipality=self.municipality, name=name)
        return save_row(district, values, label=name, unstated=self.unstated(check))


WEEKDAY_CHARACTERS = "月火水木金土日"


class VenueImporter(Importer):
    kind = "venues"
    title = gettext_lazy("会場")
    columns = (
        Column("name", "会場名", "Venue", required=True),
        Column("name_en", "会場名（英語）", "Venue (English)"),
        Column("name_kana", "ふりがな", "Kana"),
        Column("kind", "種類", "Kind", required=True, choices=Venue.Kind),
        Column("district", "地区", "District", required=True, hint=REGISTERED_DISTRICT),
        Column("address", "住所", "Address"),
        Column("capacity", "定員", "Capacity", hint=WHOLE_NUMBER),
        Column("open_days", "開館曜日", "Open days", hint=gettext_lazy("「月火水木金」「平日」「毎日」など")),
        Column("open_hours", "開館時間", "Opening hours", hint=gettext_lazy("9:00-17:00 のように")),
        Column("opens_on_holidays", "祝日も開館", "Open on holidays", hint=YES_NO),
        Column("accessibility_notes", "バリアフリー情報", "Accessibility"),
        Column("access_notes", "交通・アクセス", "Getting there"),
    )

    def natural_key(self, values):
        return _normalised_text(values.get("name", ""))

    def import_row(self, check):
        name = _normalised_text(check.text(self.column("name")))
        district_name = _normalised_text(check.text(self.column("district")))
        district = self.district_named(check, self.column("district"), district_name) if district_name else None
        values = {
            "name_en": check.text(self.column("name_en")),
            "name_kana": check.text(self.column("name_kana")),
            "kind": check.choice(self.column("kind"), Venue.Kind),
            "district": district,
            "address": check.text(self.column("address"), max_length=300),
            "capacity": check.integer(self.column("capacity"), default=10, minimum=1),
            "opens_on_holidays": check.boolean(self.column("opens_on_holidays")),
            "accessibility_notes": check.text(self.column("accessibility_notes"), max_length=2000),
            "access_notes": check.text(self.column("access_notes"), max_length=2000),
            "is_active": True,
        }
        hours = self._opening_hours(check)
        check.raise_if_any()
        venue = Venue.objects.filter(municipality=self.municipality, name=name).first()
        venue = venue or Venue(municipality=self.municipality, name=name)
        result = save_row(venue, values, label=name, unstated=self.unstated(check))
        if hours is not None and self._replace_opening_hours(venue, hours) and result.action == UNCHANGED:
            result = RowResult(UPDATED, name, ["opening_hours"])
        return result

    def _opening_hours(self, check: RowCheck) -> set[tuple[int, dt.time, dt.time]] | None:
        """'月火水木金' + '9:00-17:00' → one window per weekday. Both empty: leave hours as they are."""
        days_column, hours_column = self.column("open_days"), self.column("open_hours")
        days_text = check.text(days_column).replace("曜", "")
        hours_text = check.text(hours_column)
        if not days_text and not hours_text:
            return None
        if days_text in {"毎日", "全日", "月-日", "月〜日"}:
            weekdays = list(range(7))
        else:
            compact = days_text.replace("・", "").replace("、", "").replace(",", "").replace(" ", "")
            if compact in {"平日", "月-金", "月〜金", "月～金"}:
                compact = "月火水木金"
            weekdays = [WEEKDAY_CHARACTERS.index(c) for c in compact if c in WEEKDAY_CHARACTERS]
            if not weekdays or len(weekdays) != len(compact):
                check.add(days_column, _("「開館曜日」は「月火水木金」「平日」「毎日」のように書いてください（%(value)s）。")
                          % {"value": days_text})
                return None
        window = _parse_time_range(hours_text)
        if window is None:
            check.add(hours_column, _("「開館時間」は「9:00-17:00」のように書いてください（%(value)s）。")
                      % {"value": hours_text})
            return None
        return {(weekday, *window) for weekday in weekdays}

    @staticmethod
    def _replace_opening_hours(venue: Venue, hours: set[tuple[int, dt.time, dt.time]]) -> bool:
        current = set(venue.opening_hours.values_list("weekday", "opens", "closes"))
        if current == hours:
            return False
        venue.opening_hours.all().delete()
        OpeningHours.objects.bulk_create(
            OpeningHours(venue=venue, weekday=weekday, opens=opens, closes=closes)
            for weekday, opens, closes in sorted(hours)
        )
        return True


def _parse_time_range(text: str) -> tuple[dt.time, dt.time] | None:
    match = re.fullmatch(r"(\d{1,2}):(\d{2})\s*[-~〜～]\s*(\d{1,2}):(\d{2})",
                         unicodedata.normalize("NFKC", text or "").strip())
    if not match:
        return None
    try:
        opens = dt.time(int(match[1]), int(match[2]))
        closes = dt.time(int(match[3]), int(match[4]))
    except ValueError:
        return None
    return (opens, closes) if closes > opens else None


class TopicImporter(Importer):
    kind = "topics"
    title = gettext_lazy("相談内容")
    columns = (
        Column("slug", "スラッグ", "Slug", required=True, hint=gettext_lazy("半角英数字とハイフン（例: line, my-number）")),
        Column("name", "名称", "Name", required=True),
        Column("name_en", "名称（英語）", "Name (English)"),
        Column("name_kana", "ふりがな", "Kana"),
        Column("icon", "アイコン", "Icon"),
        Column("order", "表示順", "Order", hint=WHOLE_NUMBER),
        Column("is_active", "受付中", "Active", hint=YES_NO),
    )

    def natural_key(self, values):
        return values.get("slug", "").strip().lower()

    def import_row(self, check):
        slug = check.text(self.column("slug"), max_length=60).lower()
        if slug and slugify(slug) != slug:
            check.add(self.column("slug"), _("「スラッグ」は半角英数字とハイフンだけで書いてください（%(value)s）。")
                      % {"value": slug})
        values = {
            "name": _normalised_text(check.text(self.column("name"))),
            "name_en": check.text(self.column("name_en")),
            "name_kana": check.text(self.column("name_kana")),
            "icon": check.text(self.column("icon"), max_length=8),
            "order": check.integer(self.column("order"), default=0),
            "is_active": check.boolean(self.column("is_active"), default=True),
        }
        check.raise_if_any()
        topic = Topic.objects.filter(municipality=self.municipality, slug=slug).first()
        topic = topic or Topic(municipality=self.municipality, slug=slug)
        return save_row(topic, values, label=values["name"], unstated=self.unstated(check))


class VolunteerImporter(Importer):
    """The city's roster (デジタル推進委員, スマホ活用支援員 …). New volunteers get an account with no
    password and an invitation to set one; the city vouches for them, so they start approved."""

    kind = "volunteers"
    title = gettext_lazy("ボランティア")
    columns = (
        Column("name", "氏名", "Name", required=True),
        Column("name_kana", "ふりがな", "Kana", required=True),
        Column("email", "メールアドレス", "Email", required=True),
        Column("phone", "電話番号", "Phone", hint=PHONE),
        Column("kind", "種類", "Kind", choices=Volunteer.Kind),
        Column("topics", "教えられる内容", "Topics", hint=gettext_lazy("相談内容のスラッグか名称を「、」で区切って")),
        Column("districts", "活動地区", "Districts", hint=gettext_lazy("地区の名前を「、」で区切って")),
        Column("venues", "活動会場", "Venues", hint=gettext_lazy("会場の名前を「、」で区切って")),
        Column("home_visits", "訪問できる", "Home visits", hint=YES_NO),
        Column("weekly_cap", "週あたりの上限", "Weekly cap", hint=WHOLE_NUMBER),
        Column("trained_on", "研修日", "Training date", hint=gettext_lazy("2026-04-01 または 2026/4/1")),
        Column("status", "状態", "Status", choices=Volunteer.Status),
    )

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.invited: list[User] = []  # accounts created by this import: they get an invitation

    def natural_key(self, values):
        return values.get("email", "").strip().lower()

    def import_row(self, check):
        email = check.text(self.column("email"), max_length=254).lower()
        if email:
            try:
                validate_email(email)
            except ValidationError:
                check.add(self.column("email"), _("メールアドレスが正しくありません（%(value)s）。") % {"value": email})
        phone = check.phone(self.column("phone"))
        status = check.choice(self.column("status"), Volunteer.Status, default=Volunteer.Status.APPROVED)
        values = {
            "name": _normalised_text(check.text(self.column("name"), max_length=100)),
            "name_kana": _normalised_text(check.text(self.column("name_kana"), max_length=100)),
            "phone": phone.e164 if phone else "",
            "kind": check.choice(self.column("kind"), Volunteer.Kind, default=Volunteer.Kind.DIGITAL_PROMOTION),
            "home_visits": check.boolean(self.column("home_visits")),
            "weekly_cap": check.integer(self.column("weekly_cap"), default=5, minimum=1),
            "trained_on": check.date(self.column("trained_on")),
            "status": status,
        }
        topics = self._topics(check)
        districts = self._named(check, "districts", District)
        venues = self._named(check, "venues", Venue)
        user = User.objects.filter(email__iexact=email).first() if email else None
        volunteer = Volunteer.objects.filter(user=user).first() if user else None
        if volunteer is not None and volunteer.municipality_id != self.municipality.pk:
            check.add(self.column("email"), _("このメールアドレスは他の自治体のボランティアとして登録されています（%(value)s）。")
                      % {"value": email})
        check.raise_if_any()

        if user is None:
            user = User.objects.create_user(email=email, password=None, display_name=values["name"])
            EmailAddress.objects.create(user=user, email=email, primary=True, verified=True)
            self.invited.append(user)
        if volunteer is None:
            volunteer = Volunteer(user=user, municipality=self.municipality)
        unstated = self.unstated(check)
        if volunteer.pk is None or ("status" not in unstated and volunteer.status != status):
            approved = status == Volunteer.Status.APPROVED
            values["approved_by"] = self.actor if approved else None
            values["approved_at"] = self.now if approved else None
        is_new = volunteer.pk is None
        result = save_row(volunteer, values, label=values["name"], unstated=unstated, exclude=["user", "calendar_token"])
        changed_sets = [
            name for name, wanted in (("topics", topics), ("districts", districts), ("venues", venues))
            if (is_new or name not in unstated) and _set_related(getattr(volunteer, name), wanted)
        ]
        if changed_sets and result.action == UNCHANGED:
            result = RowResult(UPDATED, result.label)
        if result.action == UPDATED:
            result.changed = [name for name in result.changed if name not in {"approved_by", "approved_at"}]
            result.changed += changed_sets
        return result

    def _topics(self, check: RowCheck) -> list[Topic]:
        column = self.column("topics")
        found = []
        for name in check.names(column):
            topic = Topic.objects.filter(
                Q(slug=name.lower()) | Q(name=name) | Q(name_en__iexact=name), municipality=self.municipality
            ).first()
            if topic is None:
                check.add(column, _("相談内容「%(name)s」が登録されていません。") % {"name": name})
            else:
                found.append(topic)
        return found

    def _named(self, check: RowCheck, key: str, model) -> list:
        column = self.column(key)
        found = []
        for name in check.names(column):
            row = model.objects.filter(municipality=self.municipality, name=name).first()
            if row is None:
                if model is District:
                    message = _("地区「%(name)s」が登録されていません。先に地区を取り込んでください。")
                else:
                    message = _("会場「%(name)s」が登録されていません。先に会場を取り込んでください。")
                check.add(column, message % {"name": name})
            else:
                found.append(row)
        return found


def _set_related(manager, wanted: list) -> bool:
    """Make a many-to-many exactly `wanted`; True when that changed it."""
    current = set(manager.values_list("pk", flat=True))
    if current == {row.pk for row in wanted}:
        return False
    manager.set(wanted)
    return True


REMINDER_ALIASES = {
    "なし": Learner.ReminderChannel.NONE, "不要": Learner.ReminderChannel.NONE,
    "sms": Learner.ReminderChannel.SMS, "ショートメッセージ": Learner.ReminderChannel.SMS,
    "携帯メール": Learner.ReminderChannel.SMS, "電話連絡": Learner.ReminderChannel.VOICE,
}


class LearnerImporter(Importer):
    """Seniors already known to the city (from paper sign-up sheets). The city took their consent
    when they signed up; the import records it as given by import, by the coordinator importing."""

    kind = "learners"
    title = gettext_lazy("受講者")
    columns = (
        Column("name", "氏名", "Name", required=True),
        Column("name_kana", "ふりがな", "Kana", required=True),
        Column("phone", "電話番号", "Phone", required=True, hint=PHONE),
        Column("district", "地区", "District", hint=REGISTERED_DISTRICT),
        Column("reminder_channel", "お知らせの方法", "Reminders", choices=Learner.ReminderChannel),
        Column("device", "端末", "Device", choices=Learner.Device),
        Column("needs_large_print", "大きな文字", "Large print", hint=YES_NO),
        Column("needs_hearing_support", "聞こえの配慮", "Hearing support", hint=YES_NO),
        Column("needs_mobility_support", "移動の配慮", "Mobility support", hint=YES_NO),
        Column("needs_home_visit", "訪問希望", "Home visit", hint=YES_NO),
        Column("notes", "メモ", "Notes"),
        Column("proxy_name", "ご家族のお名前", "Family member"),
        Column("proxy_relation", "続柄", "Relation"),
        Column("proxy_phone", "ご家族の電話番号", "Family phone", hint=PHONE),
        Column("proxy_email", "ご家族のメール", "Family email"),
    )

    def natural_key(self, values):
        raw_phone = values.get("phone", "")
        try:
            phone = parse_phone(raw_phone).e164
        except InvalidPhoneNumber:  # reported by the row itself
            phone = raw_phone.strip()
        return f"{phone}|{name_key(values.get('name', ''))}"

    def import_row(self, check):
        name = _normalised_text(check.text(self.column("name"), max_length=100))
        phone = check.phone(self.column("phone"))
        district_name = _normalised_text(check.text(self.column("district")))
        district = self.district_named(check, self.column("district"), district_name) if district_name else None
        reminder = check.choice(self.column("reminder_channel"), Learner.ReminderChannel, aliases=REMINDER_ALIASES)
        if phone and reminder == Learner.ReminderChannel.SMS and not phone.can_receive_sms:
            check.add(self.column("reminder_channel"),
                      _("固定電話にはショートメールを送れません。「電話」か「お知らせなし」にしてください。"))
        proxy_phone = check.phone(self.column("proxy_phone"))
        proxy_email = check.text(self.column("proxy_email"), max_length=254)
        if proxy_email:
            try:
                validate_email(proxy_email)
            except ValidationError:
                check.add(self.column("proxy_email"), _("メールアドレスが正しくありません（%(value)s）。")
                          % {"value": proxy_email})
        values = {
            "name_kana": _normalised_text(check.text(self.column("name_kana"), max_length=100)),
            "district": district,
            "device": check.choice(self.column("device"), Learner.Device, default=Learner.Device.UNKNOWN),
            "needs_large_print": check.boolean(self.column("needs_large_print")),
            "needs_hearing_support": check.boolean(self.column("needs_hearing_support")),
            "needs_mobility_support": check.boolean(self.column("needs_mobility_support")),
            "needs_home_visit": check.boolean(self.column("needs_home_visit")),
            "notes": check.text(self.column("notes"), max_length=2000),
            "proxy_name": check.text(self.column("proxy_name"), max_length=100),
            "proxy_relation": check.text(self.column("proxy_relation"), max_length=40),
            "proxy_phone": proxy_phone.e164 if proxy_phone else "",
            "proxy_email": proxy_email,
        }
        check.raise_if_any()
        learner = Learner.objects.filter(
            municipality=self.municipality, phone=phone.e164, name_key=name_key(name)
        ).first()
        if learner is None:
            learner = Learner(
                municipality=self.municipality, phone=phone.e164, name=name,
                consent_at=self.now, consent_channel=Channel.IMPORT, consent_taken_by=self.actor,
                created_channel=Channel.IMPORT,
            )
        values["phone_kind"] = phone.kind
        if reminder:
            values["reminder_channel"] = reminder
        elif learner.pk is None:
            values["reminder_channel"] = (
                Learner.ReminderChannel.SMS if phone.can_receive_sms else Learner.ReminderChannel.VOICE
            )
        return save_row(learner, values, label=name, unstated=self.unstated(check), exclude=["name_key"])


IMPORTERS: dict[str, type[Importer]] = {
    importer.kind: importer
    for importer in (DistrictImporter, VenueImporter, TopicImporter, VolunteerImporter, LearnerImporter)
}
