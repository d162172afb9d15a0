from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from himoya.channels.web.forms import TextField
from himoya.conversations.models import CannedReply
from himoya.reference.models import HarmCategory
from himoya.reports.validation import clean_text


class ChatReplyForm(forms.Form):
    """An operator's reply from the case page: to which reporter, in which language, what."""

    body = TextField(label=_("Reply to the reporter"), widget=forms.Textarea(attrs={"rows": 4}), required=False)
    # Which reporter's conversation; empty means the case's first reporter.
    report = forms.IntegerField(required=False, widget=forms.HiddenInput)
    language = forms.ChoiceField(
        label=_("Reply language"),
        choices=settings.LANGUAGES,
        required=False,
        error_messages={"invalid_choice": _("Choose a language from the list.")},
    )

    def clean_body(self):
        return clean_text(
            self.cleaned_data["body"], max_chars=settings.MESSAGE_MAX_CHARS, empty_message=_("Write a reply first.")
        )


class HarmField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.name()


class CannedReplyForm(forms.ModelForm):
    language = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES)
    harm = HarmField(
        label=_("Harm"),
        queryset=HarmCategory.objects.filter(active=True),
        required=False,
        empty_label=_("Any harm"),
        help_text=_("Offered on cases of this harm; “Any harm” offers it on every case."),
    )
    # Emptiness is refused by the clean methods below, in words that say what to do.
    title = TextField(label=_("Title"), max_length=120, required=False)
    body = TextField(label=_("Text"), widget=forms.Textarea(attrs={"rows": 8}), required=False)

    class Meta:
        model = CannedReply
        fields = ["language", "harm", "title", "body", "active"]

    def clean_title(self):
        return clean_text(self.cleaned_data["title"], max_chars=120, empty_message=_("Give the reply a title."))

    def clean_body(self):
        return clean_text(
            self.cleaned_data["body"], max_chars=settings.MESSAGE_MAX_CHARS, empty_message=_("Write the reply's text.")
        )
