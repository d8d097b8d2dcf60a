// The CRM's own script: the CSRF header on htmx requests, the search palette (Ctrl/Cmd+K,
// arrows, Enter), the menu button on narrow screens, the board's drag and drop, and the
// live updates (the server's event stream refreshes what shows a changed record). No inline script anywhere: the
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
    return el.querySelector("form.editing, details[open], input[type=checkbox]:checked") !== null;
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

  function connect() {
    const meta = document.querySelector('meta[name="crm-live"]');
    if (!meta || !window.EventSource) return;
    const source = new EventSource(meta.getAttribute("content"));
    source.onmessage = (e) => {
      const [key, by] = String(e.data).split(" ");
      if (by === me() && Date.now() - lastWrite < 3000) return;
      pending.add(key);
      if (timer === null) timer = window.setTimeout(refresh, 250);
    };
  }

  document.addEventListener("DOMContentLoaded", () => {
    if (window.htmx) window.htmx.onLoad(initBoard);
    initBoard(document);
    connect();
  });
})();
