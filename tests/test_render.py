"""The post renderer faces hostile input: nothing that could run, fetch or act survives it.

Promise 1 of SECURITY.md rests on two layers: markdown-it with raw HTML off, then the nh3
allow-list. The payloads below go through `render_body` (both layers together) and, as raw HTML,
through the cleaner alone, so that a weakened allow-list fails here even while markdown-it still
escapes everything in front of it. Every output is parsed and held to the same rules (`violations`).
"""

import html
import re
import signal
import time
from contextlib import contextmanager
from html.parser import HTMLParser

import pytest

from pygments.token import STANDARD_TYPES

from forum.posts.service import render
from forum.posts.forms import BODY_MAX
from forum.posts.service.render import HIDDEN_LINK, RenderContext, render_body

REL = "nofollow ugc noopener noreferrer"
FORBIDDEN_TAGS = {"script", "iframe", "object", "embed", "form", "svg", "math", "style",
                  "button", "textarea", "select", "link", "meta", "base", "frame", "frameset", "video",
                  "audio", "source", "template", "noscript", "xmp", "title", "body", "html", "dialog"}
ALLOWED_TAGS = {"a", "blockquote", "br", "cite", "code", "del", "em", "h1", "h2", "h3", "h4", "h5", "h6",
                "hr", "img", "li", "ol", "p", "pre", "s", "span", "strong", "ul",
                # Tables, task lists, footnotes, spoilers (issue 15).
                "table", "thead", "tbody", "tr", "th", "td", "div", "input", "label", "sup", "section",
                "details", "summary"}
ALLOWED_ATTRIBUTES = {"href", "class", "rel", "title", "data-quote", "start", "id", "aria-label", "tabindex",
                      "type", "checked", "disabled"}
# An <img> shows one of this forum's uploads (README "Uploads") and loads nothing else.
IMG_ATTRIBUTES = {"src", "alt", "width", "height", "loading", "decoding"}
UPLOAD_SRC = re.compile(r"/uploads/[0-9a-f]{64}(-display)?\.webp")
# The classes the renderer gives (and the page's stylesheet styles); no other class, so no post can
# borrow the look of the site's own notices. Code is coloured by Pygments' token classes.
ALLOWED_CLASSES = {"quote", "attribution", "attribution-link", "mention", "placeholder", "link-hidden",
                   "image-link", "image-hidden", "image-missing",
                   "table-scroll", "align-left", "align-center", "align-right", "contains-task-list",
                   "task-list-item", "task-list-item-checkbox", "footnote-ref", "footnotes-sep", "footnotes",
                   "footnotes-list", "footnote-item", "footnote-backref", "spoiler", "highlight",
                   *(name for name in STANDARD_TYPES.values() if name)}
SAFE_SCHEME = re.compile(r"^(?:https?|mailto):", re.IGNORECASE)
FOOTNOTE_LINK = re.compile(r"^#fn(?:ref)?-[0-9a-f]{8}-\d+(?::\d+)?$")

# --- Hostile input ----------------------------------------------------------------------------

ALERT = "alert(1)"
SCRIPTS = [
    "<script>alert(1)</script>",
    "<SCRIPT>alert(1)</SCRIPT>",
    "<ScRiPt src=//evil.example/x.js></sCrIpT>",
    "<script\n>alert(1)</script\n>",
    '<script/xss src="//evil.example/x.js"></script>',
    "<<script>alert(1);//<</script>",
    "<script>alert(1)",
    "</script><script>alert(1)</script>",
    "<scr<script>ipt>alert(1)</scr</script>ipt>",
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    "para\n\n<script>\nalert(1)\n</script>\n\nafter",
    "`code` <script>alert(1)</script> **bold**",
]
EVENT_HANDLERS = [
    "<img src=x onerror=alert(1)>",
    "<body onload=alert(1)>",
    '<div onmouseover="alert(1)">hover me</div>',
    '<a href="/" onclick="alert(1)">click</a>',
    "<p ONCLICK=alert(1)>shout</p>",
    "<details open ontoggle=alert(1)>",
    "<video><source onerror=alert(1)></video>",
    "<input autofocus onfocus=alert(1)>",
    # Smuggled through Markdown link titles, destinations and info strings.
    '[x](/t/1 "\\" onmouseover=\\"alert(1)")',
    "[x](/t/1 'a\" onclick=\"alert(1)')",
    '[x](https://a.example/" onclick="alert(1))',
    '[x](https://a.example/?a=1"onmouseover="alert(1))',
    '[x][r]\n\n[r]: /t/1 "x\\" onclick=\\"alert(1)"',
    "[x](https://a.example/){onclick=alert(1)}",
    '<https://a.example/" onmouseover="alert(1)>',
    '```" onclick="alert(1)\ncode\n```',
    "> [<img src=x onerror=alert(1)>](/p/12) wrote:\n> hi",
    '> [x](/p/12 "onmouseover=alert(1)") wrote:\n> hi',
]
BAD_URLS = [
    "[x](javascript:alert(1))",
    "[x](JaVaScRiPt:alert(1))",
    "[x](&#106;avascript:alert(1))",
    "[x](&#x6A;avascript:alert(1))",
    "[x](&#0000106;&#0000097;vascript:alert(1))",
    "[x](javascript&colon;alert(1))",
    "[x](%6Aavascript:alert(1))",
    "[x](java%0ascript:alert(1))",
    "[x](java%09script:alert(1))",
    "[x]( javascript:alert(1))",
    "[x](\x01javascript:alert(1))",
    "[x](\x7fjavascript:alert(1))",
    "[x](<java\tscript:alert(1)>)",
    "[x](<java\nscript:alert(1)>)",
    "[x](java\x00script:alert(1))",
    "[x](<javascript:alert(1)>)",
    "[x](javascript://%0aalert(1))",
    "[x](vbscript:msgbox(1))",
    "[x](VBScript:msgbox(1))",
    "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "[x](DATA:text/html,<script>alert(1)</script>)",
    "[x](data:image/svg+xml,<svg/onload=alert(1)>)",
    "[x](file:///etc/passwd)",
    "[x](//evil.example/)",
    "[x](///evil.example/)",
    "[x](/\\evil.example/)",
    "[x](\\\\evil.example/)",
    "[x][r]\n\n[r]: javascript:alert(1)",
    "[x][r]\n\n[r]: <javascript:alert(1)>",
    "[x][r]\n\n[r]: &#106;avascript:alert(1)",
    "[x][r]\n\n[r]: //evil.example/",
    "[r]\n\n[r]: JAVASCRIPT:alert(1)",
    "<javascript:alert(1)>",
    "<JAVASCRIPT:alert(1)>",
    "<vbscript:msgbox(1)>",
    "<data:text/html,<script>alert(1)</script>>",
    "javascript:alert(1)",
    "see javascript://example.com/%0aalert(1) now",
    "javascript://www.example.com/%0Aalert(1)",
    "data:text/html,<script>alert(1)</script>",
    "//evil.example/page and ftp://evil.example/file",
]
HTMX_ATTRIBUTES = [
    '<div hx-get="/logout" hx-trigger="load">x</div>',
    '<button hx-post="/logout" hx-trigger="load">x</button>',
    '<a hx-on:click="alert(1)">x</a>',
    '<span hx-on::load="alert(1)">x</span>',
    '<div data-hx-get="/logout" data-hx-trigger="load">x</div>',
    '<p hx-vals=\'{"a": 1}\' hx-headers=\'{"X-CSRFToken": "x"}\' hx-swap-oob="true" id="main">x</p>',
    '[x](/logout "hx-post=/logout")',
]
STYLES = [
    '<p style="background:url(javascript:alert(1))">x</p>',
    "<style>body { display: none }</style>",
    '<div style="position:fixed;inset:0;z-index:99">cover</div>',
    "<link rel=stylesheet href=//evil.example/x.css>",
]
EMBEDS = [
    '<iframe src="javascript:alert(1)"></iframe>',
    '<iframe srcdoc="<script>alert(1)</script>"></iframe>',
    '<object data="javascript:alert(1)"></object>',
    '<embed src="javascript:alert(1)">',
    '<form action="/logout" method="post"><button>You won!</button></form>',
    '<input type="hidden" name="csrf_token" value="x">',
    "<svg onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    '<svg><a xlink:href="javascript:alert(1)"><text x="0" y="20">x</text></a></svg>',
    "<math><maction actiontype=statusline xlink:href=javascript:alert(1)>x</maction></math>",
    '<meta http-equiv="refresh" content="0;url=/logout">',
    '<base href="//evil.example/">',
    "<template><script>alert(1)</script></template>",
]
MUTATION_XSS = [
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
    "<svg><style><img src=x onerror=alert(1)></style></svg>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    '<math><mtext><table><mglyph><svg><mtext><style><path id="</style><img onerror=alert(1) src>">',
    "<form><math><mtext></form><form><mglyph><style></math><img src onerror=alert(1)>",
    '<svg></p><style><a id="</style><img src=1 onerror=alert(1)>">',
    "<!--><img src=x onerror=alert(1)>-->",
    "<![CDATA[><img src=x onerror=alert(1)>]]>",
    '<xmp><p title="</xmp><img src=x onerror=alert(1)>">',
    '<textarea><p title="</textarea><img src=x onerror=alert(1)>">',
    '<title><p title="</title><img src=x onerror=alert(1)>">',
]
IMAGES = [
    "![x](javascript:alert(1))",
    "![x](http://tracker.example/pixel.gif)",
    "![x][r]\n\n[r]: http://tracker.example/pixel.gif",
    "[![x](http://tracker.example/pixel.gif)](https://a.example/)",
    '<img src="http://tracker.example/pixel.gif">',
]
# The syntax of issue 15: tables, task lists, footnotes, spoilers, coloured code, emoji.
NEW_SYNTAX = [
    "| a | b |\n|---|---|\n| <script>alert(1)</script> | <img src=x onerror=alert(1)> |",
    '| a |\n|:-:|\n| [x](javascript:alert(1)) |\n\n| b |\n| --- |\n| <td style="x" onclick="alert(1)"> |',
    "- [x] <input type=text name=csrf_token autofocus onfocus=alert(1)>\n- [ ] [y](javascript:alert(1))",
    "1. [x] done\n   - [ ] <button formaction=/logout>go</button>",
    "note[^1]\n\n[^1]: [x](javascript:alert(1)) <script>alert(1)</script>",
    'note[^" onmouseover="alert(1)]\n\n[^" onmouseover="alert(1)]: x',
    "note[^<img src=x onerror=alert(1)>]\n\n[^<img src=x onerror=alert(1)>]: x",
    "inline ^[a <script>alert(1)</script> note] and ^[[x](javascript:alert(1))]",
    "[jump](#csrf_token) [top](#fn-zzzzzzzz-1) [ref](#fnref-00000000-1\" onclick=\"alert(1))",
    ":::spoiler <img src=x onerror=alert(1)>\nhidden\n:::",
    ':::spoiler " open ontoggle="alert(1)\nhidden\n:::',
    ":::spoiler\n<details open ontoggle=alert(1)>\n[x](javascript:alert(1))\n:::",
    ":::spoiler\nnever closed <script>alert(1)</script>",
    ":::warning\nnot a container we know\n:::",
    '```python" onclick="alert(1)\nprint(1)\n```',
    "```<script>alert(1)</script>\ncode\n```",
    "```html\n<script>alert(1)</script><img src=x onerror=alert(1)>\n```",
    "```js\n</code></pre><script>alert(1)</script>\n```",
    ":<script>: :javascript: :img src=x onerror=alert(1):",
    "`:smile:` <:smile:> [:smile:](javascript:alert(1))",
]
DEEP = [
    ">" * 60 + " deep",
    "\n".join("> " * depth + "line" for depth in range(1, 61)),
    "[" * 5000,
    "*" * 5000,
    "`" * 5000,
    "_" * 5000,
    "(" * 5000,
    "- " * 2500 + "x",
    "[a](" * 1250,
    ":::spoiler\n" * 500 + "deep",
    "- [ ] " * 1000 + "x",
    "> | a |\n" * 200,
]
HOSTILE = [*SCRIPTS, *EVENT_HANDLERS, *BAD_URLS, *HTMX_ATTRIBUTES, *STYLES, *EMBEDS, *MUTATION_XSS,
           *IMAGES, *NEW_SYNTAX, *DEEP]
# Raw HTML handed to the cleaner alone, as if markdown-it had let it through (its default preset does).
RAW_HTML = [body for body in HOSTILE if body.lstrip().startswith("<")] + [
    '<a href="javascript:alert(1)" onclick="alert(1)">x</a>',
    '<a href="&#106;avascript:alert(1)">x</a>',
    '<a href="jav&#x09;ascript:alert(1)">x</a>',
    '<a href=" javascript:alert(1)">x</a>',
    '<a href="//evil.example/">x</a>',
    '<a href="/\t/evil.example/">x</a>',
    '<a href="data:text/html,x">x</a>',
    '<a href="/t/1" target="_blank" rel="opener">x</a>',
    '<blockquote class="quote" data-quote="1" style="color:red" hx-get="/logout">q</blockquote>',
    '<span class="x" onmouseover="alert(1)" data-hx-trigger="load">s</span>',
    '<ol start="1" onclick="alert(1)"><li style="x">i</li></ol>',
    '<input type="hidden" name="csrf_token" value="x" form="logout">',
    '<input type="checkbox" class="task-list-item-checkbox" onclick="alert(1)">',
    '<li id="csrf_token">clobbers the page</li><a id="main" href="#main">x</a>',
    '<div tabindex="1" class="table-scroll flash notice">first in tab order</div>',
    '<details open ontoggle="alert(1)" class="spoiler"><summary onclick="alert(1)">s</summary></details>',
    '<p class="flash error">An official-looking notice</p><span class="k x">code</span>',
    '<a href="#top">top</a><a href="#fn-00000000-1" onclick="alert(1)">1</a>',
    '<section class="footnotes" hx-get="/logout"><sup class="footnote-ref">1</sup></section>',
]

# Bodies whose parsing grows with the square of their length: a hostile post at the length cap costs
# seconds of CPU (see `test_known_slow_inputs_stay_within_the_budget`).
QUADRATIC = {
    "www.+ repeated (linkify fuzzy-link regex)": "www.+",
    "www.| repeated (linkify fuzzy-link regex)": "www.|",
    ":// repeated (inline linkify scheme search)": "://",
    "http://[ repeated (inline linkify scheme search)": "http://[",
}


def at_cap(unit: str) -> str:
    """The unit repeated up to the body length cap."""
    return (unit * (BODY_MAX // len(unit) + 1))[:BODY_MAX]


AT_CAP = {f"{unit!r} x cap": at_cap(unit) for unit in [
    "[", "*", "`", "_", "~", "(", "<", "\\", "!", "&#", "[\n", "![", "*a", "a**", "[*", "_[", "](", "[a](",
    "> ", "- ", "1. ", "* ", "a.", "a@", "@aaa ", "http://a.b ", "<http://a.b>", "[x]", "``a", "***a",
    "www.a ", "a@b.c ", "|", "#\n", "    x\n", "```\n",
    # Issue 15's syntax.
    "|a", "| a |\n|---|\n", "|-", "- [ ] ", "- [x] a\n", "[^1]", "[^a]: x\n", "x[^a]\n\n[^a]: y\n",
    "^[", "^[a]", ":::spoiler\n", ":::spoiler x\n:::\n", ":::", ":smile:", ":a", "::", ":+1:",
    "```python\nx\n```\n", "```js\n", "~~a", "~~",
]}
AT_CAP["nested quotes x cap"] = at_cap("".join("> " * depth + "x\n" for depth in range(1, 80)))
AT_CAP["attributions x cap"] = at_cap("> [Bob](/p/1) wrote:\n> > [Ann](/p/2) wrote:\n> > hi\n")
AT_CAP["mentions x cap"] = at_cap("@alice @bobby @carol ")
for payload in HOSTILE[:40]:
    AT_CAP[f"{payload[:24]!r}... x cap"] = at_cap(payload + "\n\n")

NEW_MEMBER = RenderContext(links_allowed=False, quote_names={12: "Bob"}, removed_quotes={13: "Removed."},
                           members={"alice": 1, "bobby": 2, "carol": 3})
CONTEXTS = [pytest.param(RenderContext(), id="member"), pytest.param(NEW_MEMBER, id="new-member")]


# --- The rules every stored body obeys ------------------------------------------------------------

class _Elements(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str | None]]] = []
        self.comments: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))

    def handle_startendtag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))

    def handle_comment(self, data):
        self.comments.append(data)

    def handle_decl(self, decl):
        self.comments.append(decl)

    def unknown_decl(self, data):
        self.comments.append(data)

    def handle_data(self, data):
        self.text.append(data)


def parse(fragment: str) -> _Elements:
    parser = _Elements()
    parser.feed(fragment)
    parser.close()
    return parser


def href_is_safe(href: str) -> bool:
    """http(s), mailto, a footnote of the post, or a path on this site: one "/", then neither "/" nor
    "\\" (tabs ignored)."""
    if SAFE_SCHEME.match(href) or FOOTNOTE_LINK.match(href):
        return True
    squeezed = re.sub(r"[\t\n\r]", "", href)
    return squeezed.startswith("/") and squeezed[1:2] not in ("/", "\\")


def violations(fragment: str) -> list[str]:
    """Everything in a stored body that breaks promise 1; empty when the body is safe to show."""
    found = []
    lowered = fragment.lower()
    for needle in ("<script", "<iframe", "<object", "<embed", "<form", "<svg", "<math", "<style"):
        if needle in lowered:
            found.append(f"{needle} in the markup")
    parsed = parse(fragment)
    if parsed.comments:
        found.append(f"comments or declarations {parsed.comments!r}")
    for tag, attrs in parsed.elements:
        if tag in FORBIDDEN_TAGS or tag not in ALLOWED_TAGS:
            found.append(f"<{tag}> element")
        for name, value in attrs.items():
            if name.startswith("on"):
                found.append(f"event handler {name}= on <{tag}>")
            if name.startswith(("hx-", "data-hx-")) or name.startswith("hx"):
                found.append(f"htmx attribute {name}= on <{tag}>")
            if name == "style":
                found.append(f"style= on <{tag}>")
            if name not in (IMG_ATTRIBUTES if tag == "img" else ALLOWED_ATTRIBUTES):
                found.append(f"unexpected attribute {name}= on <{tag}>")
            if tag == "img" and name == "src" and not UPLOAD_SRC.fullmatch(value or ""):
                found.append(f"<img> loading {value!r}, not one of our uploads")
            if name == "href" and not href_is_safe(value or ""):
                found.append(f"unsafe href {value!r}")
            if name == "id" and not (value or "").startswith("fn"):
                found.append(f"id {value!r} that is not a footnote's: it could take one of the page's")
            if name == "tabindex" and value != "0":
                found.append(f"tabindex={value!r} reorders the page's keyboard focus")
            if name == "class" and (unknown := set((value or "").split()) - ALLOWED_CLASSES):
                found.append(f"class {sorted(unknown)} on <{tag}>")
        if tag == "input" and (attrs.get("type") != "checkbox" or "disabled" not in attrs):
            found.append(f"<input> other than a disabled checkbox: {attrs!r}")
        if tag == "a" and attrs.get("rel") != REL:
            found.append(f"<a> without rel={REL!r}: {attrs!r}")
    return found


def assert_safe(fragment: str):
    problems = violations(fragment)
    assert problems == [], f"{problems} in {fragment[:500]!r}"


class TooSlow(Exception):
    pass


@contextmanager
def deadline(seconds: float):
    """Abort the block after `seconds` of this process's CPU time (a regular expression included:
    `re` checks for signals). CPU time, not wall-clock time, so a busy machine does not fail it."""
    def expire(signum, frame):
        raise TooSlow(f"still running after {seconds} s of CPU time")

    previous = signal.signal(signal.SIGPROF, expire)
    signal.setitimer(signal.ITIMER_PROF, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_PROF, 0)
        signal.signal(signal.SIGPROF, previous)


# The most a single body at the length cap may cost to render, in the rendering thread's own CPU
# time. Everything in AT_CAP takes under 0.4 s on a developer machine; a second leaves room for a
# slow CI runner.
RENDER_BUDGET = 1.0
# The deadline counts the whole process's CPU time, other threads' included (a test's mail server,
# say), so it only stops a render that would never end; the budget is checked on the thread itself.
HANG_GUARD = 5 * RENDER_BUDGET


# A busy machine slows every render, not only hostile ones (a whole run beside another on two cores
# took a hostile body from 0.37 s to 1.13 s of CPU time): the budget grows with what an ordinary body at
# the cap costs at that moment (about 0.03 s on a quiet machine, so 40 of them are about the budget).
ORDINARY = ("An ordinary sentence, with *some* emphasis, `code` and a [link](https://example.com/page).\n\n"
            * (BODY_MAX // 90 + 1))[:BODY_MAX]
ORDINARY_RENDERS = 40


def budget_now() -> float:
    """The budget at this moment: the quickest of three ordinary renders (the first in a process also
    pays for warming up), times ORDINARY_RENDERS, and never below RENDER_BUDGET."""
    def one() -> float:
        started = time.thread_time()
        render_body(ORDINARY)
        return time.thread_time() - started
    return max(RENDER_BUDGET, ORDINARY_RENDERS * min(one() for _ in range(3)))


def within_budget(render):
    """Run `render()`, stopping it past HANG_GUARD, and assert its own CPU time fit the budget now."""
    started = time.thread_time()
    with deadline(HANG_GUARD):
        result = render()
    spent = time.thread_time() - started
    assert spent < budget_now(), f"{spent:.2f} s of CPU time"
    return result


# --- The rules can fail ------------------------------------------------------------------------------

def test_the_budget_catches_a_render_that_spends_too_long(monkeypatch):
    # A fixed budget: measured afresh, it can grow past the hang guard's half on a machine as busy as
    # CI's, and a spin twice as long would then be stopped as a hang instead of failing the budget.
    monkeypatch.setattr(f"{__name__}.budget_now", lambda: 0.2)

    def spin():
        end = time.thread_time() + 0.4
        while time.thread_time() < end:
            pass

    with pytest.raises(AssertionError, match="s of CPU time"):
        within_budget(spin)


@pytest.mark.parametrize("bad", [
    '<p style="color:red">x</p>',
    '<p onclick="x">x</p>',
    '<div hx-get="/logout">x</div>',
    '<span data-hx-post="/x">x</span>',
    "<script>alert(1)</script>",
    '<a href="javascript:alert(1)" rel="nofollow ugc noopener noreferrer">x</a>',
    '<a href="//evil.example/" rel="nofollow ugc noopener noreferrer">x</a>',
    '<a href="/t/1">no rel</a>',
    '<svg><a>x</a></svg>',
    "<!-- hidden -->",
    '<img src="http://tracker.example/p.gif">',
    '<input type="text" name="q">',
    '<input type="checkbox">',
    '<li id="csrf_token">x</li>',
    '<div tabindex="1">x</div>',
    '<p class="flash">x</p>',
    '<a href="#top" rel="nofollow ugc noopener noreferrer">x</a>',
])
def test_the_rules_catch_each_kind_of_leak(bad):
    assert violations(bad)


def test_a_cleaner_that_allowed_style_or_htmx_would_fail_these_tests():
    import nh3

    weak = nh3.Cleaner(tags=ALLOWED_TAGS | {"div"}, attributes={"*": {"style", "hx-get", "onclick", "href"}},
                       url_schemes={"http", "https", "mailto", "javascript"})
    leaked = [weak.clean(body) for body in RAW_HTML]
    assert any("style= on" in problem for body in leaked for problem in violations(body))
    assert any("htmx attribute" in problem for body in leaked for problem in violations(body))
    assert any("unsafe href" in problem for body in leaked for problem in violations(body))


# --- Hostile input, both layers ----------------------------------------------------------------

def test_the_payload_list_is_long_enough():
    assert len(HOSTILE) >= 40
    assert len(set(HOSTILE)) == len(HOSTILE)


@pytest.mark.parametrize("context", CONTEXTS)
@pytest.mark.parametrize("body", HOSTILE)
def test_hostile_bodies_render_to_safe_html(body, context):
    rendered = render_body(body, context)
    assert_safe(rendered.html)
    hrefs = [attrs.get("href") or "" for tag, attrs in parse(rendered.html).elements if tag == "a"]
    assert not any(re.search(r"(?i)javascript|vbscript|data:", href) for href in hrefs), hrefs


@pytest.mark.parametrize("body", RAW_HTML)
def test_the_cleaner_alone_stops_raw_html(body):
    """The second layer, as if the first had let raw HTML through."""
    assert_safe(render._cleaner.clean(body))


def test_raw_html_appears_as_text_not_markup():
    html_out = render_body('<img src=x onerror=alert(1)> and <b onclick="x">bold</b>').html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html_out
    assert "&lt;b onclick=&quot;x&quot;&gt;" in html_out or '&lt;b onclick="x"&gt;' in html_out


@pytest.mark.parametrize("body", BAD_URLS)
def test_no_dangerous_scheme_survives_in_any_attribute(body):
    for context in (RenderContext(), NEW_MEMBER):
        values = _attribute_values(render_body(body, context).html).lower()
        for scheme in ("javascript", "vbscript", "data:", "file:"):
            assert scheme not in re.sub(r"[\s\x00-\x1f]", "", html.unescape(values)), (body, values)


def test_protocol_relative_links_are_not_links_to_another_site():
    for body in ("[x](//evil.example/)", "see //evil.example/page", "[x](///evil.example/)"):
        rendered = render_body(body)
        assert "href" not in rendered.html, rendered.html
        assert_safe(rendered.html)


@pytest.mark.parametrize("body", IMAGES)
def test_images_are_disabled(body):
    for context in (RenderContext(), NEW_MEMBER):
        html_out = render_body(body, context).html
        assert "<img" not in html_out.lower()
        assert_safe(html_out)


def test_image_syntax_becomes_at_most_a_link_with_the_alt_text():
    html_out = render_body("![a cat](https://cats.example/cat.png)").html
    assert "<img" not in html_out
    assert 'href="https://cats.example/cat.png"' in html_out
    assert "a cat" in html_out


@pytest.mark.parametrize("body, literal", [
    ("{{ 7*7 }}", "{{ 7*7 }}"),
    ("{{ 1337*1337 }}", "{{ 1337*1337 }}"),
    ("{% raw %}{{ config }}{% endraw %}", "{% raw %}{{ config }}{% endraw %}"),
    ("{{ config.SECRET_KEY }}", "{{ config.SECRET_KEY }}"),
    ("{{ request.environ }}", "{{ request.environ }}"),
    ("${7*7}", "${7*7}"),
    ("#{7*7}", "#{7*7}"),
    ("<%= 7*7 %>", "<%= 7*7 %>"),
    ("{{7*'7'}}", "{{7*'7'}}"),
])
def test_template_syntax_appears_literally(body, literal):
    html_out = render_body(body).html
    assert literal in _text(html_out)
    assert "49" not in html_out and "1787569" not in html_out and "7777777" not in html_out
    assert_safe(html_out)


# --- Pathological input finishes quickly -----------------------------------------------------------

@pytest.mark.parametrize("body", DEEP, ids=[f"deep-{n}" for n in range(len(DEEP))])
def test_deep_nesting_finishes_quickly(body):
    rendered = within_budget(lambda: render_body(body, NEW_MEMBER))
    assert_safe(rendered.html)


def test_sixty_nested_quotes_stay_balanced():
    html_out = render_body(">" * 60 + " deep").html
    assert html_out.count("<blockquote>") == html_out.count("</blockquote>") > 0


@pytest.mark.parametrize("body", list(AT_CAP.values()), ids=list(AT_CAP))
def test_hostile_input_at_the_length_cap_stays_within_the_budget(body):
    assert len(body) <= BODY_MAX
    rendered = within_budget(lambda: render_body(body, NEW_MEMBER))
    assert_safe(rendered.html)


@pytest.mark.parametrize("unit", list(QUADRATIC.values()), ids=list(QUADRATIC))
def test_inputs_that_once_made_linkify_quadratic_stay_within_the_budget(unit):
    within_budget(lambda: render_body(at_cap(unit)))


# --- What must survive ----------------------------------------------------------------------------

def test_commonmark_features_survive():
    body = ("# Heading\n\nSome *em*, **strong**, ~~gone~~ and `<b>code</b>`.\n\n"
            "```html\n<script>alert(1)</script>\n```\n\n- one\n- two\n\n3. three\n4. four\n\n"
            "> plain quote\n\nhttps://example.com/a?b=1&c=2 and a@example.com\n\n---")
    html_out = render_body(body).html
    assert "<h1>Heading</h1>" in html_out
    assert "<em>em</em>" in html_out and "<strong>strong</strong>" in html_out
    assert "<s>gone</s>" in html_out or "<del>gone</del>" in html_out
    assert "<code>&lt;b&gt;code&lt;/b&gt;</code>" in html_out
    assert ('<pre class="highlight" tabindex="0"><code><span class="p">&lt;</span><span class="nt">script</span>'
            '<span class="p">&gt;</span>') in html_out
    assert "<ul>\n<li>one</li>\n<li>two</li>\n</ul>" in html_out
    assert '<ol start="3">' in html_out
    assert "<blockquote>\n<p>plain quote</p>\n</blockquote>" in html_out
    assert f'<a href="https://example.com/a?b=1&amp;c=2" rel="{REL}">https://example.com/a?b=1&amp;c=2</a>' in html_out
    assert f'<a href="mailto:a@example.com" rel="{REL}">a@example.com</a>' in html_out
    assert "<hr>" in html_out
    assert_safe(html_out)


def test_links_keep_their_text_and_site_links_stay():
    html_out = render_body("[the docs](https://docs.example/x) and [a thread](/t/5-hello)").html
    assert f'<a href="https://docs.example/x" rel="{REL}">the docs</a>' in html_out
    assert f'<a href="/t/5-hello" rel="{REL}">a thread</a>' in html_out


def test_quote_attribution_markup():
    rendered = render_body("> [Bob](/p/12) wrote:\n> hello there", RenderContext(quote_names={12: "Robert"}))
    html_out = rendered.html
    assert '<blockquote class="quote" data-quote="12">' in html_out
    assert (f'<cite class="attribution"><a href="/p/12" class="attribution-link" rel="{REL}">Robert</a>'
            " wrote:</cite><br>") in html_out
    assert "hello there" in html_out
    assert rendered.quoted_post_ids == [12]
    assert_safe(html_out)


def test_attribution_names_and_placeholders_are_escaped():
    context = RenderContext(quote_names={12: '<img src=x onerror=alert(1)>"'},
                            removed_quotes={13: "<script>alert(1)</script>"})
    html_out = render_body("> [Bob](/p/12) wrote:\n> hi\n\n---\n\n> [Ann](/p/13) wrote:\n> gone", context).html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html_out
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html_out
    assert_safe(html_out)


def test_a_link_that_is_not_an_attribution_is_left_alone():
    html_out = render_body("> [Bob](/p/12) said:\n> hi\n\n> [Bob](https://a.example/p/12) wrote:\n> x").html
    assert "data-quote" not in html_out and "attribution" not in html_out


def nested(*levels: tuple[int, str]) -> str:
    """Quotes inside quotes: each (post id, text) one level deeper than the one before."""
    lines = []
    for depth, (post_id, text) in enumerate(levels, start=1):
        prefix = "> " * depth
        lines += [f"{prefix}[Member {post_id}](/p/{post_id}) wrote:", f"{prefix}{text}", prefix.rstrip()]
    return "\n".join(lines[:-1])


@pytest.mark.parametrize("depth", [1, 2, 3, 5])
def test_a_quote_of_a_removed_post_collapses_at_any_depth(depth):
    levels = [(100 + n, f"words of post {100 + n}") for n in range(depth)]
    removed = levels[-1][0]
    context = RenderContext(removed_quotes={removed: "This post was removed by a moderator."})
    rendered = render_body(nested(*levels) + "\n\nMy own words.", context)
    html_out = rendered.html
    assert f"words of post {removed}" not in html_out
    assert '<p class="placeholder">This post was removed by a moderator.</p>' in html_out
    assert f'<blockquote class="quote" data-quote="{removed}">' in html_out
    for post_id, text in levels[:-1]:
        assert text in html_out
        assert f'data-quote="{post_id}"' in html_out
    assert "My own words." in html_out
    assert html_out.count("<blockquote") == html_out.count("</blockquote>") == depth
    assert_safe(html_out)


def test_a_removed_outer_quote_takes_its_inner_quotes_with_it():
    context = RenderContext(removed_quotes={100: "Deleted by its author."})
    html_out = render_body(nested((100, "outer words"), (101, "inner words")), context).html
    assert "outer words" not in html_out and "inner words" not in html_out
    assert 'data-quote="101"' not in html_out
    assert '<p class="placeholder">Deleted by its author.</p>' in html_out


def test_mentions_only_for_members_and_up_to_the_cap():
    context = RenderContext(members={"alice": 1, "bobby": 2, "carol": 3}, max_mentions=2)
    rendered = render_body("@alice @Bobby @carol @alice @nobody `@alice` [@alice](/t/1) bob@alice.example",
                           context)
    html_out = rendered.html
    assert rendered.mentioned == ["alice", "bobby"]
    assert html_out.count('href="/u/alice"') == 2
    assert html_out.count('href="/u/bobby"') == 1
    assert "/u/carol" not in html_out and "/u/nobody" not in html_out
    assert f'<a href="/u/alice" class="mention" rel="{REL}">@alice</a>' in html_out
    assert "@carol" in html_out and "@nobody" in html_out
    assert "<code>@alice</code>" in html_out
    assert_safe(html_out)


def test_no_mentions_without_members():
    rendered = render_body("@alice hello")
    assert rendered.mentioned == [] and "<a" not in rendered.html


def test_a_new_members_links_are_hidden():
    body = ("Buy at https://spam.example/buy or [cheap pills](http://pills.example/x), "
            "mail sales@spam.com, and [my thread](/t/5-hello). See //evil.example/ too.")
    rendered = render_body(body, RenderContext(links_allowed=False))
    html_out = rendered.html
    assert rendered.hidden_links == 4
    assert html_out.count(f'<span class="link-hidden">{HIDDEN_LINK}</span>') == 4
    for gone in ("spam.example", "spam.com", "pills.example", "cheap pills", "evil.example"):
        assert gone not in html_out
    assert f'<a href="/t/5-hello" rel="{REL}">my thread</a>' in html_out
    assert_safe(html_out)


def test_a_new_members_quotes_and_mentions_still_link():
    context = RenderContext(links_allowed=False, members={"alice": 1})
    rendered = render_body("> [Bob](/p/12) wrote:\n> hi\n\n@alice look", context)
    assert rendered.hidden_links == 0
    assert 'href="/p/12"' in rendered.html and 'href="/u/alice"' in rendered.html


def test_render_post_looks_up_quotes_and_mentions(app):
    from sqlalchemy import select

    from forum.extensions import db
    from forum.models import Post
    from forum.posts import service as posts
    from forum.posts.service.context import render_post
    from tests.factories import make_reply, make_thread, make_user

    alice = make_user(username="alice", display_name="Alice <b>A</b>")
    thread = make_thread(author=alice, body="First words.")
    reply = make_reply(thread, author=alice, body="Second words.")
    posts.delete_post(reply, alice)
    opening_id = db.session.scalar(select(Post.id).where(Post.thread_id == thread.id).order_by(Post.id).limit(1))
    body = (f"> [Someone](/p/{opening_id}) wrote:\n> First words.\n\n"
            f"> [Someone](/p/{reply.id}) wrote:\n> Second words.\n\n@alice and @ghost")
    rendered = render_post(body, links_allowed=False)
    html_out = rendered.html
    assert "Alice &lt;b&gt;A&lt;/b&gt;" in html_out
    assert "Second words." not in html_out
    assert '<p class="placeholder">' in html_out
    assert rendered.mentioned == ["alice"]
    assert "/u/ghost" not in html_out
    assert_safe(html_out)


# --- Helpers -------------------------------------------------------------------------------------------

def _attribute_values(fragment: str) -> str:
    return " ".join(value or "" for _, attrs in parse(fragment).elements for value in attrs.values())


def _text(fragment: str) -> str:
    return "".join(parse(fragment).text)
