import { z } from 'zod';
import { viewQuery } from './routes/message.js';
import { idsShape, readShape } from './routes/messages.js';
import { releaseRequestSchema } from './routes/release.js';
import { htmlCheckResponse, linkCheckQuery } from './routes/checks.js';
import { activateBody, clockBody } from './routes/scenarios.js';
import { sendRequestSchema, sendResponseSchema } from './routes/send.js';
import { listQuery } from './routes/sessions.js';
import { simulateBounceSchema, simulateComplaintSchema } from './routes/bounces.js';
import { autoReplyShape, inboundShape, rawQuery, replyShape } from './routes/inbound.js';
import { renameShape, setShape } from './routes/tags.js';
import { messagesQuery, sessionsQuery } from './routes/wait.js';

/**
 * GET /api/v1/swagger.json: an OpenAPI 3 document of every route, its request schemas made by
 * zod's own JSON Schema output (z.toJSONSchema, OpenAPI 3.0 target) from the schemas that
 * validate the requests. test/openapi.test.ts lists the routes Express has and fails when one
 * is missing here or when this names one that does not exist.
 */
interface Operation {
  method: 'get' | 'post' | 'put' | 'delete';
  /** Express form: /api/v1/message/:id */
  path: string;
  tag: 'message' | 'messages' | 'tags' | 'sessions' | 'scenarios' | 'faults' | 'waits' | 'application' | 'views' | 'bounces' | 'inbound' | 'checks';
  summary: string;
  query?: z.ZodObject;
  body?: z.ZodType;
  /** The 200 (or 201) response: JSON by its schema, or a content type. */
  response?: z.ZodType | string;
}

// Documentation-only schemas for the query strings read by hand (paging.ts is lenient as Mailpit is).
const pagingQuery = z.object({
  start: z.string().optional().describe('offset, 0 by default'),
  limit: z.string().optional().describe('page size, 50 by default; 0 lists everything'),
});
const searchQuery = pagingQuery.extend({
  query: z.string().describe('the search language (README, "Search language")'),
  tz: z.string().optional().describe('time zone for dates in the query'),
});
const ok = 'text/plain';

const OPERATIONS: readonly Operation[] = [
  { method: 'get', path: '/api/v1/info', tag: 'application', summary: 'Version, database and runtime statistics (Mailpit AppInformation)' },
  { method: 'get', path: '/api/v1/webui', tag: 'application', summary: "Mailpit's web UI configuration (MessageRelay, SpamAssassin, ChaosEnabled)" },
  { method: 'post', path: '/api/v1/reset', tag: 'application', summary: 'Delete every message and session, reset counters, one-shot faults, chaos and the clock', response: ok },
  { method: 'get', path: '/livez', tag: 'application', summary: 'Liveness', response: ok },
  { method: 'get', path: '/readyz', tag: 'application', summary: 'Readiness: 503 with the reason while starting or when the store takes no mail', response: ok },
  { method: 'get', path: '/metrics', tag: 'application', summary: 'Prometheus metrics', response: 'text/plain; version=0.0.4' },
  { method: 'get', path: '/api/v1/swagger.json', tag: 'application', summary: 'This document' },
  { method: 'post', path: '/api/v1/send', tag: 'message', summary: 'Send a message through the SMTP pipeline (Mailpit SendMessageParams)', body: sendRequestSchema, response: sendResponseSchema },
  { method: 'get', path: '/api/v1/messages', tag: 'messages', summary: 'List messages, newest first', query: pagingQuery },
  { method: 'delete', path: '/api/v1/messages', tag: 'messages', summary: 'Delete messages by ID, or every message without IDs', body: z.object(idsShape), response: ok },
  { method: 'put', path: '/api/v1/messages', tag: 'messages', summary: 'Set the read flag by IDs, by search, or of every message', body: z.object(readShape), response: ok },
  { method: 'get', path: '/api/v1/search', tag: 'messages', summary: 'Search messages', query: searchQuery },
  { method: 'delete', path: '/api/v1/search', tag: 'messages', summary: 'Delete the messages a search matches', query: searchQuery.pick({ query: true, tz: true }), response: ok },
  { method: 'get', path: '/api/v1/message/:id', tag: 'message', summary: 'One message in full (marks it read); ID "latest" for the newest' },
  { method: 'get', path: '/api/v1/message/:id/raw', tag: 'message', summary: 'The message source as stored (one byte range allowed)', response: ok },
  { method: 'get', path: '/api/v1/message/:id/headers', tag: 'message', summary: 'Every header field, by name' },
  { method: 'get', path: '/api/v1/message/:id/part/:partId', tag: 'message', summary: 'One attachment or inline part', response: 'application/octet-stream' },
  { method: 'post', path: '/api/v1/message/:id/release', tag: 'message', summary: 'Relay the message to the --smtp-relay-host server', body: releaseRequestSchema, response: ok },
  { method: 'get', path: '/view/:file', tag: 'views', summary: '{ID}.html or {ID}.txt: the message body as a sandboxed page', query: viewQuery, response: 'text/html' },
  { method: 'get', path: '/api/v1/tags', tag: 'tags', summary: 'Every tag' },
  { method: 'put', path: '/api/v1/tags', tag: 'tags', summary: 'Set the tags of messages', body: z.object(setShape), response: ok },
  { method: 'put', path: '/api/v1/tags/:tag', tag: 'tags', summary: 'Rename a tag', body: z.object(renameShape), response: ok },
  { method: 'delete', path: '/api/v1/tags/:tag', tag: 'tags', summary: 'Delete a tag', response: ok },
  { method: 'get', path: '/api/v1/sessions', tag: 'sessions', summary: 'SMTP sessions, newest first, by outcome, client, user, time and transaction', query: listQuery },
  { method: 'get', path: '/api/v1/session/:id', tag: 'sessions', summary: 'One session with its transcript; "latest" for the newest' },
  { method: 'get', path: '/api/v1/scenarios', tag: 'scenarios', summary: 'Scenarios and listeners' },
  { method: 'get', path: '/api/v1/scenarios/:name', tag: 'scenarios', summary: 'One scenario' },
  { method: 'put', path: '/api/v1/scenario', tag: 'scenarios', summary: 'Switch a listener (or all) to a scenario, by name or inline', body: activateBody },
  { method: 'get', path: '/api/v1/clock', tag: 'scenarios', summary: 'The scenario clock' },
  { method: 'post', path: '/api/v1/clock', tag: 'scenarios', summary: 'Advance, set or reset the scenario clock', body: clockBody },
  { method: 'get', path: '/api/v1/counters', tag: 'scenarios', summary: 'Limit counters' },
  { method: 'get', path: '/api/v1/faults', tag: 'faults', summary: 'One-shot faults' },
  { method: 'post', path: '/api/v1/faults', tag: 'faults', summary: 'Add a one-shot fault (when, count, action: as in a scenario rule)', body: z.record(z.string(), z.unknown()) },
  { method: 'delete', path: '/api/v1/faults', tag: 'faults', summary: 'Remove every one-shot fault', response: ok },
  { method: 'delete', path: '/api/v1/faults/:id', tag: 'faults', summary: 'Remove one one-shot fault', response: ok },
  { method: 'get', path: '/api/v1/chaos', tag: 'faults', summary: "Mailpit's chaos triggers, mapped onto the fault engine" },
  { method: 'put', path: '/api/v1/chaos', tag: 'faults', summary: "Set Mailpit's chaos triggers", body: z.record(z.string(), z.unknown()) },
  { method: 'get', path: '/api/v1/wait', tag: 'waits', summary: 'Wait server-side until messages matching a search arrive', query: messagesQuery },
  { method: 'get', path: '/api/v1/message/:id/link-check', tag: 'message', summary: 'Status of every link and image (Mailpit LinkCheckResponse)', query: linkCheckQuery },
  { method: 'get', path: '/api/v1/message/:id/html-check', tag: 'message', summary: 'HTML compatibility per email client, from caniemail.com (Mailpit HTMLCheckResponse); 400 without an HTML body', response: htmlCheckResponse },
  { method: 'get', path: '/api/v1/message/:id/part/:partId/thumb', tag: 'message', summary: '180x120 JPEG thumbnail of an image attachment (blank for anything else)', response: 'image/jpeg' },
  { method: 'get', path: '/api/v1/message/:id/auth-check', tag: 'checks', summary: 'DKIM, SPF (MAIL FROM and HELO), DMARC and ARC verdicts with reasons, and sender best practices (MessageAuth)' },
  { method: 'post', path: '/api/v1/message/:id/bounce', tag: 'bounces', summary: 'Simulate a bounce (an RFC 3464 DSN to the envelope sender) for a stored message', body: simulateBounceSchema },
  { method: 'post', path: '/api/v1/message/:id/complaint', tag: 'bounces', summary: 'Simulate a spam complaint for a stored message: a spam delivery event per recipient, posted in each provider\'s format (--provider-events)', body: simulateComplaintSchema },
  { method: 'get', path: '/api/v1/provider-events', tag: 'bounces', summary: 'Every provider event webhook post (--provider-events) with its HTTP status' },
  { method: 'get', path: '/api/v1/provider-events/keys', tag: 'bounces', summary: 'What a receiver verifies the provider event posts with' },
  { method: 'get', path: '/api/v1/provider-events/sns-certificate.pem', tag: 'bounces', summary: 'The certificate SNS-format posts name as SigningCertURL', response: 'application/x-pem-file' },
  { method: 'get', path: '/api/v1/bounce-relay', tag: 'bounces', summary: 'Every --bounce-relay delivery attempt, oldest first' },
  { method: 'post', path: '/api/v1/message/:id/reply', tag: 'inbound', summary: 'Simulate a reply to a stored message (threaded, to Reply-To or From)', body: z.object(replyShape) },
  { method: 'post', path: '/api/v1/message/:id/auto-reply', tag: 'inbound', summary: 'Simulate an RFC 3834 auto-reply or out-of-office to a stored message', body: z.object(autoReplyShape) },
  { method: 'post', path: '/api/v1/inbound', tag: 'inbound', summary: 'Put a message into a mailbox: JSON fields, or raw RFC 5322 (message/rfc822) with ?mailbox=', query: rawQuery, body: z.object(inboundShape) },
  { method: 'get', path: '/api/v1/pop3', tag: 'inbound', summary: 'The --pop3 listener: address, mode, and whether logins need a password' },
  { method: 'get', path: '/api/v1/sessions/wait', tag: 'waits', summary: 'Wait server-side until sessions matching a filter close', query: sessionsQuery },
];

/** POSTs that answer 201 Created with the new object's ID. */
const CREATED = new Set(['/api/v1/faults', '/api/v1/message/:id/bounce', '/api/v1/message/:id/reply', '/api/v1/message/:id/auto-reply', '/api/v1/inbound']);

const toOpenApiPath = (path: string) => path.replace(/:(\w+)/g, '{$1}');

function jsonSchema(schema: z.ZodType): unknown {
  return z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any', target: 'openapi-3.0' });
}

function operation(op: Operation): Record<string, unknown> {
  const pathParams = [...op.path.matchAll(/:(\w+)/g)].map(([, name]) => ({ name, in: 'path', required: true, schema: { type: 'string' } }));
  const queryParams = Object.entries(op.query?.shape ?? {}).map(([name, schema]) => ({
    name,
    in: 'query',
    required: !(schema as z.ZodType).safeParse(undefined).success,
    ...((schema as z.ZodType).description && { description: (schema as z.ZodType).description }),
    schema: jsonSchema(schema as z.ZodType),
  }));
  const success =
    typeof op.response === 'string'
      ? { description: 'OK', content: { [op.response]: { schema: { type: 'string' } } } }
      : { description: 'OK', content: { 'application/json': { schema: op.response ? jsonSchema(op.response) : {} } } };
  return {
    tags: [op.tag],
    summary: op.summary,
    ...(pathParams.length + queryParams.length > 0 && { parameters: [...pathParams, ...queryParams] }),
    ...(op.body && { requestBody: { required: true, content: { 'application/json': { schema: jsonSchema(op.body) } } } }),
    responses: {
      [op.method === 'post' && CREATED.has(op.path) ? '201' : '200']: success,
      '400': { $ref: '#/components/responses/Error' },
      '404': { $ref: '#/components/responses/Error' },
    },
  };
}

/** Every documented route as `METHOD /express/path`, for the test that keeps this in step with the app. */
export function documentedRoutes(): string[] {
  return OPERATIONS.map((op) => `${op.method.toUpperCase()} ${op.path}`);
}

let cached: object | undefined;

export function openApiDocument(version: string): object {
  if (cached) return cached;
  const paths: Record<string, Record<string, unknown>> = {};
  for (const op of OPERATIONS) (paths[toOpenApiPath(op.path)] ??= {})[op.method] = operation(op);
  cached = {
    openapi: '3.0.3',
    info: { title: 'mailsim API', version, description: "Mailpit's API (same paths and shapes) plus mailsim's own: sessions, scenarios, faults, the scenario clock and waits." },
    paths,
    components: {
      responses: {
        Error: {
          description: 'The error, as {"Error": message, "Code": catalogue code}',
          content: { 'application/json': { schema: { type: 'object', properties: { Error: { type: 'string' }, Code: { type: 'string' } }, required: ['Error'] } } },
        },
      },
    },
  };
  return cached;
}
