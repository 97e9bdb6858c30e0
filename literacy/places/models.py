"""Municipalities (the tenant), their districts and the venues where lessons happen."""

import datetime as dt
from zoneinfo import ZoneInfo

from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from literacy.core.models import BilingualNameMixin, TimeStampedModel


class Municipality(BilingualNameMixin, TimeStampedModel):
    """A city or town running the program; every other record belongs to one."""

    jis_code = models.CharField(_("全国地方公共団体コード"), max_length=6, unique=True)
    slug = models.SlugField(unique=True)
    timezone = models.CharField(max_length=64, default="Asia/Tokyo")
    program_name = models.CharField(_("事業の名前"), max_length=60, default="スマホ相談")
    program_phone = models.CharField(_("事業の電話番号"), max_length=20, blank=True)
    coordinator_phone = models.CharField(_("担当者の電話番号"), max_length=20, blank=True)
    sms_sender = models.CharField(max_length=32, blank=True)
    # No calls or texts to learners outside these hours (local time).
    quiet_hours_end = models.TimeField(_("連絡してよい開始時刻"), default=dt.time(9, 0))
    quiet_hours_start = models.TimeField(_("連絡してよい終了時刻"), default=dt.time(20, 0))
    office_opens = models.TimeField(_("窓口の開始時刻"), default=dt.time(9, 0))
    office_closes = models.TimeField(_("窓口の終了時刻"), default=dt.time(17, 0))
    lesson_minutes = models.PositiveSmallIntegerField(default=60, validators=[MinValueValidator(15)])
    min_notice_hours = models.PositiveSmallIntegerField(_("予約の締切（時間前）"), default=3)
    offer_hours = models.PositiveSmallIntegerField(_("依頼の回答期限（時間）"), default=12)
    offers_at_once = models.PositiveSmallIntegerField(default=3, validators=[MinValueValidator(1)])

    class Meta:
        verbose_name = _("自治体")
        verbose_name_plural = _("自治体")
        ordering = ["jis_code"]

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


class District(BilingualNameMixin, TimeStampedModel):
    """An area of the municipality, with its senior population so coverage can be a ratio."""

    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="districts")
    name_kana = models.CharField(max_length=200, blank=True)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    senior_population = models.PositiveIntegerField(_("高齢者人口"), default=0)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("地区")
        verbose_name_plural = _("地区")
        ordering = ["municipality", "order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["municipality", "name"], name="district_unique_name"),
        ]


class Venue(BilingualNameMixin, TimeStampedModel):
    class Kind(models.TextChoices):
        COMMUNITY_CENTRE = "community_centre", _("公民館")
        LIBRARY = "library", _("図書館")
        CITY_OFFICE = "city_office", _("市役所")
        BRANCH_OFFICE = "branch_office", _("支所")
        WELFARE_CENTRE = "welfare_centre", _("福祉センター")
        CARRIER_SHOP = "carrier_shop", _("携帯ショップ")
        MOBILE_CLASSROOM = "mobile_classroom", _("移動教室")
        HOME_VISIT = "home_visit", _("ご自宅訪問")
        REMOTE = "remote", _("電話・オンライン")

    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="venues")
    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="venues")
    kind = models.CharField(max_length=32, choices=Kind.choices)
    name_kana = models.CharField(max_length=200, blank=True)
    address = models.CharField(_("住所"), max_length=300, blank=True)
    capacity = models.PositiveSmallIntegerField(_("定員"), default=10, validators=[MinValueValidator(1)])
    accessibility_notes = models.TextField(_("バリアフリー情報"), blank=True)
    access_notes = models.TextField(_("交通・アクセス"), blank=True)
    opens_on_holidays = models.BooleanField(_("祝日も開館"), default=False)
    is_active = models.BooleanField(default=True)

    class Meta:
        verbose_name = _("会場")
        verbose_name_plural = _("会場")
        ordering = ["municipality", "district__order", "name"]
        constraints = [
            models.UniqueConstraint(fields=["municipality", "name"], name="venue_unique_name"),
        ]
        indexes = [models.Index(fields=["municipality", "is_active"])]


class OpeningHours(models.Model):
    """One weekday's opening hours of a venue (Monday = 0). A venue may have several per day."""

    venue = models.ForeignKey(Venue, on_delete=models.CASCADE, related_name="opening_hours")
    weekday = models.PositiveSmallIntegerField(choices=[(i, str(i)) for i in range(7)])
    opens = models.TimeField()
    closes = models.TimeField()

    class Meta:
        verbose_name = _("開館時間")
        verbose_name_plural = _("開館時間")
        ordering = ["venue", "weekday", "opens"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(closes__gt=models.F("opens")), name="opening_hours_closes_after_opens"
            ),
            models.CheckConstraint(condition=models.Q(weekday__lte=6), name="opening_hours_weekday"),
        ]

    def __str__(self) -> str:
        return f"{self.venue} {'月火水木金土日'[self.weekday]} {self.opens:%H:%M}–{self.closes:%H:%M}"
