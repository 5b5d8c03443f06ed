import express, { type Express } from 'express';

/**
 * Mailpit's --webroot: the UI, the API and /view under one path prefix, for a reverse proxy that
 * forwards https://tools.example/mail/ to mailsim. Outside the prefix, `/` (and the prefix
 * without its slash) redirect to it, as Mailpit does; anything else is 404.
 */
export function atWebroot(app: Express, webroot: string): Express {
  if (webroot === '/') return app;
  const prefix = webroot.slice(0, -1);
  const outer = express();
  outer.disable('x-powered-by');
  outer.get(['/', prefix], (req, res, next) => (req.path === webroot ? next() : res.redirect(302, webroot)));
  outer.use(prefix, app);
  outer.use((req, res) => {
    res.status(404).type('text/plain').send(`mailsim serves its web UI and API under ${webroot} (--webroot)\n`);
  });
  return outer;
}
