// Trialfinder enhancements. Every page works without this file.
(function () {
  "use strict";

  // "Use my location": fill the form's hidden coordinates from the
  // browser, so the search is around the reader's own position.
  if ("geolocation" in navigator) {
    document.querySelectorAll("[data-near-me]").forEach(function (btn) {
      var form = btn.form;
      var input = form && form.querySelector("[data-geo-target]");
      if (!input) return;
      btn.hidden = false;
      btn.addEventListener("click", function () {
        btn.textContent = "Finding your location…";
        navigator.geolocation.getCurrentPosition(function (pos) {
          ["lat", "lon"].forEach(function (name, i) {
            var h = form.querySelector("input[type=hidden][name=" + name + "]");
            if (!h) {
              h = document.createElement("input");
              h.type = "hidden";
              h.name = name;
              form.appendChild(h);
            }
            h.value = (i ? pos.coords.longitude : pos.coords.latitude).toFixed(4);
          });
          input.value = "";
          input.required = false;
          input.placeholder = "Your location";
          btn.textContent = "Using your location";
        }, function () {
          btn.textContent = "Location unavailable: type a place";
        }, { timeout: 10000, maximumAge: 600000 });
      });
    });
  }

  // Filters apply as soon as they change.
  document.querySelectorAll("form[data-autosubmit]").forEach(function (form) {
    form.addEventListener("change", function () { form.requestSubmit ? form.requestSubmit() : form.submit(); });
  });

  // On a narrow screen the filter panel starts closed, below its summary.
  if (window.matchMedia("(max-width: 52rem)").matches) {
    document.querySelectorAll("details[data-collapse-narrow]").forEach(function (d) { d.open = false; });
  }

  // The map loads only when asked for: Leaflet and the world outline are
  // large, and the site list already says everything the map shows.
  var mapBtn = document.querySelector("[data-show-map]");
  var mapEl = document.getElementById("site-map");
  if (mapBtn && mapEl) {
    mapBtn.hidden = false;
    mapBtn.addEventListener("click", function () {
      mapBtn.disabled = true;
      mapBtn.textContent = "Loading map…";
      var css = document.createElement("link");
      css.rel = "stylesheet";
      css.href = mapEl.dataset.leafletCss;
      document.head.appendChild(css);
      load(mapEl.dataset.leafletJs, function () {
        load(mapEl.dataset.topojson, function () {
          load(mapEl.dataset.mapJs, function () {
            mapEl.hidden = false;
            mapBtn.hidden = true;
            window.trialfinderMap(mapEl);
            var legend = document.querySelector("[data-map-legend]");
            if (legend) legend.hidden = false;
          });
        });
      });
    });
  }

  function load(src, done) {
    var s = document.createElement("script");
    s.src = src;
    s.onload = done;
    s.onerror = function () { mapBtn.textContent = "The map could not be loaded"; };
    document.head.appendChild(s);
  }
})();
