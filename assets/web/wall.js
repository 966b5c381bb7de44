/* Wall display 一屏看全程 — browser side (does nothing on other pages):
   - scales the fixed 1920×1080 design canvas to the screen as a whole (3840×2160 → ×2), no reflow, no scroll;
     the map canvas gets a matching pixel ratio so it stays sharp on a 4K wall;
   - clock and date in Asia/Shanghai;
   - watches the tick answers (#wall-heartbeat): when the server stops answering, shows a plain banner
     (dcc.Interval goes on firing); the banner goes away by itself when answers come back;
   - a nightly soft reload (config.wall.nightly_reload, Asia/Shanghai), only after /healthz answers, so a
     reload never lands on a blank page;
   - optional rotation to other views (config.wall.rotate_views). */
(function () {
  "use strict";
  // rotation: a page opened from the wall's cycle (?wall_rotate=/wall,/other&wall_every=60&wall_i=1)
  // moves on to the next view by itself; the views must allow the wall role
  var query = new URLSearchParams(window.location.search);
  var cycle = (query.get("wall_rotate") || "").split(",").filter(Boolean);
  function nextInCycle(views, i, every) {
    var q = new URLSearchParams(window.location.search);
    q.set("wall_rotate", views.join(",")); q.set("wall_every", String(every)); q.set("wall_i", String(i));
    window.fetch("/healthz", { cache: "no-store" }).then(function (r) {
      if (r.status < 500 || r.status === 503) { window.location.assign(views[i] + "?" + q.toString()); }
    }, function () { /* the server is away: stay on this view */ });
  }
  if (cycle.length > 1 && !/^\/wall\/?$/.test(window.location.pathname)) {
    var every = +(query.get("wall_every") || 60), idx = +(query.get("wall_i") || 0);
    setTimeout(function () { nextInCycle(cycle, (idx + 1) % cycle.length, every); }, every * 1000);
  }
  if (!/^\/wall\/?$/.test(window.location.pathname)) { return; }
  var DESIGN_W = 1920, DESIGN_H = 1080;
  var realDpr = window.devicePixelRatio || 1;
  var scale = 1;
  var lastOk = Date.now();

  function computeScale() {
    return Math.min(window.innerWidth / DESIGN_W, window.innerHeight / DESIGN_H);
  }
  scale = computeScale();
  try {
    // MapLibre sizes its drawing buffer by devicePixelRatio: match the CSS scale so the map is sharp at 4K.
    Object.defineProperty(window, "devicePixelRatio", {
      configurable: true, get: function () { return realDpr * Math.max(1, scale); }
    });
  } catch (e) { /* read-only in this browser: the map is drawn at design resolution */ }

  function applyScale() {
    var canvas = document.getElementById("wall-canvas");
    if (!canvas) { return false; }
    scale = computeScale();
    var left = (window.innerWidth - DESIGN_W * scale) / 2;
    var top = (window.innerHeight - DESIGN_H * scale) / 2;
    canvas.style.transform = "translate(" + left + "px," + top + "px) scale(" + scale + ")";
    document.body.classList.add("wall-body");
    return true;
  }

  var fmtDate = new Intl.DateTimeFormat("zh-CN", { timeZone: "Asia/Shanghai", year: "numeric", month: "long",
    day: "numeric", weekday: "long" });
  var fmtTime = new Intl.DateTimeFormat("zh-CN", { timeZone: "Asia/Shanghai", hour: "2-digit", minute: "2-digit",
    second: "2-digit", hour12: false });
  function localParts(d) {
    var parts = new Intl.DateTimeFormat("en-GB", { timeZone: "Asia/Shanghai", hour: "2-digit", minute: "2-digit",
      hour12: false }).formatToParts(d);
    var h = 0, m = 0;
    parts.forEach(function (p) { if (p.type === "hour") { h = +p.value % 24; } if (p.type === "minute") { m = +p.value; } });
    return { h: h, m: m };
  }

  function config() {
    var el = document.getElementById("wall-config");
    if (!el) { return null; }
    return {
      tickMs: +(el.getAttribute("data-tick-ms") || 1000),
      nightly: el.getAttribute("data-nightly") || "",
      rotate: (el.getAttribute("data-rotate") || "").split(",").filter(Boolean),
      rotateEvery: +(el.getAttribute("data-rotate-every-s") || 60)
    };
  }

  // --- connection watch: every answered tick changes #wall-heartbeat (server time) --------------------
  var lastBeat = "";
  function watchHeartbeat(now) {
    var el = document.getElementById("wall-heartbeat");
    var beat = el ? el.textContent : "";
    if (beat !== lastBeat) { lastBeat = beat; lastOk = now; }
  }

  function showOffline(show) {
    var el = document.getElementById("wall-offline");
    if (el) { el.classList.toggle("wall-banner-show", show); }
  }

  // --- nightly soft reload ------------------------------------------------------------------------------
  var startedAt = Date.now();
  var reloadDone = false;
  function maybeNightlyReload(cfg, now) {
    if (!cfg.nightly || reloadDone || now - startedAt < 120000) { return; }
    var want = cfg.nightly.split(":"), t = localParts(new Date(now));
    if (t.h !== +want[0] || t.m !== +want[1]) { return; }
    reloadDone = true;
    window.fetch("/healthz", { cache: "no-store" }).then(function (r) {
      if (r.status < 500 || r.status === 503) { window.location.reload(); } else { reloadDone = false; }
    }, function () { reloadDone = false; });
  }

  // --- optional rotation: /wall → each configured view → /wall … -------------------------------------
  function maybeRotate(cfg, now) {
    if (!cfg.rotate.length || now - startedAt < cfg.rotateEvery * 1000) { return; }
    startedAt = now;
    nextInCycle([window.location.pathname].concat(cfg.rotate), 1, cfg.rotateEvery);
  }

  function everySecond() {
    if (!applyScale()) { return; }
    var now = Date.now(), d = new Date(now);
    var clock = document.getElementById("wall-clock"), date = document.getElementById("wall-date");
    if (clock) { clock.textContent = fmtTime.format(d); }
    if (date) { date.textContent = fmtDate.format(d); }
    var cfg = config();
    if (!cfg) { return; }
    watchHeartbeat(now);
    // before the first answer allow a slow start (a busy server after a restart); then 4 ticks
    showOffline(now - lastOk > (lastBeat ? Math.max(6000, 4 * cfg.tickMs) : 30000));
    maybeNightlyReload(cfg, now);
    maybeRotate(cfg, now);
  }

  window.addEventListener("resize", applyScale);
  setInterval(everySecond, 1000);
  // apply as soon as Dash has rendered the canvas, before the first second passes
  var obs = new MutationObserver(function () { if (applyScale()) { everySecond(); obs.disconnect(); } });
  document.addEventListener("DOMContentLoaded", function () {
    obs.observe(document.body, { childList: true, subtree: true });
  });
  // the wall must never show Dash's error overlay or an alert: failed callbacks are only counted above
  window.addEventListener("unhandledrejection", function (ev) { ev.preventDefault(); });
})();
