"""Build the demo city from `demo_data`: deterministic (a fixed seed), idempotent, and scalable.

Rows are written with `bulk_create` in batches so that `--scale 10` stays quick. Lessons are laid
out inside each volunteer's weekly windows, one window per weekday, so no volunteer ever has two
overlapping active lessons (PostgreSQL's exclusion constraint would refuse them anyway).
"""

from __future__ import annotations

import datetime as dt
import random
import uuid
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

import holidays
from allauth.account.models import EmailAddress
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group, Permission
from django.db import models, transaction
from django.utils import timezone

from literacy.accounts.models import CoordinatorRole, User
from literacy.core import demo_data
from literacy.core.phones import MOBILE, parse_phone
from literacy.curriculum.models import Skill, Topic
from literacy.followups.models import FollowUp, FollowUpAction
from literacy.kiosk.models import KioskDevice
from literacy.people.models import (
    Availability,
    AvailabilityException,
    Channel,
    Learner,
    Volunteer,
    name_key,
)
from literacy.places.models import District, Municipality, OpeningHours, Venue
from literacy.scheduling.matching import WEIGHTS
from literacy.scheduling.models import Booking, HelpRequest, LearnerProgress, Lesson, LessonReport, Offer

RANDOM_SEED = 8020  # や(8)め(0)… any fixed number makes every run lay out the same city
BATCH_SIZE = 1000
VOLUNTEERS_PER_SCALE = 40  # including the demo volunteer
LEARNERS_PER_SCALE = 150
PAST_DAYS = 42
UPCOMING_DAYS = 21

DEFAULT_PASSWORD = "oshieai-demo"
ADMIN_EMAIL = "admin@example.jp"
COORDINATOR_EMAIL = "coordinator@example.jp"
VOLUNTEER_EMAIL = "volunteer@example.jp"
# Generated volunteers' accounts live under their own domain, so the demo can count and remove them.
POOL_EMAIL_DOMAIN = "yame.example.jp"
COORDINATOR_GROUP = "コーディネーター"
# What a coordinator may do in the admin: everything but deleting, and only looking at the outbox.
COORDINATOR_APPS = ("places", "curriculum", "people", "scheduling", "followups", "kiosk")

Progress = Callable[[str, int, int], None]


def _no_progress(label: str, done: int, total: int) -> None:
    return None


class DemoCityConflict(Exception):
    """The demo city's JIS code is taken by a municipality the demo did not create."""


@dataclass
class DemoResult:
    municipality: Municipality
    created: bool
    counts: dict[str, int]


@transaction.atomic
def demo_city_seed(
    *, scale: int = 1, password: str = DEFAULT_PASSWORD, reset: bool = False, progress: Progress = _no_progress
) -> DemoResult:
    """Create the demo city unless it is already there at this scale; always refresh the demo logins.

    A second run finds the city and changes nothing but the logins' passwords. A run with another
    `scale`, or with `reset`, removes the demo city and lays it out again from the same seed.
    """
    if scale < 1:
        raise ValueError("scale must be at least 1")
    # One hash for every demo account: PBKDF2 is slow on purpose, and these are demo passwords.
    password_hash = make_password(password)
    admin, coordinator, volunteer_user = _demo_logins_ensure(password_hash=password_hash)
    municipality = Municipality.objects.filter(jis_code=demo_data.MUNICIPALITY["jis_code"]).first()
    if municipality is not None and not reset and demo_city_scale(municipality) == 0:
        # Someone's own records for this city: never removed without being asked to.
        raise DemoCityConflict(
            f"{municipality.name}（{municipality.jis_code}）はデモデータ以外で作られています。"
            "置き換えるときは --reset を付けてください。"
        )
    if municipality is not None and (reset or demo_city_scale(municipality) != scale):
        _demo_city_delete(municipality)
        municipality = None
    created = municipality is None
    if created:
        builder = _DemoCityBuilder(
            scale=scale, password_hash=password_hash, coordinator=coordinator,
            volunteer_user=volunteer_user, progress=progress,
        )
        municipality = builder.build()
    CoordinatorRole.objects.get_or_create(user=coordinator, municipality=municipality)
    return DemoResult(municipality=municipality, created=created, counts=demo_city_counts(municipality))


def demo_city_scale(municipality: Municipality) -> int:
    """The scale the demo city was built at, read back from its generated volunteers (0 if none)."""
    pool = Volunteer.objects.filter(
        municipality=municipality, user__email__endswith=f"@{POOL_EMAIL_DOMAIN}"
    ).count()
    return (pool + 1) // VOLUNTEERS_PER_SCALE


def demo_city_counts(municipality: Municipality) -> dict[str, int]:
    return {
        "地区": municipality.districts.count(),
        "会場": municipality.venues.count(),
        "相談内容": municipality.topics.count(),
        "ボランティア": municipality.volunteers.count(),
        "受講者": municipality.learners.count(),
        "レッスン": municipality.lessons.count(),
        "予約": municipality.bookings.count(),
        "活動報告": LessonReport.objects.filter(lesson__municipality=municipality).count(),
        "相談依頼": municipality.help_requests.count(),
        "対応が必要な案件": municipality.follow_ups.count(),
    }


def _demo_logins_ensure(*, password_hash: str) -> tuple[User, User, User]:
    """The three demo accounts, with verified addresses so allauth's mandatory verification lets them in."""
    admin = _login_ensure(ADMIN_EMAIL, password_hash, display_name="管理者（デモ）", is_staff=True, is_superuser=True)
    coordinator = _login_ensure(
        COORDINATOR_EMAIL, password_hash, display_name="八女市 担当者（デモ）", is_staff=True, is_superuser=False,
        first_name="真理", last_name="古賀",
    )
    volunteer = _login_ensure(
        VOLUNTEER_EMAIL, password_hash, display_name="中島 陽子", is_staff=False, is_superuser=False,
        first_name="陽子", last_name="中島",
    )
    coordinator.groups.add(_coordinator_group_ensure())
    return admin, coordinator, volunteer


def _login_ensure(email: str, password_hash: str, **fields) -> User:
    user, _ = User.objects.update_or_create(email=email, defaults={**fields, "password": password_hash})
    EmailAddress.objects.update_or_create(
        user=user, email=email, defaults={"verified": True, "primary": True}
    )
    return user


def _coordinator_group_ensure() -> Group:
    group, _ = Group.objects.get_or_create(name=COORDINATOR_GROUP)
    permissions = Permission.objects.filter(
        models.Q(content_type__app_label__in=COORDINATOR_APPS, codename__regex=r"^(add|change|view)_")
        | models.Q(content_type__app_label="notifications", codename__startswith="view_")
        | models.Q(content_type__app_label="accounts", codename="view_coordinatorrole")
    )
    group.permissions.set(permissions)
    return group


def _demo_city_delete(municipality: Municipality) -> None:
    """Remove the demo city. PROTECTed links (lesson → volunteer, venue → district) set the order."""
    Booking.objects.filter(municipality=municipality).delete()
    LessonReport.objects.filter(lesson__municipality=municipality).delete()
    HelpRequest.objects.filter(municipality=municipality).delete()
    Lesson.objects.filter(municipality=municipality).delete()
    Venue.objects.filter(municipality=municipality).delete()
    municipality.delete()
    User.objects.filter(email__endswith=f"@{POOL_EMAIL_DOMAIN}").delete()


@dataclass
class _LessonPlan:
    lesson: Lesson
    reported: bool
    learners: list[Learner] | None = None  # chosen early when a help request stands behind the lesson
    request: HelpRequest | None = None
    report: LessonReport | None = None
    bookings: list[Booking] = field(default_factory=list)


class _DemoCityBuilder:
    """Lays out one demo city. Every choice comes from one seeded random generator, in a fixed order."""

    def __init__(self, *, scale: int, password_hash: str, coordinator: User, volunteer_user: User,
                 progress: Progress) -> None:
        self.scale = scale
        self.password_hash = password_hash
        self.coordinator = coordinator
        self.volunteer_user = volunteer_user
        self.progress = progress
        self.rng = random.Random(RANDOM_SEED)
        self.now = timezone.now()
        self.zone = timezone.get_default_timezone()
        self.today = timezone.localdate(self.now, timezone=self.zone)
        self.used_phones: set[str] = set()
        self.used_codes: set[str] = set()
        self.learner_busy_days: set[tuple[int, dt.date]] = set()

    # --- the whole city, in dependency order ----------------------------------------------------

    def build(self) -> Municipality:
        self.municipality = Municipality.objects.create(**demo_data.MUNICIPALITY)
        self._districts()
        self._venues()
        self._topics()
        self._learners()
        self._volunteers()
        self._lessons()
        self._help_requests()
        self._bookings()
        self._reports()
        self._follow_ups()
        self._kiosks()
        self._learner_activity()
        return self.municipality

    def _bulk(self, label: str, model: type[models.Model], objects: list) -> list:
        total = len(objects)
        for start in range(0, total, BATCH_SIZE):
            model.objects.bulk_create(objects[start:start + BATCH_SIZE])
            self.progress(label, min(start + BATCH_SIZE, total), total)
        if not total:
            self.progress(label, 0, 0)
        return objects

    def _at(self, day: dt.date, time: dt.time) -> dt.datetime:
        return dt.datetime.combine(day, time, tzinfo=self.zone)

    # --- places and curriculum ----------------------------------------------------------------

    def _districts(self) -> None:
        self.districts = self._bulk("地区", District, [
            District(municipality=self.municipality, name=name, name_kana=kana, name_en=english,
                     senior_population=seniors, order=order)
            for order, (name, kana, english, seniors) in enumerate(demo_data.DISTRICTS, start=1)
        ])
        self.district_by_name = {district.name: district for district in self.districts}
        self.district_weights = [district.senior_population for district in self.districts]

    def _venues(self) -> None:
        venues, hours_by_venue = [], {}
        for (name, kana, english, district, kind, address, capacity, hours, on_holidays,
             accessibility, access) in demo_data.VENUES:
            venue = Venue(
                municipality=self.municipality, district=self.district_by_name[district], kind=kind,
                name=name, name_kana=kana, name_en=english, address=address, capacity=capacity,
                opens_on_holidays=on_holidays, accessibility_notes=accessibility, access_notes=access,
            )
            venues.append(venue)
            hours_by_venue[name] = hours
        self.venues = self._bulk("会場", Venue, venues)
        self.venue_hours = {venue.pk: hours_by_venue[venue.name] for venue in self.venues}
        self.venue_by_name = {venue.name: venue for venue in self.venues}
        self.venues_by_district = defaultdict(list)
        for venue in self.venues:
            self.venues_by_district[venue.district_id].append(venue)
        self._bulk("開館時間", OpeningHours, [
            OpeningHours(venue=venue, weekday=weekday, opens=opens, closes=closes)
            for venue in self.venues
            for weekday, spans in sorted(self.venue_hours[venue.pk].items())
            for opens, closes in spans
        ])

    def _topics(self) -> None:
        self.topics = self._bulk("相談内容", Topic, [
            Topic(municipality=self.municipality, slug=slug, name=name, name_kana=kana, name_en=english,
                  icon=icon, order=order)
            for order, (slug, name, kana, english, icon, _skills) in enumerate(demo_data.TOPICS, start=1)
        ])
        self.topic_by_slug = {topic.slug: topic for topic in self.topics}
        skills = [
            Skill(topic=self.topic_by_slug[slug], name=skill, order=order)
            for slug, _name, _kana, _english, _icon, skill_names in demo_data.TOPICS
            for order, skill in enumerate(skill_names, start=1)
        ]
        self._bulk("できるようになったこと", Skill, skills)
        self.skills_by_topic = defaultdict(list)
        for skill in skills:
            self.skills_by_topic[skill.topic_id].append(skill)

    # --- people -------------------------------------------------------------------------------

    def _unique_phone(self, *, mobile: bool, district: District | None = None) -> str:
        rng = self.rng
        while True:
            if mobile:
                raw = f"0{rng.choice('789')}0-{rng.randint(1000, 9999)}-{rng.randint(0, 9999):04d}"
            else:
                exchange = rng.choice(demo_data.LANDLINE_EXCHANGES[district.name])
                raw = f"0943-{exchange}-{rng.randint(1000, 9999)}"
            e164 = parse_phone(raw).e164
            if e164 not in self.used_phones:
                self.used_phones.add(e164)
                return e164

    def _learners(self) -> None:
        rng = self.rng
        total = LEARNERS_PER_SCALE * self.scale
        callbacks = 2 * self.scale
        learners: list[Learner] = []
        while len(learners) < total - callbacks:
            district = rng.choices(self.districts, self.district_weights)[0]
            family, family_kana = rng.choice(demo_data.FAMILY_NAMES)
            is_woman = rng.random() < 0.6
            given, given_kana = rng.choice(demo_data.SENIOR_WOMEN if is_woman else demo_data.SENIOR_MEN)
            is_mobile = rng.random() < 0.45
            phone = self._unique_phone(mobile=is_mobile, district=district)
            learners.append(self._learner(district, f"{family} {given}", f"{family_kana} {given_kana}", phone))
            # Couples often share the house phone: the same landline, two learners.
            if not is_mobile and rng.random() < 0.1:
                spouse, spouse_kana = rng.choice(demo_data.SENIOR_MEN if is_woman else demo_data.SENIOR_WOMEN)
                learners.append(
                    self._learner(district, f"{family} {spouse}", f"{family_kana} {spouse_kana}", phone)
                )
        learners = learners[:total - callbacks]
        # Callers the voice line did not know: a number and nothing else until someone calls back.
        for _ in range(callbacks):
            district = rng.choices(self.districts, self.district_weights)[0]
            phone = self._unique_phone(mobile=False, district=district)
            learners.append(Learner(
                municipality=self.municipality, district=district, phone=phone, phone_kind=Learner.PhoneKind.LANDLINE,
                reminder_channel=Learner.ReminderChannel.VOICE, created_channel=Channel.VOICE, needs_callback=True,
            ))
        self.learners = self._bulk("受講者", Learner, learners)
        self.bookable_learners = [learner for learner in self.learners if learner.name]
        self.learners_by_district = defaultdict(list)
        for learner in self.bookable_learners:
            self.learners_by_district[learner.district_id].append(learner)

    def _learner(self, district: District, name: str, kana: str, phone: str) -> Learner:
        rng = self.rng
        parsed = parse_phone(phone)
        if parsed.kind == MOBILE:
            reminder = rng.choices(["sms", "voice", "none"], [6, 3, 1])[0]
            device = rng.choices(["iphone", "android", "feature_phone"], [4, 5, 1])[0]
        else:
            # A landline cannot take SMS: a call, or nothing.
            reminder = rng.choices(["voice", "none"], [17, 3])[0]
            device = rng.choices(["android", "iphone", "feature_phone", "none", "unknown"], [4, 2, 2, 2, 1])[0]
        created_channel = rng.choices(
            [Channel.KIOSK, Channel.VOICE, Channel.PHONE_DESK, Channel.PROXY], [4, 2, 3, 1]
        )[0]
        learner = Learner(
            municipality=self.municipality, district=district, name=name, name_kana=kana, name_key=name_key(name),
            phone=parsed.e164, phone_kind=parsed.kind, reminder_channel=reminder, device=device,
            needs_large_print=rng.random() < 0.35, needs_hearing_support=rng.random() < 0.15,
            needs_mobility_support=rng.random() < 0.12, needs_home_visit=rng.random() < 0.05,
            created_channel=created_channel,
            consent_at=self.now - dt.timedelta(days=rng.randint(PAST_DAYS + 7, 400), hours=rng.randint(0, 8)),
            consent_channel=created_channel,
            consent_taken_by=self.coordinator if created_channel in (Channel.PHONE_DESK, Channel.PROXY) else None,
        )
        if parsed.kind == MOBILE and reminder == "voice" and rng.random() < 0.2:
            learner.sms_opted_out_at = learner.consent_at + dt.timedelta(days=rng.randint(1, 30))
        if created_channel == Channel.PROXY or rng.random() < 0.12:
            given, given_kana = rng.choice(demo_data.ADULT_NAMES)
            family = name.split(" ")[0] if name else ""
            learner.proxy_name = f"{family} {given}".strip()
            learner.proxy_relation = rng.choice(demo_data.PROXY_RELATIONS)
            learner.proxy_phone = self._unique_phone(mobile=True)
            learner.proxy_email = f"family{len(self.used_phones):05d}@example.jp"
            learner.proxy_gets_reminders = rng.random() < 0.5
        return learner

    def _volunteers(self) -> None:
        rng = self.rng
        pool = VOLUNTEERS_PER_SCALE * self.scale - 1
        users, volunteers = [], []
        kinds = list(Volunteer.Kind.values)
        kind_weights = [55, 20, 12, 8, 5]  # resident helpers first; a few former learners
        for number in range(1, pool + 1):
            kind = rng.choices(kinds, kind_weights)[0]
            former_learner = None
            if kind == Volunteer.Kind.FORMER_LEARNER:
                former_learner = rng.choice(self.bookable_learners)
                former_learner.could_teach = True
                name, kana = former_learner.name, former_learner.name_kana
                family, given = name.split(" ")
            else:
                family, family_kana = rng.choice(demo_data.FAMILY_NAMES)
                given_pool = demo_data.STUDENT_NAMES if kind == Volunteer.Kind.STUDENT else (
                    demo_data.ADULT_NAMES + demo_data.SENIOR_WOMEN[:5] + demo_data.SENIOR_MEN[:5]
                )
                given, given_kana = rng.choice(given_pool)
                name, kana = f"{family} {given}", f"{family_kana} {given_kana}"
            users.append(User(
                email=f"helper{number:04d}@{POOL_EMAIL_DOMAIN}", password=self.password_hash,
                first_name=given, last_name=family, display_name=name,
            ))
            volunteers.append(self._volunteer(name=name, kana=kana, kind=kind, number=number,
                                              former_learner=former_learner))
        self._bulk("ボランティアのアカウント", User, users)
        self._bulk("確認済みメールアドレス", EmailAddress, [
            EmailAddress(user=user, email=user.email, verified=True, primary=True) for user in users
        ])
        for user, volunteer in zip(users, volunteers, strict=True):
            volunteer.user = user
        volunteers.append(self._demo_volunteer())
        self.volunteers = self._bulk("ボランティア", Volunteer, volunteers)
        self._volunteer_links()

    def _volunteer(self, *, name: str, kana: str, kind: str, number: int,
                   former_learner: Learner | None) -> Volunteer:
        rng = self.rng
        # A few at each stage of the life cycle; most are approved and teaching.
        if number % 20 == 7:
            status = Volunteer.Status.APPLIED
        elif number % 20 == 13:
            status = Volunteer.Status.PAUSED
        elif number % 40 == 39:
            status = Volunteer.Status.RETIRED
        else:
            status = Volunteer.Status.APPROVED
        volunteer = Volunteer(
            municipality=self.municipality, name=name, name_kana=kana, kind=kind,
            phone=self._unique_phone(mobile=True), status=status,
            home_visits=rng.random() < 0.15, weekly_cap=rng.choice([2, 3, 3, 4, 5]),
            languages=rng.choice(["ja", "ja", "ja", "ja,en"]) if kind != Volunteer.Kind.STUDENT else "ja,en",
            former_learner=former_learner,
        )
        volunteer.phone_verified_at = self.now - dt.timedelta(days=rng.randint(60, 300))
        if status != Volunteer.Status.APPLIED:
            volunteer.trained_on = self.today - dt.timedelta(days=rng.randint(70, 420))
            volunteer.approved_by = self.coordinator
            volunteer.approved_at = self._at(volunteer.trained_on + dt.timedelta(days=7), dt.time(10, 0))
        # Topics, districts, venues and windows are chosen here (in order) and written after the row.
        volunteer.demo_topics = self._volunteer_topics(kind)
        home = rng.choices(self.districts, self.district_weights)[0]
        districts = [home] + ([rng.choice(self.districts)] if rng.random() < 0.2 else [])
        volunteer.demo_districts = list(dict.fromkeys(districts))
        nearby = [venue for district in volunteer.demo_districts for venue in self.venues_by_district[district.pk]]
        venues = rng.sample(nearby, k=min(len(nearby), rng.randint(1, 3)))
        volunteer.demo_venues = list(dict.fromkeys(venues))
        volunteer.demo_windows = self._windows(volunteer.demo_venues, count=rng.choice([1, 2, 2, 3]))
        return volunteer

    def _volunteer_topics(self, kind: str) -> list[Topic]:
        rng = self.rng
        topics = set(rng.sample(self.topics, k=rng.randint(3, 7)))
        must_teach = {
            Volunteer.Kind.DIGITAL_PROMOTION: ["my-number-card", "mynaportal"],
            Volunteer.Kind.CARRIER_STAFF: ["phone-basics", "cashless"],
            Volunteer.Kind.STUDENT: ["line", "video-call"],
        }.get(kind, [])
        topics.update(self.topic_by_slug[slug] for slug in must_teach)
        return sorted(topics, key=lambda topic: topic.order)

    def _windows(self, venues: list[Venue], *, count: int) -> list[tuple[Venue, int, dt.time, dt.time, bool]]:
        """Weekly windows, at most one per weekday, each inside its venue's opening hours."""
        rng = self.rng
        windows = []
        for weekday in sorted(rng.sample(range(7), k=7)[:count + 2]):
            if len(windows) == count:
                break
            venue = rng.choice(venues)
            spans = self.venue_hours[venue.pk].get(weekday, [])
            fitting = [
                (starts, ends) for starts, ends in demo_data.AVAILABILITY_TEMPLATES
                if any(opens <= starts and ends <= closes for opens, closes in spans)
            ]
            if fitting:
                starts, ends = rng.choice(fitting)
                windows.append((venue, weekday, starts, ends, rng.random() < 0.3))
        return windows

    def _demo_volunteer(self) -> Volunteer:
        """The volunteer a visitor logs in as: approved, teaching at the library and the central hall."""
        library = self.venue_by_name["八女市立図書館"]
        hall = self.venue_by_name["八女市中央公民館"]
        volunteer = Volunteer(
            user=self.volunteer_user, municipality=self.municipality, name="中島 陽子", name_kana="なかしま ようこ",
            phone=self._unique_phone(mobile=True), kind=Volunteer.Kind.RESIDENT_HELPER,
            status=Volunteer.Status.APPROVED, weekly_cap=5, languages="ja,en",
            trained_on=self.today - dt.timedelta(days=120), approved_by=self.coordinator,
            approved_at=self._at(self.today - dt.timedelta(days=110), dt.time(10, 0)),
            phone_verified_at=self.now - dt.timedelta(days=118),
        )
        volunteer.demo_topics = [self.topic_by_slug[slug] for slug in
                                 ("phone-basics", "line", "video-call", "photos", "scam-awareness")]
        volunteer.demo_districts = [self.district_by_name["旧八女市"]]
        volunteer.demo_venues = [library, hall]
        volunteer.demo_windows = [
            (library, 1, dt.time(10, 0), dt.time(12, 0), True),
            (hall, 3, dt.time(13, 0), dt.time(16, 0), False),
            (library, 5, dt.time(10, 0), dt.time(12, 0), False),
        ]
        return volunteer

    def _volunteer_links(self) -> None:
        rng = self.rng
        through = Volunteer.topics.through, Volunteer.districts.through, Volunteer.venues.through
        self._bulk("担当できる相談内容", through[0], [
            through[0](volunteer_id=v.pk, topic_id=t.pk) for v in self.volunteers for t in v.demo_topics
        ])
        self._bulk("担当地区", through[1], [
            through[1](volunteer_id=v.pk, district_id=d.pk) for v in self.volunteers for d in v.demo_districts
        ])
        self._bulk("担当会場", through[2], [
            through[2](volunteer_id=v.pk, venue_id=venue.pk) for v in self.volunteers for venue in v.demo_venues
        ])
        self._bulk("活動できる時間", Availability, [
            Availability(volunteer=v, venue=venue, weekday=weekday, starts=starts, ends=ends, is_instant=instant)
            for v in self.volunteers for venue, weekday, starts, ends, instant in v.demo_windows
        ])
        exceptions = []
        for volunteer in self.volunteers:
            volunteer.demo_days_off = set()
            if rng.random() < 0.2:
                starts_on = self.today + dt.timedelta(days=rng.randint(-PAST_DAYS // 2, UPCOMING_DAYS))
                ends_on = starts_on + dt.timedelta(days=rng.randint(0, 4))
                exceptions.append(AvailabilityException(
                    volunteer=volunteer, starts_on=starts_on, ends_on=ends_on,
                    reason=rng.choice(demo_data.EXCEPTION_REASONS),
                ))
                volunteer.demo_days_off = {
                    starts_on + dt.timedelta(days=n) for n in range((ends_on - starts_on).days + 1)
                }
        self._bulk("お休みの日", AvailabilityException, exceptions)

    # --- lessons, requests and bookings ------------------------------------------------------

    def _lessons(self) -> None:
        rng = self.rng
        first, last = self.today - dt.timedelta(days=PAST_DAYS), self.today + dt.timedelta(days=UPCOMING_DAYS)
        public_holidays = holidays.Japan(years=range(first.year, last.year + 1))
        teaching = [v for v in self.volunteers if v.status in (Volunteer.Status.APPROVED, Volunteer.Status.PAUSED)]
        self.plans: list[_LessonPlan] = []
        for volunteer in teaching:
            is_demo = volunteer.user_id == self.volunteer_user.pk
            lessons_in_week: dict[tuple[int, int], int] = defaultdict(int)
            for offset in range(-PAST_DAYS, UPCOMING_DAYS + 1):
                day = self.today + dt.timedelta(days=offset)
                # A paused volunteer taught until a few weeks ago.
                if volunteer.status == Volunteer.Status.PAUSED and offset > -21:
                    break
                for venue, weekday, starts, ends, _instant in volunteer.demo_windows:
                    if weekday != day.weekday() or day in volunteer.demo_days_off:
                        continue
                    if day in public_holidays and not venue.opens_on_holidays:
                        continue
                    week = day.isocalendar()[:2]
                    if lessons_in_week[week] >= volunteer.weekly_cap:
                        continue
                    if rng.random() > (0.8 if is_demo else 0.35):
                        continue
                    made = self._lessons_in_window(volunteer, venue, day, starts, ends, offset,
                                                   room=volunteer.weekly_cap - lessons_in_week[week])
                    lessons_in_week[week] += made
        self._bulk("レッスン", Lesson, [plan.lesson for plan in self.plans])

    def _lessons_in_window(self, volunteer: Volunteer, venue: Venue, day: dt.date, starts: dt.time,
                           ends: dt.time, offset: int, *, room: int) -> int:
        """One group class filling the window, or a few one-to-one hours one after another."""
        rng = self.rng
        window_start, window_end = self._at(day, starts), self._at(day, ends)
        length = dt.timedelta(minutes=self.municipality.lesson_minutes)
        if venue.kind in (Venue.Kind.COMMUNITY_CENTRE, Venue.Kind.LIBRARY) and rng.random() < 0.2:
            # Themed classes where a volunteer teaches a themed topic; otherwise an open drop-in hour.
            themed = [t for t in volunteer.demo_topics if t.slug in demo_data.GROUP_CLASS_TITLES]
            if themed and (venue.kind == Venue.Kind.COMMUNITY_CENTRE or rng.random() < 0.5):
                topic = rng.choice(themed)
                lesson_format, title = Lesson.Format.GROUP, demo_data.GROUP_CLASS_TITLES[topic.slug]
                seats = min(venue.capacity, rng.choice([6, 8, 10]))
            else:
                topic = rng.choice(volunteer.demo_topics)
                lesson_format, title, seats = Lesson.Format.DROP_IN, "スマホなんでも相談会", min(venue.capacity, 4)
            ends_at = min(window_end, window_start + dt.timedelta(minutes=90))
            self.plans.append(self._plan(volunteer, venue, topic, window_start, ends_at, offset,
                                         lesson_format=lesson_format, title=title, seats=seats))
            return 1
        slot_starts = []
        cursor = window_start
        while cursor + length <= window_end:
            slot_starts.append(cursor)
            cursor += length
        chosen = sorted(rng.sample(slot_starts, k=min(room, rng.randint(1, min(2, len(slot_starts))))))
        for slot_start in chosen:
            topic = rng.choice(volunteer.demo_topics)
            self.plans.append(self._plan(volunteer, venue, topic, slot_start, slot_start + length, offset,
                                         lesson_format=Lesson.Format.ONE_TO_ONE, title="", seats=1))
        return len(chosen)

    def _plan(self, volunteer: Volunteer, venue: Venue, topic: Topic, starts_at: dt.datetime,
              ends_at: dt.datetime, offset: int, *, lesson_format: str, title: str, seats: int) -> _LessonPlan:
        rng = self.rng
        lesson = Lesson(
            municipality=self.municipality, volunteer=volunteer, venue=venue, topic=topic, format=lesson_format,
            title=title, starts_at=starts_at, ends_at=ends_at, seats=seats,
            calendar_uid=f"{uuid.UUID(int=rng.getrandbits(128), version=4)}@oshieai",
            sequence=rng.choice([0, 0, 0, 1]),
        )
        reported = False
        if rng.random() < 0.03:
            lesson.state = Lesson.State.CANCELLED
            lesson.cancelled_at = starts_at - dt.timedelta(days=rng.randint(1, 3))
            lesson.cancel_reason = rng.choice(demo_data.CANCEL_REASONS)
            lesson.sequence += 1
        elif offset < 0 and (offset < -7 or rng.random() < 0.6):
            # Older lessons are reported; some of last week's still wait for the volunteer.
            lesson.state = Lesson.State.COMPLETED
            reported = True
        return _LessonPlan(lesson=lesson, reported=reported)

    def _new_code(self) -> str:
        while True:
            code = f"{self.rng.randint(0, 999_999):06d}"
            if code not in self.used_codes:
                self.used_codes.add(code)
                return code

    def _pick_learner(self, venue: Venue, day: dt.date, taken: set[int]) -> Learner | None:
        """Mostly someone from the venue's own area, never twice on one day."""
        rng = self.rng
        for _ in range(30):
            local = self.learners_by_district[venue.district_id]
            learner = rng.choice(local) if local and rng.random() < 0.75 else rng.choice(self.bookable_learners)
            if learner.pk not in taken and (learner.pk, day) not in self.learner_busy_days:
                self.learner_busy_days.add((learner.pk, day))
                return learner
        return None

    def _booking(self, lesson: Lesson | None, learner: Learner, state: str, *,
                 help_request: HelpRequest | None = None) -> Booking:
        rng = self.rng
        channel = rng.choices(
            [Channel.KIOSK, Channel.VOICE, Channel.PHONE_DESK, Channel.PROXY, Channel.API], [35, 20, 25, 12, 8]
        )[0]
        if channel == Channel.PROXY and not learner.proxy_name:
            channel = Channel.PHONE_DESK
        booking = Booking(
            municipality=self.municipality, learner=learner, lesson=lesson, help_request=help_request,
            code=self._new_code(), state=state, channel=channel, booked_by_proxy=channel == Channel.PROXY,
            entered_by=self.coordinator if channel in (Channel.PHONE_DESK, Channel.PROXY) else None,
        )
        if lesson is not None and state in (Booking.State.BOOKED, Booking.State.ATTENDED, Booking.State.NO_SHOW):
            confirmed = lesson.starts_at - dt.timedelta(hours=rng.randint(18, 30))
            if confirmed < self.now and rng.random() < 0.6:
                booking.learner_confirmed_at = confirmed
        if state == Booking.State.CANCELLED:
            booking.cancelled_at = lesson.cancelled_at if lesson else self.now
            booking.cancel_reason = "レッスン中止のため"
        return booking

    def _help_requests(self) -> None:
        """Requests behind some booked lessons (with their offers), and a few still being worked on."""
        rng = self.rng
        approved = [v for v in self.volunteers if v.status == Volunteer.Status.APPROVED]
        self.requests: list[HelpRequest] = []
        self.offers: list[Offer] = []
        self.request_bookings: list[Booking] = []
        self.escalated: list[HelpRequest] = []
        # Accepted requests: one-to-one lessons that came by way of a volunteer's acceptance.
        for plan in self.plans:
            lesson = plan.lesson
            if lesson.format != Lesson.Format.ONE_TO_ONE or lesson.state == Lesson.State.CANCELLED:
                continue
            learner = self._pick_learner(lesson.venue, lesson.starts_at.date(), set())
            if learner is None:
                continue
            plan.learners = [learner]
            if rng.random() < 0.3:
                plan.request = self._request(learner, lesson.topic, lesson.venue, lesson.starts_at, lesson.ends_at,
                                             state=HelpRequest.State.SCHEDULED, lesson=lesson)
                # The lesson's volunteer accepted; the others asked at the same time were withdrawn.
                self._offers(plan.request, lesson.volunteer, approved, chosen_state=Offer.State.ACCEPTED,
                             others_state=Offer.State.WITHDRAWN)
        # Still being worked on: open (no time yet), offered (waiting for an answer), escalated.
        demo_volunteer = next(v for v in self.volunteers if v.user_id == self.volunteer_user.pk)
        for index in range(9 * self.scale):
            state = [HelpRequest.State.OPEN] * 3 + [HelpRequest.State.OFFERED] * 4 + [HelpRequest.State.ESCALATED] * 2
            state = state[index % 9]
            volunteer = demo_volunteer if index == 3 else rng.choice(approved)
            topic = rng.choice(volunteer.demo_topics)
            venue, weekday, starts, ends, _instant = rng.choice(volunteer.demo_windows)
            ahead = rng.randint(3, 10) if state != HelpRequest.State.ESCALATED else rng.randint(1, 3)
            day = self.today + dt.timedelta(days=ahead)
            day += dt.timedelta(days=(weekday - day.weekday()) % 7)
            learner = self._pick_learner(venue, day, set())
            if learner is None:
                continue
            if state == HelpRequest.State.OPEN:
                request = self._request(learner, topic, None, None, None, state=state)
                request.district = learner.district
                request.preference_note = rng.choice(demo_data.PREFERENCE_NOTES)
                continue
            starts_at = self._at(day, starts)
            request = self._request(learner, topic, venue, starts_at, starts_at + dt.timedelta(hours=1), state=state)
            if state == HelpRequest.State.OFFERED:
                self._offers(request, volunteer, approved, chosen_state=Offer.State.PENDING,
                             others_state=Offer.State.PENDING)
            else:
                request.deadline = self.now - dt.timedelta(hours=rng.randint(2, 30))
                request.escalated_at = request.deadline
                self._offers(request, volunteer, approved, chosen_state=Offer.State.EXPIRED,
                             others_state=Offer.State.DECLINED)
                self.escalated.append(request)
            self.request_bookings.append(self._booking(None, learner, Booking.State.PENDING, help_request=request))
        self._bulk("相談依頼", HelpRequest, self.requests)
        self._bulk("依頼", Offer, self.offers)

    def _request(self, learner: Learner, topic: Topic, venue: Venue | None, starts_at: dt.datetime | None,
                 ends_at: dt.datetime | None, *, state: str, lesson: Lesson | None = None) -> HelpRequest:
        rng = self.rng
        channel = rng.choices([Channel.KIOSK, Channel.VOICE, Channel.PHONE_DESK, Channel.PROXY], [4, 2, 3, 1])[0]
        if channel == Channel.PROXY and not learner.proxy_name:
            channel = Channel.PHONE_DESK
        received = (starts_at or self.now) - dt.timedelta(days=rng.randint(2, 6))
        received = min(received, self.now - dt.timedelta(hours=rng.randint(1, 20)))
        request = HelpRequest(
            municipality=self.municipality, learner=learner, topic=topic, venue=venue,
            district=venue.district if venue else learner.district,
            wanted_starts_at=starts_at, wanted_ends_at=ends_at, channel=channel,
            entered_by=self.coordinator if channel in (Channel.PHONE_DESK, Channel.PROXY) else None,
            deadline=received + dt.timedelta(hours=48), state=state, lesson=lesson,
        )
        if state == HelpRequest.State.SCHEDULED:
            request.scheduled_at = received + dt.timedelta(hours=rng.randint(1, 12))
        if state in (HelpRequest.State.OPEN, HelpRequest.State.OFFERED):
            request.deadline = self.now + dt.timedelta(hours=rng.randint(6, 40))
        request.demo_received = received
        self.requests.append(request)
        return request

    def _offers(self, request: HelpRequest, chosen: Volunteer, approved: list[Volunteer], *, chosen_state: str,
                others_state: str) -> None:
        """Offers to `chosen` and up to two others who teach the topic, ranked by score with reasons."""
        rng = self.rng
        others = [v for v in approved if v is not chosen and request.topic in v.demo_topics]
        ranked = []
        for volunteer in [chosen, *rng.sample(others, k=min(2, len(others)))]:
            # The same codes and weights as scheduling.matching, so the offers read like real ones.
            reasons = [{"code": "fairness", "points": round(rng.uniform(0, WEIGHTS["fairness"]), 1)},
                       {"code": "reliability", "points": round(rng.uniform(4, WEIGHTS["reliability"]), 1)}]
            if request.venue in volunteer.demo_venues:
                reasons.insert(0, {"code": "same_venue", "points": WEIGHTS["same_venue"]})
            elif request.district in volunteer.demo_districts:
                reasons.insert(0, {"code": "same_district", "points": WEIGHTS["same_district"]})
            ranked.append((sum(reason["points"] for reason in reasons), volunteer, reasons))
        ranked.sort(key=lambda item: -item[0])
        for rank, (score, volunteer, reasons) in enumerate(ranked, start=1):
            state = chosen_state if volunteer is chosen else others_state
            offer = Offer(help_request=request, volunteer=volunteer, score=score, reasons=reasons, rank=rank,
                          state=state,
                          expires_at=request.demo_received + dt.timedelta(hours=self.municipality.offer_hours))
            if state == Offer.State.PENDING:
                offer.expires_at = self.now + dt.timedelta(hours=rng.randint(2, 12))
            elif state != Offer.State.EXPIRED:
                offer.responded_at = request.demo_received + dt.timedelta(hours=rng.randint(1, 10))
            self.offers.append(offer)

    def _bookings(self) -> None:
        rng = self.rng
        bookings = list(self.request_bookings)
        for plan in self.plans:
            lesson = plan.lesson
            day = lesson.starts_at.date()
            learners = plan.learners
            if learners is None:
                wanted = lesson.seats if lesson.format == Lesson.Format.ONE_TO_ONE else lesson.seats - rng.randint(0, 3)
                if lesson.starts_at > self.now and lesson.format == Lesson.Format.GROUP and rng.random() < 0.4:
                    wanted = lesson.seats + rng.randint(1, 2)  # a full class with a waiting list
                learners = []
                for _ in range(max(wanted, 1)):
                    learner = self._pick_learner(lesson.venue, day, {learner.pk for learner in learners})
                    if learner is not None:
                        learners.append(learner)
            for seat, learner in enumerate(learners):
                if lesson.state == Lesson.State.CANCELLED:
                    state = Booking.State.CANCELLED
                elif lesson.state == Lesson.State.COMPLETED:
                    state = Booking.State.ATTENDED if rng.random() < 0.88 else Booking.State.NO_SHOW
                elif seat >= lesson.seats:
                    state = Booking.State.WAITLISTED
                else:
                    state = Booking.State.BOOKED
                booking = self._booking(lesson, learner, state, help_request=plan.request)
                plan.bookings.append(booking)
                bookings.append(booking)
        self._bulk("予約", Booking, bookings)

    # --- after the lesson ----------------------------------------------------------------------

    def _reports(self) -> None:
        rng = self.rng
        reports, progress = [], []
        for plan in self.plans:
            if not plan.reported:
                continue
            lesson = plan.lesson
            needs_follow_up = rng.random() < 0.08
            report = LessonReport(
                lesson=lesson, volunteer=lesson.volunteer,
                duration_minutes=int((lesson.ends_at - lesson.starts_at).total_seconds() // 60),
                note_for_next=rng.choice(demo_data.REPORT_NOTES), follow_up_needed=needs_follow_up,
                follow_up_note=rng.choice(demo_data.FOLLOW_UP_NOTES) if needs_follow_up else "",
            )
            plan.report = report
            reports.append(report)
            for booking in plan.bookings:
                if booking.state != Booking.State.ATTENDED:
                    continue
                skills = self.skills_by_topic[lesson.topic_id]
                entry = LearnerProgress(report=report, booking=booking, learner=booking.learner,
                                        went_well=rng.random() < 0.9, could_teach=rng.random() < 0.04)
                entry.demo_skills = rng.sample(skills, k=rng.randint(1, min(3, len(skills))))
                if entry.could_teach:
                    booking.learner.could_teach = True
                progress.append(entry)
        self._bulk("活動報告", LessonReport, reports)
        self._bulk("報告の相談内容", LessonReport.topics_covered.through, [
            LessonReport.topics_covered.through(lessonreport_id=report.pk, topic_id=report.lesson.topic_id)
            for report in reports
        ])
        self._bulk("受講者の成果", LearnerProgress, progress)
        self._bulk("できるようになったこと（記録）", LearnerProgress.skills.through, [
            LearnerProgress.skills.through(learnerprogress_id=entry.pk, skill_id=skill.pk)
            for entry in progress for skill in entry.demo_skills
        ])
        self.progress_entries = progress

    def _follow_ups(self) -> None:
        """The coordinators' queue: no-shows to call, new volunteers to approve, possible teachers."""
        rng = self.rng
        follow_ups, actions = [], []

        def case(kind: str, opened_at: dt.datetime, **links) -> FollowUp:
            follow_up = FollowUp(municipality=self.municipality, kind=kind, opened_at=opened_at, **links)
            follow_ups.append(follow_up)
            return follow_up

        recent = self.now - dt.timedelta(days=14)
        for plan in self.plans:
            for booking in plan.bookings:
                if booking.state != Booking.State.NO_SHOW:
                    continue
                opened_at = plan.lesson.ends_at + dt.timedelta(hours=1)
                follow_up = case(FollowUp.Kind.NO_SHOW, opened_at, learner=booking.learner, booking=booking)
                if plan.lesson.starts_at < recent:
                    follow_up.state = FollowUp.State.CLOSED
                    follow_up.closed_at = opened_at + dt.timedelta(days=rng.randint(1, 3))
                    follow_up.closed_by = self.coordinator
                    follow_up.outcome = rng.choice(demo_data.CLOSED_NO_SHOW_OUTCOMES)
                    actions.append((follow_up, "call", follow_up.outcome))
            report = plan.report
            if report is not None and report.follow_up_needed and plan.bookings:
                booking = plan.bookings[0]
                case(FollowUp.Kind.LESSON_FOLLOW_UP, plan.lesson.ends_at + dt.timedelta(hours=2),
                     learner=booking.learner, booking=booking, detail=report.follow_up_note)
        for volunteer in self.volunteers:
            if volunteer.status == Volunteer.Status.APPLIED:
                case(FollowUp.Kind.VOLUNTEER_APPROVAL, self.now - dt.timedelta(days=rng.randint(1, 9)),
                     volunteer=volunteer)
        teachers = {entry.learner.pk: entry for entry in self.progress_entries if entry.could_teach}
        for entry in teachers.values():
            case(FollowUp.Kind.POSSIBLE_TEACHER, entry.report.lesson.ends_at + dt.timedelta(hours=3),
                 learner=entry.learner, detail="活動報告で「教える側になれそう」とされた方です。")
        for learner in self.learners:
            if learner.needs_callback:
                case(FollowUp.Kind.CALL_BACK, self.now - dt.timedelta(hours=rng.randint(2, 48)), learner=learner,
                     caller_phone=learner.phone, detail="自動音声で予約。お名前とご住所の確認が必要です。")
        for request in self.escalated:
            case(FollowUp.Kind.UNMATCHED_REQUEST, request.escalated_at, learner=request.learner,
                 help_request=request, detail="期限までに引き受けるボランティアがいませんでした。")
        self._bulk("対応が必要な案件", FollowUp, follow_ups)
        self._bulk("対応の記録", FollowUpAction, [
            FollowUpAction(follow_up=follow_up, actor=self.coordinator, kind=kind, note=note)
            for follow_up, kind, note in actions
        ])

    def _kiosks(self) -> None:
        # Registered but not yet switched on: a coordinator activates each from the city pages.
        self._bulk("キオスク端末", KioskDevice, [
            KioskDevice(municipality=self.municipality, venue=self.venue_by_name[name], name="入口のキオスク",
                        created_by=self.coordinator)
            for name in ("八女市立図書館", "八女市中央公民館", "黒木支所")
        ])

    def _learner_activity(self) -> None:
        """When each learner was last seen, and who might teach: set after their lessons are known."""
        last_seen: dict[int, dt.datetime] = {}
        for plan in self.plans:
            if plan.lesson.starts_at <= self.now:
                for booking in plan.bookings:
                    if booking.state == Booking.State.ATTENDED:
                        seen = last_seen.get(booking.learner.pk)
                        last_seen[booking.learner.pk] = max(seen, plan.lesson.ends_at) if seen else plan.lesson.ends_at
        for request in self.requests:
            last_seen.setdefault(request.learner.pk, request.demo_received)
        for learner in self.learners:
            learner.last_active_at = last_seen.get(learner.pk)
        Learner.objects.bulk_update(self.learners, ["last_active_at", "could_teach"], batch_size=BATCH_SIZE)
        self.progress("受講者の最終利用日", len(self.learners), len(self.learners))
        # created_at is stamped "now" on insert; backdate it so the queue shows real ages.
        for request in self.requests:
            request.created_at = request.demo_received
        HelpRequest.objects.bulk_update(self.requests, ["created_at"], batch_size=BATCH_SIZE)
