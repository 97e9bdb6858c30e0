"""Help requests, offers to volunteers, lessons, learners' bookings and lesson reports."""

import uuid

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from literacy.core.models import TimeStampedModel
from literacy.people.models import Channel


class HelpRequest(TimeStampedModel):
    """A learner asking for help; it ends in a lesson, a withdrawal, or a coordinator's hands."""

    class State(models.TextChoices):
        OPEN = "open", _("受付")
        OFFERED = "offered", _("ボランティアに依頼中")
        SCHEDULED = "scheduled", _("日程確定")
        WITHDRAWN = "withdrawn", _("取り下げ")
        ESCALATED = "escalated", _("担当者が対応")

    ACTIVE_STATES = (State.OPEN, State.OFFERED, State.ESCALATED)

    municipality = models.ForeignKey(
        "places.Municipality", on_delete=models.CASCADE, related_name="help_requests"
    )
    learner = models.ForeignKey("people.Learner", on_delete=models.CASCADE, related_name="help_requests")
    topic = models.ForeignKey("curriculum.Topic", on_delete=models.PROTECT, related_name="help_requests")
    venue = models.ForeignKey(
        "places.Venue", null=True, blank=True, on_delete=models.PROTECT, related_name="help_requests"
    )
    district = models.ForeignKey(
        "places.District", null=True, blank=True, on_delete=models.PROTECT, related_name="help_requests"
    )
    # A chosen time (from the bookable times) or, when empty, only a preference in words.
    wanted_starts_at = models.DateTimeField(null=True, blank=True)
    wanted_ends_at = models.DateTimeField(null=True, blank=True)
    preference_note = models.CharField(_("希望"), max_length=300, blank=True)
    channel = models.CharField(max_length=20, choices=Channel.choices)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The kiosk that took a call-back request (one without a booking): counted by its limits.
    kiosk_device = models.ForeignKey(
        "kiosk.KioskDevice", null=True, blank=True, on_delete=models.SET_NULL, related_name="help_requests"
    )
    deadline = models.DateTimeField(_("期限"))
    state = models.CharField(max_length=12, choices=State.choices, default=State.OPEN)
    lesson = models.ForeignKey(
        "Lesson", null=True, blank=True, on_delete=models.SET_NULL, related_name="help_requests"
    )
    scheduled_at = models.DateTimeField(null=True, blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("相談依頼")
        verbose_name_plural = _("相談依頼")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["municipality", "state", "deadline"]),
            models.Index(fields=["kiosk_device", "created_at"]),
            # The coverage dashboard counts a municipality's requests of a period by district,
            # topic and month from this index alone (no visit to the rows): every column it reads
            # is in the key. It replaced (municipality, created_at), whose look-ups it still serves.
            models.Index(
                fields=["municipality", "created_at", "state", "topic", "district", "learner", "scheduled_at"],
                name="help_request_period_cover",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(wanted_starts_at__isnull=True) | Q(wanted_ends_at__gt=models.F("wanted_starts_at")),
                name="help_request_wanted_range",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.learner} / {self.topic}"

    @property
    def is_active(self) -> bool:
        return self.state in self.ACTIVE_STATES


class Offer(TimeStampedModel):
    """A request offered to one volunteer, with the score and the reasons they were chosen."""

    class State(models.TextChoices):
        PENDING = "pending", _("回答待ち")
        ACCEPTED = "accepted", _("引き受け")
        DECLINED = "declined", _("辞退")
        EXPIRED = "expired", _("期限切れ")
        WITHDRAWN = "withdrawn", _("取り消し")

    help_request = models.ForeignKey(HelpRequest, on_delete=models.CASCADE, related_name="offers")
    volunteer = models.ForeignKey("people.Volunteer", on_delete=models.CASCADE, related_name="offers")
    score = models.FloatField()
    # [{"code": "continuity", "points": 30.0}, …] — rendered in words by matching.reason_label.
    reasons = models.JSONField(default=list)
    rank = models.PositiveSmallIntegerField(default=1)
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    expires_at = models.DateTimeField()
    responded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("依頼")
        verbose_name_plural = _("依頼")
        ordering = ["help_request", "rank"]
        constraints = [
            models.UniqueConstraint(fields=["help_request", "volunteer"], name="offer_once_per_volunteer"),
            # The first acceptance wins, in the database.
            models.UniqueConstraint(
                fields=["help_request"], condition=Q(state="accepted"), name="offer_one_accepted"
            ),
        ]
        indexes = [
            models.Index(fields=["state", "expires_at"]),
            models.Index(fields=["volunteer", "state"]),
            models.Index(fields=["volunteer", "created_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.volunteer} ← #{self.help_request_id} ({self.get_state_display()})"


def new_calendar_uid() -> str:
    return f"{uuid.uuid4()}@oshieai"


class LessonQuerySet(models.QuerySet):
    def active(self):
        return self.exclude(state=Lesson.State.CANCELLED)

    def upcoming(self):
        return self.active().filter(starts_at__gte=timezone.now()).order_by("starts_at")

    def overlapping(self, starts_at, ends_at):
        """Half-open ranges: a lesson ending at 11:00 does not overlap one starting at 11:00."""
        return self.filter(starts_at__lt=ends_at, ends_at__gt=starts_at)


class Lesson(TimeStampedModel):
    """One volunteer, one venue, one time. The calendar UID never changes; SEQUENCE grows."""

    class Format(models.TextChoices):
        ONE_TO_ONE = "one_to_one", _("個別相談")
        GROUP = "group", _("教室（グループ）")
        DROP_IN = "drop_in", _("自由参加の相談会")
        REMOTE = "remote", _("電話・オンライン")

    class State(models.TextChoices):
        SCHEDULED = "scheduled", _("予定")
        CANCELLED = "cancelled", _("中止")
        COMPLETED = "completed", _("実施済み")

    municipality = models.ForeignKey(
        "places.Municipality", on_delete=models.CASCADE, related_name="lessons"
    )
    volunteer = models.ForeignKey("people.Volunteer", on_delete=models.PROTECT, related_name="lessons")
    venue = models.ForeignKey("places.Venue", on_delete=models.PROTECT, related_name="lessons")
    topic = models.ForeignKey("curriculum.Topic", on_delete=models.PROTECT, related_name="lessons")
    format = models.CharField(max_length=12, choices=Format.choices, default=Format.ONE_TO_ONE)
    title = models.CharField(max_length=200, blank=True)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    seats = models.PositiveSmallIntegerField(default=1, validators=[MinValueValidator(1)])
    state = models.CharField(max_length=10, choices=State.choices, default=State.SCHEDULED)
    calendar_uid = models.CharField(max_length=100, unique=True, default=new_calendar_uid, editable=False)
    sequence = models.PositiveIntegerField(default=0)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancel_reason = models.CharField(max_length=300, blank=True)

    objects = LessonQuerySet.as_manager()

    class Meta:
        verbose_name = _("レッスン")
        verbose_name_plural = _("レッスン")
        ordering = ["starts_at"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=models.F("starts_at")), name="lesson_ends_after_starts"),
            models.CheckConstraint(condition=Q(seats__gte=1), name="lesson_seats_positive"),
        ]
        # The no-overlap rule per volunteer is an exclusion constraint on PostgreSQL:
        # see migrations/0002_lesson_no_overlap.py (a no-op on SQLite).
        indexes = [
            models.Index(fields=["volunteer", "starts_at"]),
            models.Index(fields=["venue", "starts_at"]),
            models.Index(fields=["municipality", "state", "starts_at"]),
            # The coverage dashboard reads a municipality's lessons of a period from this index
            # alone: by district, topic, volunteer and month, and joined to their bookings by id.
            # It replaced (municipality, starts_at), whose look-ups it still serves.
            models.Index(
                fields=["municipality", "starts_at", "state", "venue", "topic", "volunteer", "ends_at", "id"],
                name="lesson_period_cover",
            ),
            # A volunteer's lessons overlapping a period (bookable times, the overlap check):
            # "ends after the period starts" bounds the scan to lessons not yet over, where
            # (volunteer, starts_at) would read the volunteer's whole history. Index-only on
            # PostgreSQL.
            models.Index(fields=["volunteer", "ends_at"], include=["starts_at", "state"],
                         name="lesson_volunteer_ends_cover"),
            # Group classes and drop-in sessions at a venue, for their seats: few rows among many.
            models.Index(fields=["venue", "starts_at"], condition=Q(format__in=["group", "drop_in"]),
                         name="lesson_class_venue_time"),
        ]

    def __str__(self) -> str:
        return f"{self.topic} {self.starts_at:%Y-%m-%d %H:%M}"

    @property
    def is_active(self) -> bool:
        return self.state != self.State.CANCELLED


class BookingQuerySet(models.QuerySet):
    def active(self):
        return self.filter(state__in=Booking.ACTIVE_STATES)

    def holding_seat(self):
        return self.filter(state__in=Booking.SEAT_STATES)


class Booking(TimeStampedModel):
    """A learner's place: in a lesson, or (state pending) waiting for a volunteer to accept."""

    class State(models.TextChoices):
        PENDING = "pending", _("ボランティアの確認待ち")
        BOOKED = "booked", _("予約済み")
        WAITLISTED = "waitlisted", _("キャンセル待ち")
        CANCELLED = "cancelled", _("キャンセル")
        ATTENDED = "attended", _("参加")
        NO_SHOW = "no_show", _("欠席")

    ACTIVE_STATES = (State.PENDING, State.BOOKED, State.WAITLISTED)
    SEAT_STATES = (State.BOOKED, State.ATTENDED, State.NO_SHOW)

    municipality = models.ForeignKey(
        "places.Municipality", on_delete=models.CASCADE, related_name="bookings"
    )
    learner = models.ForeignKey("people.Learner", on_delete=models.CASCADE, related_name="bookings")
    lesson = models.ForeignKey(
        Lesson, null=True, blank=True, on_delete=models.PROTECT, related_name="bookings"
    )
    help_request = models.ForeignKey(
        HelpRequest, null=True, blank=True, on_delete=models.SET_NULL, related_name="bookings"
    )
    code = models.CharField(_("予約番号"), max_length=8)
    state = models.CharField(max_length=12, choices=State.choices, default=State.BOOKED)
    channel = models.CharField(max_length=20, choices=Channel.choices)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The kiosk the booking was made at (by its pages or by the API with its device key): the
    # bookings per device per hour and per day are counted from this.
    kiosk_device = models.ForeignKey(
        "kiosk.KioskDevice", null=True, blank=True, on_delete=models.SET_NULL, related_name="bookings"
    )
    booked_by_proxy = models.BooleanField(default=False)
    learner_confirmed_at = models.DateTimeField(null=True, blank=True)
    idempotency_key = models.CharField(max_length=80, null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancel_reason = models.CharField(max_length=300, blank=True)

    objects = BookingQuerySet.as_manager()

    class Meta:
        verbose_name = _("予約")
        verbose_name_plural = _("予約")
        ordering = ["created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["lesson", "learner"],
                condition=Q(state__in=["pending", "booked", "waitlisted"]),
                name="booking_one_active_per_learner_lesson",
            ),
            models.UniqueConstraint(
                fields=["municipality", "code"],
                condition=Q(state__in=["pending", "booked", "waitlisted"]),
                name="booking_code_unique_among_active",
            ),
            models.UniqueConstraint(
                fields=["municipality", "idempotency_key"], name="booking_idempotency_key_unique"
            ),
        ]
        indexes = [
            models.Index(fields=["lesson", "state"]),
            models.Index(fields=["learner", "state"]),
            models.Index(fields=["municipality", "code"]),
            models.Index(fields=["kiosk_device", "created_at"]),
            # The coverage dashboard joins a municipality's bookings (by state) to the lessons of
            # a period: with this index both sides are index-only scans and PostgreSQL hash-joins
            # them, instead of probing (lesson, state) once per lesson of the period.
            models.Index(fields=["municipality", "state", "lesson", "learner"], name="booking_coverage_cover"),
        ]

    def __str__(self) -> str:
        return self.code

    @property
    def is_active(self) -> bool:
        return self.state in self.ACTIVE_STATES

    def lesson_has_begun(self, now=None) -> bool:
        """Its lesson has started or is over: too late to cancel or move it (a request still
        waiting for a volunteer can always be moved or withdrawn)."""
        return self.lesson is not None and self.lesson.starts_at <= (now or timezone.now())

    @property
    def can_change(self) -> bool:
        """Still the learner's to cancel or move."""
        return self.is_active and not self.lesson_has_begun()


class LessonReport(TimeStampedModel):
    """The volunteer's account of a lesson: what was covered and what comes next."""

    lesson = models.OneToOneField(Lesson, on_delete=models.CASCADE, related_name="report")
    volunteer = models.ForeignKey("people.Volunteer", on_delete=models.PROTECT, related_name="reports")
    topics_covered = models.ManyToManyField("curriculum.Topic", related_name="+", blank=True)
    duration_minutes = models.PositiveSmallIntegerField(validators=[MinValueValidator(1)])
    note_for_next = models.TextField(_("次のボランティアへのメモ"), blank=True)
    follow_up_needed = models.BooleanField(_("フォローが必要"), default=False)
    follow_up_note = models.CharField(max_length=300, blank=True)

    class Meta:
        verbose_name = _("活動報告")
        verbose_name_plural = _("活動報告")

    def __str__(self) -> str:
        return f"{self.lesson} / {self.volunteer}"


class LearnerProgress(models.Model):
    """One learner's outcome in a reported lesson: skills they can now do alone."""

    report = models.ForeignKey(LessonReport, on_delete=models.CASCADE, related_name="progress")
    booking = models.OneToOneField(Booking, on_delete=models.CASCADE, related_name="progress")
    learner = models.ForeignKey("people.Learner", on_delete=models.CASCADE, related_name="progress")
    skills = models.ManyToManyField("curriculum.Skill", related_name="+", blank=True)
    went_well = models.BooleanField(default=True)
    could_teach = models.BooleanField(_("教える側になれそう"), default=False)

    class Meta:
        verbose_name = _("受講者の成果")
        verbose_name_plural = _("受講者の成果")

    def __str__(self) -> str:
        return f"{self.learner} / {self.report.lesson}"

class LookupAttempt(models.Model):
    """One try at finding a booking by code and phone; misses within a window lock the client out.

    The phone and the client key are kept only as keyed hashes: the table exists to count
    guesses, and must not become a second list of seniors' phone numbers.
    """

    municipality = models.ForeignKey(
        "places.Municipality", on_delete=models.CASCADE, related_name="+"
    )
    client_hash = models.CharField(max_length=64)
    phone_hash = models.CharField(max_length=64)
    succeeded = models.BooleanField(default=False)
    at = models.DateTimeField()

    class Meta:
        verbose_name = _("予約番号の照会")
        verbose_name_plural = _("予約番号の照会")
        indexes = [
            models.Index(fields=["client_hash", "at"]),
            models.Index(fields=["phone_hash", "at"]),
            models.Index(fields=["at"]),
        ]
