"""GET and POST /api/v1/credentials/: the Kepala Dinas only, and never a secret in an answer."""

import pytest
from django.test import Client
from rest_framework.authtoken.models import Token

from accounts import vault
from accounts.models import Credential
from tests.vault_fixtures import KNOWN_PASSWORD

pytestmark = pytest.mark.django_db

URL = "/api/v1/credentials/"
NEW_KEY = "kunci-api-baru-7c1e5d2a9b"


@pytest.mark.parametrize("who", ["editor", "staf", "admin_user", "superuser"])
def test_everyone_else_gets_403(request, client_for, who, credential):
    user = request.getfixturevalue(who)
    if who == "superuser":
        client = Client()
        client.force_login(user)
    else:
        client = client_for(user)
    assert client.get(URL).status_code == 403
    response = client.post(
        URL,
        {"label": "x", "kind": "api_key", "secret": {"api_key": NEW_KEY}},
        content_type="application/json",
    )
    assert response.status_code == 403
    assert "Kepala Dinas" in response.json()["detail"]
    assert Credential.objects.count() == 1


def test_anonymous_and_token_holders_without_the_role_get_403(staf, credential):
    assert Client().get(URL).status_code == 403
    token = Token.objects.create(user=staf)
    api = Client(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert api.get(URL).status_code == 403


def test_the_kepala_dinas_lists_what_each_credential_unlocks_without_secrets(
    client_for, kadis, credential
):
    response = client_for(kadis).get(URL)
    assert response.status_code == 200
    [item] = response.json()["results"]
    website = credential.websites.get()
    assert item["unlocks"] == [{"type": "website", "id": website.pk, "name": website.name}]
    assert item["kind"] == "password" and item["state"] == "active"
    assert item["created_by"] == "kadis" and item["rotated_at"]
    body = response.content.decode()
    assert KNOWN_PASSWORD not in body
    assert Credential.objects.get().ciphertext not in body
    assert "secret" not in item and "ciphertext" not in item


def test_the_kepala_dinas_adds_a_credential_and_the_answer_holds_no_secret(client_for, kadis):
    response = client_for(kadis).post(
        URL,
        {"label": "Kunci API peta", "kind": "api_key", "secret": {"api_key": NEW_KEY}},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    assert NEW_KEY not in response.content.decode()
    credential = Credential.objects.get(pk=response.json()["id"])
    assert vault.decrypt(credential.ciphertext) == {"api_key": NEW_KEY}


def test_a_new_credential_for_a_website_replaces_its_current_one(client_for, kadis, credential):
    website = credential.websites.get()
    body = {
        "kind": "password",
        "website": website.pk,
        "secret": {"username": "admin", "password": "Sandi-Baru-API-123"},
    }
    # A forged ciphertext is not a field of the API: refused, naming it, and nothing changes.
    client = client_for(kadis)
    forged = client.post(
        URL, {**body, "ciphertext": "gAAAAAforged"}, content_type="application/json"
    )
    assert forged.status_code == 400 and "ciphertext" in forged.json()
    assert Credential.objects.count() == 1
    response = client.post(URL, body, content_type="application/json")
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["replaces"] == credential.pk
    assert data["unlocks"][0]["id"] == website.pk
    credential.refresh_from_db()
    assert credential.status == "revoked"
    assert vault.decrypt(Credential.objects.get(pk=data["id"]).ciphertext)["password"] == (
        "Sandi-Baru-API-123"
    )


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"label": "x", "kind": "magic", "secret": {"api_key": "k"}}, "kind"),
        ({"label": "x", "kind": "password", "secret": {"username": "a"}}, "password"),
        ({"label": "x", "kind": "api_key", "secret": {"api_key": 12345}}, "api_key"),
        ({"kind": "api_key", "secret": {"api_key": NEW_KEY}}, "label"),
        (
            {"label": "x", "kind": "api_key", "website": 999999, "secret": {"api_key": "k"}},
            "website",
        ),
        ({"label": "x", "kind": "api_key"}, "secret"),
    ],
)
def test_bad_input_is_a_400_that_says_why(client_for, kadis, body, field):
    response = client_for(kadis).post(URL, body, content_type="application/json")
    assert response.status_code == 400, response.content
    assert field in response.json()
    assert NEW_KEY not in response.content.decode()
    assert not Credential.objects.exists()


def test_the_schema_documents_the_secret_as_write_only(client_for, kadis):
    schema = client_for(kadis).get("/api/schema/?format=json").json()
    request_body = schema["components"]["schemas"]["CredentialCreateRequest"]["properties"]
    assert "secret" in request_body and "website" in request_body
    answer = schema["components"]["schemas"]["Credential"]["properties"]
    assert "secret" not in answer and "ciphertext" not in answer
