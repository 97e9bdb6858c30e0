"""A volunteer's work: offers, lessons and reports (coordinators read lessons and reports too)."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from api.serializers.fields import BoundedDateField
from literacy.scheduling.matching import reason_label
from literacy.scheduling.models import Booking, HelpRequest, Lesson, LessonReport, Offer
from literacy.scheduling.services.reports import MAX_LESSON_MINUTES


class ReasonSerializer(serializers.Serializer):
    code = serializers.CharField()
    points = serializers.FloatField()
    label = serializers.SerializerMethodField()

    def get_label(self, reason) -> str:
        return reason_label(reason.get("code", ""))


class OfferedRequestSerializer(serializers.ModelSerializer):
    topic = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    start = serializers.DateTimeField(source="wanted_starts_at", allow_null=True)
    end = serializers.DateTimeField(source="wanted_ends_at", allow_null=True)
    learner_name = serializers.CharField(source="learner.given_name", help_text="Given name only.")

    class Meta:
        model = HelpRequest
        fields = ["id", "topic", "venue", "district", "start", "end", "preference_note", "learner_name"]


class OfferSerializer(serializers.ModelSerializer):
    reasons = ReasonSerializer(many=True)
    request = OfferedRequestSerializer(source="help_request")

    class Meta:
        model = Offer
        fields = ["id", "state", "rank", "score", "reasons", "expires_at", "responded_at", "request"]


class OfferQuerySerializer(serializers.Serializer):
    state = serializers.ChoiceField(choices=Offer.State.choices, required=False)


class LessonBookingSerializer(serializers.ModelSerializer):
    learner_name = serializers.SerializerMethodField(
        help_text="Coordinators see the full name; the volunteer the given name."
    )

    class Meta:
        model = Booking
        fields = ["id", "state", "learner_name"]

    def get_learner_name(self, booking) -> str:
        if self.context.get("full_names"):
            return booking.learner.name
        return booking.learner.given_name


class VolunteerRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class LessonSerializer(serializers.ModelSerializer):
    topic = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    volunteer = VolunteerRefSerializer()
    start = serializers.DateTimeField(source="starts_at")
    end = serializers.DateTimeField(source="ends_at")
    bookings = serializers.SerializerMethodField()
    reported = serializers.SerializerMethodField()

    class Meta:
        model = Lesson
        fields = [
            "id", "topic", "venue", "volunteer", "format", "title", "start", "end", "seats", "state",
            "sequence", "reported", "bookings",
        ]

    @extend_schema_field(LessonBookingSerializer(many=True))
    def get_bookings(self, lesson):
        # Prefetched by the view: live bookings, plus those the report marked.
        return LessonBookingSerializer(lesson.bookings.all(), many=True, context=self.context).data

    def get_reported(self, lesson) -> bool:
        return getattr(lesson, "has_report", False)


class LessonQuerySerializer(serializers.Serializer):
    state = serializers.ChoiceField(choices=Lesson.State.choices, required=False)
    venue = serializers.IntegerField(min_value=1, required=False)
    volunteer = serializers.IntegerField(min_value=1, required=False, help_text="Coordinators only.")

    def get_fields(self):
        fields = super().get_fields()
        fields["from"] = BoundedDateField(required=False)
        fields["to"] = BoundedDateField(required=False)
        return fields


class ProgressInSerializer(serializers.Serializer):
    booking = serializers.IntegerField(min_value=1)
    attended = serializers.BooleanField()
    skills = serializers.ListField(child=serializers.IntegerField(min_value=1), required=False, default=list,
                                   max_length=100)
    could_teach = serializers.BooleanField(required=False, default=False)


class ReportInSerializer(serializers.Serializer):
    lesson = serializers.IntegerField(min_value=1)
    duration_minutes = serializers.IntegerField(min_value=1, max_value=MAX_LESSON_MINUTES)
    note_for_next = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")
    follow_up_needed = serializers.BooleanField(required=False, default=False)
    learners = ProgressInSerializer(many=True, max_length=200)


class ProgressSerializer(serializers.Serializer):
    booking = serializers.IntegerField(source="booking_id")
    skills = serializers.SerializerMethodField()
    could_teach = serializers.BooleanField()

    def get_skills(self, progress) -> list[int]:
        return sorted(skill.pk for skill in progress.skills.all())


class ReportSerializer(serializers.ModelSerializer):
    progress = ProgressSerializer(many=True)

    class Meta:
        model = LessonReport
        fields = ["id", "lesson", "volunteer", "duration_minutes", "note_for_next", "follow_up_needed",
                  "created_at", "progress"]
