// Swagger UI over the document this API serves (relative URL: works direct and via the gateway).
window.addEventListener("load", () => {
  window.ui = SwaggerUIBundle({ url: "openapi.json", dom_id: "#swagger-ui", deepLinking: true });
});
