// The phone-first mode on every page: the service worker registered (it keeps the
// person's « today » for reading offline), told who is signed in, and emptied at logout;
// a banner while the network is down; after a tap on a phone number, a bar to log the
// call in one more tap.
"use strict";

(function () {
  const sw = document.querySelector('meta[name="crm-sw"]');
  const me = document.querySelector('meta[name="crm-live"]');

  async function forgetCopies() {
    if (!("caches" in window)) return;
    const keys = await caches.keys();
    await Promise.all(keys.filter((k) => k.startsWith("crm-today-")).map((k) => caches.delete(k)));
    if (navigator.serviceWorker && navigator.serviceWorker.controller) navigator.serviceWorker.controller.postMessage({ type: "logout" });
  }

  function register() {
    if (!sw || !("serviceWorker" in navigator) || !window.isSecureContext) return;
    navigator.serviceWorker
      .register(sw.getAttribute("content"), { scope: sw.dataset.scope })
      .then(() => navigator.serviceWorker.ready)
      .then((reg) => {
        if (me && me.dataset.me && reg.active) reg.active.postMessage({ type: "user", id: me.dataset.me });
        document.documentElement.dataset.sw = "ready";
      })
      .catch(() => {
        // no offline copies: the interface works as before
      });
  }

  function offlineBanner() {
    const banner = document.getElementById("offline-banner");
    if (!banner) return;
    const copy = document.documentElement.dataset.offlineCopy === "1";
    const sync = () => {
      const offline = copy || !navigator.onLine;
      banner.hidden = !offline;
      // Announced only while shown (tests and readers look for the page's own status).
      if (offline) banner.setAttribute("role", "status");
      else banner.removeAttribute("role");
      document.body.classList.toggle("offline", offline);
    };
    window.addEventListener("online", sync);
    window.addEventListener("offline", sync);
    sync();
  }

  // Logging out: the copies go before the form leaves (the server's answer clears the
  // rest of the site's storage).
  document.addEventListener("submit", (e) => {
    const form = e.target;
    if (!(form instanceof HTMLFormElement) || form.id !== "logout" || form.dataset.cleared) return;
    e.preventDefault();
    form.dataset.cleared = "1";
    forgetCopies().finally(() => form.submit());
  });

  // A tap on a phone number: the call bar shows, to log the call when it is over.
  document.addEventListener("click", (e) => {
    const link = e.target instanceof Element ? e.target.closest('a[href^="tel:"]') : null;
    const bar = document.getElementById("call-log");
    if (!link || !bar) return;
    const number = bar.querySelector("[data-number]");
    if (number) number.textContent = decodeURIComponent(link.getAttribute("href").slice(4));
    bar.hidden = false;
  });
  document.addEventListener("click", (e) => {
    if (e.target instanceof Element && e.target.closest("#call-log-close")) {
      const bar = document.getElementById("call-log");
      if (bar) bar.hidden = true;
    }
  });

  // The board on a phone, one stage at a time: the tab of the stage in view is marked.
  function stageTabs(root) {
    const tabs = root.querySelector(".stage-tabs");
    if (!tabs || !("IntersectionObserver" in window)) return;
    const seen = new IntersectionObserver(
      (entries) => {
        entries.forEach((e) => {
          if (!e.isIntersecting) return;
          tabs.querySelectorAll("a").forEach((a) => a.removeAttribute("aria-current"));
          const tab = tabs.querySelector(`a[href="#${e.target.id}"]`);
          if (tab) {
            tab.setAttribute("aria-current", "true");
            tab.scrollIntoView({ block: "nearest", inline: "nearest" });
          }
        });
      },
      { root: root.querySelector(".columns"), threshold: 0.6 },
    );
    root.querySelectorAll(".column[id]").forEach((c) => seen.observe(c));
  }

  document.addEventListener("DOMContentLoaded", () => {
    register();
    offlineBanner();
    const boardIn = (el) => {
      const board = el.id === "board" ? el : el.querySelector && el.querySelector("#board");
      if (board) stageTabs(board);
    };
    if (window.htmx) window.htmx.onLoad(boardIn);
    else boardIn(document.body);
  });
})();
