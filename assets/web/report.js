/* 随手拍 /report — browser side (used by the report page's clientside callbacks; idle elsewhere):
   - photos stay in the browser (≤ 3, previewed) and are posted once, as multipart, with the form to
     POST /api/v1/public/reports — they never travel through a Dash callback;
   - the browser's geolocation (WGS-84; converted to GCJ-02 on the server);
   - a tap on the offline map (MapLibre under plotly's Scattermap) picks a GCJ-02 point.
   Texts shown to the user are rendered by the page's server callbacks (dashboard/text/report.py). */
(function () {
  "use strict";
  var MAX_PHOTOS = 3;

  function setProps(id, props) {
    if (window.dash_clientside && window.dash_clientside.set_props) {
      window.dash_clientside.set_props(id, props);
    }
  }

  function addPhotos(contents, filenames, current, _nClear) {
    var dc = window.dash_clientside || {};
    var trig = (dc.callback_context && dc.callback_context.triggered) || [];
    if (trig.length && trig[0].prop_id === "report-clear-photos.n_clicks") { return []; }
    var out = (current || []).slice();
    var list = contents ? (Array.isArray(contents) ? contents : [contents]) : [];
    var names = filenames ? (Array.isArray(filenames) ? filenames : [filenames]) : [];
    for (var i = 0; i < list.length && out.length < MAX_PHOTOS; i++) {
      out.push({ data: list[i], name: String(names[i] || ("photo" + (out.length + 1) + ".jpg")).slice(0, 100) });
    }
    return out;
  }

  function previews(photos) {
    var srcs = [], styles = [];
    for (var i = 0; i < MAX_PHOTOS; i++) {
      var p = (photos || [])[i];
      var isImage = p && /^data:image\//.test(p.data);
      srcs.push(isImage ? p.data : "");
      styles.push(p ? {} : { display: "none" });
    }
    return srcs.concat(styles).concat([(photos || []).length ? {} : { display: "none" }]);
  }

  function locate(_n) {
    return new Promise(function (resolve) {
      if (!navigator.geolocation) { resolve({ error: "locate_failed" }); return; }
      setProps("report-location-text", { children: "…" });
      navigator.geolocation.getCurrentPosition(function (pos) {
        resolve({ lon: pos.coords.longitude, lat: pos.coords.latitude, datum: "wgs84", source: "browser",
                  accuracy: pos.coords.accuracy });
      }, function () { resolve({ error: "locate_failed" }); },
      { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 });
    });
  }

  function dataUrlToBlob(url) {
    var parts = String(url).split(",");
    var mime = (parts[0].match(/^data:([^;]+)/) || [null, "application/octet-stream"])[1];
    var bin = atob(parts[1] || "");
    var bytes = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) { bytes[i] = bin.charCodeAt(i); }
    return new Blob([bytes], { type: mime });
  }

  function submit(_n, type, description, phone, loc, photos, notify) {
    var fd = new FormData();
    fd.append("problem_type", type || "");
    fd.append("description", description || "");
    fd.append("phone", phone || "");
    if (notify && notify.indexOf("yes") >= 0) { fd.append("notify_consent", "1"); }
    if (loc && loc.lon != null && loc.lat != null && !loc.error) {
      fd.append("lon", String(loc.lon));
      fd.append("lat", String(loc.lat));
      fd.append("datum", loc.datum || "wgs84");
    }
    (photos || []).forEach(function (p) { fd.append("photos", dataUrlToBlob(p.data), p.name || "photo.jpg"); });
    setProps("report-submit", { disabled: true });
    setProps("report-progress", { style: {} });
    function done(result) {
      setProps("report-submit", { disabled: false });
      setProps("report-progress", { style: { display: "none" } });
      return result;
    }
    return fetch("/api/v1/public/reports", { method: "POST", body: fd, credentials: "same-origin" })
      .then(function (r) {
        return r.json().catch(function () { return null; }).then(function (body) {
          return done({ ok: r.ok, status: r.status, body: body, at: Date.now() });
        });
      })
      .catch(function () { return done({ ok: false, status: 0, body: null, at: Date.now() }); });
  }

  // A tap on the map → report-location (GCJ-02, the map's datum).
  function hookMap() {
    if (!/^\/report\/?$/.test(window.location.pathname)) { return; }
    var gd = document.querySelector("#report-map .js-plotly-plot");
    var sub = gd && gd._fullLayout && gd._fullLayout.map && gd._fullLayout.map._subplot;
    var map = sub && sub.map;
    if (!map || map.__civicwatchReport) { return; }
    map.__civicwatchReport = true;
    map.getCanvas().style.cursor = "crosshair";
    map.on("click", function (e) {
      setProps("report-location", { data: { lon: e.lngLat.lng, lat: e.lngLat.lat, datum: "gcj02", source: "map" } });
    });
  }
  setInterval(hookMap, 500);

  window.civicwatchReport = { addPhotos: addPhotos, previews: previews, locate: locate, submit: submit };
})();
