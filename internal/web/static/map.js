// Draws the trial's sites on an offline map: the bundled world outline
// (Natural Earth via world-atlas), plus tiles when the server is
// configured with a tile URL. Loaded on demand by site.js.
window.trialfinderMap = function (el) {
  "use strict";
  var map = L.map(el, { worldCopyJump: true, minZoom: 1, maxZoom: 14, fadeAnimation: false });
  map.attributionControl.setPrefix(false);
  if (el.dataset.tiles) {
    L.tileLayer(el.dataset.tiles, { maxZoom: 18, attribution: "Map tiles" }).addTo(map);
  } else {
    map.attributionControl.addAttribution("Natural Earth");
    fetch(el.dataset.world).then(function (r) { return r.json(); }).then(function (topo) {
      L.geoJSON(topojson.feature(topo, topo.objects.countries), {
        style: { color: "#8fa3b8", weight: 0.6, fillColor: "#f4f1ea", fillOpacity: 1 },
        interactive: false
      }).addTo(map).bringToBack();
    });
  }
  var colours = { open: "#177a3c", soon: "#0b5cad", running: "#8a5a00", stopped: "#b42318", done: "#4a5563" };
  var points = [];
  document.querySelectorAll(".sites .site[data-lat]").forEach(function (li) {
    var lat = parseFloat(li.dataset.lat), lon = parseFloat(li.dataset.lon);
    var badge = li.querySelector(".badge");
    var kind = badge ? badge.className.replace(/.*badge-(\w+).*/, "$1") : "done";
    var marker = L.circleMarker([lat, lon], {
      radius: 7, weight: 2, color: "#fff", fillColor: colours[kind] || colours.done, fillOpacity: 0.95
    }).addTo(map);
    // The popup is built from the list item's text nodes, never as HTML,
    // so record text stays text.
    var box = document.createElement("div");
    ["facility", "where"].forEach(function (cls) {
      var p = li.querySelector("." + cls);
      if (p) {
        var d = document.createElement(cls === "facility" ? "strong" : "div");
        d.textContent = p.textContent;
        box.appendChild(d);
      }
    });
    if (badge) {
      var st = document.createElement("div");
      st.textContent = badge.textContent.trim();
      box.appendChild(st);
    }
    marker.bindPopup(box);
    points.push([lat, lon]);
  });
  if (points.length === 1) {
    map.setView(points[0], 6);
  } else if (points.length > 1) {
    map.fitBounds(points, { padding: [30, 30], maxZoom: 8 });
  } else {
    map.setView([20, 0], 1);
  }
};
