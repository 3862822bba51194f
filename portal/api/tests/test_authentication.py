"""portal.api.authentication.JWTAuthentication: simplejwt's answers, with
the token's user read by id through SQL compiled once."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import AccessToken

from portal.accounts.tests.factories import ResidentFactory

pytestmark = pytest.mark.django_db


def get_with(token):
    api = APIClient()
    api.credentials(
        HTTP_AUTHORIZATION=f"Bearer {token}", HTTP_ACCEPT_LANGUAGE="zh-hans"
    )
    return api.get("/api/v1/events/")


def test_a_token_of_an_active_user_is_that_user():
    user = ResidentFactory(username="phone")
    token = AccessToken.for_user(user)
    response = get_with(token)
    assert response.status_code == 403  # a resident, not a grid worker
    assert response.wsgi_request.user == user
    with CaptureQueriesContext(connection) as queries:
        get_with(token)
    reads = [q for q in queries if '"accounts_user"."password"' in q["sql"]]
    assert len(reads) == 1


def test_an_inactive_or_deleted_user_is_refused_in_chinese():
    user = ResidentFactory(username="phone")
    token = AccessToken.for_user(user)
    type(user)._default_manager.filter(pk=user.pk).update(is_active=False)
    refused = get_with(token)
    assert refused.status_code == 401
    assert "该用户已禁用" in refused.content.decode()
    type(user)._default_manager.filter(pk=user.pk).delete()
    refused = get_with(token)
    assert refused.status_code == 401
    assert "未找到该用户" in refused.content.decode()


def test_a_token_without_a_user_is_refused():
    token = AccessToken()
    refused = get_with(token)
    assert refused.status_code == 401
    assert "令牌未包含用户标识符" in refused.content.decode()
