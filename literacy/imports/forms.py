"""The upload form: which kind of roster, and the file."""

from django import forms
from django.utils.translation import gettext_lazy as _

from literacy.imports.importers import IMPORTERS

MAX_UPLOAD_BYTES = 10 * 1024 * 1024  # a city's whole learner roster fits in a few megabytes


class ImportUploadForm(forms.Form):
    kind = forms.ChoiceField(label=_("取り込む内容"), choices=[(k, i.title) for k, i in IMPORTERS.items()])
    file = forms.FileField(label=_("ファイル（CSV または Excel）"),
                           widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx,text/csv"}))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(_("ファイルが大きすぎます（10MBまで）。"))
        return upload
