"""Forms of the phone desk: each parses what the coordinator typed into what a service takes."""

from __future__ import annotations

import datetime as dt
import uuid

from django import forms
from django.utils.translation import gettext_lazy as _

from literacy.core.errors import InvalidPhoneNumber
from literacy.core.phones import parse_phone
from literacy.curriculum.models import Topic
from literacy.people.models import Learner
from literacy.phonedesk.services import ProxyDetails
from literacy.places.models import District, Municipality, Venue


def parse_slot_key(key: str, municipality: Municipality) -> tuple[Venue, dt.datetime, int | None]:
    """Undo Slot.key ('venue:unix-start:lesson'); the venue must belong to the municipality."""
    try:
        venue_id, timestamp, lesson_id = (int(part) for part in key.split(":"))
        venue = Venue.objects.get(pk=venue_id, municipality=municipality, is_active=True)
    except (ValueError, Venue.DoesNotExist):
        raise forms.ValidationError(_("時間を選び直してください。"), code="bad_slot") from None
    return venue, dt.datetime.fromtimestamp(timestamp, tz=dt.UTC), lesson_id or None


class DeskForm(forms.Form):
    """Labels without a trailing colon: Japanese labels read better bare."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class SearchForm(DeskForm):
    q = forms.CharField(label=_("電話番号またはお名前（かな可・一部でも）"), max_length=60, required=False,
                        widget=forms.TextInput(attrs={"autofocus": True, "type": "search"}))


class ProxyFieldsMixin(DeskForm):
    """A family member calling on the learner's behalf."""

    by_proxy = forms.BooleanField(label=_("ご家族からの代理のお電話"), required=False)
    proxy_name = forms.CharField(label=_("ご家族のお名前"), max_length=100, required=False)
    proxy_relation = forms.CharField(label=_("続柄"), max_length=40, required=False,
                                     help_text=_("例: 長女、息子、甥"))
    proxy_phone = forms.CharField(label=_("ご家族の電話番号"), max_length=20, required=False)
    proxy_email = forms.EmailField(label=_("ご家族のメール"), required=False)
    proxy_gets_reminders = forms.BooleanField(label=_("ご家族にもお知らせを送る"), required=False)

    def clean_proxy_phone(self):
        phone = self.cleaned_data["proxy_phone"].strip()
        if phone:
            try:
                parse_phone(phone)
            except InvalidPhoneNumber:
                raise forms.ValidationError(_("ご家族の電話番号が正しくありません。もう一度お確かめください。")) from None
        return phone

    def clean(self):
        data = super().clean()
        if data.get("by_proxy"):
            for field in ("proxy_name", "proxy_relation"):
                if not data.get(field):
                    self.add_error(field, _("代理のときは必須です。"))
        return data

    @property
    def proxy(self) -> ProxyDetails | None:
        data = self.cleaned_data
        if not data.get("by_proxy"):
            return None
        return ProxyDetails(name=data["proxy_name"], relation=data["proxy_relation"],
                            phone=data.get("proxy_phone", ""), email=data.get("proxy_email", ""),
                            gets_reminders=bool(data.get("proxy_gets_reminders")))


class LearnerCreateForm(ProxyFieldsMixin):
    phone = forms.CharField(label=_("電話番号"), max_length=20)
    name = forms.CharField(label=_("お名前"), max_length=100)
    name_kana = forms.CharField(label=_("ふりがな"), max_length=100, required=False)
    district = forms.ModelChoiceField(label=_("地区"), queryset=District.objects.none(), required=False)
    reminder_channel = forms.ChoiceField(
        label=_("お知らせの方法"), required=False,
        choices=[("", _("自動（携帯はショートメール、固定電話は電話）")), *Learner.ReminderChannel.choices],
    )
    consent = forms.BooleanField(
        label=_("ご本人が、情報の登録とご連絡に同意されました"), required=True,
        error_messages={"required": _("ご本人の同意を確認してください。")},
    )

    field_order = ["phone", "name", "name_kana", "district", "reminder_channel", "consent"]

    def __init__(self, *args, municipality: Municipality, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["district"].queryset = District.objects.filter(municipality=municipality)


class TimesForm(DeskForm):
    """What to look for: topic, area or venue, from which day (a week is shown)."""

    topic = forms.ModelChoiceField(label=_("相談内容"), queryset=Topic.objects.none())
    district = forms.ModelChoiceField(label=_("地区"), queryset=District.objects.none(), required=False)
    venue = forms.ModelChoiceField(label=_("会場"), queryset=Venue.objects.none(), required=False)
    start = forms.DateField(label=_("この日から"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, municipality: Municipality, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["topic"].queryset = Topic.objects.filter(municipality=municipality, is_active=True)
        self.fields["district"].queryset = District.objects.filter(municipality=municipality)
        self.fields["venue"].queryset = Venue.objects.filter(municipality=municipality, is_active=True)


class BookingForm(ProxyFieldsMixin):
    topic = forms.ModelChoiceField(queryset=Topic.objects.none(), widget=forms.HiddenInput)
    slot = forms.CharField(label=_("時間"), max_length=60)
    idempotency_key = forms.CharField(max_length=64, widget=forms.HiddenInput)
    learner_agreed = forms.BooleanField(label=_("ご本人がこの予約に同意されていることを確認しました"), required=False)

    def __init__(self, *args, municipality: Municipality, **kwargs):
        # Its own ids: it shares the page with the times form, which also has a topic field.
        kwargs.setdefault("auto_id", "book_%s")
        super().__init__(*args, **kwargs)
        self.municipality = municipality
        self.fields["topic"].queryset = Topic.objects.filter(municipality=municipality, is_active=True)
        self.fields["idempotency_key"].initial = f"desk:{uuid.uuid4().hex}"

    def clean_slot(self):
        return parse_slot_key(self.cleaned_data["slot"], self.municipality)

    def clean(self):
        data = super().clean()
        if data.get("by_proxy") and not data.get("learner_agreed"):
            self.add_error("learner_agreed", _("代理予約には、ご本人の同意の確認が必要です。"))
        return data


class MoveForm(DeskForm):
    slot = forms.CharField(label=_("新しい時間"), max_length=60)

    def __init__(self, *args, municipality: Municipality, **kwargs):
        super().__init__(*args, **kwargs)
        self.municipality = municipality

    def clean_slot(self):
        return parse_slot_key(self.cleaned_data["slot"], self.municipality)


class CancelForm(DeskForm):
    reason = forms.CharField(label=_("理由"), max_length=300, required=False)


class NoteForm(DeskForm):
    text = forms.CharField(label=_("メモ"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2}))
