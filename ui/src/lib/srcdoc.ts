/**
 * The message preview: captured HTML in an `srcdoc` iframe sandboxed without scripts and
 * without same-origin, behind a policy of its own that forbids everything but inline styles,
 * embedded images and our own part URLs. Remote content (tracking pixels, remote images, web
 * fonts) stays blocked until the user allows it for this message.
 */
export interface SrcdocOptions {
  /** mailsim's origin ("http://127.0.0.1:8025"), for inline cid: parts. */
  origin: string;
  allowRemote: boolean;
}

/** The sandbox attribute: popups only, so that links open in a new tab outside the sandbox. */
export const PREVIEW_SANDBOX = 'allow-popups allow-popups-to-escape-sandbox';

export function previewPolicy({ origin, allowRemote }: SrcdocOptions): string {
  const remote = allowRemote ? ' http: https:' : '';
  return [
    "default-src 'none'",
    `img-src ${origin} data: blob:${remote}`,
    `style-src 'unsafe-inline'${remote}`,
    `font-src data:${remote}`,
    `media-src data:${remote}`,
    "script-src 'none'",
    "form-action 'none'",
    "base-uri 'none'",
  ].join('; ');
}

const REMOTE =
  /\b(?:src|background|poster|srcset)\s*=\s*["']?\s*(?:https?:)?\/\/|url\(\s*["']?\s*(?:https?:)?\/\/|<link\b[^>]*?\bhref\s*=\s*["']?\s*(?:https?:)?\/\/|@import\s+["']\s*(?:https?:)?\/\//gi;

/** How many remote references (images, backgrounds, stylesheets, fonts) the HTML holds; links are not counted. */
export function countRemote(html: string): number {
  return [...html.matchAll(REMOTE)].length;
}

/** Points cid: references at the message's part URLs, as the server's /view does. */
export function rewriteCids(html: string, partUrl: (cid: string) => string | undefined): string {
  return html.replace(/(["'(\s=])cid:([^"')\s>]+)/gi, (whole, lead: string, cid: string) => {
    let decoded = cid;
    try {
      decoded = decodeURIComponent(cid);
    } catch {
      // keep as is
    }
    const url = partUrl(decoded);
    return url ? `${lead}${url}` : whole;
  });
}

const escapeAttribute = (text: string) => text.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');

const BASE_STYLE = 'html{color-scheme:light}body{margin:0;padding:16px;background:#fff;color:#111;font:14px/1.5 system-ui,sans-serif;overflow-wrap:anywhere}img{max-width:100%;height:auto}';

/**
 * The srcdoc document: our head first (policy, no referrer, links in new tabs, a plain white
 * page), then the captured HTML, whose own <html>/<head>/<body> tags the parser folds into ours.
 * Meta refresh is removed: a sandboxed frame may still navigate itself.
 */
export function buildSrcdoc(html: string, options: SrcdocOptions): string {
  const cleaned = html.replace(/<meta\b[^>]*http-equiv\s*=\s*["']?\s*refresh[^>]*>/gi, '');
  const head =
    `<meta charset="utf-8"><meta http-equiv="Content-Security-Policy" content="${escapeAttribute(previewPolicy(options))}">` +
    '<meta name="referrer" content="no-referrer"><base target="_blank">' +
    `<style>${BASE_STYLE}</style>`;
  return `<!DOCTYPE html><html><head>${head}</head><body>${cleaned}</body></html>`;
}
