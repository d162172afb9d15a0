from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from himoya.links.listfile import MAX_FILE_BYTES
from himoya.links.models import KnownLink, MatchType
from himoya.reference.models import HarmCategory
from himoya.triage.engine.links import MAX_LINK_CHARS

_SOURCE_MAX = KnownLink._meta.get_field("source").max_length


class HarmChoice(forms.ModelChoiceField):
    """Harms by their name in the page's language, chosen by code."""

    def __init__(self, **kwargs):
        super().__init__(queryset=HarmCategory.objects.filter(active=True), to_field_name="code", **kwargs)

    def label_from_instance(self, obj):
        return obj.name()


class _PageForm(forms.Form):
    """The known-links page holds three forms with fields of the same names: each keeps ids of its own."""

    id_prefix = ""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", f"{self.id_prefix}_%s")
        super().__init__(*args, **kwargs)


class KnownLinkForm(_PageForm):
    id_prefix = "add"

    value = forms.CharField(
        label=_("Link, domain or user name"),
        max_length=MAX_LINK_CHARS,
        help_text=_("For example t.me/channel, example.com or https://youtu.be/… — it is stored in its normal form."),
    )
    match_type = forms.ChoiceField(label=_("Match"), choices=MatchType.choices, initial=MatchType.EXACT)
    harm = HarmChoice(label=_("Harm"), empty_label=_("Choose a harm"))
    source = forms.CharField(label=_("Source"), required=False, max_length=_SOURCE_MAX)
    note = forms.CharField(label=_("Note"), required=False, max_length=KnownLink._meta.get_field("note").max_length)


class ImportForm(_PageForm):
    id_prefix = "import"

    file = forms.FileField(
        label=_("CSV file"),
        help_text=_("Columns: value (or url, domain), match, harm, source, note. The first line names them."),
    )
    source = forms.CharField(
        label=_("List name"),
        required=False,
        max_length=_SOURCE_MAX,
        help_text=_("Used as the source of lines that name none."),
    )
    strict = forms.BooleanField(label=_("Import nothing if any line has an error"), required=False)

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_FILE_BYTES:
            raise forms.ValidationError(
                _("The file is too large: at most %(mb)s MB.") % {"mb": MAX_FILE_BYTES // (1024 * 1024)}
            )
        return upload


class SearchForm(_PageForm):
    id_prefix = "search"

    q = forms.CharField(label=_("Search links, sources and notes"), required=False, max_length=MAX_LINK_CHARS)
    harm = HarmChoice(label=_("Harm"), required=False, empty_label=_("Any harm"))
    match_type = forms.ChoiceField(label=_("Match"), required=False, choices=[("", _("Any match")), *MatchType.choices])
