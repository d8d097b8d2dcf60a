// The CRM's service worker (phone-first mode): it keeps the interface's files and the
// signed-in person's « today » — their day (/dashboard), their to-do (/todo) and the
// contacts they opened last — so that these read offline. Pages are always asked of the
// network first; the copy kept is shown only when the network fails. The copies belong
// to one person (a cache per user id, which the page tells); another person's signing
// in, or a logout (the page empties the caches, and the server's answer clears the
// site's storage), leaves nothing of the previous one. The server fills in the
// placeholders below (the base path, the files of this version).
"use strict";

const BASE = "__BASE__";
const SHELL = "crm-shell-__VERSION__";
const SHELL_FILES = __SHELL_FILES__;
const TODAY_PREFIX = "crm-today-";
const MAX_CONTACTS = 30;
const CONTACT = new RegExp("^" + BASE.replace(/[.*+?^${}()|[\]\\]/g, "\\$&") + "/contacts/[0-9a-f-]{36}$");

let user = null;

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(SHELL).then((c) => c.addAll(SHELL_FILES)).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((keys) => Promise.all(keys.filter((k) => k.startsWith("crm-shell-") && k !== SHELL).map((k) => caches.delete(k))))
      .then(() => self.clients.claim()),
  );
});

function todayCache(id) {
  return TODAY_PREFIX + id;
}

// Which pages of « today » are kept: the day, the to-do, a contact's page.
function kept(url) {
  const p = url.pathname;
  return p === BASE + "/dashboard" || p === BASE + "/todo" || CONTACT.test(p);
}

// The person whose copies are kept: as the page last said, else (the worker was
// stopped and started again meanwhile) the one whose copies are there, if only one.
async function currentUser() {
  if (user) return user;
  const keys = (await caches.keys()).filter((k) => k.startsWith(TODAY_PREFIX));
  return keys.length === 1 ? keys[0].slice(TODAY_PREFIX.length) : null;
}

async function forgetOthers(id) {
  const keys = await caches.keys();
  await Promise.all(keys.filter((k) => k.startsWith(TODAY_PREFIX) && k !== todayCache(id)).map((k) => caches.delete(k)));
}

async function forgetAll() {
  user = null;
  const keys = await caches.keys();
  await Promise.all(keys.filter((k) => k.startsWith(TODAY_PREFIX)).map((k) => caches.delete(k)));
}

async function keep(id, request, response) {
  const cache = await caches.open(todayCache(id));
  await cache.put(request.url.split("?")[0], response);
  const keys = await cache.keys();
  const contacts = keys.filter((k) => CONTACT.test(new URL(k.url).pathname));
  for (const old of contacts.slice(0, Math.max(0, contacts.length - MAX_CONTACTS))) await cache.delete(old);
}

// The person's day and to-do, fetched once they are known (so they read offline even if
// not opened since).
async function prefetch(id) {
  for (const path of ["/dashboard", "/todo"]) {
    try {
      const r = await fetch(BASE + path, { credentials: "same-origin" });
      if (r.ok && !r.redirected && user === id) await keep(id, new Request(BASE + path), r);
    } catch (_) {
      // offline: the earlier copy stays
    }
  }
}

self.addEventListener("message", (event) => {
  const m = event.data || {};
  if (m.type === "user" && m.id) {
    const changed = user !== m.id;
    user = m.id;
    event.waitUntil(forgetOthers(m.id).then(() => (changed ? prefetch(m.id) : null)));
  } else if (m.type === "logout") {
    event.waitUntil(forgetAll());
  }
});

// A kept copy, marked as such for the page (which then says it is offline).
async function marked(hit) {
  const body = (await hit.text()).replace("<html ", '<html data-offline-copy="1" ');
  return new Response(body, { status: hit.status, statusText: hit.statusText, headers: hit.headers });
}

self.addEventListener("fetch", (event) => {
  const req = event.request;
  if (req.method !== "GET") return;
  const url = new URL(req.url);
  if (url.origin !== self.location.origin) return;
  if (SHELL_FILES.includes(url.pathname)) {
    event.respondWith(caches.match(url.pathname).then((hit) => hit || fetch(req)));
    return;
  }
  if (req.mode !== "navigate") return;
  event.respondWith(
    (async () => {
      const id = await currentUser();
      try {
        const r = await fetch(req);
        if (id && kept(url) && r.ok && !r.redirected && r.type === "basic") await keep(id, req, r.clone());
        return r;
      } catch (e) {
        if (id && kept(url)) {
          const hit = await caches.match(req.url.split("?")[0], { cacheName: todayCache(id) });
          if (hit) return marked(hit);
        }
        const offline = await caches.match(BASE + "/offline");
        if (offline) return offline;
        throw e;
      }
    })(),
  );
});
