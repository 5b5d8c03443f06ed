import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Certificates } from '../tls/certificates.js';
import { scenarioJsonSchema } from '../scenarios/json-schema.js';
import { parseScenario } from '../scenarios/parse.js';

/** `mailsim validate FILE...`: exit 0 when every file is a valid scenario, 1 otherwise. */
export function validateCommand(files: string[], out: (line: string) => void): number {
  if (!files.length) {
    out('usage: mailsim validate FILE...');
    return 2;
  }
  let failures = 0;
  for (const file of files) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      out(`${file}: cannot read: ${(error as Error).message}`);
      failures++;
      continue;
    }
    const result = parseScenario(text, file);
    if (result.ok) {
      const { name, rules, limits } = result.scenario;
      out(`${file}: ok (scenario "${name}", ${rules.length} rules, ${limits.length} limits)`);
    } else {
      const { Line, Column, Field, Message } = result.error;
      out(`${file}:${Line}:${Column}: ${Field ? `${Field}: ` : ''}${Message}`);
      failures++;
    }
  }
  return failures ? 1 : 0;
}

/** `mailsim schema`: the scenario JSON Schema, for editors. */
export function schemaCommand(out: (text: string) => void): number {
  out(JSON.stringify(scenarioJsonSchema(), null, 2));
  return 0;
}

/** `mailsim cert`: makes sure the CA and server certificate exist and says how to trust them. */
export async function certCommand(tlsDir: string, hostname: string, out: (line: string) => void): Promise<number> {
  const certificates = await Certificates.open(tlsDir, [...new Set(['localhost', '127.0.0.1', '::1', hostname])]);
  const ca = certificates.ca.path;
  out(`CA certificate:     ${ca}`);
  out(`server certificate: ${join(tlsDir, 'server.pem')} (key: ${join(tlsDir, 'server-key.pem')})`);
  out('');
  out('Trust the CA to verify mailsim like a real server:');
  out(`  Node (nodemailer):  NODE_EXTRA_CA_CERTS=${ca} node app.js   or   tls: { ca: fs.readFileSync('${ca}') }`);
  out(`  Python (smtplib):   ssl.create_default_context(cafile='${ca}')`);
  out(`  curl / swaks:       --cacert ${ca}   /   --tls-ca-path ${ca}`);
  return 0;
}
