"""Input parsing for the coordinator pages: the period, and the queue's actions."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from literacy.coverage.services import TOPIC_FIELDS, VENUE_FIELDS
from literacy.curriculum.models import Topic
from literacy.followups.services import CallOutcome
from literacy.people.models import Volunteer
from literacy.places.models import District, Municipality, Venue

MAX_PERIOD_DAYS = 731


def default_period(today: dt.date) -> tuple[dt.date, dt.date]:
    """The previous month and this month so far: a full month to compare with the current one."""
    first_of_this = today.replace(day=1)
    first_of_last = (first_of_this - dt.timedelta(days=1)).replace(day=1)
    return first_of_last, today


class PeriodForm(forms.Form):
    start = forms.DateField(label=_("開始日"), widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=_("終了日"), widget=forms.DateInput(attrs={"type": "date"}))
    district = forms.ModelChoiceField(
        label=_("地区"), queryset=District.objects.none(), required=False, empty_label=_("すべての地区")
    )

    def __init__(self, data, *, municipality: Municipality):
        today = timezone.localdate(timezone=municipality.zone)
        start, end = default_period(today)
        merged = {"start": start.isoformat(), "end": end.isoformat(), "district": ""}
        merged.update({k: v for k, v in data.items() if k in merged and v})
        super().__init__(merged)
        self.fields["district"].queryset = District.objects.filter(municipality=municipality).order_by("order", "id")

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end:
            if end < start:
                raise forms.ValidationError(_("終了日は開始日より後にしてください。"))
            if (end - start).days > MAX_PERIOD_DAYS:
                raise forms.ValidationError(_("期間は2年以内にしてください。"))
        return data


class MonthForm(forms.Form):
    month = forms.DateField(label=_("月"), input_formats=["%Y-%m"], widget=forms.DateInput(attrs={"type": "month"}))


class CallForm(forms.Form):
    outcome = forms.ChoiceField(label=_("電話の結果"), choices=CallOutcome.CHOICES, widget=forms.RadioSelect)
    note = forms.CharField(label=_("メモ"), required=False, max_length=500)


CLOSE_REASONS = (
    ("booked", _("予約が取れた")),
    ("not_needed", _("ご本人が不要とおっしゃった")),
    ("solved", _("電話で解決した")),
    ("unreachable", _("何度かけても連絡がつかない")),
    ("volunteer_signup", _("ボランティア登録に進んだ")),
    ("other", _("その他（メモに理由）")),
)
REASONS_THAT_SETTLE_THE_REQUEST = frozenset({"not_needed", "solved"})


class CloseForm(forms.Form):
    reason = forms.ChoiceField(label=_("対応結果"), choices=CLOSE_REASONS, widget=forms.RadioSelect)
    note = forms.CharField(label=_("メモ"), required=False, max_length=250)

    def clean(self):
        data = super().clean()
        if data.get("reason") == "other" and not (data.get("note") or "").strip():
            raise forms.ValidationError(_("「その他」のときはメモに理由を書いてください。"))
        return data

    @property
    def settles_request(self) -> bool:
        """The learner no longer needs the help: the case's request is withdrawn with it."""
        return self.cleaned_data["reason"] in REASONS_THAT_SETTLE_THE_REQUEST

    @property
    def outcome(self) -> str:
        label = str(dict(CLOSE_REASONS)[self.cleaned_data["reason"]])
        note = self.cleaned_data.get("note", "").strip()
        return f"{label}: {note}" if note else label


class AssignForm(forms.Form):
    volunteer = forms.ModelChoiceField(queryset=Volunteer.objects.none())

    def __init__(self, data, *, municipality: Municipality):
        super().__init__(data)
        self.fields["volunteer"].queryset = Volunteer.objects.filter(
            municipality=municipality, status=Volunteer.Status.APPROVED
        )


class VolunteerStatusForm(forms.Form):
    status = forms.ChoiceField(choices=Volunteer.Status.choices)


class VenueForm(forms.ModelForm):
    class Meta:
        model = Venue
        fields = VENUE_FIELDS

    def __init__(self, *args, municipality: Municipality, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.municipality = municipality
        self.fields["district"].queryset = District.objects.filter(municipality=municipality)


class TopicForm(forms.ModelForm):
    class Meta:
        model = Topic
        fields = TOPIC_FIELDS

    def __init__(self, *args, municipality: Municipality, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.municipality = municipality


class KioskRegisterForm(forms.Form):
    """A new kiosk: a venue of the coordinator's municipality (still in use) and a name people
    at the venue will recognise."""

    venue = forms.ModelChoiceField(
        label=_("会場"), queryset=Venue.objects.none(), empty_label=_("会場を選んでください"),
        error_messages={
            "required": _("端末を置く会場を選んでください。"),
            "invalid_choice": _("この自治体で使用中の会場から選んでください。"),
        },
    )
    name = forms.CharField(
        label=_("端末の名前"), max_length=100, help_text=_("置き場所がわかる名前（例：1階ロビー）"),
        error_messages={
            "required": _("端末の名前を入れてください（例：1階ロビー）。"),
            "max_length": _("端末の名前は100文字以内にしてください。"),
        },
    )

    def __init__(self, *args, municipality: Municipality, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["venue"].queryset = (
            Venue.objects.filter(municipality=municipality, is_active=True)
            .select_related("district").order_by("district__order", "name")
        )
        self.fields["venue"].label_from_instance = lambda venue: venue.display_name


class EraseRequestForm(forms.Form):
    """A learner's request to erase their data: why (for the audit log) and an explicit tick."""

    reason = forms.CharField(
        label=_("消去の理由"), max_length=200, widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("誰から、いつ、どのように依頼があったか（例：12月7日、ご本人から電話で依頼）"),
        error_messages={
            "required": _("消去の理由を書いてください（誰から、いつ、どのように依頼があったか）。"),
            "max_length": _("消去の理由は200文字以内にしてください。"),
        },
    )
    confirm = forms.BooleanField(
        label=_("この方の個人情報を消去し、元に戻せないことを確認しました"),
        error_messages={"required": _("確認のチェックを入れてください。")},
    )
