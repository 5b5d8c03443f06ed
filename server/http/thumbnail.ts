import type Sharp from 'sharp';

/**
 * sharp loads libvips (~7 MB of RSS with its dependencies) when imported: loaded with the first
 * thumbnail, not with mailsim (issue 14: peak RSS).
 */
let loaded: Promise<typeof Sharp> | undefined;
const sharpModule = () => (loaded ??= import('sharp').then((module) => module.default));

/** Mailpit's attachment thumbnails (server/apiv1/thumbnails.go): 180×120 JPEG at quality 70. */
export const THUMB_WIDTH = 180;
export const THUMB_HEIGHT = 120;
/** Mailpit refuses to decode more pixels than this (a decompression bomb gets the blank image). */
const MAX_PIXELS = 20_000_000;
const WHITE = { r: 255, g: 255, b: 255, alpha: 1 };

async function blank(): Promise<Buffer> {
  const sharp = await sharpModule();
  return sharp({ create: { width: THUMB_WIDTH, height: THUMB_HEIGHT, channels: 3, background: WHITE } }).jpeg({ quality: 70 }).toBuffer();
}

/**
 * As Mailpit does: an image at least 180×120 is scaled to cover the box and cropped at the centre;
 * a smaller one is only scaled down to fit and centred on white; anything that is not an image
 * (or cannot be decoded, or is over 20 megapixels) is a blank white thumbnail. EXIF orientation
 * is applied. sharp (libvips) does the work on libuv's thread pool, off the event loop.
 */
export async function thumbnail(content: Buffer, contentType: string): Promise<Buffer> {
  if (!/^image\//i.test(contentType)) return blank();
  const sharp = await sharpModule();
  try {
    const image = sharp(content, { limitInputPixels: MAX_PIXELS, failOn: 'error' }).rotate();
    const { width = 0, height = 0, orientation } = await image.metadata();
    // EXIF orientations 5-8 swap width and height.
    const [w, h] = orientation && orientation >= 5 ? [height, width] : [width, height];
    if (w >= THUMB_WIDTH && h >= THUMB_HEIGHT) {
      return await image.resize(THUMB_WIDTH, THUMB_HEIGHT, { fit: 'cover', position: 'centre' }).flatten({ background: WHITE }).jpeg({ quality: 70 }).toBuffer();
    }
    const fitted = await image.resize(THUMB_WIDTH, THUMB_HEIGHT, { fit: 'inside', withoutEnlargement: true }).flatten({ background: WHITE }).png().toBuffer();
    return await sharp({ create: { width: THUMB_WIDTH, height: THUMB_HEIGHT, channels: 3, background: WHITE } })
      .composite([{ input: fitted, gravity: 'centre' }])
      .jpeg({ quality: 70 })
      .toBuffer();
  } catch {
    return blank();
  }
}
