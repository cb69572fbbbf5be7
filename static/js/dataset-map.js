// The dataset page's "Area covered" on a map: the record's dct:spatial geometries (GeoJSON the page carries
// in data-coverage) over the offline countries layer. Loaded with <script src> (strict CSP); without
// JavaScript the bounding box stays as text and the map stays hidden.
(function () {
  "use strict";
  var el = document.getElementById("coverage-map");
  if (!el || !window.L) { return; }
  el.hidden = false;
  var map = L.map(el, { worldCopyJump: true }).setView([30, 110], 3);
  if (el.dataset.tiles) { L.tileLayer(el.dataset.tiles, { maxZoom: 18 }).addTo(map); }
  fetch(el.dataset.baseUrl).then(function (r) { return r.ok ? r.json() : null; }).then(function (world) {
    if (world) {
      L.geoJSON(world, { interactive: false, style: { color: "#999", weight: 1, fillColor: "#fff", fillOpacity: 1 } })
        .addTo(map).bringToBack();
    }
  }).catch(function () { /* the outline is a nicety */ });
  var layer = L.geoJSON(JSON.parse(el.dataset.coverage || "[]"), {
    style: { color: "#a4161a", weight: 2, fillOpacity: 0.1 },
    pointToLayer: function (_f, latlng) { return L.circleMarker(latlng, { radius: 5 }); }
  }).addTo(map);
  if (layer.getBounds().isValid()) { map.fitBounds(layer.getBounds(), { maxZoom: 9, padding: [10, 10] }); }
}());
