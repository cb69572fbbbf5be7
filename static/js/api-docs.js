/* Swagger UI for /api/1/docs, from static/vendor/swagger-ui (loaded with <script src>, CSP-safe). */
(function () {
  "use strict";
  var el = document.getElementById("swagger-ui");
  if (!el || !window.SwaggerUIBundle) { return; }
  window.SwaggerUIBundle({ url: el.dataset.spec, domNode: el, deepLinking: true, tryItOutEnabled: true });
})();
