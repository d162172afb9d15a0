from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from himoya.hashes.csvio import LABEL_MAX_CHARS
from himoya.hashes.models import HashBank
from himoya.reference.models import HarmCategory


class HashBankForm(forms.ModelForm):
    class Meta:
        model = HashBank
        fields = ["name", "source", "harm", "never_show", "max_distance", "min_quality", "enabled"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["harm"].queryset = HarmCategory.objects.filter(active=True)
        self.fields["harm"].label_from_instance = lambda harm: harm.name()


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("Hash list file (CSV)"),
        help_text=_("“hash,label”, a python-threatexchange CSV, or an HMA export. 64 hex digits per hash."),
        error_messages={"required": _("Choose a file to import."), "empty": _("The file is empty.")},
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > settings.HASH_IMPORT_MAX_BYTES:
            raise forms.ValidationError(
                _("The file is too large. Files can be up to %(mb)s MB.")
                % {"mb": settings.HASH_IMPORT_MAX_BYTES // (1024 * 1024)},
                code="too_large",
            )
        return upload


class BankAttachmentForm(forms.Form):
    bank = forms.ModelChoiceField(
        label=_("Hash list"),
        queryset=HashBank.objects.filter(enabled=True),
        empty_label=None,
        error_messages={"invalid_choice": _("Choose a hash list in use.")},
    )
    label = forms.CharField(label=_("Label (optional)"), max_length=LABEL_MAX_CHARS, required=False)


class ViewingPreferenceForm(forms.Form):
    blur = forms.BooleanField(
        label=_("Blur pictures until I open one"),
        required=False,
        help_text=_("Recommended. Open one picture at a time, only when you need to see it."),
    )
    greyscale = forms.BooleanField(label=_("Show pictures in greyscale"), required=False)
