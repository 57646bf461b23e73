// Runs the app's service worker (web/sw.js) in Node against a stand-in for the browser's
// service-worker scope, because headless Chromium shows no notification a test could click.
// Prints one JSON line: what each click did.
import { readFileSync } from "node:fs";
import vm from "node:vm";

const [swPath] = process.argv.slice(2);
const handlers = {};
const log = [];
let windows = [];
const scope = {
  location: { origin: "https://app.nrp.example" },
  URL,
  addEventListener: (type, fn) => { handlers[type] = fn; },
  skipWaiting: () => {},
  registration: {
    showNotification: async (title, options) => { log.push({ shown: { title, ...options } }); },
  },
  clients: {
    claim: async () => {},
    matchAll: async () => windows,
    openWindow: async (url) => { log.push({ opened: url }); },
  },
};
scope.self = scope;
vm.createContext(scope);
vm.runInContext(readFileSync(swPath, "utf8"), scope);

async function dispatch(type, init) {
  let pending = [];
  const event = { ...init, waitUntil: (p) => pending.push(p) };
  handlers[type](event);
  await Promise.all(pending);
}

const closed = [];
const notification = (url) => ({ data: { url }, close: () => closed.push(url) });

// A push with an offer's payload shows it with its tag.
await dispatch("push", { data: { json: () => ({ kind: "offer", title: "New water job in Sydney", body: "High", tag: "offer-1", url: "/offers/1", requireInteraction: true }) } });
// No app window open: the click opens the offer.
await dispatch("notificationclick", { notification: notification("/offers/1") });
// The app open in a tab: the click focuses it and navigates it to the offer.
const tab = { url: "https://app.nrp.example/jobs", focus: async () => log.push({ focused: true }), navigate: async (u) => log.push({ navigated: u }) };
windows = [tab];
await dispatch("notificationclick", { notification: notification("/offers/2") });
// A window of another site is never used.
windows = [{ url: "https://elsewhere.example/", focus: async () => log.push({ wrongFocus: true }), navigate: async () => {} }];
await dispatch("notificationclick", { notification: notification("/offers/3") });

console.log(JSON.stringify({ log, closed }));
