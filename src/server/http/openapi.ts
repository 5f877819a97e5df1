import { z } from 'zod';
import { ErrorResponse, type AnyEndpoint } from '../../contracts/api.js';
import { HTTP_STATUS_OF } from '../../contracts/errors.js';

type JsonSchema = Record<string, unknown>;

function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  const out = z.toJSONSchema(schema, { io, unrepresentable: 'any', target: 'draft-2020-12' }) as JsonSchema;
  delete out.$schema;
  return out;
}

function parameters(schema: z.ZodType, where: 'path' | 'query'): unknown[] {
  const js = jsonSchema(schema, 'input');
  const props = (js.properties ?? {}) as Record<string, JsonSchema>;
  const required = new Set((js.required ?? []) as string[]);
  return Object.entries(props).map(([name, s]) => ({
    name,
    in: where,
    required: where === 'path' || required.has(name),
    ...(typeof s.description === 'string' ? { description: s.description } : {}),
    schema: s,
  }));
}

const ERROR_STATUSES = ['400', '401', '403', '404', '409', '413', '415', '429'] as const;
const ERROR_TEXT: Record<string, string> = {
  '400': 'Invalid request (validation, bad JSON)',
  '401': 'Not signed in, or the token is invalid, expired or revoked',
  '403': 'Not allowed for your roles (or CSRF token missing, or a password change is required)',
  '404': 'Not found, or not yours to see',
  '409': 'Conflicts with the current state',
  '413': 'Request body too large',
  '415': 'Unsupported content type',
  '429': 'Too many attempts; see Retry-After',
};

/** The OpenAPI 3.1 document of the API, generated from the contracts. */
export function openApiDocument(endpoints: readonly AnyEndpoint[], version: string): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const ep of endpoints) {
    const hasBody = !(ep.body instanceof z.ZodUndefined);
    const operation: Record<string, unknown> = {
      operationId: ep.operationId,
      tags: [ep.tag],
      summary: ep.summary,
      description: [ep.description, `**Who may call it:** ${ep.access}.`, ep.audit === undefined ? '' : `Audited as \`${ep.audit}\`.`]
        .filter((s) => s !== undefined && s !== '')
        .join('\n\n'),
      parameters: [...parameters(ep.params, 'path'), ...parameters(ep.query, 'query')],
      ...(hasBody
        ? { requestBody: { required: true, content: { 'application/json': { schema: jsonSchema(ep.body, 'input') } } } }
        : {}),
      responses: {
        [String(ep.successStatus)]:
          ep.successStatus === 204
            ? { description: 'Done (no content)' }
            : {
                description: 'Success',
                content: {
                  'application/json': { schema: jsonSchema(ep.response, 'output') },
                  ...Object.fromEntries((ep.textFormats ?? []).map((t) => [t, { schema: { type: 'string' } }])),
                },
              },
        ...Object.fromEntries(
          ERROR_STATUSES.filter((s) => ep.auth !== 'public' || !['401', '403'].includes(s)).map((s) => [
            s,
            { description: ERROR_TEXT[s], content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } },
          ]),
        ),
      },
      ...(ep.auth === 'public' ? { security: [] } : {}),
    };
    paths[ep.path] ??= {};
    (paths[ep.path] as Record<string, unknown>)[ep.method.toLowerCase()] = operation;
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Patchwarden API',
      version,
      description:
        'Patch management and compliance for Linux fleets and open-source dependencies.\n\n' +
        'Authenticate with an API token (`Authorization: Bearer <token>`, create one with `patchwarden login` or POST /api/v1/tokens) ' +
        'or with the session cookie from POST /api/v1/auth/login; cookie requests that change state must send `X-CSRF-Token`.\n\n' +
        'Errors always have the shape `{ "error": { "code", "message", "details" } }`; codes: ' +
        Object.entries(HTTP_STATUS_OF)
          .map(([c, s]) => `\`${c}\` (${s})`)
          .join(', ') +
        '.\n\nLists take `limit` (1–500, default 50), `offset` and `sort` (`field` or `-field`) and answer `{ items, total, limit, offset }`.',
    },
    servers: [{ url: '/' }],
    security: [{ bearerToken: [] }, { sessionCookie: [] }],
    components: {
      securitySchemes: {
        bearerToken: { type: 'http', scheme: 'bearer', description: 'An API token (pw_…)' },
        sessionCookie: { type: 'apiKey', in: 'cookie', name: 'pw_session' },
      },
      schemas: { Error: jsonSchema(ErrorResponse, 'output') },
    },
    tags: [...new Set(endpoints.map((e) => e.tag))].map((name) => ({ name })),
    paths,
  };
}
