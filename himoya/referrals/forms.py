from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from himoya.referrals.models import PartnerOrganisation
from himoya.reports.validation import clean_text


class PartnerChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: PartnerOrganisation) -> str:
        return f"{obj.get_kind_display()} — {obj}"


class ReferralForm(forms.Form):
    partner = PartnerChoiceField(
        label=_("Partner organisation"),
        queryset=PartnerOrganisation.objects.none(),
        error_messages={
            "required": _("Choose the organisation the case goes to."),
            "invalid_choice": _("Choose an organisation from the list."),
        },
    )
    sent = forms.CharField(
        label=_("What was sent"),
        help_text=_("Copy what you sent them, or say what and how (e-mail, phone, letter)."),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["partner"].queryset = PartnerOrganisation.objects.serving(settings.COUNTRIES)

    def clean_sent(self):
        return clean_text(
            self.cleaned_data["sent"],
            max_chars=settings.NARRATIVE_MAX_CHARS,
            empty_message=_("Write what was sent to the partner."),
        )


class AnswerForm(forms.Form):
    answer = forms.CharField(label=_("The partner's answer"), widget=forms.Textarea(attrs={"rows": 3}), required=False)

    def clean_answer(self):
        return clean_text(
            self.cleaned_data["answer"],
            max_chars=settings.NARRATIVE_MAX_CHARS,
            empty_message=_("Write the partner's answer first."),
        )
