"""Search and filters (on whichever database the suite runs: SQLite here, PostgreSQL in CI's
second run), and fixed query counts whatever the number of assets."""

from datetime import date

import pytest

from accounts.roles import Role
from assets.selectors import asset_list, paginate
from assets.services import asset_trash, folder_create

from . import media

pytestmark = pytest.mark.django_db


@pytest.fixture
def library(staf, editor, make_user, divisions, pkp_folder, upload, themes):
    piap_editor = make_user("ed_piap", Role.EDITOR, "PIAP")
    piap = folder_create(actor=piap_editor, name="PIAP", division=divisions["PIAP"])
    sub = folder_create(actor=editor, name="Juni", parent=pkp_folder)
    made = {
        "banjir": upload(
            staf,
            pkp_folder,
            media.jpeg(color=(1, 0, 0)),
            "a.jpg",
            title="Banjir di Sukamaju",
            theme=themes["Pemerintahan"],
            event_date=date(2018, 6, 12),
            tags="bencana",
        ),
        "posyandu": upload(
            staf,
            sub,
            media.jpeg(color=(2, 0, 0)),
            "b.jpg",
            title="Posyandu keliling",
            theme=themes["Kesehatan"],
            event_date=date(2026, 11, 3),
            description="Imunisasi balita",
        ),
        "tari": upload(
            piap_editor,
            piap,
            media.mp4(),
            "c.mp4",
            title="Festival tari",
            event_date=date(2025, 8, 17),
            credit="Agus",
        ),
    }
    return made, sub, piap


def titles(queryset) -> list[str]:
    return sorted(a.title for a in queryset)


def test_words_match_title_description_tags_and_credit_as_prefixes(staf, library):
    assert titles(asset_list(user=staf, q="banjir")) == ["Banjir di Sukamaju"]
    assert titles(asset_list(user=staf, q="BANJ")) == ["Banjir di Sukamaju"]
    assert titles(asset_list(user=staf, q="imunisasi")) == ["Posyandu keliling"]
    assert titles(asset_list(user=staf, q="bencana")) == ["Banjir di Sukamaju"]
    assert titles(asset_list(user=staf, q="agus")) == ["Festival tari"]
    assert titles(asset_list(user=staf, q="posyandu balita")) == ["Posyandu keliling"]
    assert titles(asset_list(user=staf, q="posyandu banjir")) == []
    assert titles(asset_list(user=staf, q="it's & (odd) :*")) == []


def test_filters_combine(staf, editor, library, themes, pkp_folder):
    made, _sub, piap = library
    assert titles(asset_list(user=staf, theme=themes["Kesehatan"])) == ["Posyandu keliling"]
    assert titles(asset_list(user=staf, kind="video")) == ["Festival tari"]
    assert titles(
        asset_list(user=staf, date_from=date(2025, 1, 1), date_to=date(2025, 12, 31))
    ) == ["Festival tari"]
    assert titles(asset_list(user=staf, folder=pkp_folder)) == [
        "Banjir di Sukamaju",
        "Posyandu keliling",
    ]
    assert titles(asset_list(user=staf, folder=pkp_folder, include_subfolders=False)) == [
        "Banjir di Sukamaju"
    ]
    assert titles(asset_list(user=staf, uploader=staf)) == [
        "Banjir di Sukamaju",
        "Posyandu keliling",
    ]
    assert titles(asset_list(user=staf, division=piap.division_id)) == ["Festival tari"]
    by_title = [a.title for a in asset_list(user=staf, sort="title")]
    assert by_title == sorted(by_title)
    by_date = [a.event_date for a in asset_list(user=staf)]
    assert by_date == sorted(by_date, reverse=True)
    asset_trash(actor=staf, asset=made["banjir"])
    assert titles(asset_list(user=staf, q="banjir")) == []
    assert titles(asset_list(user=staf, trashed=True)) == ["Banjir di Sukamaju"]


def test_pages_without_counting(staf, library):
    page = paginate(asset_list(user=staf), "1", per_page=2)
    assert len(page.items) == 2 and page.has_next and not page.has_previous
    last = paginate(asset_list(user=staf), "2", per_page=2)
    assert len(last.items) == 1 and not last.has_next
    assert paginate(asset_list(user=staf), "bukan-angka", per_page=2).number == 1


def test_the_grid_costs_the_same_queries_for_few_or_many_assets(
    staf, pkp_folder, upload, client_for, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(staf)
    upload(staf, pkp_folder, media.jpeg((500, 400), color=(0, 0, 1)), "x.jpg", render=True)
    client.get("/library/")
    with CaptureQueriesContext(connection) as few:
        client.get("/library/")
    for index in range(6):
        upload(
            staf,
            pkp_folder,
            media.jpeg((500, 400), color=(index * 30 + 40, 9, 9)),
            f"{index}.jpg",
            render=True,
            tags=f"t{index}",
        )
    with CaptureQueriesContext(connection) as many:
        client.get("/library/")
    assert len(many) == len(few)
    with CaptureQueriesContext(connection) as search:
        client.get("/library/", {"q": "x"})
    assert len(search) == len(few)


@pytest.mark.parametrize(
    "q",
    [
        "'",
        "\\",
        "a'b\\c",
        "!!",
        "a | b",
        "<->",
        "a:*",
        "((",
        "%_%",
        "\u202eوثيقة",
        "x" * 500,
        "\x00",
    ],
)
def test_any_search_text_answers_a_page(staf, library, client_for, q):
    response = client_for(staf).get("/library/", {"q": q})
    assert response.status_code == 200
