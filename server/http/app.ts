import express, { type Express } from 'express';
import type { MailboxPort } from '../ports/mailbox.js';
import { errorHandler, unknownRoute } from './errors.js';
import { jsonBody } from './go-json.js';
import { corsMiddleware } from './cors.js';
import { cleanPathRedirect } from './clean-path.js';
import { type SecurityOptions, securityMiddleware } from './security.js';
import { uiStatic } from './ui-static.js';
import { type InboundDeps, inboundRouter, rawMessageBody } from './routes/inbound.js';
import { messageRouter } from './routes/message.js';
import { type BounceControl, bouncesRouter } from './routes/bounces.js';
import { messagesRouter } from './routes/messages.js';
import { type ScenarioControl, scenariosRouter } from './routes/scenarios.js';
import { sessionsRouter } from './routes/sessions.js';
import { tagsRouter } from './routes/tags.js';
import { waitRouter } from './routes/wait.js';
import { type SendPort, sendRouter } from './routes/send.js';
import { type ReleasePort, releaseRouter } from './routes/release.js';
import type { EventBus } from '../events/bus.js';
import type { WaitRegistry } from './waiting.js';
import { systemRouter, type SystemDeps } from './routes/system.js';
import { authCheckRouter } from './routes/auth-check.js';
import type { AuthChecks } from '../ports/auth-checks.js';
import { openApiDocument } from './openapi.js';
import { checksRouter, type HtmlCheckPort, type LinkCheckPort } from './routes/checks.js';
import { CodedError } from '../errors/catalogue.js';

const noLinkCheck: LinkCheckPort = {
  check: () => Promise.reject(new CodedError('UNAVAILABLE', 'the link check is not wired in this app')),
};
const noHtmlCheck: HtmlCheckPort = {
  check: () => Promise.reject(new CodedError('UNAVAILABLE', 'the html check is not wired in this app')),
};

export interface AppDeps extends SystemDeps {
  mailbox: MailboxPort;
  control: ScenarioControl;
  /** GET /api/v1/message/{ID}/auth-check. */
  authChecks?: Pick<AuthChecks, 'forMessage'>;
  /** Simulated bounces and the provider event webhook log. */
  bounces?: BounceControl;
  report: (error: unknown) => void;
  /** Origin, Host and --ui-auth checks; mounted before every route. */
  security?: SecurityOptions;
  /** Server-side waits (need the bus) and GET /metrics. */
  integrations?: { bus: EventBus; waits: WaitRegistry; metrics: () => { contentType: string; text: string } };
  /** Simulated inbound mail and GET /api/v1/pop3. */
  inbound?: InboundDeps;
  /** POST /api/v1/send: submits over SMTP to mailsim's own listener. */
  send?: SendPort | undefined;
  /** --max-message-size: the send API's body limit follows it. */
  maxMessageSize?: number;
  /** --smtp-relay-*: POST /api/v1/message/{ID}/release; absent answers 400 as Mailpit does. */
  relay?: (ReleasePort & { info(): object }) | undefined;
  /** GET /api/v1/message/{ID}/link-check. */
  links?: LinkCheckPort;
  /** GET /api/v1/message/{ID}/html-check. */
  html?: HtmlCheckPort;
}

export function createApp(deps: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  // Refuse cross-origin, DNS-rebinding and unauthenticated requests before any route reads a mail.
  // CORS first: a preflight carries no credentials, and --api-cors answers it before the auth check.
  if (deps.security?.cors) app.use(corsMiddleware(deps.security.cors));
  if (deps.security) app.use(securityMiddleware(deps.security));
  app.use(cleanPathRedirect());
  // Its own body limit (a message with attachments), so before the general one.
  app.use(sendRouter(deps.send, deps.maxMessageSize ?? 25 * 1024 * 1024));
  // Mailpit clients send DELETE/PUT bodies with or without a JSON content type.
  if (deps.inbound) app.use('/api/v1/inbound', rawMessageBody());
  app.use(jsonBody());
  app.use(systemRouter(deps));
  app.get('/api/v1/swagger.json', (_req, res) => {
    res.json(openApiDocument(deps.version));
  });
  app.use(messagesRouter(deps.mailbox));
  if (deps.bounces) app.use(bouncesRouter(deps.bounces));
  app.use(messageRouter(deps.mailbox));
  if (deps.authChecks) app.use(authCheckRouter(deps.authChecks));
  app.use(releaseRouter(deps.mailbox, deps.relay));
  app.use(checksRouter(deps.mailbox, deps.links ?? noLinkCheck, deps.html ?? noHtmlCheck));
  app.use(sessionsRouter(deps.mailbox));
  app.use(scenariosRouter(deps.control));
  app.use(tagsRouter(deps.mailbox));
  if (deps.inbound) app.use(inboundRouter(deps.inbound));
  const integrations = deps.integrations;
  if (integrations) {
    app.use(waitRouter({ mailbox: deps.mailbox, bus: integrations.bus, waits: integrations.waits }));
    app.get('/metrics', (_req, res) => {
      const { contentType, text } = integrations.metrics();
      res.type(contentType).send(text);
    });
  }
  // The built Svelte app after the API (so /api/* never falls through to index.html), before the 404.
  app.use(uiStatic());
  app.use(unknownRoute);
  app.use(errorHandler(deps.report));
  return app;
}
