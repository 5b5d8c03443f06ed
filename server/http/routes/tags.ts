import { Router } from 'express';
import { z } from 'zod';
import type { MailboxPort } from '../../ports/mailbox.js';
import { badRequest, notFound } from '../../errors/catalogue.js';
import { decodeGoStruct, hasBody } from '../go-json.js';

export const setShape = { IDs: z.array(z.string()).optional(), Tags: z.array(z.string()).optional() };
export const renameShape = { Name: z.string({ error: 'expected the new tag name as a string' }) };
const BODY_REQUIRED = 'invalid body: expected JSON';

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
    // Keys as Go reads them; IDs Mailpit does not know are skipped, the known ones still tagged.
    if (!hasBody(req)) throw badRequest(`${BODY_REQUIRED} {"IDs": [...], "Tags": [...]}`);
    const { IDs = [], Tags = [] } = decodeGoStruct(setShape, req.body).value;
    if (IDs.length) await mailbox.setTags(IDs, Tags);
    res.type('text/plain').send('ok');
  });

  router.put('/api/v1/tags/:tag', async (req, res) => {
    if (!hasBody(req)) throw badRequest(`${BODY_REQUIRED} {"Name": "..."}`);
    const { Name } = decodeGoStruct(renameShape, req.body).value;
    const result = await mailbox.renameTag(req.params.tag, Name);
    if (result === 'invalid') throw badRequest(`invalid tag name "${Name}": use letters, digits, spaces, "-", "_", "." and "@", at most 100 characters`);
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
