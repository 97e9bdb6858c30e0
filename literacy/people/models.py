"""Learners (seniors, no login) and volunteer teachers with their weekly availability."""

import secrets
import unicodedata

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from literacy.core.models import TimeStampedModel
from literacy.core.phones import ParsedPhone


class Channel(models.TextChoices):
    """How something reached us: used for requests, bookings and consent."""

    KIOSK = "kiosk", _("キオスク")
    VOICE = "voice", _("自動音声電話")
    PHONE_DESK = "phone_desk", _("電話窓口")
    PROXY = "proxy", _("ご家族による代理")
    API = "api", _("外部システム")
    VOLUNTEER = "volunteer", _("ボランティア")
    IMPORT = "import", _("一括取り込み")
    ADMIN = "admin", _("管理画面")


WEEKDAY_NAMES = ["月", "火", "水", "木", "金", "土", "日"]


def name_key(name: str) -> str:
    """Normalise a name for matching: NFKC, no spaces, lower case ('山田　花子' == '山田花子')."""
    return "".join(unicodedata.normalize("NFKC", name or "").split()).lower()


class LearnerQuerySet(models.QuerySet):
    def identified_by(self, *, municipality, phone: ParsedPhone, name: str):
        """The learner with this number and name (as normalised by name_key), oldest first, by id:
        the model's ordering would join the municipality, and FOR UPDATE would then lock the
        city's row too."""
        return self.filter(municipality=municipality, phone=phone.e164, name_key=name_key(name)).order_by("pk")


class Learner(TimeStampedModel):
    """A senior asking for help. Identified by phone number plus name (a landline may serve a couple)."""

    class PhoneKind(models.TextChoices):
        MOBILE = "mobile", _("携帯電話")
        LANDLINE = "landline", _("固定電話")
        OTHER = "other", _("その他")

    class ReminderChannel(models.TextChoices):
        SMS = "sms", _("ショートメール")
        VOICE = "voice", _("電話")
        NONE = "none", _("お知らせなし")

    class Device(models.TextChoices):
        IPHONE = "iphone", _("iPhone")
        ANDROID = "android", _("Android")
        FEATURE_PHONE = "feature_phone", _("ガラケー")
        NONE = "none", _("持っていない")
        UNKNOWN = "unknown", _("不明")

    municipality = models.ForeignKey(
        "places.Municipality", on_delete=models.CASCADE, related_name="learners"
    )
    name = models.CharField(_("お名前"), max_length=100, blank=True)
    name_kana = models.CharField(_("ふりがな"), max_length=100, blank=True)
    name_key = models.CharField(max_length=100, blank=True, editable=False)
    phone = models.CharField(_("電話番号"), max_length=20, help_text=_("E.164 形式"))
    phone_kind = models.CharField(max_length=10, choices=PhoneKind.choices)
    reminder_channel = models.CharField(
        _("お知らせの方法"), max_length=10, choices=ReminderChannel.choices,
        default=ReminderChannel.VOICE,
    )
    district = models.ForeignKey(
        "places.District", null=True, blank=True, on_delete=models.SET_NULL, related_name="learners"
    )
    device = models.CharField(max_length=20, choices=Device.choices, default=Device.UNKNOWN)
    needs_large_print = models.BooleanField(_("大きな文字"), default=False)
    needs_hearing_support = models.BooleanField(_("聞こえの配慮"), default=False)
    needs_mobility_support = models.BooleanField(_("移動の配慮"), default=False)
    needs_home_visit = models.BooleanField(_("訪問希望"), default=False)
    language = models.CharField(_("ことば"), max_length=8, default="ja")
    notes = models.TextField(_("メモ"), blank=True)
    # Consent to hold their data and contact them: when, how, and who took it.
    consent_at = models.DateTimeField(null=True, blank=True)
    consent_channel = models.CharField(max_length=20, choices=Channel.choices, blank=True)
    consent_taken_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # A family member who books or is told on the learner's behalf.
    proxy_name = models.CharField(_("ご家族のお名前"), max_length=100, blank=True)
    proxy_relation = models.CharField(_("続柄"), max_length=40, blank=True)
    proxy_phone = models.CharField(_("ご家族の電話番号"), max_length=20, blank=True)
    proxy_email = models.EmailField(_("ご家族のメール"), blank=True)
    proxy_gets_reminders = models.BooleanField(default=False)
    sms_opted_out_at = models.DateTimeField(null=True, blank=True)
    needs_callback = models.BooleanField(
        _("折り返し電話で詳細を確認"), default=False,
        help_text=_("自動音声で初めて電話された方など、詳しい情報をうかがう必要がある"),
    )
    could_teach = models.BooleanField(_("教える側になれそう"), default=False)
    created_channel = models.CharField(max_length=20, choices=Channel.choices, default=Channel.KIOSK)
    last_active_at = models.DateTimeField(null=True, blank=True)
    anonymised_at = models.DateTimeField(null=True, blank=True)

    objects = LearnerQuerySet.as_manager()

    class Meta:
        verbose_name = _("受講者")
        verbose_name_plural = _("受講者")
        ordering = ["municipality", "name_kana", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "phone", "name_key"], name="learner_unique_phone_name"
            ),
        ]
        indexes = [
            models.Index(fields=["municipality", "phone"]),
            models.Index(fields=["municipality", "name_kana"]),
            # The coverage dashboard looks up the home district of every learner it counts (tens
            # of thousands a year at prefecture scale): from this index alone, not the rows.
            models.Index(fields=["id", "district"], name="learner_district_lookup"),
        ]

    def __str__(self) -> str:
        return self.name or self.phone

    def save(self, *args, **kwargs):
        self.name_key = name_key(self.name)
        super().save(*args, **kwargs)

    @property
    def given_name(self) -> str:
        """What a volunteer may see: the part after the family name, if the name has a space."""
        parts = unicodedata.normalize("NFKC", self.name or "").split()
        return parts[-1] if len(parts) > 1 else (self.name or "")

    @property
    def can_receive_sms(self) -> bool:
        return self.phone_kind == self.PhoneKind.MOBILE and self.sms_opted_out_at is None


class VolunteerQuerySet(models.QuerySet):
    def approved(self):
        return self.filter(status=Volunteer.Status.APPROVED)


def new_calendar_token() -> str:
    return secrets.token_urlsafe(24)


class Volunteer(TimeStampedModel):
    """A volunteer teacher's profile. Only approved volunteers receive offers."""

    class Kind(models.TextChoices):
        RESIDENT_HELPER = "resident_helper", _("スマホ活用支援員")
        DIGITAL_PROMOTION = "digital_promotion", _("デジタル推進委員")
        STUDENT = "student", _("学生")
        CARRIER_STAFF = "carrier_staff", _("携帯ショップ職員")
        FORMER_LEARNER = "former_learner", _("元受講者")

    class Status(models.TextChoices):
        APPLIED = "applied", _("申請中")
        APPROVED = "approved", _("承認済み")
        PAUSED = "paused", _("休止中")
        RETIRED = "retired", _("引退")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="volunteer"
    )
    municipality = models.ForeignKey(
        "places.Municipality", on_delete=models.CASCADE, related_name="volunteers"
    )
    name = models.CharField(_("お名前"), max_length=100)
    name_kana = models.CharField(_("ふりがな"), max_length=100, blank=True)
    phone = models.CharField(_("電話番号"), max_length=20, blank=True)
    phone_verified_at = models.DateTimeField(null=True, blank=True)
    kind = models.CharField(max_length=30, choices=Kind.choices, default=Kind.RESIDENT_HELPER)
    topics = models.ManyToManyField("curriculum.Topic", related_name="volunteers", blank=True)
    districts = models.ManyToManyField("places.District", related_name="volunteers", blank=True)
    venues = models.ManyToManyField("places.Venue", related_name="volunteers", blank=True)
    home_visits = models.BooleanField(_("訪問できる"), default=False)
    languages = models.CharField(
        _("話せる言語"), max_length=60, default="ja", help_text=_("カンマ区切り（例: ja,en）")
    )
    weekly_cap = models.PositiveSmallIntegerField(
        _("週あたりの上限"), default=5, validators=[MinValueValidator(1)]
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.APPLIED)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    # Who paused them: a volunteer may resume a pause of their own, not one a coordinator decided.
    paused_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    trained_on = models.DateField(_("研修日"), null=True, blank=True)
    calendar_token = models.CharField(max_length=64, unique=True, default=new_calendar_token)
    former_learner = models.ForeignKey(
        Learner, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = VolunteerQuerySet.as_manager()

    class Meta:
        verbose_name = _("ボランティア")
        verbose_name_plural = _("ボランティア")
        ordering = ["municipality", "name_kana", "id"]
        indexes = [models.Index(fields=["municipality", "status"])]

    def __str__(self) -> str:
        return self.name

    @property
    def language_list(self) -> list[str]:
        return [code.strip() for code in self.languages.split(",") if code.strip()]


class Availability(models.Model):
    """A recurring weekly window at one venue. An instant window confirms bookings at once."""

    volunteer = models.ForeignKey(Volunteer, on_delete=models.CASCADE, related_name="availabilities")
    venue = models.ForeignKey("places.Venue", on_delete=models.CASCADE, related_name="availabilities")
    weekday = models.PositiveSmallIntegerField(choices=[(i, str(i)) for i in range(7)])
    starts = models.TimeField()
    ends = models.TimeField()
    is_instant = models.BooleanField(
        _("即時確定"), default=False,
        help_text=_("この時間の予約はボランティアの承諾を待たずに確定します"),
    )

    class Meta:
        verbose_name = _("活動できる時間")
        verbose_name_plural = _("活動できる時間")
        ordering = ["volunteer", "weekday", "starts"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends__gt=models.F("starts")), name="availability_ends_after_starts"
            ),
            models.CheckConstraint(condition=models.Q(weekday__lte=6), name="availability_weekday"),
        ]
        indexes = [models.Index(fields=["venue", "weekday"])]

    def __str__(self) -> str:
        return f"{self.volunteer} {WEEKDAY_NAMES[self.weekday]} {self.starts:%H:%M}–{self.ends:%H:%M} @ {self.venue}"


class AvailabilityException(models.Model):
    """Dated days a volunteer cannot teach (holidays, trips), inclusive."""

    volunteer = models.ForeignKey(Volunteer, on_delete=models.CASCADE, related_name="exceptions")
    starts_on = models.DateField()
    ends_on = models.DateField()
    reason = models.CharField(max_length=200, blank=True)

    class Meta:
        verbose_name = _("お休みの日")
        verbose_name_plural = _("お休みの日")
        ordering = ["volunteer", "starts_on"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__gte=models.F("starts_on")), name="exception_ends_after_starts"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.volunteer} {self.starts_on}–{self.ends_on}"

class VolunteerPhoneCheck(models.Model):
    """An SMS code sent to confirm a volunteer's phone number: only its hash is kept, and it
    expires; the number becomes the profile's verified number only when the code comes back."""

    volunteer = models.ForeignKey(Volunteer, on_delete=models.CASCADE, related_name="phone_checks")
    phone = models.CharField(max_length=20)
    code_hash = models.CharField(max_length=128)
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("電話番号の確認")
        verbose_name_plural = _("電話番号の確認")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["volunteer", "created_at"])]
