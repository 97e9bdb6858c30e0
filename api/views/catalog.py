"""Public reads: topics, districts, venues and the bookable times."""

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import generics, serializers

from api.serializers.catalog import (
    DistrictSerializer,
    SlotQuerySerializer,
    SlotSerializer,
    TopicSerializer,
    VenueSerializer,
)
from api.tenancy import request_municipality
from api.views.documentation import MUNICIPALITY
from literacy.curriculum.models import Topic
from literacy.places.models import District, Venue
from literacy.scheduling.slots import bookable_times

TOPIC_EXAMPLE = OpenApiExample(
    "A topic", response_only=True,
    value={"id": 5, "slug": "line", "name": "LINEの使い方", "name_en": "Using LINE", "name_kana": "らいんのつかいかた",
           "icon": "💬", "order": 5},
)
DISTRICT_EXAMPLE = OpenApiExample(
    "A district", response_only=True,
    value={"id": 1, "name": "旧八女市", "name_en": "Central Yame", "name_kana": "きゅうやめし", "parent": None,
           "senior_population": 12000},
)
VENUE_EXAMPLE = OpenApiExample(
    "A venue", response_only=True,
    value={"id": 3, "name": "八女市中央公民館", "name_en": "Yame Central Community Centre", "name_kana": "",
           "kind": "community_centre", "district": 1, "address": "福岡県八女市本町1-1", "capacity": 20,
           "accessibility_notes": "車いす可", "access_notes": "八女市役所から徒歩5分"},
)
SLOT_EXAMPLE = OpenApiExample(
    "A free time", response_only=True,
    value={"start": "2026-12-08T10:00:00+09:00", "end": "2026-12-08T11:00:00+09:00", "venue": 3,
           "format": "one_to_one", "seats_left": 1, "instant": True, "lesson": None},
)


class TopicList(generics.ListAPIView):
    serializer_class = TopicSerializer

    def get_queryset(self):
        return Topic.objects.filter(municipality=request_municipality(self.request), is_active=True).order_by(
            "order", "id"
        )

    @extend_schema(summary="List topics", description="What learners can ask to learn, in display order.",
                   parameters=[MUNICIPALITY], examples=[TOPIC_EXAMPLE], tags=["catalog"])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class TopicDetail(generics.RetrieveAPIView):
    serializer_class = TopicSerializer
    lookup_field = "slug"

    def get_queryset(self):
        return Topic.objects.filter(municipality=request_municipality(self.request), is_active=True)

    @extend_schema(summary="One topic, by slug", parameters=[MUNICIPALITY], examples=[TOPIC_EXAMPLE],
                   tags=["catalog"])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class DistrictList(generics.ListAPIView):
    serializer_class = DistrictSerializer

    def get_queryset(self):
        return District.objects.filter(municipality=request_municipality(self.request)).order_by("order", "id")

    @extend_schema(summary="List districts", description="Areas of the municipality, with senior population.",
                   parameters=[MUNICIPALITY], examples=[DISTRICT_EXAMPLE], tags=["catalog"])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class DistrictDetail(generics.RetrieveAPIView):
    serializer_class = DistrictSerializer

    def get_queryset(self):
        return District.objects.filter(municipality=request_municipality(self.request))

    @extend_schema(summary="One district", parameters=[MUNICIPALITY], examples=[DISTRICT_EXAMPLE],
                   tags=["catalog"])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class VenueQuerySerializer(serializers.Serializer):
    district = serializers.IntegerField(min_value=1, required=False)
    kind = serializers.ChoiceField(choices=Venue.Kind.choices, required=False)


class VenueList(generics.ListAPIView):
    serializer_class = VenueSerializer

    def get_queryset(self):
        query = VenueQuerySerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        venues = Venue.objects.filter(municipality=request_municipality(self.request), is_active=True)
        if "district" in query.validated_data:
            venues = venues.filter(district_id=query.validated_data["district"])
        if "kind" in query.validated_data:
            venues = venues.filter(kind=query.validated_data["kind"])
        return venues.order_by("district__order", "name", "id")

    @extend_schema(summary="List venues", description="Where lessons happen. Filter by `district` or `kind`.",
                   parameters=[MUNICIPALITY, VenueQuerySerializer], examples=[VENUE_EXAMPLE], tags=["catalog"])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class VenueDetail(generics.RetrieveAPIView):
    serializer_class = VenueSerializer

    def get_queryset(self):
        return Venue.objects.filter(municipality=request_municipality(self.request), is_active=True)

    @extend_schema(summary="One venue", parameters=[MUNICIPALITY], examples=[VENUE_EXAMPLE], tags=["catalog"])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class SlotList(generics.GenericAPIView):
    serializer_class = SlotSerializer

    @extend_schema(
        summary="Bookable times",
        description="Real free times for a topic at a venue (or any venue of a district) between two local "
        "dates (default: the next 14 days; at most 31). Only times a volunteer who teaches the topic is "
        "available, not already taken, after the minimum notice. `instant` times are confirmed at once.",
        parameters=[MUNICIPALITY, SlotQuerySerializer], responses=SlotSerializer(many=True), examples=[SLOT_EXAMPLE],
        tags=["catalog"],
    )
    def get(self, request):
        municipality = request_municipality(request)
        query = SlotQuerySerializer(
            data=request.query_params, context={"today": timezone.localdate(timezone=municipality.zone)}
        )
        query.is_valid(raise_exception=True)
        data = query.validated_data
        topic = Topic.objects.filter(municipality=municipality, slug=data["topic"], is_active=True).first()
        if topic is None:
            raise serializers.ValidationError({"topic": [_("この相談内容はありません。")]})
        venue = district = None
        if data.get("venue"):
            venue = Venue.objects.filter(municipality=municipality, pk=data["venue"], is_active=True).first()
            if venue is None:
                raise serializers.ValidationError({"venue": [_("この会場はありません。")]})
        else:
            district = District.objects.filter(municipality=municipality, pk=data["district"]).first()
            if district is None:
                raise serializers.ValidationError({"district": [_("この地区はありません。")]})
        slots = bookable_times(
            municipality=municipality, topic=topic, venue=venue, district=district,
            start_date=data["from"], end_date=data["to"],
        )
        page = self.paginate_queryset(slots)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

