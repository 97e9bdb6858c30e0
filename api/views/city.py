"""Coordinators' reads: help requests, learners, the outbox and coverage by district."""


from django.db.models import Q
from django.utils import timezone
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import generics

from api.permissions import IsCoordinator
from api.serializers.city import (
    CoverageQuerySerializer,
    CoverageSerializer,
    HelpRequestQuerySerializer,
    HelpRequestSerializer,
    LearnerQuerySerializer,
    LearnerSerializer,
    MessageQuerySerializer,
    MessageSerializer,
)
from api.tenancy import coordinator_municipality
from api.views.documentation import MUNICIPALITY, NOT_FOUND_EXAMPLE
from literacy.core.errors import InvalidPhoneNumber
from literacy.core.phones import parse_phone
from literacy.coverage.selectors import Period, coverage_by_district
from literacy.notifications.models import Message
from literacy.people.models import Learner
from literacy.scheduling.models import HelpRequest

REQUEST_EXAMPLE = OpenApiExample(
    "A request", response_only=True,
    value={"id": 12, "state": "escalated", "learner": {"id": 30, "name": "八女 花子"}, "topic": "line", "venue": 3,
           "district": 1, "start": "2026-12-08T11:00:00+09:00", "end": "2026-12-08T12:00:00+09:00",
           "preference_note": "", "channel": "kiosk", "deadline": "2026-12-08T09:00:00+09:00", "lesson": None,
           "created_at": "2026-12-07T08:00:00+09:00"},
)
LEARNER_EXAMPLE = OpenApiExample(
    "A learner", response_only=True,
    value={"id": 30, "name": "八女 花子", "name_kana": "やめ はなこ", "phone": "+819012345678", "phone_kind": "mobile",
           "reminder_channel": "sms", "district": 1, "device": "android", "needs_large_print": True,
           "needs_hearing_support": False, "needs_mobility_support": False, "needs_home_visit": False,
           "language": "ja", "needs_callback": False, "could_teach": False, "created_channel": "kiosk",
           "created_at": "2026-12-07T08:00:00+09:00"},
)
MESSAGE_EXAMPLE = OpenApiExample(
    "An outbox row", response_only=True,
    value={"id": 501, "channel": "sms", "kind": "booking_confirmed", "to": "+819012345678", "subject": "",
           "body": "八女 花子様 12月8日(火)10:00 中央公民館でスマホ相談。お問合せ0943-23-1111",
           "state": "sent", "send_after": "2026-12-07T09:00:00+09:00", "not_after": None, "attempts": 1,
           "sent_at": "2026-12-07T09:00:02+09:00", "error_code": "", "learner": 30, "volunteer": None,
           "booking": 88, "lesson": 41, "created_at": "2026-12-07T08:00:00+09:00"},
)
COVERAGE_EXAMPLE = OpenApiExample(
    "One district", response_only=True,
    value={"district_id": 1, "name": "旧八女市", "senior_population": 12000, "learners_served": 96,
           "served_per_thousand_seniors": 8.0, "requests": 120, "matched": 111, "share_matched": 0.925,
           "median_hours_to_match": 5.5, "lessons": 140, "no_show_rate": 0.06, "cancellation_rate": 0.08},
)


class HelpRequestList(generics.ListAPIView):
    permission_classes = [IsCoordinator]
    serializer_class = HelpRequestSerializer

    def get_queryset(self):
        query = HelpRequestQuerySerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        requests = _help_requests(self.request)
        if "state" in query.validated_data:
            requests = requests.filter(state=query.validated_data["state"])
        if "topic" in query.validated_data:
            requests = requests.filter(topic__slug=query.validated_data["topic"])
        return requests

    @extend_schema(summary="Help requests", description="The municipality's requests, newest first. Filter by "
                   "`state` (e.g. `escalated`: waiting for a person) and `topic`. Coordinators only.",
                   parameters=[MUNICIPALITY, HelpRequestQuerySerializer], examples=[REQUEST_EXAMPLE],
                   tags=["city"])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


def _help_requests(request):
    return (
        HelpRequest.objects.filter(municipality=coordinator_municipality(request))
        .select_related("learner", "topic")
        .order_by("-created_at", "-id")
    )


class HelpRequestDetail(generics.RetrieveAPIView):
    permission_classes = [IsCoordinator]
    serializer_class = HelpRequestSerializer

    def get_queryset(self):
        return _help_requests(self.request)

    @extend_schema(summary="One help request", parameters=[MUNICIPALITY],
                   examples=[REQUEST_EXAMPLE, NOT_FOUND_EXAMPLE], tags=["city"])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class LearnerList(generics.ListAPIView):
    permission_classes = [IsCoordinator]
    serializer_class = LearnerSerializer

    def get_queryset(self):
        query = LearnerQuerySerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        learners = Learner.objects.filter(municipality=coordinator_municipality(self.request))
        if data.get("phone"):
            try:
                learners = learners.filter(phone=parse_phone(data["phone"]).e164)
            except InvalidPhoneNumber:
                return learners.none()
        if data.get("q"):
            learners = learners.filter(Q(name__icontains=data["q"]) | Q(name_kana__icontains=data["q"]))
        if data.get("needs_callback") is not None:
            learners = learners.filter(needs_callback=data["needs_callback"])
        return learners.order_by("name_kana", "id")

    @extend_schema(summary="Learners", description="The municipality's learners. Find one by `phone` (any "
                   "format) or part of the name (`q`); `needs_callback=true` lists those to call back. "
                   "Coordinators only.", parameters=[MUNICIPALITY, LearnerQuerySerializer],
                   examples=[LEARNER_EXAMPLE], tags=["city"])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class LearnerDetail(generics.RetrieveAPIView):
    permission_classes = [IsCoordinator]
    serializer_class = LearnerSerializer

    def get_queryset(self):
        return Learner.objects.filter(municipality=coordinator_municipality(self.request))

    @extend_schema(summary="One learner", parameters=[MUNICIPALITY], examples=[LEARNER_EXAMPLE, NOT_FOUND_EXAMPLE],
                   tags=["city"])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class MessageList(generics.ListAPIView):
    permission_classes = [IsCoordinator]
    serializer_class = MessageSerializer

    def get_queryset(self):
        query = MessageQuerySerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        messages = Message.objects.filter(municipality=coordinator_municipality(self.request))
        for name in ("state", "channel", "kind"):
            if name in query.validated_data:
                messages = messages.filter(**{name: query.validated_data[name]})
        return messages.order_by("-created_at", "-id")

    @extend_schema(summary="The outbox", description="Every SMS, call and email the system sends or sent, "
                   "newest first; read-only. Filter by `state`, `channel`, `kind`. Coordinators only.",
                   parameters=[MUNICIPALITY, MessageQuerySerializer], examples=[MESSAGE_EXAMPLE], tags=["city"])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class MessageDetail(generics.RetrieveAPIView):
    permission_classes = [IsCoordinator]
    serializer_class = MessageSerializer

    def get_queryset(self):
        return Message.objects.filter(municipality=coordinator_municipality(self.request))

    @extend_schema(summary="One outbox row", parameters=[MUNICIPALITY], examples=[MESSAGE_EXAMPLE, NOT_FOUND_EXAMPLE],
                   tags=["city"])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class CoverageList(generics.GenericAPIView):
    permission_classes = [IsCoordinator]
    serializer_class = CoverageSerializer

    @extend_schema(summary="Coverage by district", description="The coordinators' coverage table, per district, "
                   "for the local dates `from` and `to` (default: the last 90 days): learners served against the "
                   "senior population, requests and the share matched, median hours to match, lessons, no-show "
                   "and cancellation rates. Coordinators only.",
                   parameters=[MUNICIPALITY, CoverageQuerySerializer], responses=CoverageSerializer(many=True),
                   examples=[COVERAGE_EXAMPLE], tags=["city"])
    def get(self, request):
        municipality = coordinator_municipality(request)
        zone = municipality.zone
        query = CoverageQuerySerializer(data=request.query_params,
                                        context={"today": timezone.localdate(timezone=zone)})
        query.is_valid(raise_exception=True)
        period = Period(municipality=municipality, start=query.validated_data["from"], end=query.validated_data["to"])
        rows = coverage_by_district(period)
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)
