"""A learner's booking: what a kiosk or an integration sends, and what it gets back."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from api.serializers.fields import BoundedDateTimeField
from literacy.curriculum.models import Topic
from literacy.people.models import Learner
from literacy.places.models import Venue
from literacy.scheduling.models import Booking, Lesson

IDEMPOTENCY_KEY_MAX = 64


class LearnerInSerializer(serializers.Serializer):
    phone = serializers.CharField(max_length=32, help_text="As typed: 090-1234-5678, 0943-22-1234, +81…")
    name = serializers.CharField(max_length=100)
    name_kana = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")


class BookingInSerializer(serializers.Serializer):
    topic = serializers.SlugField(max_length=60, help_text="The topic's slug.")
    venue = serializers.IntegerField(min_value=1, help_text="The venue's id.")
    start = BoundedDateTimeField(help_text="ISO 8601; a time from `slots/`.")
    lesson = serializers.IntegerField(
        min_value=1, required=False, allow_null=True, default=None,
        help_text="For a seat in an existing class: the slot's `lesson`.",
    )
    learner = LearnerInSerializer()
    reminder_channel = serializers.ChoiceField(choices=Learner.ReminderChannel.choices)

    def validate_topic(self, value: str) -> Topic:
        topic = Topic.objects.filter(municipality=self.context["municipality"], slug=value, is_active=True).first()
        if topic is None:
            raise serializers.ValidationError(_("この相談内容はありません。"))
        return topic

    def validate_venue(self, value: int) -> Venue:
        venue = Venue.objects.filter(municipality=self.context["municipality"], pk=value, is_active=True).first()
        if venue is None:
            raise serializers.ValidationError(_("この会場はありません。"))
        return venue

    def validate(self, attrs):
        lesson_id = attrs.get("lesson")
        if lesson_id is not None and not Lesson.objects.filter(
            pk=lesson_id, municipality=self.context["municipality"], topic=attrs["topic"], venue=attrs["venue"]
        ).exists():
            raise serializers.ValidationError({"lesson": [_("この教室はありません。")]})
        return attrs


class BookingLookupQuerySerializer(serializers.Serializer):
    phone = serializers.CharField(max_length=32, help_text="The learner's phone number: the proof.")


class BookingCancelSerializer(serializers.Serializer):
    phone = serializers.CharField(max_length=32, help_text="The learner's phone number: the proof.")
    reason = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


class BookedLessonSerializer(serializers.ModelSerializer):
    topic = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    start = serializers.DateTimeField(source="starts_at")
    end = serializers.DateTimeField(source="ends_at")

    class Meta:
        model = Lesson
        fields = ["id", "topic", "venue", "format", "start", "end", "state"]


class BookingSerializer(serializers.ModelSerializer):
    status = serializers.ChoiceField(source="state", choices=Booking.State.choices)
    confirmed = serializers.SerializerMethodField(help_text="True once a volunteer (or an instant window) fixed it.")
    confirm_by = serializers.SerializerMethodField(
        help_text="While pending: when the learner hears from us at the latest."
    )
    topic = serializers.SerializerMethodField()
    venue = serializers.SerializerMethodField()
    start = serializers.SerializerMethodField()
    end = serializers.SerializerMethodField()
    lesson = BookedLessonSerializer(read_only=True, allow_null=True)
    learner_name = serializers.CharField(source="learner.name")

    class Meta:
        model = Booking
        fields = [
            "code", "status", "confirmed", "confirm_by", "topic", "venue", "start", "end", "lesson",
            "learner_name", "created_at",
        ]

    # A confirmed booking has a lesson; a pending one only its request's wanted time and place.
    def _source(self, booking):
        return booking.lesson or booking.help_request

    def get_confirmed(self, booking) -> bool:
        return booking.state == Booking.State.BOOKED

    @extend_schema_field(serializers.DateTimeField(allow_null=True))
    def get_confirm_by(self, booking) -> str | None:
        if booking.state == Booking.State.PENDING and booking.help_request_id:
            return serializers.DateTimeField().to_representation(booking.help_request.deadline)
        return None

    def get_topic(self, booking) -> str | None:
        source = self._source(booking)
        return source.topic.slug if source else None

    def get_venue(self, booking) -> int | None:
        source = self._source(booking)
        return source.venue_id if source else None

    @extend_schema_field(serializers.DateTimeField(allow_null=True))
    def get_start(self, booking) -> str | None:
        value = booking.lesson.starts_at if booking.lesson else getattr(booking.help_request, "wanted_starts_at", None)
        return serializers.DateTimeField().to_representation(value) if value else None

    @extend_schema_field(serializers.DateTimeField(allow_null=True))
    def get_end(self, booking) -> str | None:
        value = booking.lesson.ends_at if booking.lesson else getattr(booking.help_request, "wanted_ends_at", None)
        return serializers.DateTimeField().to_representation(value) if value else None
