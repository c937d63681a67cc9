/**
 * The start banner's warning when PUBLIC_BASE_URL names this machine's loopback address
 * (127.0.0.0/8, ::1, localhost): every QR code and label then points at an address no phone
 * can reach, so shoppers' scans fail.
 */
import { isIP } from "node:net";

/** Whether the URL's host is a loopback address or name. */
export function isLoopbackUrl(url: string): boolean {
  let host: string;
  try {
    host = new URL(url).hostname.toLowerCase();
  } catch {
    return false;
  }
  if (host.startsWith("[") && host.endsWith("]")) host = host.slice(1, -1);
  if (host === "localhost" || host.endsWith(".localhost")) return true;
  if (isIP(host) === 4) return host.split(".")[0] === "127";
  if (isIP(host) === 6) return host === "::1" || /^::ffff:127\./.test(host) || /^::ffff:7f[0-9a-f]{2}:/.test(host);
  return false;
}

/** The warning's lines (Chinese, then English), or none when the URL is reachable from elsewhere. */
export function loopbackWarning(publicBaseUrl: string, setExplicitly: boolean): string[] {
  if (!isLoopbackUrl(publicBaseUrl)) return [];
  const source = setExplicitly ? "PUBLIC_BASE_URL" : "PUBLIC_BASE_URL (unset: made from HOST and PORT)";
  const sourceZh = setExplicitly ? "PUBLIC_BASE_URL" : "PUBLIC_BASE_URL（未设置，由 HOST 和 PORT 拼成）";
  return [
    `警告：${sourceZh} 是本机回环地址 ${publicBaseUrl}，手机扫码无法访问，二维码和标签上的链接都会打不开。` +
      `请把环境变量 PUBLIC_BASE_URL 设为购物者能访问的地址（如 https://trace.example.cn）后重新启动。`,
    `Warning: ${source} is a loopback address, ${publicBaseUrl}: phones cannot reach it, so the links in QR codes and on labels will not open. ` +
      `Set the environment variable PUBLIC_BASE_URL to the address shoppers reach (e.g. https://trace.example.cn) and start again.`,
  ];
}
