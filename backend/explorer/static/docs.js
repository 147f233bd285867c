// Starts Swagger UI on /docs (backend/api/docs_pages.py): a file, not an inline script, so the
// page's Content-Security-Policy allows scripts from the service itself only.
const node = document.getElementById("swagger-ui");
if (node && window.SwaggerUIBundle) {
  window.ui = window.SwaggerUIBundle({
    url: node.dataset.openapi,
    dom_id: "#swagger-ui",
    deepLinking: true,
    showExtensions: true,
    presets: [window.SwaggerUIBundle.presets.apis, window.SwaggerUIBundle.SwaggerUIStandalonePreset],
    layout: "BaseLayout",
  });
}
