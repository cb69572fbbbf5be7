/* The "filter by map area" map on /search: draw a box (or take the current view) into the west/south/
   east/north fields of the form, and show the results' extents. Without JavaScript or Leaflet the fields
   alone do the job. No inline script: this file is loaded with <script src> (strict CSP). */
(function () {
  "use strict";
  var el = document.getElementById("search-map");
  if (!el || !window.L) { return; }
  var fields = ["west", "south", "east", "north"].map(function (n) { return document.getElementById("bbox-" + n); });
  el.hidden = false;
  document.querySelector(".map-tools").hidden = false;

  var map = L.map(el, { worldCopyJump: true, attributionControl: Boolean(el.dataset.tiles) }).setView([35, 105], 3);
  if (el.dataset.tiles) {
    L.tileLayer(el.dataset.tiles, { maxZoom: 18, attribution: "© OpenStreetMap" }).addTo(map);
  } else if (el.dataset.world) {
    fetch(el.dataset.world).then(function (r) { return r.ok ? r.json() : null; }).then(function (world) {
      if (world) { L.geoJSON(world, { style: { color: "#777", weight: 1, fill: false }, interactive: false }).addTo(map); }
    }).catch(function () { /* an outline is a nicety */ });
  }

  var box = null;
  function showBox(bounds) {
    if (box) { map.removeLayer(box); }
    box = L.rectangle(bounds, { color: "#0b4f9c", weight: 2, fillOpacity: 0.08 }).addTo(map);
  }
  function fill(bounds) {
    var values = [bounds.getWest(), bounds.getSouth(), bounds.getEast(), bounds.getNorth()];
    values[0] = Math.max(-180, values[0]); values[2] = Math.min(180, values[2]);
    values[1] = Math.max(-90, values[1]); values[3] = Math.min(90, values[3]);
    fields.forEach(function (input, i) { input.value = values[i].toFixed(4); });
    showBox(bounds);
  }
  var current = fields.map(function (input) { return parseFloat(input.value); });
  if (current.every(function (v) { return !isNaN(v); })) {
    showBox([[current[1], current[0]], [current[3], current[2]]]);
  }

  var extents = JSON.parse(el.dataset.extents || "[]");
  // Each extent is styled where it is made: a GeoJSON layer styles what its addData makes, not what
  // addLayer hands it, so shapes built apart would keep Leaflet's default blue, like the drawn box.
  var extentStyle = { color: "#a4161a", weight: 1, fillOpacity: 0.05 };
  var layer = L.featureGroup().addTo(map);
  extents.forEach(function (item) {
    L.geoJSON(item.geometry, { style: extentStyle }).eachLayer(function (shape) {
      var label = document.createElement("span");
      label.textContent = item.title;  // harvested text: a text node, never HTML
      shape.bindTooltip(label);
      layer.addLayer(shape);
    });
  });
  var fit = box ? box.getBounds() : (layer.getLayers().length ? layer.getBounds() : null);
  if (fit && fit.isValid()) { map.fitBounds(fit, { maxZoom: 9, padding: [10, 10] }); }

  document.getElementById("map-view").addEventListener("click", function () { fill(map.getBounds()); });

  var drawButton = document.getElementById("map-draw");
  var drawing = false, start = null;
  function setDrawing(on) {
    drawing = on;
    drawButton.setAttribute("aria-pressed", String(on));
    el.classList.toggle("drawing", on);
    if (on) { map.dragging.disable(); } else { map.dragging.enable(); }
  }
  drawButton.addEventListener("click", function () { setDrawing(!drawing); });
  map.on("mousedown", function (e) { if (drawing) { start = e.latlng; } });
  map.on("mousemove", function (e) { if (drawing && start) { showBox(L.latLngBounds(start, e.latlng)); } });
  map.on("mouseup", function (e) {
    if (drawing && start) { fill(L.latLngBounds(start, e.latlng)); start = null; setDrawing(false); }
  });
})();
