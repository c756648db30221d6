// Starts Swagger UI on /api/docs. A file rather than inline script, so that the page's
// Content-Security-Policy can forbid inline script; the settings come from data attributes.
window.addEventListener("load", function () {
  var container = document.getElementById("swagger-ui-container");
  var config = JSON.parse(container.dataset.config || "{}");
  config.url = container.dataset.specUrl;
  config.dom_id = "#swagger-ui-container";
  window.ui = SwaggerUIBundle(config);
});
