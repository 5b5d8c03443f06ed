import { execFile } from 'node:child_process';

export interface PythonReport {
  type: string;
  reportType: string | null;
  parts: Array<{ type: string; description: string | null }>;
  /** message/delivery-status as Python's email package parses it: one dict per field block. */
  status: Array<Record<string, string>>;
  /** Headers of the returned message (message/rfc822 or text/rfc822-headers). */
  returned: Record<string, string> | null;
  returnedBody: string | null;
}

// Python's own MIME parser (email.message_from_bytes, policy.default): it knows
// message/delivery-status and splits it into RFC 3464 field blocks.
const SCRIPT = `
import email, json, sys
from email import policy
msg = email.message_from_bytes(sys.stdin.buffer.read(), policy=policy.default)
out = {'type': msg.get_content_type(), 'reportType': msg.get_param('report-type'), 'parts': [], 'status': [], 'returned': None, 'returnedBody': None}
for part in (msg.iter_parts() if msg.is_multipart() else []):
    ctype = part.get_content_type()
    out['parts'].append({'type': ctype, 'description': part.get('Content-Description')})
    if ctype == 'message/delivery-status':
        out['status'] = [{k: str(v) for k, v in block.items()} for block in part.get_payload()]
    elif ctype == 'message/rfc822':
        inner = part.get_payload()[0]
        out['returned'] = {k: str(v) for k, v in inner.items()}
        out['returnedBody'] = inner.get_content()
    elif ctype == 'text/rfc822-headers':
        inner = email.message_from_string(part.get_content(), policy=policy.default)
        out['returned'] = {k: str(v) for k, v in inner.items()}
print(json.dumps(out))
`;

export function parseWithPython(raw: Buffer): Promise<PythonReport> {
  return new Promise((resolve, reject) => {
    const child = execFile('python3', ['-c', SCRIPT], { timeout: 15_000 }, (error, stdout, stderr) => {
      if (error) return reject(new Error(stderr || error.message));
      resolve(JSON.parse(stdout) as PythonReport);
    });
    child.stdin?.end(raw);
  });
}
