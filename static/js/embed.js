// The publisher's snippet: put the forum's comments for this article in a frame after this script.
//   <script src="https://forum.example/static/js/embed.js" data-url="https://news.example/2026/story"
//           data-title="The story's headline" async></script>
// data-url is the article's canonical address (else the page's <link rel="canonical">); data-theme
// ("light", "dark") forces a theme, else the host page's own color-scheme decides, else the reader's.
// data-sso-url or data-sso-token sign the reader in with the publisher's account (below).
// The frame tells its height by postMessage; only messages from the forum's origin and from this very
// frame are read. A page whose server put the comments in its HTML (GET /embed/fragment, a
// <section data-forum-fragment>) keeps them until the frame has drawn itself, then shows the frame in
// their place. When the host page switches between light and dark, the frame follows.
// README, "Comments under articles".
"use strict";

(() => {
  const script = document.currentScript;
  if (!script || !script.src) return;
  const forum = new URL(script.src);
  const base = forum.href.replace(/static\/js\/embed\.js(\?.*)?$/, "");
  const canonical = document.querySelector("link[rel=canonical]");
  const article = script.dataset.url || (canonical && canonical.href) || location.href.split("#")[0];

  function hostTheme() {
    if (script.dataset.theme === "light" || script.dataset.theme === "dark") return script.dataset.theme;
    const scheme = getComputedStyle(document.documentElement).colorScheme || "";
    const words = scheme.split(/\s+/);
    if (words.includes("dark") && !words.includes("light")) return "dark";
    if (words.includes("light") && !words.includes("dark")) return "light";
    return "";  // both or neither: the reader's own preference, which the frame follows itself
  }

  const src = new URL("embed/article", base);
  src.searchParams.set("url", article);
  const theme = hostTheme();
  if (theme) src.searchParams.set("theme", theme);

  const frame = document.createElement("iframe");
  frame.src = src.href;
  frame.title = script.dataset.frameTitle || "Comments";
  frame.className = "forum-comments";
  frame.referrerPolicy = "origin";
  frame.style.width = "100%";
  frame.style.border = "0";
  frame.style.height = "480px";
  frame.style.colorScheme = theme || "normal";
  // The comments the server put in the page, this article's (else the page's one): shown until the
  // frame says how tall it is, which it does once its comments are drawn.
  const fragments = [...document.querySelectorAll("[data-forum-fragment]")];
  let fragment = fragments.find((element) => element.dataset.forumFragment === article)
    || (fragments.length === 1 ? fragments[0] : null);
  if (fragment) {
    frame.style.height = "0";
    frame.style.visibility = "hidden";
  }
  script.after(frame);

  // Signing the reader in with the publisher's account (README, "Signing readers in"): when the frame
  // asks, hand it a token, to the forum's origin alone. data-sso-url names an address on the publisher's
  // own site that answers {"token": "…"} for the reader signed in there (asked afresh each time, so the
  // token is minutes old); data-sso-token is a token written into the page. Neither is kept anywhere.
  async function ssoToken() {
    if (script.dataset.ssoUrl) {
      const answer = await fetch(script.dataset.ssoUrl, { credentials: "same-origin", cache: "no-store" });
      if (!answer.ok) return null;
      return (await answer.json()).token || null;
    }
    return script.dataset.ssoToken || null;
  }

  window.addEventListener("message", async (event) => {
    if (event.origin !== forum.origin || event.source !== frame.contentWindow) return;
    const data = event.data;
    if (data && data.type === "forum:sso-wanted") {
      const token = await ssoToken().catch(() => null);
      if (token) frame.contentWindow.postMessage({ type: "forum:sso", token }, forum.origin);
      return;
    }
    if (!data || data.type !== "forum:height" || !Number.isFinite(data.height)) return;
    frame.style.height = `${Math.min(Math.max(Math.ceil(data.height), 120), 50000)}px`;
    if (fragment) {
      fragment.remove();
      fragment = null;
      frame.style.visibility = "";
    }
  });

  // The host's own dark-mode switch (a class or attribute on <html> or <body>): tell the frame.
  let shown = theme;
  const follow = () => {
    const now = hostTheme();
    if (now === shown) return;
    shown = now;
    frame.style.colorScheme = now || "normal";
    frame.contentWindow.postMessage({ type: "forum:theme", theme: now }, forum.origin);
  };
  const watched = { attributes: true, attributeFilter: ["class", "style", "data-theme", "data-color-scheme"] };
  const watcher = new MutationObserver(follow);
  watcher.observe(document.documentElement, watched);
  if (document.body) watcher.observe(document.body, watched);
})();
