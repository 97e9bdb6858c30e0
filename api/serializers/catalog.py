"""Topics, districts, venues and bookable times: what anyone may read."""

import datetime as dt

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from api.serializers.fields import BoundedDateField
from literacy.curriculum.models import Topic
from literacy.places.models import District, Venue
from literacy.scheduling.models import Lesson

MAX_SLOT_RANGE_DAYS = 31
DEFAULT_SLOT_RANGE_DAYS = 14


class TopicSerializer(serializers.ModelSerializer):
    class Meta:
        model = Topic
        fields = ["id", "slug", "name", "name_en", "name_kana", "icon", "order"]


class DistrictSerializer(serializers.ModelSerializer):
    class Meta:
        model = District
        fields = ["id", "name", "name_en", "name_kana", "parent", "senior_population"]


class VenueSerializer(serializers.ModelSerializer):
    class Meta:
        model = Venue
        fields = [
            "id", "name", "name_en", "name_kana", "kind", "district", "address", "capacity",
            "accessibility_notes", "access_notes",
        ]


class SlotQuerySerializer(serializers.Serializer):
    """?topic=<slug>&venue=<id>|district=<id>&from=<date>&to=<date>"""

    topic = serializers.SlugField(max_length=60)
    venue = serializers.IntegerField(required=False, min_value=1)
    district = serializers.IntegerField(required=False, min_value=1)

    def get_fields(self):
        # `from` is a Python keyword, so these two are added here rather than as attributes.
        fields = super().get_fields()
        fields["from"] = BoundedDateField(required=False)
        fields["to"] = BoundedDateField(required=False)
        return fields

    def validate(self, attrs):
        if not attrs.get("venue") and not attrs.get("district"):
            raise serializers.ValidationError({"venue": [_("会場か地区を指定してください。")]})
        start = attrs.get("from") or self.context["today"]
        end = attrs.get("to") or start + dt.timedelta(days=DEFAULT_SLOT_RANGE_DAYS - 1)
        if end < start:
            raise serializers.ValidationError({"to": [_("終わりの日付は始まりの日付より後にしてください。")]})
        if (end - start).days >= MAX_SLOT_RANGE_DAYS:
            raise serializers.ValidationError(
                {"to": [_("一度に調べられるのは%(days)s日分までです。") % {"days": MAX_SLOT_RANGE_DAYS}]}
            )
        attrs["from"], attrs["to"] = start, end
        return attrs


class SlotSerializer(serializers.Serializer):
    start = serializers.DateTimeField(source="starts_at")
    end = serializers.DateTimeField(source="ends_at")
    venue = serializers.IntegerField(source="venue_id")
    format = serializers.ChoiceField(choices=Lesson.Format.choices)
    seats_left = serializers.IntegerField()
    instant = serializers.BooleanField(help_text="Confirmed at once; otherwise a volunteer confirms.")
    lesson = serializers.IntegerField(
        source="lesson_id", allow_null=True,
        help_text="For a seat in an existing class: send it as `lesson` when booking.",
    )
