// /docs: Swagger UI (swagger-ui-dist, bundled into this build: no third-party CDN) over
// the merged document the gateway serves at /openapi.json.

import 'swagger-ui-dist/swagger-ui.css';
import SwaggerUIBundle from 'swagger-ui-dist/swagger-ui-es-bundle.js';

SwaggerUIBundle({
  url: '/openapi.json',
  dom_id: '#swagger-ui',
  deepLinking: true,
  // Swagger UI would otherwise ask a third-party validator about the document.
  validatorUrl: null,
});
