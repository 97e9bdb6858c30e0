"""A volunteer's offers, lessons and reports; coordinators read their municipality's lessons and reports."""

import datetime as dt

from django.db.models import Exists, OuterRef, Prefetch
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import generics, status
from rest_framework.response import Response

from api.permissions import IsCoordinator, IsVolunteer, IsVolunteerOrCoordinator
from api.serializers.errors import ErrorSerializer
from api.serializers.work import (
    LessonQuerySerializer,
    LessonSerializer,
    OfferQuerySerializer,
    OfferSerializer,
    ReportInSerializer,
    ReportSerializer,
)
from api.tenancy import coordinator_municipality, volunteer_profile
from api.views.documentation import INVALID_EXAMPLE, MUNICIPALITY, NOT_FOUND_EXAMPLE
from literacy.core.errors import DomainError
from literacy.curriculum.models import Skill
from literacy.scheduling.models import Booking, Lesson, LessonReport, Offer
from literacy.scheduling.services import offer_accept, offer_decline
from literacy.scheduling.services.reports import report_create

OFFER_EXAMPLE = OpenApiExample(
    "An offer", response_only=True,
    value={"id": 7, "state": "pending", "rank": 1, "score": 62.5,
           "reasons": [{"code": "same_venue", "points": 20.0, "label": "いつもの会場"}],
           "expires_at": "2026-12-07T20:00:00+09:00", "responded_at": None,
           "request": {"id": 12, "topic": "line", "venue": 3, "district": 1, "start": "2026-12-08T11:00:00+09:00",
                       "end": "2026-12-08T12:00:00+09:00", "preference_note": "", "learner_name": "花子"}},
)
OFFER_TAKEN_EXAMPLE = OpenApiExample(
    "Someone else accepted first", status_codes=["409"], response_only=True,
    value={"error": {"code": "offer_taken",
                     "message": "このご依頼はすでにほかのボランティアが引き受けました。ありがとうございました。"}},
)
LESSON_EXAMPLE = OpenApiExample(
    "A lesson", response_only=True,
    value={"id": 41, "topic": "line", "venue": 3, "volunteer": {"id": 2, "name": "支援 太郎"}, "format": "one_to_one",
           "title": "", "start": "2026-12-08T10:00:00+09:00", "end": "2026-12-08T11:00:00+09:00", "seats": 1,
           "state": "scheduled", "sequence": 0, "reported": False,
           "bookings": [{"id": 88, "state": "booked", "learner_name": "花子"}]},
)
REPORT_REQUEST_EXAMPLE = OpenApiExample(
    "Report a lesson", request_only=True,
    value={"lesson": 41, "duration_minutes": 60, "note_for_next": "写真の送り方を次回に",
           "follow_up_needed": False,
           "learners": [{"booking": 88, "attended": True, "skills": [4, 5], "could_teach": False}]},
)
REPORT_EXAMPLE = OpenApiExample(
    "A report", response_only=True, status_codes=["200", "201"],
    value={"id": 9, "lesson": 41, "volunteer": 2, "duration_minutes": 60, "note_for_next": "写真の送り方を次回に",
           "follow_up_needed": False, "created_at": "2026-12-08T11:05:00+09:00",
           "progress": [{"booking": 88, "skills": [4, 5], "could_teach": False}]},
)


def _offers_of(request):
    return (
        Offer.objects.filter(volunteer=volunteer_profile(request))
        .select_related("help_request__topic", "help_request__learner")
        .order_by("-created_at", "-id")
    )


class OfferList(generics.ListAPIView):
    permission_classes = [IsVolunteer]
    serializer_class = OfferSerializer

    def get_queryset(self):
        query = OfferQuerySerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        offers = _offers_of(self.request)
        if "state" in query.validated_data:
            offers = offers.filter(state=query.validated_data["state"])
        return offers

    @extend_schema(summary="My offers", description="Requests offered to the calling volunteer, newest first; "
                   "filter with `state=pending`.", parameters=[OfferQuerySerializer], examples=[OFFER_EXAMPLE],
                   tags=["volunteers"])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class OfferDetail(generics.RetrieveAPIView):
    permission_classes = [IsVolunteer]
    serializer_class = OfferSerializer

    def get_queryset(self):
        return _offers_of(self.request)

    @extend_schema(summary="One of my offers", examples=[OFFER_EXAMPLE, NOT_FOUND_EXAMPLE], tags=["volunteers"])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


def _lessons_with_bookings(lessons):
    return (
        lessons.select_related("topic", "volunteer")
        .prefetch_related(
            Prefetch("bookings", queryset=Booking.objects.select_related("learner").order_by("created_at", "id"))
        )
        .annotate(has_report=Exists(LessonReport.objects.filter(lesson=OuterRef("pk"))))
        .order_by("starts_at", "id")
    )


class OfferAccept(generics.GenericAPIView):
    permission_classes = [IsVolunteer]
    serializer_class = LessonSerializer

    @extend_schema(summary="Accept an offer", description="The first acceptance wins and becomes the lesson; "
                   "an offer someone else took, or that expired, is a 409.", request=None,
                   responses={200: LessonSerializer, 409: ErrorSerializer},
                   examples=[LESSON_EXAMPLE, OFFER_TAKEN_EXAMPLE, NOT_FOUND_EXAMPLE], tags=["volunteers"])
    def post(self, request, pk: int):
        offer = get_object_or_404(_offers_of(request), pk=pk)
        lesson = offer_accept(offer=offer, volunteer=volunteer_profile(request))
        lesson = _lessons_with_bookings(Lesson.objects.filter(pk=lesson.pk)).get()
        return Response(LessonSerializer(lesson).data)


class OfferDecline(generics.GenericAPIView):
    permission_classes = [IsVolunteer]
    serializer_class = OfferSerializer

    @extend_schema(summary="Decline an offer", description="The request moves on to the next volunteer. "
                   "Declining twice is harmless; an offer no longer pending is a 409.", request=None,
                   responses={200: OfferSerializer, 409: ErrorSerializer},
                   examples=[OFFER_EXAMPLE, OFFER_TAKEN_EXAMPLE, NOT_FOUND_EXAMPLE], tags=["volunteers"])
    def post(self, request, pk: int):
        offer = get_object_or_404(_offers_of(request), pk=pk)
        offer = offer_decline(offer=offer, volunteer=volunteer_profile(request))
        return Response(OfferSerializer(_offers_of(request).get(pk=offer.pk)).data)


def _as_coordinator(request, view) -> bool:
    return IsCoordinator().has_permission(request, view)


class LessonList(generics.ListAPIView):
    permission_classes = [IsVolunteerOrCoordinator]
    serializer_class = LessonSerializer

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "full_names": _as_coordinator(self.request, self)}

    def get_queryset(self):
        if _as_coordinator(self.request, self):
            municipality = coordinator_municipality(self.request)
            lessons = Lesson.objects.filter(municipality=municipality)
        else:
            municipality = volunteer_profile(self.request).municipality
            lessons = Lesson.objects.filter(volunteer=volunteer_profile(self.request))
        query = LessonQuerySerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        zone = municipality.zone
        if data.get("from"):
            lessons = lessons.filter(starts_at__gte=dt.datetime.combine(data["from"], dt.time.min, tzinfo=zone))
        if data.get("to"):
            day_after = data["to"] + dt.timedelta(days=1)
            lessons = lessons.filter(starts_at__lt=dt.datetime.combine(day_after, dt.time.min, tzinfo=zone))
        for name in ("state", "venue"):
            if name in data:
                lessons = lessons.filter(**{name: data[name]})
        if "volunteer" in data and _as_coordinator(self.request, self):
            lessons = lessons.filter(volunteer_id=data["volunteer"])
        return _lessons_with_bookings(lessons)

    @extend_schema(summary="Lessons", description="A volunteer's own lessons; a coordinator's municipality's. "
                   "Filter by local dates `from`/`to`, `state`, `venue` (and `volunteer` for coordinators).",
                   parameters=[MUNICIPALITY, LessonQuerySerializer], examples=[LESSON_EXAMPLE], tags=["lessons"])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class LessonDetail(generics.RetrieveAPIView):
    permission_classes = [IsVolunteerOrCoordinator]
    serializer_class = LessonSerializer

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "full_names": _as_coordinator(self.request, self)}

    def get_queryset(self):
        if _as_coordinator(self.request, self):
            lessons = Lesson.objects.filter(municipality=coordinator_municipality(self.request))
        else:
            lessons = Lesson.objects.filter(volunteer=volunteer_profile(self.request))
        return _lessons_with_bookings(lessons)

    @extend_schema(summary="One lesson", parameters=[MUNICIPALITY], examples=[LESSON_EXAMPLE, NOT_FOUND_EXAMPLE],
                   tags=["lessons"])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


def _reports_for(request, view):
    if _as_coordinator(request, view):
        reports = LessonReport.objects.filter(lesson__municipality=coordinator_municipality(request))
    else:
        reports = LessonReport.objects.filter(volunteer=volunteer_profile(request))
    return reports.prefetch_related("progress__skills").order_by("-created_at", "-id")


class ReportListCreate(generics.ListAPIView):
    permission_classes = [IsVolunteerOrCoordinator]
    serializer_class = ReportSerializer

    def get_queryset(self):
        return _reports_for(self.request, self)

    @extend_schema(summary="Lesson reports", description="A volunteer's own reports; a coordinator's "
                   "municipality's. Newest first.", parameters=[MUNICIPALITY], examples=[REPORT_EXAMPLE],
                   tags=["lessons"])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        summary="Report a lesson",
        description="The volunteer's account of their own lesson once it has started: attendance for every "
        "learner's booking, skills each can now do (ids of the topic's skills), a note for the next "
        "volunteer. No-shows and learners who could teach go to the coordinators' queue. Volunteers only; "
        "a second report is a 409.",
        request=ReportInSerializer, responses={201: ReportSerializer, 409: ErrorSerializer},
        examples=[REPORT_REQUEST_EXAMPLE, REPORT_EXAMPLE, INVALID_EXAMPLE, NOT_FOUND_EXAMPLE], tags=["lessons"],
    )
    def post(self, request):
        volunteer = volunteer_profile(request)
        if volunteer is None:
            self.permission_denied(request, message=IsVolunteer.message)
        incoming = ReportInSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = incoming.validated_data
        lesson = get_object_or_404(Lesson.objects.filter(volunteer=volunteer), pk=data["lesson"])
        rows = data["learners"]
        skills = Skill.objects.in_bulk({skill_id for row in rows for skill_id in row["skills"]})
        if len(skills) != len({skill_id for row in rows for skill_id in row["skills"]}):
            raise DomainError(code="skill_not_in_topic")
        report = report_create(
            lesson=lesson, volunteer=volunteer,
            attendance={row["booking"]: row["attended"] for row in rows},
            duration_minutes=data["duration_minutes"], note_for_next=data["note_for_next"],
            follow_up_needed=data["follow_up_needed"],
            skills_by_booking={row["booking"]: [skills[i] for i in row["skills"]] for row in rows if row["skills"]},
            could_teach_by_booking={row["booking"]: row["could_teach"] for row in rows},
        )
        report = _reports_for(request, self).get(pk=report.pk)
        return Response(ReportSerializer(report).data, status=status.HTTP_201_CREATED)


class ReportDetail(generics.RetrieveAPIView):
    permission_classes = [IsVolunteerOrCoordinator]
    serializer_class = ReportSerializer

    def get_queryset(self):
        return _reports_for(self.request, self)

    @extend_schema(summary="One lesson report", parameters=[MUNICIPALITY], examples=[REPORT_EXAMPLE],
                   tags=["lessons"])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)
