/**
 * Generates malformed requests from the contract schemas: for every endpoint, bad path parameters,
 * bad query values (wrong types, bad enums, bad limit/offset/sort, repeated keys, unknown keys),
 * bad bodies (invalid JSON, wrong JSON types, wrong types per field, bad enum values, over-long
 * strings, unknown fields, prototype pollution, deep nesting, huge bodies, wrong Content-Type) and
 * bad credentials. Injection strings (SQL, shell, path traversal, `__proto__`/`constructor`) go
 * everywhere a string goes.
 *
 * Each case says whether the contract refuses it (`mustFail`, decided with the endpoint's own zod
 * schemas, or by construction for what never reaches them); cases the contract accepts (an injection
 * string in a free-text field) may succeed, but must never make the server fail.
 */
import { z } from 'zod';
import type { AnyEndpoint } from '../../src/contracts/api.js';

export interface MalformedCase {
  endpoint: string;
  kind: string;
  method: string;
  url: string;
  headers: Record<string, string>;
  payload?: string;
  /** The contract refuses it: the answer must be a 4xx with the error shape. */
  mustFail: boolean;
  /** A bad value put in one field: where it goes (path, query, body) and the value, e.g. `query "' OR '1'='1"` (see `representatives`). */
  probe?: string;
  /** For a probe the endpoint's own schema refuses: the validation error it gets (every issue's code, path, message). */
  refusal?: string;
}

/** Strings that try SQL, shell, path traversal, prototype pollution, templates, encodings. */
export const INJECTIONS = [
  // NUL and broken Unicode first: endpoints that hash passwords run only a few accepted cases.
  '\u0000',
  '/etc/passwd\u0000.png',
  '\u202e\uffff\ud800',
  "' OR '1'='1",
  "'; DROP TABLE users; --",
  '" OR ""="',
  '1 UNION SELECT password_hash FROM users --',
  "admin'--",
  "x' AND sleep(5) --",
  '$(reboot)',
  '`id`',
  '; rm -rf / #',
  '| cat /etc/passwd',
  '&& curl http://127.0.0.1:1/',
  '../../../../etc/passwd',
  '..\\..\\windows\\win.ini',
  '%2e%2e%2f%2e%2e%2fetc%2fpasswd',
  '__proto__',
  'constructor',
  'prototype',
  '{"__proto__":{"admin":true}}',
  '<script>alert(1)</script>',
  '${7*7}',
  '{{7*7}}',
  '%s%s%s%n',
  '😀'.repeat(40),
  'ａｄｍｉｎ',
  '*',
  '%',
  '_',
  '\\',
];

/** Values of the wrong JSON type for any field. */
const WRONG_TYPES: unknown[] = [42, -1, 1.5, 0, true, false, null, [], {}, '', ' ', 'string', ['a'], { a: 1 }, 1e308, -1e308];

/** Raw (not percent-encoded) path segments the router must refuse cleanly. */
const RAW_SEGMENTS = ['%', '%zz', '%E0%A4%A', '%00', '%2F', '..%2F..%2Fetc%2Fpasswd', '%u0041', '%C0%AE%C0%AE'];

const BAD_JSON = [
  '{',
  '{"a":',
  '{"name": "x",}',
  "{'name':'x'}",
  'nul',
  'undefined',
  'NaN',
  '{"a":1}{"b":2}',
  '\u0000',
  '[',
  '{"a":"\\x"}',
  '{"a":01}',
  '"unterminated',
  '{"a":1,,"b":2}',
  '\uFEFF\uFEFF{}',
  '{"a":Infinity}',
  '//comment\n{}',
  '{"a":"\u0001"}',
  '{a:1}',
  '}{',
];

const PROTO_POLLUTION = [
  '{"__proto__":{"admin":true}}',
  '{"constructor":{"prototype":{"admin":true}}}',
  '{"a":{"__proto__":{"admin":true}}}',
  '{"memberships":[{"__proto__":{"role":"admin"}}]}',
];

const CONTENT_TYPES = [
  'text/plain',
  'application/x-www-form-urlencoded',
  'application/xml',
  'multipart/form-data; boundary=xyz',
  'application/jsonp',
  'text/html',
  'image/png',
];

type JsonSchema = { properties?: Record<string, JsonSchema>; enum?: unknown[]; maxLength?: number; maxItems?: number; items?: JsonSchema; anyOf?: JsonSchema[] };

function jsonSchema(schema: z.ZodType): JsonSchema {
  return z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
}

function enumOf(s: JsonSchema): unknown[] | undefined {
  return s.enum ?? s.anyOf?.find((x) => x.enum !== undefined)?.enum;
}

function maxLengthOf(s: JsonSchema): number | undefined {
  return s.maxLength ?? s.anyOf?.find((x) => x.maxLength !== undefined)?.maxLength;
}

/** Bad values for one field, from its JSON schema. */
function badValues(s: JsonSchema): unknown[] {
  const values: unknown[] = [...WRONG_TYPES, ...INJECTIONS];
  const en = enumOf(s);
  if (en !== undefined) {
    const first = String(en[0]);
    values.push(first.toUpperCase(), `${first} `, `${first}\u0000`, 'superuser', 'root', en.join(','), `-${first}`);
  }
  values.push('x'.repeat((maxLengthOf(s) ?? 100_000) + 1));
  return values;
}

/** Percent-encodes a path segment; a lone surrogate (not encodable) goes as the invalid UTF-8 it would be. */
function segment(v: string): string {
  try {
    return encodeURIComponent(v);
  } catch {
    return encodeURIComponent(v.replace(/[\ud800-\udfff]/g, '')) + '%ED%A0%80';
  }
}

function query(values: Record<string, string | string[]>): string {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(values)) for (const one of Array.isArray(v) ? v : [v]) p.append(k, one);
  const s = p.toString();
  return s === '' ? '' : `?${s}`;
}

/** The validation error `schema` gives `value` (as the server reports it), undefined when it accepts it. */
function refusalOf(schema: z.ZodType, value: unknown): string | undefined {
  const result = schema.safeParse(value);
  return result.success ? undefined : JSON.stringify(result.error.issues.map((i) => [i.code, i.path.map(String), i.message, i.code === 'unrecognized_keys' ? i.keys : null]));
}

/** The probe fields of a case that puts `value` in one field at `where`, refused or not by `schema`. */
function probing(where: 'path' | 'query' | 'body', value: unknown, schema: z.ZodType, request: unknown): Pick<MalformedCase, 'probe' | 'refusal'> {
  const refusal = refusalOf(schema, request);
  return { probe: `${where} ${JSON.stringify(value)}`, ...(refusal === undefined ? {} : { refusal }) };
}

function parsesTo(payload: string): { ok: true; value: unknown } | { ok: false } {
  try {
    // Fastify strips one leading byte-order mark before parsing.
    return { ok: true, value: JSON.parse(payload.charCodeAt(0) === 0xfeff ? payload.slice(1) : payload) as unknown };
  } catch {
    return { ok: false };
  }
}

export interface GenerateOptions {
  /** Path parameter values that exist (so a case fails only for what it mutates). */
  params: Record<string, string>;
  /** A valid body per operationId (endpoints with a body). */
  bodies: Record<string, Record<string, unknown>>;
  /** The bearer token for an operationId (default: the admin's). */
  tokenFor: (operationId: string) => string;
  bodyLimitBytes: number;
  /** Endpoints that hash passwords (slow on purpose): at most `acceptedPerField` accepted cases per field. */
  costly: readonly string[];
  acceptedPerField: number;
}

/** The schema of a path parameter that is a name the caller chooses (`x-chosen-name` in its metadata), not an id. */
function chosenName(ep: AnyEndpoint, name: string): z.ZodType | undefined {
  const s = ep.params instanceof z.ZodObject ? (ep.params.shape as Record<string, z.ZodType>)[name] : undefined;
  return s?.meta()?.['x-chosen-name'] === true ? s : undefined;
}

/** A raw path segment as the router decodes it; undefined when it is not valid percent-encoding. */
function decodeSegment(raw: string): string | undefined {
  try {
    return decodeURIComponent(raw);
  } catch {
    return undefined;
  }
}

/** All malformed cases for the endpoints. */
export function generateCases(endpoints: readonly AnyEndpoint[], o: GenerateOptions): MalformedCase[] {
  const cases: MalformedCase[] = [];
  for (const ep of endpoints) {
    const hasBody = !(ep.body instanceof z.ZodUndefined);
    const baseline = hasBody ? o.bodies[ep.operationId] : undefined;
    if (hasBody && (baseline === undefined || !ep.body.safeParse(baseline).success)) throw new Error(`no valid baseline body for ${ep.operationId}`);
    const auth = ep.auth !== 'public' ? { authorization: `Bearer ${o.tokenFor(ep.operationId)}` } : {};
    const path = (overrides: Record<string, string> = {}) =>
      ep.path.replace(/\{(\w+)\}/g, (_m, name: string) => overrides[name] ?? segment(o.params[name] ?? 'missing'));
    const jsonHeaders = { ...auth, 'content-type': 'application/json' };
    const base = (kind: string, url: string, mustFail: boolean, extra: Partial<MalformedCase> = {}): MalformedCase => ({
      endpoint: ep.operationId,
      kind,
      method: ep.method,
      url,
      headers: hasBody ? jsonHeaders : auth,
      ...(hasBody ? { payload: JSON.stringify(baseline) } : {}),
      mustFail,
      ...extra,
    });

    // Path parameters: injections, bad lengths, bad percent-encodings. No object has such an id.
    // A parameter that is a name the caller chooses (a patch group) is refused only when its schema refuses it.
    for (const name of Object.keys(jsonSchema(ep.params).properties ?? {})) {
      const chosen = chosenName(ep, name);
      const refused = (decoded: string | undefined) => chosen === undefined || decoded === undefined || !chosen.safeParse(decoded).success;
      const valid = Object.fromEntries(Object.keys(jsonSchema(ep.params).properties ?? {}).map((n) => [n, o.params[n] ?? 'missing']));
      for (const v of [...INJECTIONS, '', ' ', 'a'.repeat(65), 'a'.repeat(201), '.', '..', 'null', 'undefined', '0', '-1', 'acct_doesnotexist']) {
        // Only a plain segment (the router hands it to the route as it is) reaches the schema with this value.
        const seg = segment(v);
        const plain = seg !== '' && seg !== '.' && seg !== '..' && decodeSegment(seg) === v;
        cases.push(base(`path ${name}`, path({ [name]: seg }), refused(v), plain ? probing('path', v, ep.params, { ...valid, [name]: v }) : {}));
      }
      for (const raw of RAW_SEGMENTS) cases.push(base(`path ${name} raw`, path({ [name]: raw }), refused(decodeSegment(raw))));
    }

    // Query: unknown keys everywhere, then every declared field with bad values.
    for (const unknown of ['foo', '__proto__', 'constructor', '__proto__[admin]', 'toString', 'limit ']) {
      cases.push(base('query unknown key', `${path()}${query({ [unknown]: '1' })}`, true));
    }
    const qProps = jsonSchema(ep.query).properties ?? {};
    const classifyQuery = (q: Record<string, string | string[]>) => !ep.query.safeParse(q).success;
    for (const [name, s] of Object.entries(qProps)) {
      const values: (string | string[])[] = badValues(s)
        .filter((v) => typeof v === 'string' || typeof v === 'number')
        .map(String);
      values.push(['1', '2'], ['a', 'b'], ['', '']);
      if (name === 'limit' || name === 'offset') values.push('-1', '0', '501', 'NaN', 'Infinity', '-Infinity', '1.5', '1e309', '9'.repeat(400), '0x', '--1', '1;DROP TABLE users', '1000000001');
      if (name === 'sort') values.push('password', 'password_hash', '-', '--name', 'name;drop table users', 'NAME', 'name,createdAt', 'random()', '(select 1)', '1', ['name', '-name']);
      for (const v of values) {
        cases.push(base(`query ${name}`, `${path()}${query({ [name]: v })}`, classifyQuery({ [name]: v }), probing('query', v, ep.query, { [name]: v })));
      }
    }

    if (hasBody && baseline !== undefined) {
      const accepted = new Map<string, number>();
      const bodyCase = (kind: string, payload: string, mustFail?: boolean, headers: Record<string, string> = jsonHeaders, value?: { v: unknown }) => {
        const parsed = parsesTo(payload);
        const refused = mustFail ?? (!parsed.ok || !ep.body.safeParse(parsed.value ?? undefined).success);
        if (!refused) {
          const n = (accepted.get(kind) ?? 0) + 1;
          accepted.set(kind, n);
          if (o.costly.includes(ep.operationId) && n > o.acceptedPerField) return;
        }
        const probe = value !== undefined && parsed.ok ? probing('body', value.v, ep.body, parsed.value ?? undefined) : {};
        cases.push(base(kind, path(), refused, { payload, headers, ...probe }));
      };
      // Per field: wrong types, bad enum values, over-long strings, injections.
      const props = jsonSchema(ep.body).properties ?? {};
      for (const [name, s] of Object.entries(props)) {
        for (const v of badValues(s)) bodyCase(`body ${name}`, JSON.stringify({ ...baseline, [name]: v }), undefined, jsonHeaders, { v });
        const item = s.items;
        if (item?.properties !== undefined) {
          const valid = (baseline[name] as Record<string, unknown>[] | undefined)?.[0] ?? {};
          bodyCase(`body ${name}[] too many`, JSON.stringify({ ...baseline, [name]: Array.from({ length: (s.maxItems ?? 1000) + 1 }, () => valid) }));
          bodyCase(`body ${name}[] unknown field`, JSON.stringify({ ...baseline, [name]: [{ ...valid, extra: true }] }));
          for (const [field, fs] of Object.entries(item.properties)) {
            for (const v of badValues(fs)) bodyCase(`body ${name}[].${field}`, JSON.stringify({ ...baseline, [name]: [{ ...valid, [field]: v }] }), undefined, jsonHeaders, { v });
          }
        }
      }
      // Unknown fields.
      for (const extra of [{ extra: 1 }, { isAdmin: true }, { id: 'usr_x' }, { userId: 'usr_x' }, { orgRole: 'org-admin' }, { role: 'admin' }, { passwordHash: 'x' }]) {
        bodyCase('body unknown field', JSON.stringify({ ...baseline, ...extra }));
      }
      // Whole bodies: invalid JSON, other JSON types, empty, prototype pollution, deep nesting.
      for (const payload of BAD_JSON) bodyCase('body bad JSON', payload, true);
      for (const payload of ['null', '[]', '"x"', '42', 'true', '[{}]', JSON.stringify([baseline]), '{}']) bodyCase('body wrong JSON type', payload);
      bodyCase('body empty', '', true);
      for (const payload of [...PROTO_POLLUTION, JSON.stringify(baseline).replace(/^\{/, '{"__proto__":{"isAdmin":true},')]) bodyCase('body prototype pollution', payload, true);
      bodyCase('body deep array', '['.repeat(50_000) + ']'.repeat(50_000), true);
      bodyCase('body deep object', '{"a":'.repeat(20_000) + '1' + '}'.repeat(20_000), true);
      bodyCase('body huge', JSON.stringify({ ...baseline, padding: 'x'.repeat(o.bodyLimitBytes * 2) }), true);
      // Wrong or missing Content-Type.
      for (const ct of CONTENT_TYPES) bodyCase(`content-type ${ct}`, JSON.stringify(baseline), true, { ...auth, 'content-type': ct });
      bodyCase('content-type missing', JSON.stringify(baseline), true, { ...auth });
    } else if (ep.method !== 'GET') {
      // Routes without a body refuse one.
      for (const payload of ['{"extra":1}', '{', '[]', '"x"', '{"__proto__":{"admin":true}}', '']) {
        cases.push(base('body on a route without one', path(), true, { payload, headers: { ...auth, 'content-type': 'application/json' } }));
      }
      cases.push(base('text body on a route without one', path(), true, { payload: 'hello', headers: { ...auth, 'content-type': 'text/plain' } }));
    }

    // Credentials: missing, malformed, unknown, oversized, injected.
    if (ep.auth !== 'public') {
      const credentials: Record<string, string>[] = [
        {},
        { authorization: 'Bearer garbage' },
        { authorization: 'Bearer pw_tok_doesnotexist.secret' },
        { authorization: 'Basic YWRtaW46YWRtaW4=' },
        { authorization: `Bearer pw_${'a'.repeat(10_000)}` },
        { authorization: "Bearer pw_' OR 1=1 --.x" },
        { authorization: 'Bearer' },
        { authorization: '' },
        { authorization: `${auth.authorization ?? ''}x` },
        { cookie: 'pw_session=garbage' },
        { cookie: `pw_session=${'x'.repeat(300)}` },
        { cookie: "pw_session=' OR 1=1 --" },
        { cookie: 'pw_session=__proto__' },
      ];
      for (const c of credentials) {
        cases.push(base('credentials', path(), true, { headers: { ...(hasBody ? { 'content-type': 'application/json' } : {}), ...c } }));
      }
    }
  }

  // Routes and methods that do not exist.
  for (const [method, url] of [
    ['GET', '/api/v1/nope'],
    ['GET', '/api/v2/accounts'],
    ['GET', '/api/v1/accounts/'],
    ['GET', '/api/v1//accounts'],
    ['PROPFIND', '/api/v1/accounts'],
    ['OPTIONS', '/api/v1/accounts'],
    ['TRACE', '/api/v1/accounts'],
    ['PATCH', '/api/v1/accounts'],
    ['DELETE', '/api/v1/organization'],
    ['PUT', '/api/v1/me'],
    ['GET', '/api/v1/accounts/x/members/y/z'],
    ['GET', '/%'],
    ['GET', '/api/v1/..%2F..%2Fetc%2Fpasswd'],
    ['GET', '/api/docs/assets/..%2F..%2Fpackage.json'],
    ['GET', '/api/docs/assets/package.json'],
    ['GET', `/${'a'.repeat(5000)}`],
  ] as const) {
    cases.push({ endpoint: '(none)', kind: 'unknown route', method, url, headers: {}, mustFail: true });
  }
  return cases;
}

/**
 * The cases worth sending: all of them but the repeats of a refusal. Every API route is registered
 * the same way (one body parser, one query parser, one router; see Router.route), so what differs
 * between two cases that the endpoint's own schema refuses is the value those parsers see and the
 * error the schema gives. A case with a `refusal` is sent when that refusal is new for its endpoint
 * and kind, or when its value (`probe`) has not been sent in that place (path, query, body) yet; the
 * others would run the same code to the same error again. Every case the contract accepts, and every
 * case refused before the schema (bad JSON, Content-Type, credentials, raw path segments, sizes), is
 * sent. (The schema itself still sees every generated value: classifying a case runs it.)
 */
export function representatives(cases: readonly MalformedCase[]): MalformedCase[] {
  const errors = new Set<string>();
  const probes = new Set<string>();
  return cases.filter((c) => {
    if (c.probe === undefined || c.refusal === undefined) return true;
    const error = `${c.endpoint}\n${c.kind}\n${c.refusal}`;
    const fresh = !errors.has(error) || !probes.has(c.probe);
    errors.add(error);
    probes.add(c.probe);
    return fresh;
  });
}
