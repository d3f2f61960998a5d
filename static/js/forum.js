// The few things htmx attributes cannot say: fresh relative times, quoting the selected text,
// answering a post from the composer, the caret of a focused edit, J/K between posts,
// @mention and :emoji: suggestions, and closing a reaction panel as a menu closes.
// Every link here also works without this file (it is progressive enhancement only).
"use strict";

(() => {
  const UNITS = [["year", 31536000], ["month", 2592000], ["week", 604800], ["day", 86400],
                 ["hour", 3600], ["minute", 60]];

  // "5 minutes ago", as the server writes it, kept current while the page stays open.
  function timeAgo(date) {
    const seconds = Math.floor((Date.now() - date.getTime()) / 1000);
    for (const [name, size] of UNITS) {
      if (seconds >= size) {
        const count = Math.floor(seconds / size);
        return `${count} ${name}${count === 1 ? "" : "s"} ago`;
      }
    }
    return "just now";
  }

  function refreshTimes() {
    for (const time of document.querySelectorAll("time[datetime] > .ago")) {
      const date = new Date(time.parentElement.getAttribute("datetime"));
      if (!Number.isNaN(date.getTime())) time.textContent = timeAgo(date);
    }
  }
  setInterval(refreshTimes, 60000);

  // Quote: the selection inside a post if there is one, else the whole post, at the caret.
  let lastSelection = null;
  document.addEventListener("selectionchange", () => {
    const selection = document.getSelection();
    if (!selection || selection.isCollapsed) return;
    const body = selection.anchorNode && selection.anchorNode.parentElement?.closest(".post-body");
    if (body && body.contains(selection.focusNode)) {
      lastSelection = {post: body.closest("article.post"), text: selection.toString()};
    }
  });

  // The composers the member has been in: until then the caret of a restored draft is at its start
  // (where the browser leaves it), and text is added at the end, after what is written.
  const visited = new WeakSet();
  document.addEventListener("focusin", (event) => {
    if (event.target instanceof HTMLTextAreaElement) visited.add(event.target);
  });

  function toEnd(box) {
    box.setSelectionRange(box.value.length, box.value.length);
  }

  function insertAtCaret(box, text) {
    if (!visited.has(box)) toEnd(box);
    const start = box.selectionStart ?? box.value.length;
    const before = box.value.slice(0, start);
    const spacer = before && !before.endsWith("\n\n") ? (before.endsWith("\n") ? "\n" : "\n\n") : "";
    box.value = before + spacer + text + box.value.slice(box.selectionEnd ?? start);
    const caret = (before + spacer + text).length;
    box.focus();
    box.setSelectionRange(caret, caret);
    box.dispatchEvent(new Event("input", {bubbles: true}));  // the draft keeps up
  }

  async function quote(link, event) {
    // A private conversation's Quote names its own composer; every other Quote fills the reply box.
    const box = document.getElementById(link.dataset.composer || "reply-body");
    if (!box) return;  // no composer on this page: follow the link to the reply page
    event.preventDefault();
    const post = link.closest("article.post");
    const selected = lastSelection && lastSelection.post === post ? lastSelection.text.trim() : "";
    const url = new URL(link.dataset.quoteUrl, location.href);
    if (selected) url.searchParams.set("selection", selected);
    const response = await fetch(url, {credentials: "same-origin"});
    if (!response.ok) { location.href = link.href; return; }
    insertAtCaret(box, await response.text());
    lastSelection = null;
    answer(link);  // a quote answers the quoted post, as the reply page does without JavaScript
  }

  // Reply: the composer remembers which post it answers, and says so.
  function answer(link, event) {
    const box = document.getElementById("reply-body");
    const parent = document.getElementById("reply-parent");
    const context = document.getElementById("reply-context");
    if (!box || !parent || !context) return;
    event?.preventDefault();
    const post = link.closest("article.post");
    parent.value = link.dataset.postId;
    const target = document.createElement("a");
    target.href = post.querySelector(".permalink").href;
    const name = document.createElement("bdi");
    name.textContent = post.dataset.author;
    target.append(name);
    const cancel = document.createElement("button");
    cancel.type = "button";
    cancel.className = "link cancel-answer";
    cancel.textContent = "Cancel";
    // The name starts with the visible word, so "click Cancel" works for voice control too.
    cancel.setAttribute("aria-label", `Cancel replying to ${post.dataset.author}`);
    context.replaceChildren("Replying to ", target, " · ", cancel);
    context.hidden = false;
    if (document.activeElement !== box) {  // after a quote it has the caret already, after the quote
      box.focus();
      toEnd(box);  // the member goes on writing after their draft, not in front of it
    }
    saveDraft(box);  // a reload restores the post it answers, and only that one
  }

  // The composer's Cancel (added above, or rendered by the server for a restored draft): the reply
  // answers no post any more, and the draft forgets it too, so a reload does not bring it back.
  function cancelAnswer(button, event) {
    const box = document.getElementById("reply-body");
    const parent = document.getElementById("reply-parent");
    const context = document.getElementById("reply-context");
    if (!box || !parent || !context) return;  // no composer to clear: the server's Cancel does it
    event.preventDefault();
    parent.value = "";
    context.hidden = true;
    context.replaceChildren();
    box.focus();
    saveDraft(box);
  }

  function saveDraft(box) {
    const url = box.getAttribute("data-hx-post");
    if (url && box.form) fetch(url, {method: "POST", body: new FormData(box.form), credentials: "same-origin"});
  }

  document.addEventListener("click", (event) => {
    const cancel = event.target.closest("button.cancel-answer");
    if (cancel) { cancelAnswer(cancel, event); return; }
    const link = event.target.closest("a.quote-action, a.reply-action");
    if (!link || event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey) return;
    if (link.classList.contains("quote-action")) quote(link, event);
    else answer(link, event);
  });

  // A text box that htmx focuses for its [autofocus] (the edit form) gets the caret at the end, where
  // the member goes on writing; htmx's focus() alone leaves it at the start.
  const caretPlaced = new WeakSet();
  document.addEventListener("focusin", (event) => {
    const box = event.target;
    if (!box.matches("textarea[autofocus]") || caretPlaced.has(box)) return;
    caretPlaced.add(box);
    box.setSelectionRange(box.value.length, box.value.length);
  });

  // J and K: the next and the previous post, a post a key instead of five Tabs. Only while focus is
  // in a post and not in a field, so the letters never act anywhere else (WCAG 2.1.4).
  const postKeys = document.getElementById("post-keys");
  if (postKeys) postKeys.hidden = false;  // the hint, shown only where the keys work
  document.addEventListener("keydown", (event) => {
    if (!["j", "k"].includes(event.key) || event.ctrlKey || event.metaKey || event.altKey) return;
    const post = event.target.closest?.("#posts > .post");
    if (!post || event.target.matches("input, textarea, select, [contenteditable]")) return;
    const all = [...document.querySelectorAll("#posts > .post")];
    const next = all[all.indexOf(post) + (event.key === "j" ? 1 : -1)];
    if (!next) return;
    event.preventDefault();
    if (!next.hasAttribute("tabindex")) next.tabIndex = -1;
    next.focus();
  });

  // @mentions and :emoji: — suggestions from the server as the member types, chosen with arrows and Enter.
  const MENTION_BEFORE_CARET = /(?:^|[^\w@/.])@([A-Za-z0-9][A-Za-z0-9_-]{0,19})$/;
  const EMOJI_BEFORE_CARET = /(?:^|[\s(])(:[A-Za-z0-9_+-]{2,30})$/;
  const SUGGESTING = "textarea[data-suggest-url], textarea[data-emoji-url]";
  let suggestTimer = null;

  // What is being typed before the caret: the text a choice replaces, what to ask for, and where.
  function typedAtCaret(box) {
    const before = box.value.slice(0, box.selectionStart);
    const mention = box.dataset.suggestUrl && MENTION_BEFORE_CARET.exec(before);
    if (mention) return {text: mention[1], query: mention[1], url: box.dataset.suggestUrl};
    const emoji = box.dataset.emojiUrl && EMOJI_BEFORE_CARET.exec(before);
    if (emoji) return {text: emoji[1], query: emoji[1].slice(1), url: box.dataset.emojiUrl};
    return null;
  }

  function options(list) { return [...list.querySelectorAll("[role=option]")]; }

  function closeSuggestions(box) {
    const list = document.getElementById(box.getAttribute("aria-controls"));
    if (list) list.replaceChildren();
    box.removeAttribute("aria-activedescendant");
  }

  function choose(box, option) {
    const typed = typedAtCaret(box);
    if (typed === null) return;
    const start = box.selectionStart - typed.text.length;
    box.setSelectionRange(start, box.selectionStart);
    box.setRangeText((option.dataset.insert || option.dataset.username) + " ", start, box.selectionEnd, "end");
    closeSuggestions(box);
    box.focus();
    box.dispatchEvent(new Event("input", {bubbles: true}));
  }

  function move(box, list, step) {
    const all = options(list);
    if (!all.length) return false;
    const current = all.findIndex((o) => o.getAttribute("aria-selected") === "true");
    const next = all[(current + step + all.length) % all.length];
    all.forEach((o) => o.setAttribute("aria-selected", String(o === next)));
    box.setAttribute("aria-activedescendant", next.id);
    return true;
  }

  document.addEventListener("input", (event) => {
    const box = event.target;
    if (!box.matches || !box.matches(SUGGESTING) || !window.htmx) return;
    clearTimeout(suggestTimer);
    const typed = typedAtCaret(box);
    if (typed === null || typed.query.length < 1) { closeSuggestions(box); return; }
    suggestTimer = setTimeout(() => {
      const url = new URL(typed.url, location.href);
      url.searchParams.set("q", typed.query);
      htmx.ajax("GET", url.pathname + url.search,
                {target: "#" + box.getAttribute("aria-controls"), swap: "innerHTML"});
    }, 200);
  });

  document.addEventListener("keydown", (event) => {
    const box = event.target;
    if (!box.matches || !box.matches(SUGGESTING)) return;
    const list = document.getElementById(box.getAttribute("aria-controls"));
    if (!list || !options(list).length) return;
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      if (move(box, list, event.key === "ArrowDown" ? 1 : -1)) event.preventDefault();
    } else if (event.key === "Enter" || event.key === "Tab") {
      const active = list.querySelector("[aria-selected=true]");
      if (active) { event.preventDefault(); choose(box, active); }
    } else if (event.key === "Escape") {
      closeSuggestions(box);
    }
  });

  document.addEventListener("click", (event) => {
    const option = event.target.closest && event.target.closest(".suggestions [role=option]");
    if (!option) return;
    const box = document.querySelector(`textarea[aria-controls="${option.closest(".mention-suggestions").id}"]`);
    if (box) choose(box, option);
  });

  // Images: pasted, dropped or chosen in a composer, uploaded at once (with progress and a Cancel button)
  // and put in the text at the caret as ![description](/uploads/…), the description selected so that
  // typing replaces it. Without this file the form sends the chosen image with the text, and the server
  // adds the reference at the end.
  function imageParts(box) {
    const set = box?.form?.querySelector(".attach-image");
    if (!set) return null;
    return {set, message: set.querySelector(".upload-message"), row: set.querySelector(".upload-progress"),
            alt: set.querySelector("input[name=image_alt]")};
  }

  function uploadImage(box, file) {
    const parts = imageParts(box);
    if (!parts) return Promise.resolve();
    const {set, message, row, alt} = parts;
    const bar = row.querySelector("progress");
    const typed = alt.value.trim();
    const data = new FormData();
    data.append("csrf_token", box.form.querySelector("input[name=csrf_token]").value);
    data.append("image", file, file.name || "image.png");
    data.append("alt", typed);
    const xhr = new XMLHttpRequest();
    xhr.open("POST", set.dataset.uploadUrl);
    xhr.upload.addEventListener("progress", (event) => {
      if (event.lengthComputable) bar.value = Math.round((event.loaded / event.total) * 100);
    });
    message.textContent = `Uploading ${file.name || "the image"}…`;
    bar.value = 0;
    row.hidden = false;
    row.querySelector(".upload-cancel").onclick = () => xhr.abort();
    return new Promise((resolve) => {
      const finish = (text) => {
        row.hidden = true;
        message.textContent = text;
        resolve();
      };
      xhr.addEventListener("abort", () => { finish("Upload cancelled."); box.focus(); });
      xhr.addEventListener("error", () => finish("The image could not be uploaded: the connection failed. Try again."));
      xhr.addEventListener("load", () => {
        let answer = {};
        try { answer = JSON.parse(xhr.responseText); } catch { /* not ours: a proxy's page */ }
        if (xhr.status !== 201 || !answer.markdown) {
          finish(answer.error || (xhr.status === 413 ? "That file is too large." : "The image could not be uploaded. Try again."));
          return;
        }
        alt.value = "";
        insertAtCaret(box, answer.markdown + "\n");
        const end = box.selectionStart - 1;
        const start = end - answer.markdown.length;
        const words = answer.markdown.slice(2, answer.markdown.lastIndexOf("](/uploads/"));
        if (!typed) box.setSelectionRange(start + 2, start + 2 + words.length);
        finish(typed ? "Image added to your text."
                     : `Image added. Its description, “${words}”, is selected in your text: type to replace it.`);
      });
      xhr.send(data);
    });
  }

  async function uploadImages(box, files) {
    for (const file of files) await uploadImage(box, file);
  }

  function imageFiles(transfer) {
    return [...(transfer?.files || [])].filter((file) => file.type.startsWith("image/"));
  }

  document.addEventListener("paste", (event) => {
    const box = event.target;
    if (!(box instanceof HTMLTextAreaElement) || !imageParts(box)) return;
    const files = imageFiles(event.clipboardData);
    if (!files.length) return;
    event.preventDefault();
    uploadImages(box, files);
  });
  document.addEventListener("dragover", (event) => {
    if (event.target instanceof HTMLTextAreaElement && imageParts(event.target)
        && [...event.dataTransfer.types].includes("Files")) event.preventDefault();
  });
  document.addEventListener("drop", (event) => {
    const box = event.target;
    if (!(box instanceof HTMLTextAreaElement) || !imageParts(box)) return;
    const files = imageFiles(event.dataTransfer);
    if (!files.length) return;
    event.preventDefault();
    visited.add(box);  // the reference goes at the caret
    uploadImages(box, files);
  });
  document.addEventListener("change", (event) => {
    const input = event.target;
    if (!input.matches?.(".attach-image input[type=file]")) return;
    const box = input.form?.querySelector("textarea");
    if (!box) return;
    const files = [...input.files];
    input.value = "";  // uploaded now: not sent again with the form
    uploadImages(box, files);
  });

  // The sanction form: only the fields the chosen kind needs. Hidden fields are disabled too, so
  // a value typed for another kind is not sent. Without this file every field shows, each saying
  // which kind it is for, and the server ignores the ones the chosen kind does not use.
  function showKindFields(form) {
    const kind = form.querySelector("select[name=kind]")?.value;
    for (const wrapper of form.querySelectorAll(".kind-field[data-kinds]")) {
      const used = wrapper.dataset.kinds.split(" ").includes(kind);
      wrapper.hidden = !used;
      for (const control of wrapper.querySelectorAll("input, select, textarea")) control.disabled = !used;
    }
  }
  function showAllKindFields() { document.querySelectorAll("form.sanction-kind-form").forEach(showKindFields); }
  document.addEventListener("change", (event) => {
    const form = event.target.matches?.("select[name=kind]") && event.target.closest("form.sanction-kind-form");
    if (form) showKindFields(form);
  });
  document.addEventListener("htmx:after:swap", showAllKindFields);  // the preview swaps the form in again

  // A swap that removes the focused element (a notice's own "Forget" button, say) would drop focus
  // to <body>, and a keyboard or screen reader user back to the top of the page: it goes to <main>
  // instead, where the next Tab continues. Swaps that leave focus alone (live updates) change nothing.
  let focusedBeforeSwap = null;
  document.addEventListener("htmx:before:swap", () => { focusedBeforeSwap ??= document.activeElement; });
  document.addEventListener("htmx:after:swap", () => setTimeout(() => {
    const lost = focusedBeforeSwap && focusedBeforeSwap !== document.body && !focusedBeforeSwap.isConnected;
    focusedBeforeSwap = null;
    if (lost && (document.activeElement === document.body || !document.activeElement)) {
      document.getElementById("main")?.focus({ preventScroll: true });
    }
  }, 0));
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", showAllKindFields);
  else showAllKindFields();

  // A post's reaction picker and its list of who reacted are <details> panels over the page: Escape
  // closes the one the focus is in (the focus goes back to its summary), and a click elsewhere closes
  // them all. Without this file each closes as any <details> does, from its own summary.
  const REACTION_PANELS = "details.reaction-picker[open], details.reaction-tally[open]";
  document.addEventListener("keydown", (event) => {
    const open = event.key === "Escape" && event.target.closest?.(REACTION_PANELS);
    if (!open) return;
    open.open = false;
    open.querySelector("summary").focus();
  });
  document.addEventListener("click", (event) => {
    for (const open of document.querySelectorAll(REACTION_PANELS)) {
      if (!open.contains(event.target)) open.open = false;
    }
  });
})();
