"""Bookings: a kiosk or staff books a time; a learner looks up or cancels with code and phone."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, generics, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from api.errors import IdempotencyKeyReused
from api.permissions import IsCoordinator, IsKioskOrCoordinator
from api.serializers.bookings import (
    IDEMPOTENCY_KEY_MAX,
    BookingCancelSerializer,
    BookingInSerializer,
    BookingLookupQuerySerializer,
    BookingSerializer,
)
from api.serializers.errors import ErrorSerializer
from api.tenancy import is_account, kiosk_device, request_municipality
from api.views.documentation import INVALID_EXAMPLE, MUNICIPALITY, NOT_FOUND_EXAMPLE, TIME_TAKEN_EXAMPLE
from literacy.core.client_address import client_ip
from literacy.core.errors import InvalidPhoneNumber, NotFoundError, SmsNotPossible
from literacy.people.models import Channel
from literacy.scheduling.models import Booking
from literacy.scheduling.services import LearnerDetails, booking_cancel, booking_create, booking_lookup

IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key", OpenApiTypes.STR, OpenApiParameter.HEADER, required=False,
    description=f"Any unique string (up to {IDEMPOTENCY_KEY_MAX} characters), e.g. a UUID. A retry with the "
    "same key returns the first booking (200) instead of booking twice.",
)

BOOKING_EXAMPLE = OpenApiExample(
    "Confirmed at once", response_only=True, status_codes=["200", "201"],
    value={"code": "482913", "status": "booked", "confirmed": True, "confirm_by": None, "topic": "line",
           "venue": 3, "start": "2026-12-08T10:00:00+09:00", "end": "2026-12-08T11:00:00+09:00",
           "lesson": {"id": 41, "topic": "line", "venue": 3, "format": "one_to_one",
                      "start": "2026-12-08T10:00:00+09:00", "end": "2026-12-08T11:00:00+09:00",
                      "state": "scheduled"},
           "learner_name": "八女 花子", "created_at": "2026-12-07T08:00:00+09:00"},
)
PENDING_EXAMPLE = OpenApiExample(
    "Waiting for a volunteer", response_only=True, status_codes=["201"],
    value={"code": "105522", "status": "pending", "confirmed": False, "confirm_by": "2026-12-08T08:00:00+09:00",
           "topic": "line", "venue": 3, "start": "2026-12-08T11:00:00+09:00", "end": "2026-12-08T12:00:00+09:00",
           "lesson": None, "learner_name": "八女 花子", "created_at": "2026-12-07T08:00:00+09:00"},
)
CANCELLED_EXAMPLE = OpenApiExample(
    "Cancelled", response_only=True, status_codes=["200"],
    value={"code": "482913", "status": "cancelled", "confirmed": False, "confirm_by": None, "topic": "line",
           "venue": 3, "start": "2026-12-08T10:00:00+09:00", "end": "2026-12-08T11:00:00+09:00",
           "lesson": {"id": 41, "topic": "line", "venue": 3, "format": "one_to_one",
                      "start": "2026-12-08T10:00:00+09:00", "end": "2026-12-08T11:00:00+09:00",
                      "state": "cancelled"},
           "learner_name": "八女 花子", "created_at": "2026-12-07T08:00:00+09:00"},
)
BOOKING_REQUEST_EXAMPLE = OpenApiExample(
    "Book a time", request_only=True,
    value={"topic": "line", "venue": 3, "start": "2026-12-08T10:00:00+09:00",
           "learner": {"phone": "090-1234-5678", "name": "八女 花子", "name_kana": "やめ はなこ"},
           "reminder_channel": "sms"},
)


def _caller_prefix(request) -> str:
    """Idempotency keys are per caller, so one client can never replay another's booking."""
    device = kiosk_device(request)
    return f"k{device.pk}:" if device else f"u{request.user.pk}:"


def _idempotency_key(request) -> str | None:
    raw = request.headers.get("Idempotency-Key")
    if raw is None:
        return None
    raw = raw.strip()
    if not raw or len(raw) > IDEMPOTENCY_KEY_MAX or not raw.isprintable():
        raise exceptions.ValidationError(
            {"Idempotency-Key": [_("%(max)s文字以内の文字列にしてください。") % {"max": IDEMPOTENCY_KEY_MAX}]}
        )
    return _caller_prefix(request) + raw


def _booking_for_output(booking: Booking) -> Booking:
    return Booking.objects.select_related(
        "learner", "lesson__topic", "help_request__topic"
    ).get(pk=booking.pk)


class BookingCreate(generics.GenericAPIView):
    permission_classes = [IsKioskOrCoordinator]
    serializer_class = BookingInSerializer

    @extend_schema(
        summary="Book a time",
        description="Book a time from `slots/` for a learner (found by phone and name, or created). An "
        "instant time or a class seat is confirmed at once (`status: booked`); otherwise the booking is "
        "`pending` until a volunteer accepts, by `confirm_by`. A time taken meanwhile is a 409. "
        "Kiosk devices and coordinators only.",
        parameters=[IDEMPOTENCY_KEY, MUNICIPALITY],
        request=BookingInSerializer,
        responses={
            201: BookingSerializer, 200: OpenApiResponse(BookingSerializer, description="Replay of an earlier key."),
            409: ErrorSerializer,
            429: OpenApiResponse(ErrorSerializer, description="A kiosk device has made its fill of bookings for "
                                 "the hour or the day (`kiosk_limit_reached`), or the API throttle."),
        },
        examples=[BOOKING_REQUEST_EXAMPLE, BOOKING_EXAMPLE, PENDING_EXAMPLE, TIME_TAKEN_EXAMPLE, INVALID_EXAMPLE],
        tags=["bookings"],
    )
    def post(self, request):
        municipality = request_municipality(request)
        idempotency_key = _idempotency_key(request)
        incoming = BookingInSerializer(data=request.data, context={"municipality": municipality})
        incoming.is_valid(raise_exception=True)
        data = incoming.validated_data
        try:
            result = self._book(request, municipality, data, idempotency_key)
        except (InvalidPhoneNumber, SmsNotPossible) as refusal:
            # Refusals about one field of the input are reported on that field.
            field = "learner.phone" if isinstance(refusal, InvalidPhoneNumber) else "reminder_channel"
            raise exceptions.ValidationError({field: [str(refusal)]}) from None
        if not result.created and not result.is_for(topic=data["topic"], venue=data["venue"], starts_at=data["start"]):
            raise IdempotencyKeyReused()
        # A booking made just now holds its learner, lesson or request and topic in memory, as
        # written; a replayed one is read back with them.
        booking = result.booking if result.created else _booking_for_output(result.booking)
        body = BookingSerializer(booking).data
        return Response(body, status=status.HTTP_201_CREATED if result.created else status.HTTP_200_OK)

    def _book(self, request, municipality, data, idempotency_key):
        device = kiosk_device(request)
        return booking_create(
            municipality=municipality, topic=data["topic"], venue=data["venue"], starts_at=data["start"],
            lesson_id=data["lesson"],
            # A kiosk's key books as that kiosk: its bookings count toward the device's limits.
            channel=Channel.KIOSK if device else Channel.API, kiosk_device=device,
            learner_details=LearnerDetails(
                phone=data["learner"]["phone"], name=data["learner"]["name"],
                name_kana=data["learner"]["name_kana"], reminder_channel=data["reminder_channel"],
            ),
            entered_by=request.user if is_account(request) else None,
            idempotency_key=idempotency_key,
        )


def _learners_booking(request, code: str, phone: str) -> Booking:
    """The booking for this code + phone, through the lockout: repeated wrong pairs from one
    kiosk or address (or for one phone) get 429 before anything is looked up."""
    device = kiosk_device(request)
    if device:
        client_key = f"kiosk:{device.pk}"
    elif is_account(request):
        client_key = f"user:{request.user.pk}"
    else:
        client_key = f"ip:{client_ip(request)}"
    try:
        return booking_lookup(municipality=request_municipality(request), code=code, phone=phone,
                              client_key=client_key, include_inactive=True)
    except NotFoundError:
        raise exceptions.NotFound() from None


class BookingLookup(generics.GenericAPIView):
    permission_classes = [AllowAny]
    serializer_class = BookingSerializer

    @extend_schema(
        summary="Look up a booking",
        description="A learner's own booking by its code, with their phone number as proof. A code and "
        "phone that do not belong together are a 404, like a code that does not exist.",
        parameters=[BookingLookupQuerySerializer, MUNICIPALITY],
        examples=[BOOKING_EXAMPLE, NOT_FOUND_EXAMPLE],
        tags=["bookings"],
    )
    def get(self, request, code: str):
        query = BookingLookupQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        booking = _learners_booking(request, code, query.validated_data["phone"])
        return Response(BookingSerializer(booking).data)


class BookingCancel(generics.GenericAPIView):
    permission_classes = [AllowAny]
    serializer_class = BookingCancelSerializer

    @extend_schema(
        summary="Cancel a booking",
        description="Cancel a learner's own booking (code plus phone number as proof). The seat goes to the "
        "waitlist; a one-to-one lesson is cancelled and its volunteer told. Cancelling twice is harmless; a "
        "booking already attended is a 409.",
        parameters=[MUNICIPALITY],
        request=BookingCancelSerializer,
        responses={200: BookingSerializer, 409: ErrorSerializer},
        examples=[
            OpenApiExample("Cancel", request_only=True, value={"phone": "090-1234-5678", "reason": "体調不良"}),
            CANCELLED_EXAMPLE, NOT_FOUND_EXAMPLE,
        ],
        tags=["bookings"],
    )
    def post(self, request, code: str):
        incoming = BookingCancelSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        booking = _learners_booking(request, code, incoming.validated_data["phone"])
        staff = is_account(request) and IsCoordinator().has_permission(request, self)
        cancelled = booking_cancel(
            booking=booking, reason=incoming.validated_data["reason"], by_learner=not staff,
            cancelled_by=request.user if is_account(request) else None,
        )
        return Response(BookingSerializer(_booking_for_output(cancelled)).data)
