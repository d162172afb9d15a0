"""Every page carries a Content-Security-Policy and the other protective headers."""

from __future__ import annotations

import re

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

PUBLIC = ["/en/", "/en/report/", "/en/status/", "/ru/report/", "/en/staff/login/", "/en/no-such-page/"]
STAFF = ["/en/staff/cases/", "/en/staff/reports/new/"]


def _pages(operator, staff_client):
    for path in PUBLIC:
        yield path, Client().get(path)
    for path in STAFF:
        yield path, staff_client(operator).get(path)


def test_every_page_has_a_strict_content_security_policy(operator, staff_client):
    for path, response in _pages(operator, staff_client):
        policy = response.get("Content-Security-Policy", "")
        directives = dict(part.strip().split(" ", 1) for part in policy.split(";") if part.strip())
        assert directives.get("default-src") == "'self'", path
        assert directives.get("script-src") == "'self'", path
        assert directives.get("object-src") == "'none'", path
        assert directives.get("frame-ancestors") == "'none'", path
        assert "unsafe-inline" not in policy and "unsafe-eval" not in policy, path


def test_every_page_has_the_other_secure_headers(operator, staff_client):
    for path, response in _pages(operator, staff_client):
        assert response["X-Content-Type-Options"] == "nosniff", path
        assert response["Referrer-Policy"] == "same-origin", path
        assert response["X-Frame-Options"] == "DENY", path
        assert response["Cross-Origin-Opener-Policy"] == "same-origin", path


def test_pages_have_no_inline_scripts_the_policy_would_block(operator, staff_client):
    for path, response in _pages(operator, staff_client):
        page = response.content.decode()
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", page), path
        assert not re.search(r"\son[a-z]+=\"", page), path  # no onclick= and the like


def test_the_api_has_the_headers_too(reference):
    response = Client().get("/api/openapi.json")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "default-src 'self'" in response["Content-Security-Policy"]


def test_session_and_csrf_cookies_are_not_readable_by_scripts(operator, staff_password):
    client = Client()
    client.post("/en/staff/login/", {"username": operator.get_username(), "password": staff_password})
    session = client.cookies["sessionid"]
    assert session["httponly"]
    assert session["samesite"] == "Lax"
