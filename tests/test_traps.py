"""Bot traps on the guest forms (forum/auth/service/traps.py): the honeypot, the signed minimum fill
time and, on registration, the proof-of-work puzzle. People get a message and keep what they typed;
bots get the answer a person would and nothing is done."""

import html
import json
import re
import time

import pytest
from itsdangerous import URLSafeSerializer

from forum.auth.service import traps
from forum.auth.views.login import FAILED_SIGN_IN
from forum.extensions import db
from forum.models import User
from tests.factories import PASSWORD, make_user

# The traps as in production (tests/conftest.py turns them down for every other test).
APP_CONFIG = {"REGISTER_MIN_SECONDS": 3, "GUEST_FORM_MIN_SECONDS": 1,
              "REGISTER_UNSOLVED_RATE_LIMIT": "2 per hour", "REGISTER_CHALLENGE_MAX_NUMBER": 2000}

CHALLENGE = re.compile(r'data-challenge="([^"]+)"')
PERSON = {"username": "rhonda", "display_name": "Rhonda Bird", "name_style": "full", "email": "rhonda@example.com"}


@pytest.fixture
def later(monkeypatch):
    """Move the traps' clock on by `seconds`: a person who took their time over the form."""
    def wait(seconds: float):
        monkeypatch.setattr(traps, "_now", lambda: time.time() + seconds)
    return wait


def shown_on(page) -> str:
    match = re.search(r'<input[^>]*name="shown"[^>]*>', page.text)
    assert match, page.text
    return re.search(r'value="([^"]*)"', match.group(0)).group(1)


def register_fields(client, solve=True, **overrides):
    """What the registration page's form sends: the stamp and, as its script would, the solution."""
    page = client.get("/register")
    data = {**PERSON, "shown": shown_on(page), "comment": "", **overrides}
    if solve:
        challenge = json.loads(html.unescape(CHALLENGE.search(page.text).group(1)))
        data["challenge"] = traps.solve_for_tests(challenge)
    return data


def users() -> int:
    return db.session.scalar(db.select(db.func.count(User.id)))


# Registration


def test_a_person_who_takes_their_time_gets_the_mail(client, smtp_server, later):
    data = register_fields(client)
    later(5)
    answer = client.submit("/register", data)
    assert answer.status_code == 302 and answer.location.endswith("/register/sent")
    assert smtp_server.last_to("rhonda@example.com")


def test_a_form_sent_too_fast_comes_back_with_a_message_and_what_was_typed(client, smtp_server, later):
    data = register_fields(client)
    later(1)
    answer = client.submit("/register", data)
    assert answer.status_code == 422
    assert "quicker than we expect from a person" in answer.text
    assert 'value="rhonda@example.com"' in answer.text and 'value="Rhonda Bird"' in answer.text
    later(5)  # sending it again a moment later, with the new stamp the page gave, works
    again = client.submit("/register", {**data, "shown": shown_on(answer), "challenge": register_fields(
        client)["challenge"]})
    assert again.status_code == 302
    assert len(smtp_server.wait_for(1)) == 1


@pytest.mark.parametrize("stamp", [
    "",  # left out
    "garbage",
    URLSafeSerializer("another key", salt=traps.STAMP_SALT).dumps(["register", time.time() - 60]),  # forged
], ids=["left-out", "garbage", "forged"])  # one name in every process of a split run, not the stamp's time
def test_the_fill_time_cannot_be_left_out_or_forged(client, later, stamp):
    data = register_fields(client, shown=stamp)
    later(60)
    answer = client.submit("/register", data)
    assert answer.status_code == 422 and "quicker than we expect" in answer.text


def test_one_forms_stamp_does_not_serve_another(client, later):
    sign_in_stamp = shown_on(client.get("/login"))
    data = register_fields(client, shown=sign_in_stamp)
    later(60)
    assert client.submit("/register", data).status_code == 422


def test_a_bot_filling_the_honeypot_gets_the_same_answer_and_no_mail(client, smtp_server, later):
    data = register_fields(client, comment="Buy cheap watches")
    later(5)
    answer = client.submit("/register", data)
    assert answer.status_code == 302 and answer.location.endswith("/register/sent")
    assert "We have sent a message to rhonda@example.com" in client.get("/register/sent").text
    from forum import mail
    mail.wait_for_background()
    assert smtp_server.messages == []
    assert users() == 0


def test_a_puzzle_solution_works_once(client, smtp_server, later):
    data = register_fields(client)
    later(5)
    assert client.submit("/register", data).status_code == 302
    again = client.submit("/register", {**data, "email": "other@example.com", "username": "other"})
    assert again.status_code == 422
    assert "not a robot did not work" in again.text and 'value="other@example.com"' in again.text


def test_a_wrong_solution_is_refused_with_a_message(client, smtp_server, later):
    data = register_fields(client)
    payload = json.loads(__import__("base64").b64decode(data["challenge"]))
    payload["number"] += 1
    data["challenge"] = __import__("base64").b64encode(json.dumps(payload).encode()).decode()
    later(5)
    answer = client.submit("/register", data)
    assert answer.status_code == 422 and "not a robot did not work" in answer.text


def test_without_javascript_the_form_works_within_a_tighter_limit(client, smtp_server, later):
    forms = [register_fields(client, solve=n == 3, email=f"r{n}@example.com", username=f"reader{n}")
             for n in range(4)]
    later(5)
    answers = [client.submit("/register", data) for data in forms[:3]]
    assert [answer.status_code for answer in answers] == [302, 302, 429]
    assert "Registrations without JavaScript are limited" in answers[2].text
    # A browser that solved the puzzle is not held by that limit.
    assert client.submit("/register", forms[3]).status_code == 302


def test_the_page_carries_the_honeypot_out_of_sight_and_the_script(client):
    page = client.get("/register").text
    assert re.search(r'<div class="trap">\s*<label for="trap-comment">Leave this empty</label>', page)
    assert 'tabindex="-1"' in page
    assert "js/challenge.js" in page and "<noscript>" in page


# Sign-in and password reset


def test_sign_in_too_fast_keeps_the_username_but_not_the_password(client, later):
    member = make_user(username="rhonda")
    shown = shown_on(client.get("/login"))
    answer = client.submit("/login", {"username": "rhonda", "password": PASSWORD, "shown": shown})
    assert answer.status_code == 422 and "quicker than we expect" in answer.text
    assert 'value="rhonda"' in answer.text and PASSWORD not in answer.text
    later(2)
    assert client.submit("/login", {"username": member.username, "password": PASSWORD,
                                    "shown": shown_on(answer)}).status_code == 302


def test_a_bot_at_the_sign_in_form_is_answered_as_a_wrong_password(client, later):
    make_user(username="rhonda")
    shown = shown_on(client.get("/login"))
    later(2)
    answer = client.submit("/login", {"username": "rhonda", "password": PASSWORD, "shown": shown,
                                      "comment": "x"})
    assert answer.status_code == 422 and FAILED_SIGN_IN in answer.text
    assert client.get("/settings").status_code != 200  # not signed in


def test_a_bot_at_the_reset_form_gets_the_usual_answer_and_no_mail(client, smtp_server, later):
    make_user(email="rhonda@example.com")
    shown = shown_on(client.get("/password/reset"))
    later(2)
    answer = client.submit("/password/reset", {"email": "rhonda@example.com", "shown": shown, "comment": "x"})
    assert answer.status_code == 302
    from forum import mail
    mail.wait_for_background()
    assert smtp_server.messages == []
    person = client.submit("/password/reset", {"email": "rhonda@example.com", "shown": shown})
    assert person.status_code == 302 and smtp_server.last_to("rhonda@example.com")


def test_a_reset_asked_too_fast_comes_back_with_a_message(client, smtp_server):
    shown = shown_on(client.get("/password/reset"))
    answer = client.submit("/password/reset", {"email": "rhonda@example.com", "shown": shown})
    assert answer.status_code == 422 and "quicker than we expect" in answer.text
    assert 'value="rhonda@example.com"' in answer.text
