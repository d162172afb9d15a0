from __future__ import annotations

import re

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from himoya.cases.models import Outcome
from himoya.reference.models import HarmCategory, Urgency
from himoya.referrals.models import PartnerKind, PartnerOrganisation
from himoya.reports.validation import clean_text


class NoteForm(forms.Form):
    text = forms.CharField(
        label=_("Internal note"),
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Write a note first.")},
    )

    def clean_text(self):
        return clean_text(
            self.cleaned_data["text"], max_chars=settings.NARRATIVE_MAX_CHARS, empty_message=_("Write a note first.")
        )


class CloseForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("Outcome"),
        choices=Outcome.choices,
        error_messages={"required": _("Choose an outcome."), "invalid_choice": _("Choose an outcome from the list.")},
    )


class CorrectionForm(forms.Form):
    harm = forms.ModelChoiceField(label=_("Harm"), queryset=HarmCategory.objects.filter(active=True))
    urgency = forms.ChoiceField(label=_("Urgency"), choices=Urgency.choices)


class Survivor:
    OLDER = "older"
    THIS = "this"
    OTHER = "other"

    choices = [
        (OLDER, _("Keep the older case")),
        (THIS, _("Keep this case")),
        (OTHER, _("Keep the other case")),
    ]


class MergeForm(forms.Form):
    other = forms.CharField(
        label=_("Merge with case number"),
        help_text=_("The staff case number, for example #123."),
        max_length=20,
        error_messages={"required": _("Type the number of the case to merge with.")},
    )
    # Left out (as by a "merge" button elsewhere on the page), the older case stays open.
    survivor = forms.ChoiceField(
        label=_("Which case stays open"),
        choices=Survivor.choices,
        initial=Survivor.OLDER,
        required=False,
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": _("Choose which case stays open.")},
    )

    def clean_other(self) -> int:
        match = re.fullmatch(r"\s*#?\s*(\d{1,12})\s*", self.cleaned_data["other"])
        if not match:
            raise forms.ValidationError(_("Type a case number, for example #123."), code="invalid")
        return int(match.group(1))


class SplitForm(forms.Form):
    report = forms.IntegerField(widget=forms.HiddenInput, error_messages={"required": _("Choose a report.")})


class TakedownForm(forms.Form):
    language = forms.ChoiceField(label=_("Language of the notice"), choices=())
    partner = forms.ModelChoiceField(
        label=_("Platform"),
        queryset=PartnerOrganisation.objects.none(),
        required=False,
        empty_label=_("Not addressed to a particular platform"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["language"].choices = settings.LANGUAGES
        self.fields["language"].initial = settings.LANGUAGE_CODE
        self.fields["partner"].queryset = PartnerOrganisation.objects.serving(settings.COUNTRIES).filter(
            kind=PartnerKind.PLATFORM
        )
