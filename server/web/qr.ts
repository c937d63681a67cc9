/**
 * QR codes of Digital Link URIs, made with the qrcode package (error correction M, quiet zone
 * of 4 modules as the QR standard asks). A label sheet draws the same few codes many times,
 * so the most recent are kept.
 */
import QRCode from "qrcode";

const CACHE_SIZE = 2_000;
const svgCache = new Map<string, string>();

function remember<V>(cache: Map<string, V>, key: string, value: V): V {
  if (cache.size >= CACHE_SIZE) cache.delete(cache.keys().next().value as string);
  cache.set(key, value);
  return value;
}

export async function qrSvg(uri: string): Promise<string> {
  const cached = svgCache.get(uri);
  if (cached) return cached;
  const svg = await QRCode.toString(uri, { type: "svg", errorCorrectionLevel: "M", margin: 4 });
  // The package's SVG carries no title; add one so screen readers announce what it is.
  return remember(svgCache, uri, svg.replace("<svg ", `<svg role="img" aria-label="QR" `));
}

export async function qrPng(uri: string, scale = 8): Promise<Buffer> {
  return QRCode.toBuffer(uri, { type: "png", errorCorrectionLevel: "M", margin: 4, scale });
}
