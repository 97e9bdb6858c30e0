"""Forms of the volunteer pages: they parse input into what the services take."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from literacy.core.errors import InvalidPhoneNumber
from literacy.core.phones import parse_phone
from literacy.curriculum.models import Topic
from literacy.people.models import Volunteer
from literacy.people.services import VolunteerProfile, Window
from literacy.places.models import District, Venue
from literacy.scheduling.services.reports import MAX_LESSON_MINUTES

WEEKDAYS = [
    (0, _("月曜日")), (1, _("火曜日")), (2, _("水曜日")), (3, _("木曜日")),
    (4, _("金曜日")), (5, _("土曜日")), (6, _("日曜日")),
]


class NamedChoiceField(forms.ModelMultipleChoiceField):
    """Topics, districts and venues by their name in the current language."""

    def label_from_instance(self, obj) -> str:
        return obj.display_name


class PortalForm(forms.Form):
    """No colon after labels: it reads oddly after Japanese text."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class ProfileForm(PortalForm):
    name = forms.CharField(label=_("お名前"), max_length=100)
    name_kana = forms.CharField(label=_("ふりがな"), max_length=100, required=False)
    phone = forms.CharField(
        label=_("携帯電話番号"), max_length=20, required=False,
        help_text=_("ショートメールで確認コードをお送りします。"),
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel", "inputmode": "tel"}),
    )
    kind = forms.ChoiceField(label=_("ボランティアの種類"), choices=Volunteer.Kind.choices)
    topics = NamedChoiceField(label=_("教えられる内容"), queryset=Topic.objects.none(),
                              widget=forms.CheckboxSelectMultiple)
    districts = NamedChoiceField(label=_("活動できる地区"), queryset=District.objects.none(),
                                 widget=forms.CheckboxSelectMultiple, required=False)
    venues = NamedChoiceField(label=_("活動できる会場"), queryset=Venue.objects.none(),
                              widget=forms.CheckboxSelectMultiple, required=False)
    home_visits = forms.BooleanField(label=_("ご自宅への訪問もできる"), required=False)
    languages = forms.CharField(label=_("話せる言語"), max_length=60, initial="ja",
                                help_text=_("言語コードをカンマ区切りで（例: ja,en）"))
    weekly_cap = forms.IntegerField(label=_("1週間に引き受けるレッスンの上限"), min_value=1, max_value=30,
                                    initial=5)

    def __init__(self, *args, municipality, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["topics"].queryset = Topic.objects.filter(municipality=municipality, is_active=True)
        self.fields["districts"].queryset = District.objects.filter(municipality=municipality)
        self.fields["venues"].queryset = Venue.objects.filter(municipality=municipality, is_active=True)

    def clean_phone(self) -> str:
        raw = self.cleaned_data["phone"].strip()
        if not raw:
            return ""
        try:
            parsed = parse_phone(raw)
        except InvalidPhoneNumber as exc:
            raise ValidationError(str(exc.message)) from exc
        return parsed.e164

    def profile(self) -> VolunteerProfile:
        data = self.cleaned_data
        return VolunteerProfile(
            name=data["name"], name_kana=data["name_kana"], phone=data["phone"], kind=data["kind"],
            topics=tuple(data["topics"]), districts=tuple(data["districts"]), venues=tuple(data["venues"]),
            home_visits=data["home_visits"], languages=data["languages"], weekly_cap=data["weekly_cap"],
        )

    @staticmethod
    def initial_for(volunteer: Volunteer) -> dict:
        return {
            "name": volunteer.name, "name_kana": volunteer.name_kana, "phone": volunteer.phone,
            "kind": volunteer.kind, "topics": list(volunteer.topics.all()),
            "districts": list(volunteer.districts.all()), "venues": list(volunteer.venues.all()),
            "home_visits": volunteer.home_visits, "languages": volunteer.languages,
            "weekly_cap": volunteer.weekly_cap,
        }


class PhoneCodeForm(PortalForm):
    code = forms.CharField(
        label=_("確認コード（6桁）"), max_length=6, min_length=6,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}),
    )


class ListedVenueField(forms.ModelChoiceField):
    """A venue chosen from a list the formset read once: each row looks its choice up in that
    list instead of running its own query (a week of windows is up to 28 rows)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, queryset=Venue.objects.none(), **kwargs)
        self.listed: dict[str, Venue] = {}

    def to_python(self, value):
        if value in self.empty_values:
            return None
        venue = self.listed.get(str(value))
        if venue is None:
            raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        return venue


class WindowForm(PortalForm):
    venue = ListedVenueField(label=_("会場"))
    # An empty first choice, so a blank extra row is left out rather than refused.
    weekday = forms.TypedChoiceField(label=_("曜日"), choices=[("", "---------"), *WEEKDAYS], coerce=int,
                                     empty_value=None)
    starts = forms.TimeField(label=_("開始"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))
    ends = forms.TimeField(label=_("終了"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))
    is_instant = forms.BooleanField(
        label=_("即時確定"), required=False,
        help_text=_("この時間の予約は、あなたの承諾を待たずに確定します"),
    )

    def __init__(self, *args, venues, venue_choices, **kwargs):
        """`venues` (by primary key as text) and `venue_choices` are read once for the whole
        formset: otherwise each row's select and each row's answer would query the venues again."""
        super().__init__(*args, **kwargs)
        self.fields["venue"].listed = venues
        self.fields["venue"].choices = venue_choices

    @staticmethod
    def choices_for(venues) -> list[tuple]:
        return [("", "---------"), *((venue.pk, venue.display_name) for venue in venues)]

    def clean(self):
        data = super().clean()
        if data.get("starts") and data.get("ends") and data["ends"] <= data["starts"]:
            raise ValidationError(_("終了は開始より後にしてください。"))
        return data


class BaseWindowFormSet(forms.BaseFormSet):
    def windows(self) -> list[Window]:
        return [
            Window(venue=form.cleaned_data["venue"], weekday=form.cleaned_data["weekday"],
                   starts=form.cleaned_data["starts"], ends=form.cleaned_data["ends"],
                   is_instant=form.cleaned_data["is_instant"])
            for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE")
        ]


WindowFormSet = forms.formset_factory(WindowForm, formset=BaseWindowFormSet, extra=2, can_delete=True,
                                      max_num=28, validate_max=True)


class ExceptionForm(PortalForm):
    starts_on = forms.DateField(label=_("お休みの初日"), widget=forms.DateInput(attrs={"type": "date"}))
    ends_on = forms.DateField(label=_("お休みの最終日"), widget=forms.DateInput(attrs={"type": "date"}))
    reason = forms.CharField(label=_("理由（任意）"), max_length=200, required=False)

    def clean(self):
        data = super().clean()
        if data.get("starts_on") and data.get("ends_on") and data["ends_on"] < data["starts_on"]:
            raise ValidationError(_("最終日は初日と同じか、後の日にしてください。"))
        return data


class CancelForm(PortalForm):
    reason = forms.CharField(
        label=_("中止の理由"), max_length=300,
        help_text=_("受講者には別のボランティアをお探しします。"),
    )


class ReportForm(PortalForm):
    """The report: one attendance choice, a skills checklist and "could teach" per learner."""

    duration_minutes = forms.IntegerField(label=_("活動時間（分）"), min_value=1, max_value=MAX_LESSON_MINUTES,
                                          initial=60)
    topics_covered = NamedChoiceField(label=_("扱った内容"), queryset=Topic.objects.none(),
                                      widget=forms.CheckboxSelectMultiple, required=False)
    note_for_next = forms.CharField(
        label=_("次のボランティアへのメモ"), required=False, widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("この方を次に担当するボランティアに表示されます。"),
    )
    follow_up_needed = forms.BooleanField(label=_("担当者のフォローが必要"), required=False)
    follow_up_note = forms.CharField(label=_("フォローの内容"), max_length=300, required=False)

    ATTENDANCE = [("attended", _("参加")), ("no_show", _("欠席"))]

    def __init__(self, *args, cards, skills, topics, **kwargs):
        super().__init__(*args, **kwargs)
        self.cards = cards
        self.fields["topics_covered"].queryset = topics
        skill_choices = [(str(skill.pk), skill.display_name) for skill in skills]
        self._skills = {str(skill.pk): skill for skill in skills}
        for card in cards:
            pk = card.booking.pk
            self.fields[f"attendance_{pk}"] = forms.ChoiceField(
                label=card.given_name, choices=self.ATTENDANCE, widget=forms.RadioSelect, initial="attended",
            )
            self.fields[f"skills_{pk}"] = forms.MultipleChoiceField(
                label=_("ひとりでできるようになったこと"), choices=skill_choices, required=False,
                widget=forms.CheckboxSelectMultiple,
            )
            self.fields[f"could_teach_{pk}"] = forms.BooleanField(
                label=_("この方はほかの人に教えられそう"), required=False,
            )

    def learner_rows(self):
        return [
            {"card": card, "attendance": self[f"attendance_{card.booking.pk}"],
             "skills": self[f"skills_{card.booking.pk}"], "could_teach": self[f"could_teach_{card.booking.pk}"]}
            for card in self.cards
        ]

    def clean(self):
        data = super().clean()
        if data.get("follow_up_needed") and not data.get("follow_up_note", "").strip():
            self.add_error("follow_up_note", _("フォローの内容を書いてください。"))
        return data

    def report_arguments(self) -> dict:
        data = self.cleaned_data
        attendance = {card.booking.pk: data[f"attendance_{card.booking.pk}"] == "attended" for card in self.cards}
        return {
            "attendance": attendance,
            "duration_minutes": data["duration_minutes"],
            "topics_covered": list(data["topics_covered"]),
            "note_for_next": data["note_for_next"],
            "follow_up_needed": data["follow_up_needed"],
            "follow_up_note": data["follow_up_note"],
            # Skills only for learners who came; a ticked box under an absent learner is ignored.
            "skills_by_booking": {
                pk: [self._skills[skill_id] for skill_id in data[f"skills_{pk}"]]
                for pk, attended in attendance.items() if attended
            },
            "could_teach_by_booking": {
                pk: data[f"could_teach_{pk}"] for pk, attended in attendance.items() if attended
            },
        }
