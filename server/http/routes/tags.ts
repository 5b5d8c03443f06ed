import { Router } from 'express';
import { z } from 'zod';
import type { MailboxPort } from '../../ports/mailbox.js';
import { parseInput } from '../errors.js';
import { CodedError, badRequest, notFound } from '../../errors/catalogue.js';

const setBody = z.object({ IDs: z.array(z.string()).default([]), Tags: z.array(z.string()).nullish() }).loose();
const renameBody = z.object({ Name: z.string({ error: 'expected the new tag name as a string' }) }).loose();

/**
 * Mailpit's tag endpoints, same paths, bodies and answers: GET lists every tag in use, PUT
 * replaces the tags of messages, PUT /{tag} renames, DELETE /{tag} removes a tag from every
 * message. Tag names are matched without regard to case.
 */
export function tagsRouter(mailbox: MailboxPort): Router {
  const router = Router();

  router.get('/api/v1/tags', (_req, res) => {
    res.json(mailbox.tags());
  });

  router.put('/api/v1/tags', async (req, res) => {
    const { IDs, Tags } = parseInput(setBody, req.body, 'body');
    const unknown = IDs.filter((id) => !mailbox.has(id));
    if (unknown.length) throw new CodedError('NOT_FOUND', `message${unknown.length > 1 ? 's' : ''} not found: ${unknown.join(', ')}`);
    if (IDs.length) await mailbox.setTags(IDs, Tags ?? []);
    res.type('text/plain').send('ok');
  });

  router.put('/api/v1/tags/:tag', async (req, res) => {
    const { Name } = parseInput(renameBody, req.body, 'body');
    const result = await mailbox.renameTag(req.params.tag, Name);
    if (result === 'invalid') throw badRequest(`invalid tag name "${Name}": use letters, digits, spaces, "-", "_" and "."`);
    if (result === 'not-found') throw notFound(`tag ${req.params.tag}`);
    if (result === 'exists') throw badRequest(`a tag named "${Name}" already exists`);
    res.type('text/plain').send('ok');
  });

  router.delete('/api/v1/tags/:tag', async (req, res) => {
    if (!(await mailbox.deleteTag(req.params.tag))) throw notFound(`tag ${req.params.tag}`);
    res.type('text/plain').send('ok');
  });

  return router;
}
