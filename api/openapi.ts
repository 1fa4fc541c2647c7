import { OpenAPIRegistry, OpenApiGeneratorV31 } from '@asteasolutions/zod-to-openapi';

export function createRegistry(): OpenAPIRegistry {
  const registry = new OpenAPIRegistry();
  registry.registerComponent('securitySchemes', 'bearerAuth', { type: 'http', scheme: 'bearer' });
  return registry;
}

export function generateOpenApi(registry: OpenAPIRegistry, serverUrl: string) {
  return new OpenApiGeneratorV31(registry.definitions).generateDocument({
    openapi: '3.1.0',
    info: {
      title: 'Cohort API',
      version: '1.0.0',
      description:
        'The bootcamp student lifecycle: accounts, consent, curriculum, payments, progress, certificates and privacy rights.',
    },
    servers: [{ url: serverUrl }],
  });
}
