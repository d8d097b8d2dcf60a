// The CRM's own script: the CSRF header on htmx requests, the search palette (Ctrl/Cmd+K,
// arrows, Enter), and the menu button on narrow screens. No inline script anywhere: the
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
})();
