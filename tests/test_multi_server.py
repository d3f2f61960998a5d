"""Two app servers, one site: granian on two ports sharing one PostgreSQL database and one Redis.

A visitor's cookie jar is sent to both, as a load balancer would spread one browser's requests.
Everything a member sees must hold whichever server answers: being signed in, a ban, a rate limit,
a reply that shows up live. Each test checks that the two answers really came from two processes.
"""

import re
import secrets
import time
from html import unescape
from types import SimpleNamespace

import pytest

from forum import create_app
from forum.extensions import db
from forum.models import Post, SiteSetting
from tests.app_servers import (HTMX, Client, Granian, fresh_pg_database, pg_url, redis_db, require_postgresql,
                               require_redis)
from tests.conftest import test_config
from tests.factories import PASSWORD, make_reply, make_thread, make_user

DATABASE = "forum_multi"
REDIS_DB = 11  # flushed before and after: no other test uses it
LOGIN_LIMIT = 4


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """Servers A and B on one database and one Redis; yields their ports, with the test's app context."""
    url = pg_url(DATABASE)
    require_postgresql(url)
    require_redis()
    fresh_pg_database(url)
    redis_db(REDIS_DB).flushdb()
    app = create_app(test_config(url))
    context = app.app_context()
    context.push()
    db.create_all()
    env = {"FORUM_DATABASE_URL": url, "FORUM_REDIS_URL": f"redis://127.0.0.1:6379/{REDIS_DB}",
           "FORUM_SECRET_KEY": secrets.token_hex(32), "FORUM_LOGIN_RATE_LIMIT": f"{LOGIN_LIMIT} per minute"}
    folder = tmp_path_factory.mktemp("multi")
    servers = [Granian(folder, env, workers=1, threads=2) for _ in "AB"]
    try:
        for server in servers:
            server.wait_until_serving()
        yield SimpleNamespace(a=servers[0].port, b=servers[1].port)
    finally:
        for server in servers:
            server.stop()
        db.session.remove()
        db.engine.dispose()
        context.pop()
        redis_db(REDIS_DB).flushdb()


def answered_by(response) -> str:
    return response.getheader("X-Worker")


def test_a_member_signed_in_through_one_server_is_signed_in_on_the_other(site):
    member = make_user()
    browser = Client(site.a)
    browser.sign_in(member.username, PASSWORD)

    on_a, on_b = browser.get("/settings"), browser.on(site.b).get("/settings")
    assert answered_by(on_a) != answered_by(on_b)
    assert on_b.status == 200 and f"(@{member.username})" in on_b.text and "Sign out" in on_b.text
    stranger = Client(site.b).get("/settings")  # the control: without the cookie, B asks to sign in
    assert stranger.status == 302 and "/login" in stranger.getheader("Location")


def test_a_ban_issued_through_one_server_is_enforced_on_the_other_at_once(site):
    admin, member = make_user(role="admin"), make_user()
    thread = make_thread(title="Where the ban lands")
    staff, on_b = Client(site.a), Client(site.b)
    staff.sign_in(admin.username, PASSWORD)
    on_b.sign_in(member.username, PASSWORD)
    before = on_b.submit(f"/t/{thread.id}/reply", {"body": "Posted before the ban."})
    assert before.status == 302, before.text  # the control: B lets the member reply until the ban

    issued = staff.submit(f"/mod/members/{member.username}/sanction", {"kind": "ban", "reason": "Spam, again."})
    assert issued.status == 302, issued.text

    refused = on_b.submit(f"/t/{thread.id}/reply", {"body": "Posted after the ban."})
    # Signed out, and told so by the other server too (the reply shown back, not sent to sign in)
    assert refused.status == 401 and "You were signed out" in refused.text
    assert "Posted after the ban." in refused.text
    page = on_b.get(f"/t/{thread.id}-{thread.slug}")
    assert answered_by(page) != answered_by(issued)
    assert "Sign out" not in page.text and "Sign in" in page.text and "Spam, again." in unescape(page.text)
    assert "Posted before the ban." in page.text and "Posted after the ban." not in page.text
    assert db.session.scalar(db.select(db.func.count(Post.id)).where(Post.author_id == member.id)) == 1
    on_b.sign_in(member.username, PASSWORD)  # signed in again (to read the notice), B refuses the reply
    response = on_b.submit(f"/t/{thread.id}/reply", {"body": "Posted after the ban."})
    assert response.status == 403 and "Your account is banned" in response.text
    assert "Spam, again." in unescape(response.text)


def test_a_rate_limit_counts_the_requests_to_both_servers(site):
    member = make_user()
    browser = Client(site.a, address="127.0.0.77")  # an address of its own: counters of its own
    token = browser.csrf_token()
    statuses, servers = [], []
    for attempt in range(LOGIN_LIMIT + 1):
        response = browser.on(site.b if attempt % 2 else site.a).request(
            "POST", "/login", f"csrf_token={token}&username={member.username}&password=wrong",
        )
        statuses.append(response.status)
        servers.append(answered_by(response))
    assert len(set(servers)) == 2
    # Counted per server, neither would have reached 4 by the fifth attempt (3 on A, 2 on B).
    assert statuses == [422] * LOGIN_LIMIT + [429], statuses
    assert redis_db(REDIS_DB).keys("*127.0.0.77*"), "the counters are in the shared Redis"


def test_a_reply_posted_through_one_server_appears_live_to_a_reader_on_the_other(site):
    author, reader = make_user(), make_user()
    thread = make_thread(author=author, title="Live on two servers")
    reading = Client(site.b)
    reading.sign_in(reader.username, PASSWORD)
    page = reading.get(f"/t/{thread.id}-{thread.slug}")
    poll = unescape(re.search(r'data-hx-get="(/t/\d+/new-replies\?[^"]+)"', page.text).group(1))
    assert reading.get(poll, headers=HTMX).status == 304  # nothing new yet

    body = f"Written on server A, {secrets.token_hex(6)}."
    writing = Client(site.a)
    writing.sign_in(author.username, PASSWORD)
    posted = writing.submit(f"/t/{thread.id}/reply", {"body": body})
    assert posted.status == 302, posted.text

    offered = reading.get(poll, headers=HTMX)
    assert answered_by(offered) != answered_by(posted)
    assert offered.status == 200 and "1 new reply — show" in offered.text
    shown = reading.get(unescape(re.search(r'data-hx-get="([^"]+/new-replies/posts\?after=\d+)"', offered.text).group(1)),
                        headers=HTMX)
    assert shown.status == 200 and body in unescape(shown.text)



def test_a_page_cached_for_guests_on_one_server_is_stale_at_once_after_a_reply_through_the_other(site):
    author = make_user()
    thread = make_thread(author=author, title="Cached on one server")
    url = f"/t/{thread.id}-{thread.slug}"
    guest = Client(site.a)
    assert [guest.get(url).getheader("X-Page-Cache") for _ in range(2)] == ["miss", "hit"]

    body = f"Written on server B, {secrets.token_hex(6)}."
    writing = Client(site.b)
    writing.sign_in(author.username, PASSWORD)
    posted = writing.submit(f"/t/{thread.id}/reply", {"body": body})
    assert posted.status == 302, posted.text

    page = guest.get(url)
    assert answered_by(page) != answered_by(posted)
    assert page.getheader("X-Page-Cache") == "miss" and body in unescape(page.text)


def test_a_setting_changed_through_one_server_is_in_force_on_the_other_within_seconds(site):
    """/admin/settings on A; B, never restarted, shows the new name and hides a post at the new flag
    threshold within seconds. B's guest pages (kept in its memory) turn stale at once."""
    admin, member = make_user(role="admin"), make_user()
    post = make_reply(make_thread(title="Where the settings land"))
    staff, guest_b, member_b = Client(site.a), Client(site.b), Client(site.b)
    staff.sign_in(admin.username, PASSWORD)
    member_b.sign_in(member.username, PASSWORD)
    first = guest_b.get("/")
    server_b = answered_by(first)
    assert "· Forum</title>" in first.text and guest_b.get("/").getheader("X-Page-Cache") == "hit"
    assert "· Forum</title>" in member_b.get("/settings").text  # B has read the settings

    page = staff.get("/admin/settings")
    assert answered_by(page) != server_b and page.status == 200
    assert "Fixed by <code>FORUM_LOGIN_RATE_LIMIT</code>" in page.text  # the fixture's environment fixes it
    saved = staff.submit("/admin/settings", {"site_name": "Harbour Talk", "flag_hide_threshold": "1"})
    assert saved.status == 302, saved.text
    changed_at = time.monotonic()

    guest_page = guest_b.get("/")  # the kept page is stale at once: a new pages_version
    assert guest_page.getheader("X-Page-Cache") == "miss" and "· Harbour Talk</title>" in guest_page.text
    while "· Harbour Talk</title>" not in (member_page := member_b.get("/settings")).text:
        assert time.monotonic() - changed_at < 5, "B still shows the old name after 5 seconds"
        time.sleep(0.1)
    assert answered_by(member_page) == answered_by(guest_page) == server_b  # the same process: no restart
    flagged = member_b.submit(f"/p/{post.id}/flag", {"reason": "spam"})
    assert flagged.status in (200, 302), flagged.text
    db.session.expire_all()
    assert db.session.get(Post, post.id).removal == "flagged"  # one flag hides it now (the default is 3)
    log = Client(site.b).get("/modlog").text
    assert "Site name: Forum → Harbour Talk" in log and "Flags that hide a post: 3 → 1" in log
    db.session.execute(SiteSetting.__table__.delete())  # back to the configuration for any later test
    db.session.commit()
