"""The pytest plugin with a 5.x network: ``v6_network`` from the marker's options, ``v6_client``
signed in through the device flow (as the scenario's first user, or ``v6_user``), and
``v6_server_url``."""
from __future__ import annotations

import contextlib
import io
import webbrowser

import pytest

from tests.v5.helpers import POOLED, extract


@pytest.mark.v6_scenario("demo", profile="5.x")
def test_v6_client_is_signed_in_as_the_first_user(v6_client, v6_network):
    assert v6_client.whoami.name == "john-doe"
    assert v6_network.vantage6.profile.name == "5.x"
    session = v6_client.session.create(scope="own", collaboration=1)
    df = extract(v6_client, session["id"])
    assert v6_client.dataframe.get(df["id"])["ready"]


@pytest.mark.v6_scenario("demo", profile="5.x")
@pytest.mark.v6_user("admin")
def test_v6_user_picks_who_signs_in(v6_client):
    assert v6_client.whoami.name == "admin" and v6_client.whoami.organization_id == 1


@pytest.mark.v6_scenario("demo", profile="5.x")
def test_no_browser_opens_for_the_verification_page(v6_network, monkeypatch):
    opened = []
    monkeypatch.setattr(webbrowser, "open", lambda url, *a, **k: opened.append(url) or True)
    with v6_network.intercept():
        with contextlib.redirect_stdout(io.StringIO()):
            client = v6_network.vantage6.profile.user_client(v6_network, "john-doe", None)
        assert client.whoami.name == "john-doe"
        webbrowser.open("https://example.org/elsewhere")
    assert opened == ["https://example.org/elsewhere"]  # only the page outside the network


@pytest.mark.v6_scenario("demo", profile="5.x")
def test_v6_server_url(v6_server_url):
    from tests.v5.helpers import signed_in

    root = v6_server_url.rsplit("/api", 1)[0]
    client = signed_in(v6_server_url, root)
    assert client.organization.get(2)["name"] == "example_org1"
    assert len(POOLED) == 355
