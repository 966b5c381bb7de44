/* 点位地图 /points — keeps the whole city fitted when the window (and so the map) changes size.
   Plotly's fitbounds only frames the points at the first drawing; after a resize the map kept its old
   zoom, so the city was cut off (smaller window) or left small (larger window). On every resize (after
   it settles) the map's centre and zoom are computed again from the points' extent — the figure carries
   the city's corners as an invisible trace, so the extent is the city — for the map's new size (Web
   Mercator, 512-pixel tiles as MapLibre draws them). Does nothing on other pages. */
(function () {
  "use strict";
  var PAD = 8;  // pixels kept free around the city
  function mercY(lat) {
    var s = Math.sin(lat * Math.PI / 180);
    return 0.5 - Math.log((1 + s) / (1 - s)) / (4 * Math.PI);
  }
  function extent(gd) {
    var w = Infinity, e = -Infinity, s = Infinity, n = -Infinity;
    (gd.data || []).forEach(function (t) {
      (t.lon || []).forEach(function (v) { if (v < w) { w = v; } if (v > e) { e = v; } });
      (t.lat || []).forEach(function (v) { if (v < s) { s = v; } if (v > n) { n = v; } });
    });
    return w < e && s < n ? [w, s, e, n] : null;
  }
  function fit(gd) {
    var box = gd.getBoundingClientRect();
    var b = extent(gd);
    if (!b || box.width < 50 || box.height < 50 || !window.Plotly) { return; }  // hidden tab: nothing to fit
    var dx = (b[2] - b[0]) / 360, dy = mercY(b[1]) - mercY(b[3]);
    var zoom = Math.log2(Math.min((box.width - 2 * PAD) / (dx * 512), (box.height - 2 * PAD) / (dy * 512)));
    var cy = (mercY(b[1]) + mercY(b[3])) / 2;
    var lat = Math.atan(Math.sinh(Math.PI * (1 - 2 * cy))) * 180 / Math.PI;
    window.Plotly.relayout(gd, { "map.center": { lon: (b[0] + b[2]) / 2, lat: lat }, "map.zoom": zoom });
  }
  var timer = null;
  window.addEventListener("resize", function () {
    window.clearTimeout(timer);
    timer = window.setTimeout(function () {
      document.querySelectorAll("#points-map .js-plotly-plot").forEach(fit);
    }, 300);
  });
}());
