from tests.factories import make_reply, make_thread, make_user


def test_thread_page_shows_posts(client):
    thread = make_thread(title="Hello there", body="Opening words")
    make_reply(thread, body="Replying words")
    page = client.get(f"/t/{thread.id}-{thread.slug}")
    assert page.status_code == 200
    assert "Opening words" in page.text and "Replying words" in page.text


def test_sign_in(client):
    user = make_user()
    client.sign_in(user)
    assert "Sign out" in client.get("/").text
