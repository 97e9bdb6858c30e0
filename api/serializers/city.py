"""What coordinators read: help requests, learners, the outbox and coverage by district."""

import datetime as dt

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from api.serializers.fields import BoundedDateField
from literacy.notifications.models import Message
from literacy.people.models import Learner
from literacy.scheduling.models import HelpRequest

MAX_COVERAGE_DAYS = 366


class LearnerRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class HelpRequestSerializer(serializers.ModelSerializer):
    topic = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    learner = LearnerRefSerializer()
    start = serializers.DateTimeField(source="wanted_starts_at", allow_null=True)
    end = serializers.DateTimeField(source="wanted_ends_at", allow_null=True)

    class Meta:
        model = HelpRequest
        fields = ["id", "state", "learner", "topic", "venue", "district", "start", "end", "preference_note",
                  "channel", "deadline", "lesson", "created_at"]


class HelpRequestQuerySerializer(serializers.Serializer):
    state = serializers.ChoiceField(choices=HelpRequest.State.choices, required=False)
    topic = serializers.SlugField(max_length=60, required=False)


class LearnerSerializer(serializers.ModelSerializer):
    class Meta:
        model = Learner
        fields = [
            "id", "name", "name_kana", "phone", "phone_kind", "reminder_channel", "district", "device",
            "needs_large_print", "needs_hearing_support", "needs_mobility_support", "needs_home_visit",
            "language", "needs_callback", "could_teach", "created_channel", "created_at",
        ]


class LearnerQuerySerializer(serializers.Serializer):
    phone = serializers.CharField(max_length=32, required=False, help_text="Any format; matched in E.164.")
    q = serializers.CharField(max_length=100, required=False, help_text="Part of the name or its kana.")
    needs_callback = serializers.BooleanField(required=False, allow_null=True, default=None)


class MessageSerializer(serializers.ModelSerializer):
    class Meta:
        model = Message
        fields = ["id", "channel", "kind", "to", "subject", "body", "state", "send_after", "not_after",
                  "attempts", "sent_at", "error_code", "learner", "volunteer", "booking", "lesson", "created_at"]


class MessageQuerySerializer(serializers.Serializer):
    state = serializers.ChoiceField(choices=Message.State.choices, required=False)
    channel = serializers.ChoiceField(choices=Message.Channel.choices, required=False)
    kind = serializers.CharField(max_length=40, required=False)


class CoverageQuerySerializer(serializers.Serializer):
    def get_fields(self):
        fields = super().get_fields()
        fields["from"] = BoundedDateField(required=False)
        fields["to"] = BoundedDateField(required=False)
        return fields

    def validate(self, attrs):
        end = attrs.get("to") or self.context["today"]
        start = attrs.get("from") or end - dt.timedelta(days=89)
        if end < start:
            raise serializers.ValidationError({"to": [_("終わりの日付は始まりの日付より後にしてください。")]})
        if (end - start).days >= MAX_COVERAGE_DAYS:
            raise serializers.ValidationError({"to": [_("一度に調べられるのは%(days)s日分までです。") % {"days": MAX_COVERAGE_DAYS}]})
        attrs["from"], attrs["to"] = start, end
        return attrs


class CoverageSerializer(serializers.Serializer):
    """One district's row of the coordinators' coverage table (the same numbers as /city/coverage/).
    `district_id` is null for learners and requests with no district."""

    district_id = serializers.IntegerField(allow_null=True)
    name = serializers.CharField()
    senior_population = serializers.IntegerField()
    learners_served = serializers.IntegerField()
    served_per_thousand_seniors = serializers.FloatField(allow_null=True)
    requests = serializers.IntegerField()
    matched = serializers.IntegerField()
    share_matched = serializers.FloatField(allow_null=True)
    median_hours_to_match = serializers.FloatField(allow_null=True)
    lessons = serializers.IntegerField()
    no_show_rate = serializers.FloatField(allow_null=True)
    cancellation_rate = serializers.FloatField(allow_null=True)
