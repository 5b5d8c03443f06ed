import { Parser } from 'htmlparser2';

/**
 * What a message's HTML uses, counted per caniemail feature slug in one pass of htmlparser2 (no
 * DOM: a 20 MiB body costs a scan, not a tree). CSS is taken from `style` attributes and
 * `<style>` elements as text and split into selectors/at-rule preludes and declarations;
 * declarations are counted where they are written (no cascade: Mailpit inlines `<style>` into
 * the elements first, so its counts are per element).
 */
export interface HtmlUsage {
  /** slug → how many times the message uses it. */
  found: Map<string, number>;
  /** Elements in the document (html, head, meta and title left out). */
  nodes: number;
  /** How many features were looked for. */
  tests: number;
}

const TAGS: Record<string, string> = {
  abbr: 'html-abbr', acronym: 'html-acronym', address: 'html-address', audio: 'html-audio', base: 'html-base', bdi: 'html-bdi',
  blockquote: 'html-blockquote', code: 'html-code', del: 'html-del', dfn: 'html-dfn', dialog: 'html-dialog', embed: 'html-object',
  form: 'html-form', hr: 'html-hr', link: 'html-link', map: 'html-image-maps', marquee: 'html-marquee', meter: 'html-meter',
  object: 'html-object', picture: 'html-picture', pre: 'html-pre', progress: 'html-progress', rp: 'html-rp', rt: 'html-rt',
  ruby: 'html-ruby', select: 'html-select', strike: 'html-strike', style: 'html-style', svg: 'html-svg', textarea: 'html-textarea',
  video: 'html-video', wbr: 'html-wbr',
  ...Object.fromEntries('article aside details figcaption figure footer header main mark nav section summary time'.split(' ').map((t) => [t, 'html-semantics'])),
};
const ATTRIBUTES: Record<string, string> = {
  align: 'html-align', 'aria-describedby': 'html-aria-describedby', 'aria-hidden': 'html-aria-hidden', 'aria-label': 'html-aria-label',
  'aria-labelledby': 'html-aria-labelledby', 'aria-live': 'html-aria-live', background: 'html-background', cellpadding: 'html-cellpadding',
  cellspacing: 'html-cellspacing', dir: 'html-dir', height: 'html-height', hidden: 'html-hidden', inert: 'css-inert-attribute',
  lang: 'html-lang', loading: 'html-loading-attribute', popover: 'html-popover', required: 'html-required', role: 'html-role',
  srcset: 'html-srcset', target: 'html-target', usemap: 'html-image-maps', valign: 'html-valign', width: 'html-width',
};
const INPUT_TYPES: Record<string, string> = {
  checkbox: 'html-input-checkbox', hidden: 'html-input-hidden', radio: 'html-input-radio', reset: 'html-input-reset', submit: 'html-input-submit', text: 'html-input-text',
};
/** Image formats by the `src` of an `<img>` (JPEG and PNG work everywhere and are not looked for). */
const IMAGES: [string, RegExp][] = [
  ['image-base64', /^data:image\//i],
  ...['apng', 'avif', 'bmp', 'gif', 'hdr', 'heif', 'ico', 'mp4', 'svg', 'webp'].map((ext): [string, RegExp] => [`image-${ext}`, new RegExp(`\\.${ext}(?:[?#]|$)`, 'i')]),
  ['image-tiff', /\.tiff?(?:[?#]|$)/i],
];
const NOT_COUNTED = new Set(['html', 'head', 'meta', 'title']);

/** Features whose property names differ from the slug; every other css-<name> slug is the property <name>. */
const PROPERTIES: Record<string, RegExp> = {
  'css-animation': /^animation(-|$)/,
  'css-transition': /^transition(-|$)/,
  'css-gap': /^(row-|column-)?gap$/,
  'css-overflow': /^overflow(-[xy])?$/,
  'css-left-right-top-bottom': /^(left|right|top|bottom)$/,
  'css-margin-block-start-end': /^margin-block-(start|end)$/,
  'css-margin-inline-start-end': /^margin-inline-(start|end)$/,
  'css-margin-inline-block': /^margin-(inline|block)$/,
  'css-padding-block-start-end': /^padding-block-(start|end)$/,
  'css-padding-inline-start-end': /^padding-inline-(start|end)$/,
  'css-padding-inline-block': /^padding-(inline|block)$/,
  'css-border-inline-block': /^border-(inline|block)$/,
  'css-border-inline-block-individual': /^border-(inline|block)-(start|end)$/,
  'css-border-inline-block-longhand': /^border-(inline|block)(-(start|end))?-(width|style|color)$/,
  'css-border-radius-logical': /^border-(start|end)-(start|end)-radius$/,
  'css-grid-template': /^grid-template(-|$)/,
  'css-scroll-snap': /^scroll-snap-/,
  'css-column-layout-properties': /^column-(fill|gap|rule|span|width)|^columns$/,
  'css-intrinsic-size': /^contain-intrinsic-/,
  'css-block-inline-size': /^(block|inline)-size$/,
  'css-variables': /^--/,
};
/** Features found in declaration values. */
const VALUES: Record<string, RegExp> = {
  'css-display-flex': /(^|;)\s*display\s*:\s*(inline-)?flex\b/gim,
  'css-display-grid': /(^|;)\s*display\s*:\s*(inline-)?grid\b/gim,
  'css-display-none': /(^|;)\s*display\s*:\s*none\b/gim,
  'css-linear-gradient': /\blinear-gradient\s*\(/gi,
  'css-radial-gradient': /\bradial-gradient\s*\(/gi,
  'css-conic-gradient': /\bconic-gradient\s*\(/gi,
  'css-rgb': /\brgb\s*\(/gi,
  'css-rgba': /\brgba\s*\(/gi,
  'css-modern-color': /\b(oklch|oklab|lab|lch|hwb|color)\s*\(/gi,
  'css-function-clamp': /\bclamp\s*\(/gi,
  'css-function-min': /\bmin\s*\(/gi,
  'css-function-max': /\bmax\s*\(/gi,
  'css-function-light-dark': /\blight-dark\s*\(/gi,
  'css-unit-calc': /\bcalc\s*\(/gi,
  'css-important': /!\s*important\b/gi,
  'css-sytem-ui': /\bsystem-ui\b/gi,
  'css-unit-initial': /:\s*initial\b/gi,
  'css-unit-percent': /\d%/g,
  ...Object.fromEntries(['ch', 'cm', 'em', 'ex', 'in', 'mm', 'pc', 'pt', 'px', 'rem', 'vh', 'vmax', 'vmin', 'vw'].map((unit) => [`css-unit-${unit}`, new RegExp(`\\d${unit}\\b`, 'gi')])),
};
const PSEUDO_ELEMENTS_SINGLE_COLON = new Set(['after', 'before', 'first-letter', 'first-line']);
/** Features found in selectors and at-rule preludes. */
const PRELUDES: Record<string, RegExp> = {
  'css-at-font-face': /@font-face\b/gi,
  'css-at-import': /@import\b/gi,
  'css-at-keyframes': /@(-webkit-)?keyframes\b/gi,
  'css-at-media': /@media\b/gi,
  'css-at-supports': /@supports\b/gi,
  'css-at-media-prefers-color-scheme': /@media[^\n]*prefers-color-scheme/gi,
  'css-at-media-prefers-reduced-motion': /@media[^\n]*prefers-reduced-motion/gi,
  'css-at-media-orientation': /@media[^\n]*orientation/gi,
  'css-at-media-hover': /@media[^\n]*\bhover\b/gi,
  'css-at-media-device-pixel-ratio': /@media[^\n]*(device-pixel-ratio|resolution)/gi,
  'css-selector-attribute': /^[^@\n]*\[[^\]\n]*\]/gm,
  'css-selector-child': /^[^@\n]*>/gm,
  'css-selector-adjacent-sibling': /^[^@\n]*\+/gm,
  'css-selector-general-sibling': /^[^@\n]*~/gm,
  'css-selector-universal': /^[^@\n]*\*/gm,
  'css-nesting': /^[^@\n]*&/gm,
};
/** Looked for by hand in scanHtml. */
const SPECIALS = ['html-body', 'html-script', 'html-button-submit', 'html-button-reset', 'html-meta-color-scheme', 'html-anchor-links', 'html-mailto-links', 'html-comments', 'html-doctype', 'css-comments'];
const SPECIAL_PREFIXES = /^css-(at-|pseudo-|unit-|selector-|function-)/;

/** Every css-<property> test, from the data set's slugs. */
function propertyTests(slugs: string[]): [string, RegExp | string][] {
  const skip = new Set([...Object.keys(VALUES), ...Object.keys(PRELUDES), 'css-comments', 'css-display', 'css-inert-attribute', 'css-nesting']);
  return slugs
    .filter((slug) => slug.startsWith('css-') && !SPECIAL_PREFIXES.test(slug) && !skip.has(slug))
    .map((slug) => [slug, PROPERTIES[slug] ?? slug.slice(4)]);
}

function pseudoTests(slugs: string[]): [string, RegExp][] {
  return slugs.flatMap((slug): [string, RegExp][] => {
    const pseudo = /^css-pseudo-(class|element)-(.+)$/.exec(slug);
    if (!pseudo) return [];
    const [, kind, name] = pseudo;
    const colons = kind === 'class' ? '(?<!:):' : PSEUDO_ELEMENTS_SINGLE_COLON.has(name!) ? '::?' : '::';
    return [[slug, new RegExp(`${colons}${name}(?![\\w-])`, 'gi')]];
  });
}

const bump = (found: Map<string, number>, slug: string, by = 1) => {
  if (by > 0) found.set(slug, (found.get(slug) ?? 0) + by);
};
const count = (text: string, pattern: RegExp) => {
  let n = 0;
  for (pattern.lastIndex = 0; pattern.exec(text); n++) if (!pattern.global) break;
  return n;
};

/** CSS split into preludes (text before `{`) and declarations (`name: value`), comments counted and dropped. */
function splitCss(css: string, into: { preludes: string[]; declarations: string[] }): number {
  let comments = 0;
  const text = css.replace(/\/\*[\s\S]*?\*\//g, () => (comments++, ''));
  const segment = /([^{};]*)([{};]|$)/g;
  for (let match = segment.exec(text); match && match[0] !== ''; match = segment.exec(text)) {
    const body = match[1]!.trim();
    if (!body) continue;
    if (match[2] === '{') into.preludes.push(body);
    else if (body.includes(':')) into.declarations.push(body);
  }
  return comments;
}

export function scanHtml(html: string, slugs: string[]): HtmlUsage {
  const found = new Map<string, number>();
  const css = { preludes: [] as string[], declarations: [] as string[] };
  const styleBlocks: string[] = [];
  let nodes = 0;
  let inStyle = false;
  let commentsCss = 0;
  const parser = new Parser(
    {
      onopentag(name, attributes) {
        if (!NOT_COUNTED.has(name)) nodes++;
        if (name === 'style') inStyle = true;
        const tag = TAGS[name];
        if (tag) bump(found, tag);
        for (const attribute of Object.keys(attributes)) {
          const slug = ATTRIBUTES[attribute];
          if (slug) bump(found, slug);
        }
        if (attributes.style) commentsCss += splitCss(attributes.style, css);
        const type = attributes.type?.trim().toLowerCase() ?? '';
        if (name === 'body') bump(found, 'html-body');
        else if (name === 'script' && type !== 'application/ld+json' && type !== 'application/json') bump(found, 'html-script');
        else if (name === 'input' && INPUT_TYPES[type]) {
          bump(found, INPUT_TYPES[type]!);
          // Mailpit counts a submit input as a submit button too.
          if (type === 'submit') bump(found, 'html-button-submit');
        }
        else if (name === 'button' && (type === 'submit' || type === 'reset')) bump(found, `html-button-${type}`);
        else if (name === 'meta' && /^(color-scheme|supported-color-schemes)$/i.test(attributes.name ?? '')) bump(found, 'html-meta-color-scheme');
        else if (name === 'a') {
          const href = attributes.href?.trim() ?? '';
          if (href.startsWith('#')) bump(found, 'html-anchor-links');
          else if (/^mailto:/i.test(href)) bump(found, 'html-mailto-links');
        } else if (name === 'img' && attributes.src) {
          for (const [slug, pattern] of IMAGES) if (pattern.test(attributes.src.trim())) bump(found, slug);
        }
      },
      ontext(text) {
        if (inStyle) styleBlocks.push(text);
      },
      onclosetag(name) {
        if (name === 'style') inStyle = false;
      },
      oncomment() {
        if (!inStyle) bump(found, 'html-comments');
      },
      onprocessinginstruction(name) {
        if (name.toLowerCase() === '!doctype') bump(found, 'html-doctype');
      },
    },
    { decodeEntities: true, lowerCaseTags: true, lowerCaseAttributeNames: true },
  );
  parser.end(html);
  for (const block of styleBlocks) commentsCss += splitCss(block, css);
  bump(found, 'css-comments', commentsCss);
  const properties = propertyTests(slugs);
  const pseudos = pseudoTests(slugs);
  countProperties(css.declarations, properties, found);
  const values = css.declarations.join(';\n');
  for (const [slug, pattern] of Object.entries(VALUES)) bump(found, slug, count(values, pattern));
  // One selector list or prelude a line, so the patterns below never run past one (linear time).
  const preludes = css.preludes.map((prelude) => prelude.replace(/\s+/g, ' ')).join('\n');
  for (const [slug, pattern] of [...Object.entries(PRELUDES), ...pseudos]) bump(found, slug, count(preludes, pattern));
  const tests = new Set([...SPECIALS, ...Object.values(TAGS), ...Object.values(ATTRIBUTES), ...Object.values(INPUT_TYPES), ...IMAGES.map(([s]) => s), ...properties.map(([s]) => s), ...pseudos.map(([s]) => s), ...Object.keys(VALUES), ...Object.keys(PRELUDES)]);
  return { found, nodes, tests: tests.size };
}

function countProperties(declarations: string[], tests: [string, RegExp | string][], found: Map<string, number>): void {
  const byName = new Map<string, number>();
  for (const declaration of declarations) {
    const name = declaration.slice(0, declaration.indexOf(':')).trim().toLowerCase();
    byName.set(name, (byName.get(name) ?? 0) + 1);
  }
  for (const [slug, test] of tests) {
    if (typeof test === 'string') bump(found, slug, byName.get(test) ?? 0);
    else for (const [name, n] of byName) if (test.test(name)) bump(found, slug, n);
  }
}
