"""Dates and times inside the range the program works in. Year 9999 is valid ISO 8601 but
would overflow date arithmetic further down: it is refused here, as input, with a 400."""

import datetime as dt

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

EARLIEST = dt.date(2000, 1, 1)
LATEST = dt.date(2100, 12, 31)


class BoundedDateField(serializers.DateField):
    def to_internal_value(self, value):
        day = super().to_internal_value(value)
        if not EARLIEST <= day <= LATEST:
            raise serializers.ValidationError(_("日付の範囲が正しくありません。"))
        return day


class BoundedDateTimeField(serializers.DateTimeField):
    def to_internal_value(self, value):
        moment = super().to_internal_value(value)
        if not EARLIEST <= moment.date() <= LATEST:
            raise serializers.ValidationError(_("日時の範囲が正しくありません。"))
        return moment
