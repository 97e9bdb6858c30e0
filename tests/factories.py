"""Factories for test data: one place to build realistic rows."""

import datetime as dt

import factory
from django.utils import timezone

from literacy.accounts.models import CoordinatorRole, User
from literacy.curriculum.models import Skill, Topic
from literacy.people.models import Availability, AvailabilityException, Learner, Volunteer
from literacy.places.models import District, Municipality, OpeningHours, Venue
from literacy.scheduling.models import Booking, Lesson


class MunicipalityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Municipality
        django_get_or_create = ("jis_code",)

    jis_code = factory.Sequence(lambda n: f"{402100 + n}")
    name = factory.Sequence(lambda n: f"テスト市{n}")
    name_en = factory.Sequence(lambda n: f"Test City {n}")
    slug = factory.Sequence(lambda n: f"test-city-{n}")
    program_name = "スマホ相談"
    program_phone = "0943-23-1111"
    coordinator_phone = "0943-23-2222"
    min_notice_hours = 3


class DistrictFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = District

    municipality = factory.SubFactory(MunicipalityFactory)
    name = factory.Sequence(lambda n: f"地区{n}")
    senior_population = 1000


class VenueFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Venue
        skip_postgeneration_save = True

    municipality = factory.SubFactory(MunicipalityFactory)
    district = factory.SubFactory(DistrictFactory, municipality=factory.SelfAttribute("..municipality"))
    name = factory.Sequence(lambda n: f"第{n}公民館")
    kind = Venue.Kind.COMMUNITY_CENTRE
    address = "福岡県八女市本町1-1"
    capacity = 10

    @factory.post_generation
    def open_every_day(self, create, extracted, **kwargs):
        """Open 9:00–17:00 every day unless told otherwise (open_every_day=False)."""
        if create and extracted is not False:
            for weekday in range(7):
                OpeningHours.objects.create(
                    venue=self, weekday=weekday, opens=dt.time(9, 0), closes=dt.time(17, 0)
                )


class TopicFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Topic

    municipality = factory.SubFactory(MunicipalityFactory)
    slug = factory.Sequence(lambda n: f"topic-{n}")
    name = factory.Sequence(lambda n: f"相談内容{n}")
    name_en = factory.Sequence(lambda n: f"Topic {n}")
    icon = "📱"


class SkillFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Skill

    topic = factory.SubFactory(TopicFactory)
    name = factory.Sequence(lambda n: f"できること{n}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.jp")
    password = factory.django.Password("pass-word-123")


class CoordinatorFactory(UserFactory):
    @factory.post_generation
    def municipality(self, create, extracted, **kwargs):
        if create and extracted is not None:
            CoordinatorRole.objects.create(user=self, municipality=extracted)


class VolunteerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Volunteer
        skip_postgeneration_save = True

    user = factory.SubFactory(UserFactory)
    municipality = factory.SubFactory(MunicipalityFactory)
    name = factory.Sequence(lambda n: f"支援 太郎{n}")
    name_kana = "しえん たろう"
    phone = factory.Sequence(lambda n: f"+8190{10000000 + n}")
    status = Volunteer.Status.APPROVED

    @factory.post_generation
    def topics(self, create, extracted, **kwargs):
        if create and extracted:
            self.topics.set(extracted)


class AvailabilityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Availability

    volunteer = factory.SubFactory(VolunteerFactory)
    venue = factory.SubFactory(VenueFactory)
    weekday = 0
    starts = dt.time(10, 0)
    ends = dt.time(12, 0)
    is_instant = False


class AvailabilityExceptionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AvailabilityException

    volunteer = factory.SubFactory(VolunteerFactory)
    starts_on = factory.LazyFunction(lambda: timezone.localdate())
    ends_on = factory.SelfAttribute("starts_on")


class LearnerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Learner

    municipality = factory.SubFactory(MunicipalityFactory)
    name = factory.Sequence(lambda n: f"八女 花子{n}")
    name_kana = "やめ はなこ"
    phone = factory.Sequence(lambda n: f"+8180{20000000 + n}")
    phone_kind = Learner.PhoneKind.MOBILE
    reminder_channel = Learner.ReminderChannel.SMS


class LessonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Lesson

    municipality = factory.SubFactory(MunicipalityFactory)
    volunteer = factory.SubFactory(VolunteerFactory, municipality=factory.SelfAttribute("..municipality"))
    venue = factory.SubFactory(VenueFactory, municipality=factory.SelfAttribute("..municipality"))
    topic = factory.SubFactory(TopicFactory, municipality=factory.SelfAttribute("..municipality"))
    starts_at = factory.LazyFunction(lambda: timezone.now() + dt.timedelta(days=2))
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + dt.timedelta(hours=1))


class BookingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Booking

    lesson = factory.SubFactory(LessonFactory)
    municipality = factory.SelfAttribute("lesson.municipality")
    learner = factory.SubFactory(LearnerFactory, municipality=factory.SelfAttribute("..municipality"))
    code = factory.Sequence(lambda n: f"{n:06d}")
    state = Booking.State.BOOKED
    channel = "kiosk"
