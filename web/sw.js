// The contractor app's service worker: shows NRP's push alerts and opens the page an alert
// points to. It caches nothing (the app needs the network to answer offers anyway).
"use strict";

self.addEventListener("install", () => self.skipWaiting());
self.addEventListener("activate", (event) => event.waitUntil(self.clients.claim()));

self.addEventListener("push", (event) => {
  let data = {};
  try {
    data = event.data ? event.data.json() : {};
  } catch (_) {
    data = { title: "National Recovery Partners", body: event.data ? event.data.text() : "" };
  }
  const title = data.title || "National Recovery Partners";
  const options = {
    body: data.body || "",
    // One notification per offer: a later push with the same tag (taken, expired) replaces it.
    tag: data.tag || undefined,
    renotify: data.kind === "offer",
    requireInteraction: Boolean(data.requireInteraction),
    icon: "/icons/icon-192.png",
    badge: "/icons/icon-192.png",
    data: { url: data.url || "/offers", kind: data.kind || "", offerId: data.offerId || null },
  };
  event.waitUntil(self.registration.showNotification(title, options));
});

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const target = new URL((event.notification.data && event.notification.data.url) || "/offers", self.location.origin);
  event.waitUntil(
    (async () => {
      const windows = await self.clients.matchAll({ type: "window", includeUncontrolled: true });
      for (const client of windows) {
        if (new URL(client.url).origin === target.origin && "focus" in client) {
          await client.focus();
          return client.navigate(target.href);
        }
      }
      return self.clients.openWindow(target.href);
    })(),
  );
});
