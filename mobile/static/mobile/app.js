/* The phone page of a post (/s/<token>): login, the checklists due now, photos, an offline queue.
 *
 * Talks only to the JSON API (/api/v1/...). Submissions and their photos are queued in IndexedDB
 * first, then sent; every photo and inspection carries a client_uuid made here once, so a retry
 * after a lost answer gets the stored record back instead of a second one (the API is idempotent).
 * No build step, no library: plain ES2017 that phone browsers of 2020 and later run.
 */
(function () {
  "use strict";
  var cfg = JSON.parse(document.getElementById("mobile-config").textContent);
  var API = cfg.api;
  var AUTH_KEY = "mingbai.auth";
  var KEPT_KEY = "mingbai.scan.";
  var DB_NAME = "mingbai";
  var STORE = "queue";
  var me = null;
  // The scan event this page recorded when it was opened with a login (POST scan/<token>/): every check
  // made on the page cites it, also when queued offline, for the record to count as on site.
  var scanEvent = null;

  function $(sel, root) { return (root || document).querySelector(sel); }

  // One line at the top of the screen after every action (it stays in view while scrolling): what was
  // done, what went wrong (red), or that the phone works offline (orange, not an error). Errors and the
  // offline notice stay until the next message; the rest fade after a while.
  var flashTimer = null;
  function say(text, kind) {
    var box = $("#flash");
    box.textContent = text;
    box.className = kind === "error" || kind === "offline" ? kind : "ok";
    box.hidden = false;
    clearTimeout(flashTimer);
    if (box.className === "ok") flashTimer = setTimeout(function () { box.hidden = true; }, 8000);
  }

  // Signed in with a checklist due, the checklist comes first and the card folds to its five steps
  // and phone numbers, with a "查看明白卡" link; otherwise the card is shown whole, first.
  var cardBlock = document.getElementById("card-block");
  var cardHome = document.createComment("card");
  if (cardBlock) cardBlock.before(cardHome);
  function layout(checklistFirst) {
    if (!cardBlock) return;
    document.body.classList.toggle("checking", checklistFirst);
    if (checklistFirst) $("#card-slot").appendChild(cardBlock);
    else { cardHome.after(cardBlock); cardBlock.classList.remove("open"); }
    $("#card-toggle").hidden = !checklistFirst;
    $("#card-toggle").textContent = cardBlock.classList.contains("open") ? "收起明白卡" : "查看明白卡";
  }
  function openCard() {
    if (!cardBlock) return;
    cardBlock.classList.add("open");
    $("#card-toggle").textContent = "收起明白卡";
    cardBlock.scrollIntoView({ block: "start" });
  }
  if (cardBlock) {
    $("#card-toggle").addEventListener("click", function () {
      if (cardBlock.classList.contains("open")) {
        cardBlock.classList.remove("open");
        this.textContent = "查看明白卡";
      } else openCard();
    });
  }

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (key) {
      if (key === "text") node.textContent = attrs[key];
      else if (key === "class") node.className = attrs[key];
      else if (key.slice(0, 2) === "on") node.addEventListener(key.slice(2), attrs[key]);
      else node.setAttribute(key, attrs[key]);
    });
    (children || []).forEach(function (child) {
      if (child) node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
    });
    return node;
  }

  // crypto.randomUUID exists only in secure contexts (https, localhost); a factory server on
  // http://<LAN IP> is not one, so build a version 4 UUID from getRandomValues there.
  function uuid4() {
    if (window.crypto && typeof crypto.randomUUID === "function") return crypto.randomUUID();
    var b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    var h = Array.prototype.map.call(b, function (x) { return (x + 0x100).toString(16).slice(1); }).join("");
    return [h.slice(0, 8), h.slice(8, 12), h.slice(12, 16), h.slice(16, 20), h.slice(20)].join("-");
  }

  // The phone's position (WGS-84) from the browser's geolocation API, which answers only in a secure
  // context (https, localhost): resolves {position: {latitude, longitude, accuracy}} or {error: text},
  // never rejects. `wait` bounds the whole ask, the permission prompt included (the API's own timeout
  // starts only once it is answered).
  var GEO_ERRORS = { 1: "未允许获取位置", 2: "无法获取位置", 3: "获取位置超时" };
  function locate(opts) {
    return new Promise(function (resolve) {
      if (!navigator.geolocation) { resolve({ error: "本机浏览器不支持定位" }); return; }
      var timer = setTimeout(function () { resolve({ error: GEO_ERRORS[3] }); }, opts.wait);
      navigator.geolocation.getCurrentPosition(function (found) {
        clearTimeout(timer);
        var c = found.coords;
        resolve({ position: { latitude: c.latitude, longitude: c.longitude, accuracy: Math.min(c.accuracy, 1000000) } });
      }, function (failure) {
        clearTimeout(timer);
        resolve({ error: GEO_ERRORS[failure.code] || GEO_ERRORS[2] });
      }, { enableHighAccuracy: true, timeout: opts.timeout, maximumAge: opts.maximumAge });
    });
  }

  // ---------------------------------------------------------------------------------------------
  // Auth: the JWT pair in localStorage, so that a queue left offline can still be sent after the
  // page was closed and opened again (see README "Phone pages").

  function auth() {
    try { return JSON.parse(localStorage.getItem(AUTH_KEY)); } catch (e) { return null; }
  }

  function setAuth(value) {
    if (value) localStorage.setItem(AUTH_KEY, JSON.stringify(value));
    else localStorage.removeItem(AUTH_KEY);
  }

  // One login for the phone page and the supervisor pages (issue 14). The pages' session cookie is
  // HttpOnly; the CSRF cookie (set by every page with a form, the login page included) says there may be
  // one, and goes back as the header the session's POSTs need. `linked`: this token and a session of
  // the pages belong together, so logging out of either ends both (the pages' logout leaves a cookie).
  function cookie(name) {
    var found = document.cookie.split("; ").filter(function (c) { return c.indexOf(name + "=") === 0; })[0];
    return found ? decodeURIComponent(found.slice(name.length + 1)) : null;
  }
  function signedOutSeen() {
    document.cookie = cfg.signedOut + "=; Max-Age=0; path=/; SameSite=Lax" + (location.protocol === "https:" ? "; Secure" : "");
  }

  function forget() {
    setAuth(null);
    me = null;
    scanEvent = null;
    Object.keys(localStorage).forEach(function (key) { if (key.indexOf(KEPT_KEY) === 0) localStorage.removeItem(key); });
  }

  // Logged in on the pages (/m/login/ or /): their session gets this page its tokens, quietly; any
  // failure leaves the login form.
  async function fromSession() {
    var csrf = cookie(cfg.csrfCookie);
    if (!csrf) return;
    try {
      var res = await fetch(API + "auth/session-token/", {
        method: "POST", credentials: "same-origin", headers: { Accept: "application/json", "X-CSRFToken": csrf },
      });
      if (res.status !== 200) return;
      var data = await res.json();
      setAuth({ access: data.access, refresh: data.refresh, username: null, linked: true });
      signedOutSeen();
    } catch (e) { /* offline, or no session: the login form */ }
  }

  // Logged in here with the password: a session for the pages too, so /m/... open without a second login.
  async function toSession() {
    try {
      var res = await api("auth/session/", { method: "POST" });
      if (res.status === 204 && auth()) setAuth(Object.assign(auth(), { linked: true }));
      signedOutSeen();
    } catch (e) { /* the pages will ask for the password */ }
  }

  function endSession() {
    var csrf = cookie(cfg.csrfCookie);
    if (!csrf) return null;
    return fetch(cfg.logout, { method: "POST", credentials: "same-origin", redirect: "manual", headers: { "X-CSRFToken": csrf } })
      .then(signedOutSeen, function () {});
  }

  function message(res) {
    var d = res && res.data;
    if (d && d.message) return d.message;
    return "出错了(" + (res ? res.status : "网络") + ")";
  }

  // Resolves {status, data}; rejects only when the network is down (fetch throws).
  async function api(path, opts) {
    opts = opts || {};
    var current = auth();
    var headers = { Accept: "application/json" };
    var body;
    if (opts.json !== undefined) {
      headers["Content-Type"] = "application/json";
      body = JSON.stringify(opts.json);
    } else if (opts.form) {
      body = opts.form;
    }
    if (current && !opts.anonymous) headers.Authorization = "Bearer " + current.access;
    var res = await fetch(API + path, { method: opts.method || "GET", headers: headers, body: body });
    if (res.status === 401 && current && !opts.anonymous && !opts.retried) {
      if (await refresh(current)) return api(path, Object.assign({}, opts, { retried: true }));
      setAuth(null);
      me = null;
      scanEvent = null;
      showLogin("登录已过期,请重新登录。");
    }
    var data = null;
    try { data = await res.json(); } catch (e) { data = null; }
    return { status: res.status, data: data };
  }

  // A refresh token works once (the answer carries the next one): requests that find the access token
  // expired together share one refresh, and a refresh lost to another tab uses the token it stored.
  var refreshing = null;
  function refresh(current) {
    if (!refreshing) {
      refreshing = (async function () {
        var res = await api("auth/refresh/", { method: "POST", json: { refresh: current.refresh }, anonymous: true });
        if (res.status === 200) {
          setAuth(Object.assign({}, current, { access: res.data.access, refresh: res.data.refresh || current.refresh }));
          return true;
        }
        var now = auth();
        return !!(now && now.refresh !== current.refresh);
      })().finally(function () { refreshing = null; });
    }
    return refreshing;
  }

  function showLogin(reason) {
    $("#login").hidden = false;
    $("#login-error").textContent = reason || "";
    if (reason) say(reason, "error");
    $("#ack").hidden = true;
    $("#cert").hidden = true;
    layout(false);
    $("#me").hidden = true;
    $("#report").hidden = true;
    $("#fence").hidden = true;
    $("#mine").hidden = true;
    $("#checklists").textContent = "";
  }

  $("#login").addEventListener("submit", async function (event) {
    event.preventDefault();
    var form = event.target;
    var button = $("button", form);
    button.disabled = true;
    $("#login-error").textContent = "";
    try {
      var res = await api("auth/token/", {
        method: "POST",
        anonymous: true,
        json: { username: form.username.value.trim(), password: form.password.value },
      });
      if (res.status === 200) {
        setAuth({ access: res.data.access, refresh: res.data.refresh, username: form.username.value.trim() });
        await toSession();
        form.password.value = "";
        form.hidden = true;
        say("已登录。");
        await start();
      } else {
        $("#login-error").textContent = res.status === 401 ? "账号或密码错误。" : message(res);
      }
    } catch (e) {
      $("#login-error").textContent = "网络不通,请稍后再试。";
    } finally {
      button.disabled = false;
    }
  });

  $("#logout").addEventListener("click", async function () {
    var was = auth();
    forget();
    showLogin();
    renderQueue();
    // The refresh token is revoked on the server, so a copy of it left on a shared phone is useless.
    if (was && was.refresh) {
      try { await api("auth/logout/", { method: "POST", json: { refresh: was.refresh }, anonymous: true }); } catch (e) { /* offline */ }
    }
    if (was && was.linked) await endSession();
    say("已退出登录。");
  });

  // ---------------------------------------------------------------------------------------------
  // The queue: IndexedDB entries {client_uuid, user, label, body, photos: [{client_uuid, item, blob, id?}],
  // state: queued | failed | conflict, message}.

  var dbPromise = null;
  function db() {
    if (!dbPromise) {
      dbPromise = new Promise(function (resolve, reject) {
        var req = indexedDB.open(DB_NAME, 1);
        req.onupgradeneeded = function () { req.result.createObjectStore(STORE, { keyPath: "client_uuid" }); };
        req.onsuccess = function () { resolve(req.result); };
        req.onerror = function () { reject(req.error); };
      });
    }
    return dbPromise;
  }

  function store(mode, action) {
    return db().then(function (conn) {
      return new Promise(function (resolve, reject) {
        var tx = conn.transaction(STORE, mode);
        var req = action(tx.objectStore(STORE));
        tx.oncomplete = function () { resolve(req.result); };
        tx.onerror = tx.onabort = function () { reject(tx.error); };
      });
    });
  }

  var queueAll = function () { return store("readonly", function (s) { return s.getAll(); }); };
  var queuePut = function (entry) { return store("readwrite", function (s) { return s.put(entry); }); };
  var queueDelete = function (id) { return store("readwrite", function (s) { return s.delete(id); }); };

  var STATE_LABELS = { queued: "等待发送", failed: "发送失败", conflict: "冲突" };

  async function renderQueue() {
    var entries = await queueAll();
    var list = $("#queue-list");
    list.textContent = "";
    $("#queue").hidden = entries.length === 0;
    $("#queue-count").textContent = String(entries.length);
    $("#net").textContent = navigator.onLine ? "" : "当前无网络,联网后自动发送。";
    entries.forEach(function (entry) {
      var photos = entry.photos.length ? "," + entry.photos.length + " 张照片" : "";
      var item = el("li", { class: "q-" + entry.state, "data-uuid": entry.client_uuid }, [
        el("b", { text: entry.label }),
        " " + STATE_LABELS[entry.state] + photos,
      ]);
      if (entry.user !== (auth() || {}).username) item.appendChild(el("div", { text: "需 " + entry.user + " 登录后发送" }));
      if (entry.message) item.appendChild(el("div", { class: "error", text: entry.message }));
      if (entry.state === "failed" && entry.body.post === cfg.post && entry.user === (auth() || {}).username) {
        item.appendChild(el("button", {
          type: "button",
          class: "link",
          text: "修改后重新提交",
          onclick: function () {
            var form = document.querySelector('form.checklist[data-fix="' + entry.client_uuid + '"]');
            if (form) focusFirstGap(form);
          },
        }));
      } else if (entry.state === "failed") {
        item.appendChild(el("div", { class: "muted", text: "请到该岗位的页面修改后重新提交。" }));
      }
      if (entry.state !== "queued") {
        item.appendChild(el("button", {
          type: "button",
          class: "link",
          text: "删除",
          onclick: async function () {
            await queueDelete(entry.client_uuid);
            say("已删除:" + entry.label);
            renderQueue();
            if (auth()) loadChecklists().catch(function () {}); // its form comes back
          },
        }));
      }
      list.appendChild(item);
    });
  }

  var flushing = null;
  function flush() {
    if (!flushing) {
      flushing = flushAll().finally(function () { flushing = null; renderQueue(); });
    }
    return flushing;
  }

  async function flushAll() {
    var current = auth();
    if (!current) return;
    var entries = await queueAll();
    var refused = 0;
    for (var i = 0; i < entries.length; i++) {
      var entry = entries[i];
      if (entry.state !== "queued" || entry.user !== current.username) continue;
      var outcome = await send(entry);
      if (outcome === "stop") break;
      if (outcome === "kept") refused += 1;
    }
    if (refused) {
      // e.g. queued offline, refused once back online: said at the top, the entry shown with its reason
      // and, on its post's page, the form again with the answers kept (loadChecklists).
      say(refused + " 条检查被退回,请按提示修改后重新提交。", "error");
      window.scrollTo(0, 0);
      loadChecklists().catch(function () {});
    }
  }

  // "done": stored, removed from the queue; "kept": refused, kept with the reason; "stop": no
  // network or the server is in trouble, so everything stays queued for the next try.
  async function send(entry) {
    try {
      for (var i = 0; i < entry.photos.length; i++) {
        var photo = entry.photos[i];
        if (photo.id) continue;
        var form = new FormData();
        form.append("client_uuid", photo.client_uuid);
        form.append("image", photo.blob, photo.client_uuid + ".jpg");
        var up = await api("photos/", { method: "POST", form: form });
        if (up.status !== 200 && up.status !== 201) return settle(entry, up);
        photo.id = up.data.id;
        await queuePut(entry);
      }
      var body = JSON.parse(JSON.stringify(entry.body));
      body.results.forEach(function (result) {
        result.photos = entry.photos.filter(function (p) { return p.item === result.item; }).map(function (p) { return p.id; });
      });
      var res = await api("inspections/", { method: "POST", json: body });
      if (res.status === 200 || res.status === 201) {
        await queueDelete(entry.client_uuid);
        showRecorded(entry, res.data);
        return "done";
      }
      return settle(entry, res);
    } catch (e) {
      return "stop";
    }
  }

  async function settle(entry, res) {
    if (res.status === 401 || res.status === 429 || res.status >= 500) return "stop";
    entry.state = res.status === 409 ? "conflict" : "failed";
    entry.errors = (res.data && res.data.errors) || [];
    entry.message = res.status === 409 ? "此记录与已提交的内容不一致:" + message(res) : refusal(entry, res);
    await queuePut(entry);
    return "kept";
  }

  // The server's reasons in words a worker reads: each names its item (the API's field is
  // results[<index>].<what>), never the raw field path.
  function refusal(entry, res) {
    var labels = entry.labels || {};
    var lines = (entry.errors.length ? entry.errors : [{ field: null, message: message(res) }]).map(function (e) {
      var index = /^results\[(\d+)\]/.exec(e.field || "");
      var text = String(e.message || "").replace(/^results\[\d+\]\.\w+: /, "");
      var result = index && entry.body.results[Number(index[1])];
      var label = result && labels[result.item];
      if (label && text.indexOf("「" + label + "」") < 0) text = "「" + label + "」" + text;
      return text;
    });
    return lines.join(";");
  }

  async function showRecorded(entry, record) {
    say("已提交:" + entry.label + (record.late ? "(补报)" : ""));
    var s = record.summary;
    var box = el("div", { class: "card done", "data-inspection": record.id }, [
      el("h2", { text: "✓ 已提交:" + entry.label }),
      el("p", { text: "正常 " + s.ok + " 项,异常 " + s.failed + " 项,不适用 " + s.na + " 项" + (record.late ? "(补报)" : "") }),
    ]);
    if (entry.positionError) box.appendChild(el("p", { class: "muted", text: entry.positionError + ",记录已照常提交。" }));
    (record.flags || []).forEach(function (f) {
      if (f && f.label) box.appendChild(el("p", { class: "muted flag", "data-flag": f.code, text: "已标注:" + f.label }));
    });
    $("#results").prepend(box);
    for (var i = 0; i < record.hazards.length; i++) {
      try {
        var h = await api("hazards/" + record.hazards[i] + "/");
        if (h.status === 200) {
          box.appendChild(el("p", { class: "hazard grade-" + h.data.grade, "data-hazard": h.data.id }, [
            el("b", { text: "已生成隐患 #" + h.data.id + " " }),
            h.data.description + "(" + (h.data.grade === "major" ? "重大隐患" : "一般隐患") + ")",
          ]));
        }
      } catch (e) { /* offline again: the hazard is in the register all the same */ }
    }
    loadChecklists().catch(function () {});
  }

  // ---------------------------------------------------------------------------------------------
  // Checklists due now

  var CHECK_CHOICES = [["ok", "正常"], ["not_ok", "异常"], ["na", "不适用"]];
  var STATUS_LABELS = { done: "本期已完成", late: "已补报", missed: "已过期未检" };

  // The last scan answer of each post (and its templates) is kept per person in localStorage, so that a
  // reload without network still builds the checklist: the check is queued as any offline one, citing
  // the scan the page recorded then (the server judges its time window).
  function keptScan() {
    try {
      var kept = JSON.parse(localStorage.getItem(KEPT_KEY + cfg.token));
      return kept && auth() && kept.user === auth().username ? kept : null;
    } catch (e) { return null; }
  }
  function keep(kept) {
    var keys = Object.keys(localStorage).filter(function (k) { return k.indexOf(KEPT_KEY) === 0 && k !== KEPT_KEY + cfg.token; });
    if (keys.length >= 30) { // a sweep of many posts keeps the latest ones
      var at = function (k) { try { return JSON.parse(localStorage.getItem(k)).at; } catch (e) { return 0; } };
      localStorage.removeItem(keys.sort(function (a, b) { return at(a) - at(b); })[0]);
    }
    try { localStorage.setItem(KEPT_KEY + cfg.token, JSON.stringify(kept)); } catch (e) { /* full: online only */ }
  }
  function clock(ms) {
    var d = new Date(ms), pad = function (n) { return (n < 10 ? "0" : "") + n; };
    var hm = pad(d.getHours()) + ":" + pad(d.getMinutes());
    return d.toDateString() === new Date().toDateString() ? hm : d.getMonth() + 1 + "月" + d.getDate() + "日 " + hm;
  }
  var offlineSince = null; // the time of the kept answer the checklist was built from, offline
  var keptEvent = null;

  async function loadChecklists() {
    var box = $("#checklists");
    var kept = keptScan();
    var res;
    try {
      // Opening the page logged in records a scan (once; a GET never writes); drawing the list again reads.
      res = await api("scan/" + cfg.token + "/", scanEvent ? {} : { method: "POST" });
      offlineSince = null;
    } catch (e) {
      if (!kept) throw e;
      res = { status: 200, data: kept.scan };
      offlineSince = kept.at;
      keptEvent = kept.scanEvent;
    }
    if (res.status === 201) {
      scanEvent = res.data.scan_event;
      res.status = 200; // the same body as the GET's, with the scan event
    }
    if (!offlineSince && res.status === 200 && auth()) {
      var templates = {};
      (res.data.checklists || []).forEach(function (d) { if (kept && kept.templates[d.template.id]) templates[d.template.id] = kept.templates[d.template.id]; });
      kept = { user: auth().username, at: Date.now(), scan: res.data, scanEvent: scanEvent, templates: templates };
      keep(kept);
    }
    var template = async function (id) {
      if (offlineSince) return kept.templates[id] ? { status: 200, data: kept.templates[id] } : { status: 0 };
      var t = await api("templates/" + id + "/");
      if (t.status === 200 && kept) { kept.templates[id] = t.data; keep(kept); }
      return t;
    };
    if (res.status === 410 || res.status === 404) {
      box.textContent = "";
      box.appendChild(el("p", { class: "notice", text: message(res) }));
      return;
    }
    if (res.status !== 200) return;
    showAck(res.data);
    showCert(res.data.certificate_missing);
    // A form being filled stays as it is when the list is drawn again (e.g. after a queued check
    // was sent in the background): only forms no longer due go away.
    var open = {};
    box.querySelectorAll("form.checklist").forEach(function (f) { open[f.dataset.template + "/" + f.dataset.period] = f; });
    box.textContent = "";
    if (res.data.checklists === null) {
      box.appendChild(el("p", { class: "notice", text: "您不在本岗位,无需填写本岗位的检查表。" }));
      layout(false);
      return;
    }
    var entries = await queueAll();
    var pending = entries.filter(function (e) { return e.state !== "failed"; }).map(function (e) { return e.body.template + "/" + e.period; });
    // A check the server refused comes back as its form, with the answers as they were and the
    // refused items marked, to be corrected and sent again (it replaces the refused entry).
    var fixing = entries.filter(function (e) {
      return e.state === "failed" && e.body.post === cfg.post && e.user === (auth() || {}).username;
    });
    for (var j = 0; j < fixing.length; j++) {
      var entry = fixing[j];
      var key = entry.body.template + "/" + entry.period;
      if (open[key] && open[key].dataset.fix === entry.client_uuid) { box.appendChild(open[key]); continue; }
      var tf = await template(entry.body.template);
      if (tf.status === 200) box.appendChild(checklistForm(tf.data, { period: entry.period }, entry));
      pending.push(key);
    }
    for (var i = 0; i < res.data.checklists.length; i++) {
      var due = res.data.checklists[i];
      if (fixing.some(function (e) { return e.body.template + "/" + e.period === due.template.id + "/" + due.period; })) {
        continue;
      } else if (due.status !== "due") {
        box.appendChild(el("p", { class: "card status-" + due.status, text: due.template.name + ":" + STATUS_LABELS[due.status] }));
      } else if (offlineSince && Date.parse(due.period_end) <= Date.now()) {
        // Kept from a period that has ended: a check now would count against a closed period, citing a
        // scan far outside its window. Only the server knows the period open now.
        box.appendChild(el("p", { class: "card status-missed", text: due.template.name + ":保存的清单已过期(" + due.period + " 已结束),联网后重新打开本页取本期检查表。" }));
      } else if (pending.indexOf(due.template.id + "/" + due.period) >= 0) {
        box.appendChild(el("p", { class: "card", text: due.template.name + ":已填写,等待发送" }));
      } else if (open[due.template.id + "/" + due.period]) {
        box.appendChild(open[due.template.id + "/" + due.period]);
      } else {
        var t = await template(due.template.id);
        if (t.status === 200) box.appendChild(checklistForm(t.data, due));
      }
    }
    if (!box.children.length) box.appendChild(el("p", { class: "muted", text: "本岗位当前没有需要填写的检查表。" }));
    if (offlineSince) box.prepend(el("p", { class: "notice", id: "offline-note", text: "离线:使用 " + clock(offlineSince) + " 时的清单,检查保存在本机,联网后自动发送。" }));
    layout(!!box.querySelector("form.checklist"));
  }

  // Workers confirm each published version of their post's card (API: POST cards/{id}/acknowledge/);
  // a new version asks again. Only members of the enterprise are asked (certificate_missing is null
  // for everyone else).
  function showAck(scan) {
    var box = $("#ack");
    box.hidden = !(cfg.card && scan.card && scan.acknowledged === false && scan.certificate_missing !== null);
    if (box.hidden) return;
    box.dataset.version = scan.card.version;
    $("#ack-text").textContent = scan.card.version > 1
      ? "明白卡已更新为第 " + scan.card.version + " 版,请阅读后确认。"
      : "请阅读本岗位明白卡(第 " + scan.card.version + " 版)后确认。";
  }

  function showCert(missing) {
    var box = $("#cert");
    box.hidden = !(missing && missing.length);
    if (!box.hidden) box.textContent = "持证上岗:您没有本岗位要求的有效证书(" + missing.join("、") + "),请联系安全员,取得证书前不得从事该作业。";
  }

  $("#ack-read").addEventListener("click", openCard);
  $("#ack-button").addEventListener("click", async function () {
    var button = this;
    button.disabled = true;
    try {
      var res = await api("cards/" + cfg.card + "/acknowledge/", { method: "POST", json: {} });
      if (res.status !== 200 && res.status !== 201) { say(message(res), "error"); return; }
      $("#ack").hidden = true;
      say("已确认明白卡第 " + res.data.version + " 版。");
    } catch (e) {
      say("当前无网络,请联网后确认。", "error");
    } finally {
      button.disabled = false;
    }
  });

  function photoButton(onPhoto) {
    var input = el("input", { type: "file", accept: "image/*", capture: "environment", class: "file" });
    var label = el("label", { class: "btn photo-btn" }, ["拍照", input]);
    input.addEventListener("change", function () {
      if (input.files && input.files[0]) onPhoto(input.files[0]);
      input.value = "";
    });
    return label;
  }

  function bounds(lo, hi) {
    return lo !== null && hi !== null ? lo + "–" + hi : hi !== null ? "≤ " + hi : lo !== null ? "≥ " + lo : "";
  }
  function num(x) { return x === null || x === undefined ? null : Number(x); }

  // What is wrong with one row as it stands (the same rules as the server's), or null. The range a
  // number may take at all is checked here, so that a 999 where 0–100 is allowed never gets queued.
  function rowProblem(item, row, photos) {
    var value = rowValue(item, row);
    var has = photos.some(function (p) { return p.item === item.id; });
    if (item.kind === "photo") return item.required && !has ? "须拍照" : null;
    if (value === null) return item.required ? "未填写" : null;
    if (item.kind === "number") {
      var lo = num(item.min_value), hi = num(item.max_value);
      if ((lo !== null && value < lo) || (hi !== null && value > hi)) return "须在 " + bounds(lo, hi) + (item.unit || "") + " 之间";
      var nlo = num(item.normal_min), nhi = num(item.normal_max);
      var abnormal = (nlo !== null && value < nlo) || (nhi !== null && value > nhi);
      if (abnormal && item.photo_on_fail && !has) return "超出正常范围时须拍照";
    }
    if (value === "not_ok" && item.photo_on_fail && !has) return "异常时须拍照";
    return null;
  }

  function rowValue(item, row) {
    if (item.kind === "check") return row.dataset.value || null;
    if (item.kind === "number") {
      var raw = row.querySelector("input[type=number]").value;
      return raw === "" ? null : Number(raw);
    }
    if (item.kind === "text") return row.querySelector("textarea").value.trim() || null;
    return null;
  }

  function focusFirstGap(form) {
    var gap = form.querySelector(".item.missing") || form;
    gap.scrollIntoView({ block: "center" });
    var input = gap.querySelector("input:not(.file), textarea, button");
    if (input) input.focus({ preventScroll: true });
  }

  // `fix`: a queued entry the server refused, whose answers and photos the form starts with.
  function checklistForm(template, due, fix) {
    var startedAt = fix ? fix.body.started_at : new Date().toISOString();
    var photos = fix ? fix.photos.slice() : []; // {client_uuid, item, blob, id?}
    var given = {};
    if (fix) fix.body.results.forEach(function (r) { given[r.item] = r; });
    var why = {};
    if (fix) {
      (fix.errors || []).forEach(function (e) {
        var index = /^results\[(\d+)\]/.exec(e.field || "");
        var result = index && fix.body.results[Number(index[1])];
        if (result) why[result.item] = String(e.message || "").replace(/^results\[\d+\]\.\w+: /, "");
      });
    }
    var rows = template.items.map(function (item) {
      var row = el("div", { class: "item", "data-item": item.id, "data-kind": item.kind });
      var title = item.label + (item.unit ? "(" + item.unit + ")" : "") + (item.required ? "" : "(选填)");
      row.appendChild(el("div", { class: "label", text: title }));
      var before = given[item.id] || {};
      if (item.kind === "check") {
        var group = el("div", { class: "choices" });
        CHECK_CHOICES.forEach(function (choice) {
          var button = el("button", {
            type: "button",
            class: "choice c-" + choice[0] + (before.value === choice[0] ? " on" : ""),
            "data-value": choice[0],
            text: choice[1],
            onclick: function () {
              row.dataset.value = choice[0];
              group.querySelectorAll("button").forEach(function (b) { b.classList.toggle("on", b === this); }, this);
              row.classList.toggle("failed", choice[0] === "not_ok");
              recheck(item, row);
            },
          });
          group.appendChild(button);
        });
        if (before.value) row.dataset.value = before.value;
        row.classList.toggle("failed", before.value === "not_ok");
        row.appendChild(group);
      } else if (item.kind === "number") {
        var lo = num(item.min_value), hi = num(item.max_value);
        var normal = bounds(num(item.normal_min), num(item.normal_max));
        var input = el("input", {
          type: "number", inputmode: "decimal", step: "any", class: "big-input", name: "v" + item.id,
          placeholder: normal ? "正常 " + normal : "",
        });
        if (lo !== null) input.min = lo;
        if (hi !== null) input.max = hi;
        if (typeof before.value === "number") input.value = before.value;
        input.addEventListener("input", function () { recheck(item, row); });
        row.appendChild(input);
        if (lo !== null || hi !== null) row.appendChild(el("div", { class: "muted", text: "可填范围 " + bounds(lo, hi) + (item.unit || "") }));
      } else if (item.kind === "text") {
        var area = el("textarea", { rows: "2", name: "v" + item.id });
        if (typeof before.value === "string") area.value = before.value;
        area.addEventListener("input", function () { recheck(item, row); });
        row.appendChild(area);
      }
      var count = el("span", { class: "photo-count" });
      var taken = function () { return photos.filter(function (p) { return p.item === item.id; }).length; };
      if (taken()) count.textContent = "已拍 " + taken() + " 张";
      row.appendChild(el("div", { class: "extras" }, [
        photoButton(function (file) {
          photos.push({ client_uuid: uuid4(), item: item.id, blob: file });
          count.textContent = "已拍 " + taken() + " 张";
          recheck(item, row);
        }),
        count,
      ]));
      if (item.kind !== "text") {
        var note = el("input", { class: "note", name: "n" + item.id, placeholder: "备注(异常时说明)" });
        if (before.note) note.value = before.note;
        row.appendChild(note);
      }
      row.appendChild(el("div", { class: "why error" }));
      if (why[item.id]) mark(row, why[item.id]);
      return row;
    });

    function mark(row, problem) {
      row.classList.toggle("missing", !!problem);
      row.querySelector(".why").textContent = problem ? "← " + problem : "";
    }
    // A marked row loses its mark as soon as it is answered right (a server's refusal included).
    function recheck(item, row) {
      if (row.classList.contains("missing")) mark(row, rowProblem(item, row, photos));
    }

    var error = el("p", { class: "error" });
    var head = [el("h2", { text: template.name }), el("p", { class: "muted", text: "周期 " + due.period })];
    if (fix) head.push(el("p", { class: "notice", text: "服务器退回了这份检查:" + fix.message.replace(/。$/, "") + "。请修改标出的项目后重新提交。" }));
    var form = el("form", { class: "card checklist", "data-template": template.id, "data-period": due.period }, head.concat(
      rows, [error, el("button", { class: "btn primary submit", text: fix ? "修改后重新提交" : "提交检查" })]
    ));
    if (fix) form.dataset.fix = fix.client_uuid;
    form.noValidate = true; // the checks above say what is wrong in words; the browser's bubbles would stop the submit

    var submit = form.querySelector("button.submit");
    form.addEventListener("submit", async function (event) {
      event.preventDefault();
      if (submit.disabled) return; // still asking for the position
      var results = [];
      var problems = [];
      template.items.forEach(function (item, index) {
        var row = rows[index];
        var value = rowValue(item, row);
        var has = photos.some(function (p) { return p.item === item.id; });
        var problem = rowProblem(item, row, photos);
        mark(row, problem);
        if (problem) problems.push("「" + item.label + "」" + problem);
        // Optional items left empty are not sent at all.
        if (value === null && !has) return;
        var note = row.querySelector(".note");
        results.push({ item: item.id, value: value, note: note ? note.value.trim() : "" });
      });
      if (problems.length) {
        error.textContent = problems.join(";");
        say("还有 " + problems.length + " 项需要填写或更正。", "error");
        focusFirstGap(form);
        return;
      }
      var body = {
        client_uuid: uuid4(),
        template: template.id,
        post: cfg.post,
        scan_token: fix ? fix.body.scan_token : cfg.token,
        started_at: startedAt,
        finished_at: new Date().toISOString(),
        results: results,
      };
      var scanId = fix ? fix.body.scan_event : (scanEvent || (offlineSince && keptEvent) || {}).id;
      if (scanId) body.scan_event = scanId;
      var located = {};
      if (cfg.fenced) {
        // The post has an electronic fence (the consent line says so): the position goes with the record.
        // Refused, unavailable or too slow: the record goes without it (stored, and flagged on the server).
        submit.disabled = true;
        error.textContent = "";
        submit.textContent = "正在获取位置…";
        located = await locate({ timeout: 10000, maximumAge: 30000, wait: 20000 });
        submit.disabled = false;
        submit.textContent = "提交检查";
        if (located.position) body.position = located.position;
      }
      var labels = {};
      template.items.forEach(function (item) { labels[item.id] = item.label; });
      await queuePut({
        client_uuid: body.client_uuid,
        user: auth().username,
        label: template.name,
        labels: labels,
        period: due.period,
        state: "queued",
        message: "",
        positionError: located.error || "",
        body: body,
        photos: photos.filter(function (p) { return results.some(function (r) { return r.item === p.item; }); }),
      });
      if (fix) await queueDelete(fix.client_uuid); // the corrected check replaces the refused one
      form.replaceWith(el("p", { class: "card", text: template.name + ":已保存在本机,等待发送" }));
      say(navigator.onLine ? "已保存,正在发送:" + template.name : "当前无网络,检查已保存在本机,联网后自动发送。");
      await renderQueue();
      flush();
    });
    return form;
  }

  // ---------------------------------------------------------------------------------------------
  // Hazards: report one ad hoc (随手拍), and rectify the ones assigned to me. Online only: reporting
  // a hazard has no client_uuid in the API, so a blind retry could report it twice.

  async function uploadPhoto(file) {
    var form = new FormData();
    form.append("client_uuid", uuid4());
    form.append("image", file, "photo.jpg");
    return api("photos/", { method: "POST", form: form });
  }

  function watchPhoto(form) {
    var input = form.querySelector("input[type=file]");
    input.addEventListener("change", function () {
      form.querySelector(".photo-state").textContent = input.files.length ? "已拍 1 张" : "";
    });
    return input;
  }

  var reportPhoto = watchPhoto($("#report"));
  $("#report").addEventListener("submit", async function (event) {
    event.preventDefault();
    var form = event.target;
    var error = $("#report-error");
    var button = $("button", form);
    error.textContent = "";
    button.disabled = true;
    try {
      var photoIds = [];
      if (reportPhoto.files.length) {
        var up = await uploadPhoto(reportPhoto.files[0]);
        if (up.status !== 200 && up.status !== 201) { error.textContent = message(up); return; }
        photoIds.push(up.data.id);
      }
      var res = await api("hazards/", {
        method: "POST",
        json: { enterprise: cfg.enterprise, post: cfg.post, grade: "general", description: form.description.value.trim(), photos: photoIds },
      });
      if (res.status !== 201) { error.textContent = message(res); return; }
      form.reset();
      form.querySelector(".photo-state").textContent = "";
      $("#results").prepend(el("p", { class: "card done", "data-hazard": res.data.id, text: "已上报隐患 #" + res.data.id + ":" + res.data.description }));
      say("已上报隐患 #" + res.data.id + ",安全员会尽快处理。");
    } catch (e) {
      error.textContent = "当前无网络,隐患需联网后上报。";
    } finally {
      button.disabled = false;
    }
  });

  async function loadMine() {
    if (!me) return;
    var res = await api("hazards/?status=rectifying&responsible=" + me.id);
    var list = $("#mine-list");
    list.textContent = "";
    var rows = res.status === 200 ? res.data.results : [];
    $("#mine").hidden = rows.length === 0;
    rows.forEach(function (h) {
      var form = el("form", { class: "task" + (h.overdue ? " overdue" : ""), "data-hazard": h.id }, [
        el("b", { text: "#" + h.id + " " + h.description }),
        el("div", { class: "muted", text: (h.overdue ? "已逾期 · " : "") + "期限 " + (h.deadline ? new Date(h.deadline).toLocaleString("zh-CN") : "未定") }),
        el("label", { class: "btn photo-btn" }, ["拍整改后照片", el("input", { type: "file", accept: "image/*", capture: "environment", class: "file" })]),
        el("span", { class: "photo-state" }),
        el("input", { name: "note", placeholder: "整改情况", required: "required" }),
        el("p", { class: "error" }),
        el("button", { class: "btn primary", text: "提交验收" }),
      ]);
      var input = watchPhoto(form);
      form.addEventListener("submit", async function (event) {
        event.preventDefault();
        var error = form.querySelector(".error");
        if (!input.files.length) { error.textContent = "请拍摄整改后照片。"; say("请拍摄整改后照片。", "error"); return; }
        try {
          var up = await uploadPhoto(input.files[0]);
          if (up.status !== 200 && up.status !== 201) { error.textContent = message(up); return; }
          var done = await api("hazards/" + h.id + "/submit/", { method: "POST", json: { note: form.note.value.trim(), photos: [up.data.id] } });
          if (done.status !== 200) { error.textContent = message(done); return; }
          say("已提交验收:隐患 #" + h.id + ",等待安全管理人员验收。");
          loadMine();
        } catch (e) {
          error.textContent = "当前无网络,请联网后提交。";
        }
      });
      list.appendChild(form);
    });
  }

  // ---------------------------------------------------------------------------------------------
  // The electronic fence, for the enterprise's safety managers: set it from where the phone stands (the
  // phone gives WGS-84, which map apps in China do not show), or remove it.

  var MANAGER_ROLES = ["safety_officer", "safety_director", "principal", "admin"];

  function showFenceTool() {
    $("#fence").hidden = !(me && (me.is_superuser || me.memberships.some(function (m) {
      return m.enterprise.id === cfg.enterprise && MANAGER_ROLES.indexOf(m.role) >= 0;
    })));
  }

  function fenced(on, text) {
    cfg.fenced = on;
    $("#fence-state").textContent = text;
    $("#fence-clear").hidden = !on;
    var consent = $("#fence-consent");
    if (on && !consent) {
      $("#login").before(el("p", { class: "notice", id: "fence-consent", text: "本岗位设有电子围栏:提交检查时会记录您的位置,仅用于核实在岗。" }));
    } else if (!on && consent) {
      consent.remove();
    }
  }

  $("#fence-set").addEventListener("click", async function () {
    var button = this;
    var error = $("#fence-error");
    error.textContent = "";
    button.disabled = true;
    button.textContent = "正在获取位置…";
    try {
      var located = await locate({ timeout: 20000, maximumAge: 0, wait: 60000 });
      if (!located.position) { error.textContent = located.error + "。"; return; }
      var p = located.position;
      var radius = Number($("#fence input[name=radius]").value);
      var res = await api("posts/" + cfg.post + "/fence/", {
        method: "PUT",
        json: { latitude: Math.round(p.latitude * 1e6) / 1e6, longitude: Math.round(p.longitude * 1e6) / 1e6, radius_m: radius },
      });
      if (res.status !== 200) { error.textContent = message(res); return; }
      say("电子围栏设置完成。");
      fenced(true, "已设置电子围栏:中心 " + res.data.latitude + ", " + res.data.longitude + ",半径 " + res.data.radius_m
        + " 米(本机定位精度 ±" + Math.round(p.accuracy) + " 米" + (p.accuracy > 50 ? ",偏差较大,建议到室外重新设置" : "") + ")。");
    } catch (e) {
      error.textContent = "当前无网络,请联网后设置。";
    } finally {
      button.disabled = false;
      button.textContent = "以本机当前位置设为围栏中心";
    }
  });

  $("#fence-clear").addEventListener("click", async function () {
    try {
      var res = await api("posts/" + cfg.post + "/fence/", { method: "DELETE" });
      if (res.status !== 204) { $("#fence-error").textContent = message(res); return; }
      say("电子围栏已取消。");
      fenced(false, "本岗位未设电子围栏。");
    } catch (e) {
      $("#fence-error").textContent = "当前无网络,请联网后设置。";
    }
  });

  // ---------------------------------------------------------------------------------------------

  async function start() {
    renderQueue();
    if (cookie(cfg.signedOut)) { // logged out on the pages
      if (auth() && auth().linked) forget();
      signedOutSeen();
    }
    if (!auth()) await fromSession();
    if (!auth()) { showLogin(); return; }
    try {
      var who = await api("me/");
      if (who.status !== 200) return;
      me = who.data;
      if (auth().username !== me.username) setAuth(Object.assign(auth(), { username: me.username }));
      $("#me-name").textContent = (me.name || me.username) + " 已登录";
      $("#me").hidden = false;
      // 随手拍 is a member's report: a worker of another enterprise is not offered it (issue 14).
      $("#report").hidden = !(me.is_superuser || me.memberships.some(function (m) { return m.enterprise.id === cfg.enterprise; }));
      showFenceTool();
      await loadChecklists();
      await loadMine();
      flush();
    } catch (e) {
      $("#net").textContent = "当前无网络,联网后自动发送。";
      try { await loadChecklists(); } catch (e2) { offlineSince = null; }
      if (offlineSince) {
        $("#me-name").textContent = auth().username + " 已登录";
        $("#me").hidden = false;
      }
      say(offlineSince && $("#checklists form.checklist")
        ? "当前无网络:这是本机保存的页面和 " + clock(offlineSince) + " 时的检查表,填写后保存在本机,联网后自动发送。"
        : "当前无网络:这是本机保存的页面,联网后才能填写检查;已保存的检查联网后自动发送。", "offline");
    }
  }

  // Reloading the page without network: a service worker keeps the last copy of this page and its
  // script and style. Browsers run service workers only in secure contexts (https, or localhost), so
  // on a factory server at http://<LAN IP> the page is not there offline (README "Phone pages").
  if ("serviceWorker" in navigator && window.isSecureContext && cfg.worker) {
    navigator.serviceWorker.register(cfg.worker, { scope: cfg.worker.replace(/[^/]*$/, "") }).catch(function () {});
  }

  window.addEventListener("online", function () {
    if (offlineSince && !me) { start(); return; } // opened offline: now the person, the scan, the queue
    flush();
    if (offlineSince) loadChecklists().catch(function () {});
    loadMine().catch(function () {});
  });
  window.addEventListener("offline", renderQueue);
  $("#flush").addEventListener("click", flush);
  setInterval(function () { if (navigator.onLine) flush(); }, 30000);
  start();
})();
