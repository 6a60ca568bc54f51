/* The phone pages' service worker (scope /s/): a post's page, its script and its style are fetched
 * from the network first and kept; without network the last good copy answers, so reloading a post's
 * page offline shows the page (and its queue) instead of the browser's error page. The API is never
 * touched: checks wait in the page's own queue (IndexedDB), not here. */
"use strict";
var CACHE = "mingbai-phone-1";
var ASSETS = {{ assets|safe }};

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(CACHE).then(function (cache) { return cache.addAll(ASSETS); }).then(function () {
    return self.skipWaiting();
  }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (keys) {
    return Promise.all(keys.filter(function (key) { return key !== CACHE; }).map(function (key) { return caches.delete(key); }));
  }).then(function () { return self.clients.claim(); }));
});

var OFFLINE = "<!doctype html><html lang=\"zh-CN\"><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">" +
  "<title>无网络</title><p style=\"font:20px/1.5 sans-serif;padding:24px\">当前无网络,本机还没有保存这个岗位的页面。请联网后再扫码打开。</p>";

self.addEventListener("fetch", function (event) {
  var request = event.request;
  var url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin || url.pathname.indexOf("/api/") === 0) return;
  event.respondWith(fetch(request).then(function (response) {
    if (response.ok) {
      var copy = response.clone();
      caches.open(CACHE).then(function (cache) { return cache.put(request, copy); });
    }
    return response;
  }).catch(function () {
    return caches.match(request, { ignoreSearch: true }).then(function (hit) {
      return hit || new Response(OFFLINE, { status: 503, headers: { "Content-Type": "text/html; charset=utf-8" } });
    });
  }));
});
