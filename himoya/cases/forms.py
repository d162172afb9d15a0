from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from himoya.cases.models import Outcome
from himoya.reference.models import HarmCategory, Urgency
from himoya.reports.validation import clean_text


class ReplyForm(forms.Form):
    body = forms.CharField(label=_("Reply to the reporter"), widget=forms.Textarea(attrs={"rows": 4}))

    def clean_body(self):
        return clean_text(
            self.cleaned_data["body"], max_chars=settings.MESSAGE_MAX_CHARS, empty_message=_("Write a reply first.")
        )


class NoteForm(forms.Form):
    text = forms.CharField(label=_("Internal note"), widget=forms.Textarea(attrs={"rows": 3}))

    def clean_text(self):
        return clean_text(
            self.cleaned_data["text"], max_chars=settings.NARRATIVE_MAX_CHARS, empty_message=_("Write a note first.")
        )


class CloseForm(forms.Form):
    outcome = forms.ChoiceField(label=_("Outcome"), choices=Outcome.choices)


class CorrectionForm(forms.Form):
    harm = forms.ModelChoiceField(label=_("Harm"), queryset=HarmCategory.objects.filter(active=True))
    urgency = forms.ChoiceField(label=_("Urgency"), choices=Urgency.choices)
