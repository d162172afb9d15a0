"""Triage: language, harm signals and urgency for reports and messages.

The Django-free engine lives in :mod:`himoya.triage.engine`; the command line in
:mod:`himoya.triage.cli` (``python -m himoya.triage``).
"""
