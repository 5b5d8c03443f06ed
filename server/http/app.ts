import express, { type Express } from 'express';
import type { Mailbox } from '../mail/mailbox.js';
import { errorHandler, unknownRoute } from './errors.js';
import { messageRouter } from './routes/message.js';
import { messagesRouter } from './routes/messages.js';
import { sessionsRouter } from './routes/sessions.js';
import { systemRouter, type SystemDeps } from './routes/system.js';

export interface AppDeps extends SystemDeps {
  mailbox: Mailbox;
  report: (error: unknown) => void;
}

export function createApp(deps: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  // Mailpit clients send DELETE/PUT bodies with or without a JSON content type.
  app.use(express.json({ limit: '1mb', type: () => true, strict: false }));
  app.use(systemRouter(deps));
  app.use(messagesRouter(deps.mailbox));
  app.use(messageRouter(deps.mailbox));
  app.use(sessionsRouter(deps.mailbox));
  app.use(unknownRoute);
  app.use(errorHandler(deps.report));
  return app;
}
