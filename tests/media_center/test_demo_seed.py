"""The demo starts in order, with exactly one compliance finding to show the feature (it used to
greet the Kepala Dinas with sixteen)."""

import io

import pytest
from django.core.management import call_command

from accounts.models import User
from accounts.registry import compliance, registry_rows

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_demo_has_one_compliance_finding(settings, tmp_path):
    call_command("seed_demo", stdout=io.StringIO())
    kadis = User.objects.get(username="kadis")
    findings = compliance(registry_rows(kadis))
    assert len(findings) == 1, [f.rule.key for f in findings]
    (finding,) = findings
    assert finding.rule.key == "no_platform_two_factor"
    assert [row.name for row in finding.rows] == ["Kominfo Bojonegoro (@KominfoBjn)"]


def test_the_demo_publishes_to_its_website_and_watches_partners():
    from publishing.models import Channel
    from publishing.sync.models import PartnerAccount

    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    call_command("seed_demo", stdout=io.StringIO())  # again: nothing twice
    website = Channel.objects.get(driver="wordpress")
    assert website.handle == "mediacenter.bojonegorokab.go.id" and website.credential_id
    assert sorted(PartnerAccount.objects.values_list("platform", "handle")) == [
        ("instagram", "bojonegorokab"), ("instagram", "kominfobojonegoro"), ("x", "PemkabBjn")
    ]  # fmt: skip
    assert "watching partner" in out.getvalue()
