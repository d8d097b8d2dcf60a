// The CRM's own script: the CSRF header on htmx requests, the search palette (Ctrl/Cmd+K,
// arrows, Enter), the menu button on narrow screens, the board's drag and drop, the
// live updates (the server's event stream refreshes what shows a changed record), the
// drafts of forms kept on the server while typing, and logging in again in a dialog. No inline script anywhere: the
// page's Content-Security-Policy allows only files of this origin.
"use strict";

(function () {
  const csrf = () => {
    const m = document.querySelector('meta[name="csrf-token"]');
    return m ? m.getAttribute("content") : "";
  };

  document.addEventListener("htmx:configRequest", (e) => {
    e.detail.headers["X-CSRF-Token"] = csrf();
  });

  // A page that answers a form with something shown once (a secret) names the address it
  // stands for: reloading it then reads that page instead of posting the form again.
  const replaced = document.getElementById("replace-url");
  if (replaced && replaced.dataset.url) history.replaceState(null, "", replaced.dataset.url);

  // --- search palette ---
  const dialog = () => document.getElementById("search");
  const input = () => document.getElementById("search-input");
  const hits = () => Array.from(document.querySelectorAll("#search-results a.search-hit"));

  function openSearch() {
    const d = dialog();
    if (!d) return;
    if (!d.open) d.showModal();
    const i = input();
    if (i) {
      i.focus();
      i.select();
    }
  }

  function activate(list, index) {
    list.forEach((a, k) => {
      const on = k === index;
      a.classList.toggle("active", on);
      a.setAttribute("aria-selected", on ? "true" : "false");
      if (on) {
        input().setAttribute("aria-activedescendant", a.id);
        a.scrollIntoView({ block: "nearest" });
      }
    });
  }

  document.addEventListener("keydown", (e) => {
    if ((e.ctrlKey || e.metaKey) && (e.key === "k" || e.key === "K")) {
      e.preventDefault();
      openSearch();
      return;
    }
    const d = dialog();
    if (!d || !d.open || e.target !== input()) return;
    const list = hits();
    if (list.length === 0) return;
    const current = list.findIndex((a) => a.classList.contains("active"));
    if (e.key === "ArrowDown") {
      e.preventDefault();
      activate(list, Math.min(current + 1, list.length - 1));
    } else if (e.key === "ArrowUp") {
      e.preventDefault();
      activate(list, Math.max(current - 1, 0));
    } else if (e.key === "Enter") {
      e.preventDefault();
      const target = list[current >= 0 ? current : 0];
      window.location.assign(target.href);
    }
  });

  document.addEventListener("htmx:afterSwap", (e) => {
    if (e.target && e.target.id === "search-results") {
      const list = hits();
      if (list.length > 0) activate(list, 0);
    }
  });

  // The recovery codes' page: printed to be kept on paper.
  document.addEventListener("click", (e) => {
    if (e.target instanceof Element && e.target.closest("[data-print]")) window.print();
  });

  document.addEventListener("click", (e) => {
    const t = e.target instanceof Element ? e.target : null;
    if (!t) return;
    if (t.closest("#search-open")) {
      openSearch();
    } else if (t.closest("#search-close")) {
      const d = dialog();
      if (d) d.close();
    } else if (t.closest("#menu-toggle")) {
      const nav = document.getElementById("main-nav");
      const button = document.getElementById("menu-toggle");
      const open = nav.classList.toggle("open");
      button.setAttribute("aria-expanded", open ? "true" : "false");
    }
  });
  // --- filters that apply on change ---
  document.addEventListener("change", (e) => {
    const t = e.target;
    if (t instanceof HTMLSelectElement && t.classList.contains("autosubmit") && t.form) {
      t.form.requestSubmit();
    }
  });

  // --- the contacts' bulk actions: shown once a row is ticked, with how many ---
  function syncBulk() {
    const bar = document.getElementById("bulk");
    if (!bar) return;
    const n = document.querySelectorAll('input[type=checkbox][form="bulk"]:checked').length;
    bar.hidden = n === 0;
    const count = document.getElementById("bulk-count");
    if (count) count.textContent = n === 0 ? "" : `${n} ${n === 1 ? count.dataset.one : count.dataset.many}`;
    // Only the field the chosen action needs.
    const action = document.getElementById("bulk-action");
    bar.querySelectorAll("[data-for]").forEach((l) => (l.hidden = action && l.dataset.for !== action.value));
  }
  document.addEventListener("change", (e) => {
    const t = e.target;
    if ((t instanceof HTMLInputElement && t.getAttribute("form") === "bulk") || (t instanceof Element && t.id === "bulk-action")) syncBulk();
  });

  // --- the board: drag a card to another column (touch too) ---
  let dragging = false;
  function initBoard(root) {
    if (!window.Sortable || !root.querySelectorAll) return;
    root.querySelectorAll("ol.cards").forEach((ol) => {
      if (ol.dataset.sortable) return;
      ol.dataset.sortable = "1";
      window.Sortable.create(ol, {
        group: "board",
        forceFallback: true,
        fallbackTolerance: 4,
        animation: 150,
        delay: 150,
        delayOnTouchOnly: true,
        filter: "button, input, summary, form",
        preventOnFilter: false,
        onStart: () => {
          dragging = true;
        },
        onEnd: (evt) => {
          dragging = false;
          if (evt.from === evt.to) return;
          const card = evt.item;
          window.htmx.ajax("POST", card.dataset.move, {
            target: "#board",
            swap: "outerHTML",
            values: { stage: evt.to.dataset.stage, version: card.dataset.version, from: "board", csrf: csrf() },
          });
        },
      });
    });
  }

  // htmx carries the attributes of an element over to its new version while it settles:
  // the inline styles the drag left (positions, transitions) would be set again through
  // `setAttribute`, which the policy forbids. They are dropped before a swap.
  document.addEventListener("htmx:beforeSwap", (e) => {
    const target = e.detail.target;
    if (target && target.querySelectorAll) {
      target.querySelectorAll("[style]").forEach((el) => el.removeAttribute("style"));
      if (target.hasAttribute("style")) target.removeAttribute("style");
    }
  });

  // --- pipelines' stages: reorder (dragged, or with the arrow buttons), add, remove, and
  // the probabilities checked as they are typed (strictly increasing, 0 to 100) ---
  function checkStages(form) {
    const out = form.querySelector(".stage-check");
    let prev = null;
    let fault = "";
    form.querySelectorAll(".stage-row").forEach((row) => {
      const name = row.querySelector('input[name="stage_name"]');
      const p = row.querySelector(".stage-probability");
      p.removeAttribute("aria-invalid");
      if (!name.value.trim() || p.value === "") return;
      const v = Number(p.value);
      let bad = "";
      if (!Number.isInteger(v) || v < 0 || v > 100) bad = form.dataset.outOfRange;
      else if (prev !== null && v <= prev) bad = form.dataset.notIncreasing.replace("{stage}", name.value.trim()).replace("{previous}", String(prev));
      if (bad) {
        p.setAttribute("aria-invalid", "true");
        fault = fault || bad;
      }
      if (!bad || prev === null || v > prev) prev = Number.isInteger(v) ? v : prev;
    });
    if (out) out.textContent = fault;
    return fault === "";
  }
  function initStages(root) {
    if (!root.querySelectorAll) return;
    root.querySelectorAll("form.stages-form").forEach((form) => {
      if (form.dataset.ready) return;
      form.dataset.ready = "1";
      const list = form.querySelector("ol.stage-rows");
      const blank = list.lastElementChild ? list.lastElementChild.cloneNode(true) : null;
      if (blank) blank.classList.remove("stage-blank");
      // The empty row kept for typing without the script: « Ajouter une étape » does it here.
      const spare = list.querySelector(".stage-blank");
      if (spare) spare.remove();
      if (window.Sortable) {
        window.Sortable.create(list, {
          handle: ".drag-handle",
          forceFallback: true,
          animation: 150,
          onEnd: () => checkStages(form),
        });
      }
      form.addEventListener("click", (e) => {
        const b = e.target instanceof Element ? e.target.closest("button") : null;
        if (!b) return;
        const row = b.closest(".stage-row");
        if (b.classList.contains("stage-up") && row && row.previousElementSibling) {
          list.insertBefore(row, row.previousElementSibling);
          b.focus();
        } else if (b.classList.contains("stage-down") && row && row.nextElementSibling) {
          list.insertBefore(row.nextElementSibling, row);
          b.focus();
        } else if (b.classList.contains("stage-remove") && row) {
          const next = row.nextElementSibling || row.previousElementSibling;
          row.remove();
          if (next) next.querySelector("input[name=stage_name]").focus();
        } else if (b.classList.contains("stage-add") && blank) {
          const fresh = blank.cloneNode(true);
          fresh.querySelectorAll("input").forEach((i) => (i.value = ""));
          list.appendChild(fresh);
          fresh.querySelector("input[name=stage_name]").focus();
        } else {
          return;
        }
        checkStages(form);
      });
      form.addEventListener("input", () => checkStages(form));
      checkStages(form);
    });
  }

  // --- live updates ---
  // Parts of a page say what they show: data-live="contact:<id> activity" (a record, or
  // any record of a kind). When the stream names one, the part is fetched again: from
  // data-live-src, else the current address (the part with the same id). A part the
  // reader is typing in, editing or dragging is left alone and flagged.
  const pending = new Set();
  let timer = null;
  // When this page last wrote: the stream's echo of its own change is not fetched again
  // (the answer to the write already showed it).
  let lastWrite = 0;
  document.addEventListener("htmx:beforeRequest", (e) => {
    const verb = (e.detail.requestConfig && e.detail.requestConfig.verb) || "get";
    if (verb !== "get") lastWrite = Date.now();
  });
  const me = () => {
    const m = document.querySelector('meta[name="crm-live"]');
    return m ? m.dataset.me : "";
  };

  function busy(el) {
    const a = document.activeElement;
    if (dragging && el.querySelector("ol.cards")) return true;
    if (a && a !== document.body && el.contains(a) && a.matches("input, textarea, select")) return true;
    return el.querySelector("form.editing, form.dirty, details[open], input[type=checkbox]:checked") !== null;
  }

  function refresh() {
    timer = null;
    if (dragging) {
      // Not under a card being dragged: after the drop.
      timer = window.setTimeout(refresh, 500);
      return;
    }
    const keys = Array.from(pending);
    pending.clear();
    document.querySelectorAll("[data-live]").forEach((el) => {
      const wants = el.dataset.live.split(/\s+/);
      const hit = keys.some((k) => wants.includes(k) || wants.includes(k.split(":")[0]));
      if (!hit || !el.id) return;
      if (busy(el)) {
        const note = document.body.dataset.liveNotice;
        if (note && !el.querySelector(".live-note")) {
          const p = document.createElement("p");
          p.className = "live-note";
          p.setAttribute("role", "status");
          p.textContent = note;
          el.prepend(p);
        }
        return;
      }
      const src = el.dataset.liveSrc || window.location.pathname + window.location.search;
      window.htmx.ajax("GET", src, { target: "#" + el.id, swap: "outerHTML", select: "#" + el.id });
    });
    window.htmx.trigger(document.body, "crm:changed");
  }

  let source = null;
  function connect() {
    const meta = document.querySelector('meta[name="crm-live"]');
    if (!meta || !window.EventSource) return;
    if (source && source.readyState !== 2) return;
    source = new EventSource(meta.getAttribute("content"));
    // Whether the page follows the changes now (tests wait for it before changing things).
    source.onopen = () => (document.documentElement.dataset.live = "on");
    source.onerror = () => (document.documentElement.dataset.live = "off");
    source.onmessage = (e) => {
      const [key, by] = String(e.data).split(" ");
      if (by === me() && Date.now() - lastWrite < 3000) return;
      pending.add(key);
      if (timer === null) timer = window.setTimeout(refresh, 250);
    };
  }

  // --- drafts (autosave) ---
  // A form marked data-draft="<name>" (data-record: the record it is about; data-version:
  // the version it was opened at) is kept on the server while it is typed in, 800 ms after
  // the last keystroke, and offered back when it shows again (after a reload, on another
  // device, after logging in again). Nothing is kept in the browser's storage. A button
  // marked data-draft-opener opens such a form: a draft of it is offered beside it.
  const base = () => {
    const f = document.getElementById("relogin-form");
    return f ? f.getAttribute("action").replace(/\/login$/, "") : "";
  };
  const SKIPPED = new Set(["csrf", "version", "form", "record", "base_version"]);
  const keepTimers = new WeakMap();
  const restoreNext = new Map();

  function typedFields(form) {
    const out = [];
    for (const el of form.elements) {
      if (!el.name || el.disabled || SKIPPED.has(el.name)) continue;
      if (["password", "file", "hidden", "submit", "button"].includes(el.type)) continue;
      if ((el.type === "checkbox" || el.type === "radio") && !el.checked) continue;
      out.push([el.name, el.value]);
    }
    return out;
  }

  function keyOf(name, record) {
    const p = new URLSearchParams({ form: name });
    if (record) p.set("record", record);
    return p;
  }

  function post(path, body) {
    return fetch(base() + path, {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRF-Token": csrf(), "Content-Type": "application/x-www-form-urlencoded" },
      body,
    }).catch(() => null);
  }

  // Keeps the form's draft; the answer's status (0 when the server cannot be reached).
  // A session that ended asks for the password, then does `again` (keeping it again).
  async function keep(form, again = () => keep(form)) {
    if (form.dataset.submitting) return 0;
    const body = keyOf(form.dataset.draft, form.dataset.record);
    if (form.dataset.version) body.set("base_version", form.dataset.version);
    for (const [k, v] of typedFields(form)) body.append(k, v);
    const r = await post("/drafts", body);
    if (r && r.status === 401) needLogin(again);
    if (r && r.ok) form.dataset.kept = String(Date.now());
    return r ? r.status : 0;
  }

  document.addEventListener("input", (e) => {
    const t = e.target;
    const form = t && t.form;
    if (!form || !form.dataset.draft || t.type === "password") return;
    form.classList.add("dirty");
    window.clearTimeout(keepTimers.get(form));
    keepTimers.set(form, window.setTimeout(() => keep(form), 800));
  });

  // A form of the page's own (not htmx) is kept once more before it leaves: a session
  // that ended is found here, and logging in again in the dialog sends it on.
  document.addEventListener(
    "submit",
    (e) => {
      const form = e.target;
      if (!(form instanceof HTMLFormElement) || !form.dataset.draft) return;
      window.clearTimeout(keepTimers.get(form));
      if (form.hasAttribute("hx-post")) {
        form.dataset.submitting = "1";
        return;
      }
      if (form.dataset.checked) return;
      e.preventDefault();
      e.stopImmediatePropagation();
      const submitter = e.submitter;
      const send = () => {
        form.dataset.checked = "1";
        form.dataset.submitting = "1";
        form.querySelectorAll('input[name="csrf"]').forEach((i) => (i.value = csrf()));
        form.requestSubmit(submitter && submitter.form === form ? submitter : undefined);
      };
      // Sent now, or once logged in again when the session has ended.
      keep(form, send).then((status) => {
        if (status !== 401) send();
      });
    },
    true,
  );

  async function fetchDraft(name, record) {
    const r = await fetch(base() + "/drafts?" + keyOf(name, record), { credentials: "same-origin" }).catch(() => null);
    if (!r || r.status !== 200) return null;
    return r.json();
  }

  function differs(form, fields) {
    return Object.entries(fields).some(([k, v]) => {
      const el = form.elements.namedItem(k);
      return el && "value" in el && el.value !== v;
    });
  }

  function fill(form, draft) {
    for (const [k, v] of Object.entries(draft.fields)) {
      const el = form.elements.namedItem(k);
      if (el && "value" in el && !["password", "hidden", "file"].includes(el.type)) el.value = v;
    }
    // Saved over the version the draft was typed on: a change made since is a conflict,
    // shown, never overwritten unseen.
    const version = form.elements.namedItem("version");
    if (version && draft.base_version !== null && draft.base_version !== undefined) {
      version.value = String(draft.base_version);
    }
    form.classList.add("dirty");
    const done = document.getElementById("draft-restored");
    if (done) {
      const note = done.cloneNode(true);
      note.removeAttribute("id");
      note.hidden = false;
      note.classList.add("draft-note");
      form.prepend(note);
    }
  }

  function showOffer(anchor, draft, edit, onRestore, onDiscard) {
    const tpl = document.getElementById("draft-offer");
    if (!tpl || anchor.parentElement.querySelector(":scope > .draft-offer")) return;
    const box = tpl.content.firstElementChild.cloneNode(true);
    const when = box.querySelector(".draft-when");
    when.textContent = edit ? when.dataset.edit : when.dataset.new;
    box.querySelector(".draft-saved").textContent = draft.saved;
    box.querySelector(".draft-restore").addEventListener("click", () => {
      box.remove();
      onRestore();
    });
    box.querySelector(".draft-discard").addEventListener("click", () => {
      box.remove();
      onDiscard();
    });
    anchor.insertAdjacentElement(edit ? "afterend" : "beforebegin", box);
  }

  async function offer(form) {
    const id = form.dataset.draft + " " + (form.dataset.record || "");
    if (restoreNext.has(id)) {
      fill(form, restoreNext.get(id));
      restoreNext.delete(id);
      return;
    }
    const draft = await fetchDraft(form.dataset.draft, form.dataset.record);
    if (!draft || !differs(form, draft.fields)) return;
    showOffer(
      form,
      draft,
      false,
      () => fill(form, draft),
      () => post("/drafts/discard", keyOf(form.dataset.draft, form.dataset.record)),
    );
  }

  async function offerOpener(button) {
    const name = button.dataset.draftOpener;
    const record = button.dataset.record;
    const draft = await fetchDraft(name, record);
    if (!draft) return;
    showOffer(
      button,
      draft,
      true,
      () => {
        restoreNext.set(name + " " + (record || ""), draft);
        button.click();
      },
      () => post("/drafts/discard", keyOf(name, record)),
    );
  }

  function initDrafts(root) {
    if (!root.querySelectorAll) return;
    const forms = Array.from(root.querySelectorAll("form[data-draft]"));
    if (root.matches && root.matches("form[data-draft]")) forms.push(root);
    forms.forEach(offer);
    root.querySelectorAll("[data-draft-opener]").forEach(offerOpener);
  }

  // A conflict: a stored value taken back into the form, field by field.
  document.addEventListener("click", (e) => {
    const b = e.target instanceof Element ? e.target.closest("[data-take]") : null;
    if (!b) return;
    const form = b.closest("section, main").querySelector("form[data-draft]");
    const el = form && form.elements.namedItem(b.dataset.take);
    if (!el) return;
    el.value = b.dataset.value;
    el.dispatchEvent(new Event("input", { bubbles: true }));
    b.disabled = true;
  });

  // --- a session that ended: logging in again in a dialog, the page kept ---
  const afterLogin = [];
  function needLogin(retry) {
    if (retry) afterLogin.push(retry);
    const d = document.getElementById("relogin");
    if (!d) {
      window.location.reload();
      return;
    }
    if (!d.open) {
      d.showModal();
      document.getElementById("relogin-password").focus();
    }
  }

  const cookie = (name) => {
    const hit = document.cookie.split(";").map((c) => c.trim().split("=")).find(([k]) => k === name);
    return hit ? hit.slice(1).join("=") : "";
  };

  document.addEventListener("submit", async (e) => {
    const f = e.target;
    if (!(f instanceof HTMLFormElement) || f.id !== "relogin-form") return;
    e.preventDefault();
    const r = await fetch(f.action, {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CRM-Relogin": "1", "Content-Type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams(new FormData(f)),
    }).catch(() => null);
    document.getElementById("relogin-failed").hidden = !(r && r.status === 401);
    document.getElementById("relogin-many").hidden = !(r && r.status === 429);
    // A second factor is asked: the login page asks for it, then comes back here.
    if (r && r.status === 403) {
      window.location.assign(f.action + "?next=" + encodeURIComponent(window.location.pathname + window.location.search));
      return;
    }
    if (!r || r.status !== 204) return;
    const who = r.headers.get("x-crm-user");
    if (who && who !== me()) {
      window.location.reload();
      return;
    }
    const token = cookie("crm_csrf");
    document.querySelector('meta[name="csrf-token"]').setAttribute("content", token);
    document.querySelectorAll('input[name="csrf"]').forEach((i) => (i.value = token));
    f.elements.namedItem("password").value = "";
    document.getElementById("relogin").close();
    connect();
    afterLogin.splice(0).forEach((job) => job());
  });

  // An htmx request met an ended session: the dialog, then the same action again.
  document.addEventListener("htmx:afterRequest", (e) => {
    const elt = e.detail.elt;
    const xhr = e.detail.xhr;
    if (elt instanceof HTMLFormElement) delete elt.dataset.submitting;
    if (!xhr || xhr.status !== 401) return;
    const verb = (e.detail.requestConfig && e.detail.requestConfig.verb) || "get";
    if (elt instanceof HTMLFormElement) {
      needLogin(() => elt.requestSubmit());
    } else if (verb !== "get" || elt.matches("button, a")) {
      needLogin(() => elt.click());
    } else {
      needLogin(null);
    }
  });

  document.addEventListener("DOMContentLoaded", () => {
    if (window.htmx) {
      window.htmx.onLoad(initBoard);
      window.htmx.onLoad((el) => {
        if (el !== document.body) initDrafts(el);
      });
    }
    initBoard(document);
    initStages(document);
    initDrafts(document);
    syncBulk();
    connect();
  });
})();
