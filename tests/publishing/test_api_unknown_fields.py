"""The API refuses a field it does not know, with 400 naming it, on every write operation the
schema lists (found by walking the schema, so a new endpoint is covered without being listed
here), and the schema says so (``additionalProperties: false`` on request bodies)."""

from __future__ import annotations

import re

import pytest
from rest_framework.test import APIClient

from accounts.services import api_token_create
from publishing.models import Post
from publishing.sync import services as sync_services
from publishing.sync.models import PartnerAccount, PartnerKind, RepostSuggestion, SyncRule

pytestmark = pytest.mark.django_db

UNKNOWN = "zz_not_a_field"
WRITES = ("post", "put", "patch")


@pytest.fixture
def kadis_api(kadis) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {api_token_create(user=kadis).key}")
    return client


@pytest.fixture
def schema(kadis_api) -> dict:
    return kadis_api.get("/api/schema/?format=json").json()


@pytest.fixture
def objects(kadis, kadis_api, channels, photo, library_folder) -> dict[str, int]:
    """One object a Kepala Dinas may change, for each kind of ``{id}`` in the API's paths."""
    post = kadis_api.post("/api/v1/posts/", {"text": "Draf"}, format="json").json()
    rule = sync_services.sync_rule_create(
        actor=kadis, source=channels["facebook"], targets=[channels["x"]]
    )
    partner = sync_services.partner_account_create(
        actor=kadis,
        platform="x",
        handle="PemkabBjn",
        external_id="1000",
        name="Pemkab",
        kind=PartnerKind.OFFICE,
        via_channel=channels["x"],
    )
    # A post the partner made, as a poll finds it.
    suggestion = RepostSuggestion.objects.create(
        partner=partner, external_id="55", text="Kabar", posted_at=post_time()
    )
    return {
        "posts": post["id"],
        "assets": photo.pk,
        "folders": library_folder.pk,
        "sync-rules": rule.pk,
        "repost-suggestions": suggestion.pk,
    }


def post_time():
    from django.utils import timezone

    return timezone.now()


def write_operations(schema: dict):
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            content = (operation.get("requestBody") or {}).get("content", {})
            if method in WRITES and content:
                yield path, method, content


def concrete(path: str, objects: dict[str, int]) -> str:
    """``path`` with its ``{id}`` filled with an object of the resource it names."""
    match = re.search(r"/([a-z-]+)/\{[a-z_]+\}/", path)
    if match is None:
        return path
    resource = match.group(1)
    assert resource in objects, f"no object of {resource!r} for {path}: add one to `objects`"
    return re.sub(r"\{[a-z_]+\}", str(objects[resource]), path)


def test_every_write_operation_refuses_an_unknown_field_naming_it(kadis_api, schema, objects):
    seen = []
    for path, method, content in write_operations(schema):
        url = concrete(path, objects)
        if "application/json" in content:
            answer = getattr(kadis_api, method)(url, {UNKNOWN: "x"}, format="json")
        else:  # an upload: multipart only
            answer = getattr(kadis_api, method)(url, {UNKNOWN: "x"}, format="multipart")
        assert answer.status_code == 400, (method, path, answer.status_code, answer.content)
        assert UNKNOWN in answer.json(), (method, path, answer.json())
        seen.append(f"{method} {path}")
    # The walk found the API's write operations (not an empty schema).
    assert {"post /api/v1/posts/", "patch /api/v1/sync-rules/{id}/",
            "post /api/v1/assets/", "post /api/v1/credentials/"} <= set(seen)  # fmt: skip


def test_every_write_operation_without_a_body_refuses_any_field(kadis_api, schema):
    """Submit, approve, retry, restore, dismiss read no body: a field sent there (a comment meant
    for a rejection, say) is refused by name, not dropped."""
    seen = []
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            if method not in WRITES or (operation.get("requestBody") or {}).get("content"):
                continue
            url = re.sub(r"\{[a-z_]+\}", "1", path)
            answer = getattr(kadis_api, method)(url, {"comment": "Setuju"}, format="json")
            assert answer.status_code == 400, (method, path, answer.status_code, answer.content)
            assert "comment" in answer.json(), (method, path, answer.json())
            seen.append(path)
    assert "/api/v1/posts/{id}/approve/" in seen and "/api/v1/deliveries/{id}/retry/" in seen
    # Without a body they work as before (here: refused only because nothing exists).
    assert kadis_api.post("/api/v1/posts/999999/approve/").status_code == 404


def test_the_schema_says_request_bodies_take_only_their_fields(schema):
    components = schema["components"]["schemas"]
    for path, method, content in write_operations(schema):
        for media in content.values():
            name = media["schema"]["$ref"].rsplit("/", 1)[-1]
            assert components[name]["additionalProperties"] is False, (method, path, name)
    # Nested bodies too: a sync rule's targets, a post's variants.
    assert components["TargetRequest"]["additionalProperties"] is False
    assert components["VariantsRequest"]["additionalProperties"] is False


def test_a_post_with_body_instead_of_text_is_refused_and_nothing_is_made(kadis_api):
    answer = kadis_api.post("/api/v1/posts/", {"body": "Teks di kolom yang salah"}, format="json")
    assert answer.status_code == 400
    assert list(answer.json()) == ["body"] and "text" in answer.json()["body"][0]
    assert Post.objects.count() == 0


def test_unknown_fields_nested_and_in_a_change_are_refused(kadis_api, objects, channels):
    rule = objects["sync-rules"]
    answer = kadis_api.patch(
        f"/api/v1/sync-rules/{rule}/",
        {"targets": [{"channel": channels["x"].pk, "hashtag": "#Bojonegoro"}]},
        format="json",
    )
    assert answer.status_code == 400 and "hashtag" in str(answer.json())
    assert SyncRule.objects.get(pk=rule).target_links.get().add_hashtag == ""
    post = objects["posts"]
    answer = kadis_api.patch(
        f"/api/v1/posts/{post}/", {"variants": {"twitter": "Teks"}}, format="json"
    )
    assert answer.status_code == 400 and "twitter" in str(answer.json())
    # Fields the API shows but does not take (read-only) are ignored, as before.
    answer = kadis_api.patch(
        f"/api/v1/sync-rules/{rule}/", {"id": rule, "created_at": "x"}, format="json"
    )
    assert answer.status_code == 200


def test_an_unknown_partner_field_is_refused_on_accept(kadis_api, objects, channels):
    suggestion = objects["repost-suggestions"]
    answer = kadis_api.post(
        f"/api/v1/repost-suggestions/{suggestion}/accept/",
        {"channels": [channels["x"].pk], "komentar": "Mari"},
        format="json",
    )
    assert answer.status_code == 400 and "komentar" in answer.json()
    assert PartnerAccount.objects.count() == 1
