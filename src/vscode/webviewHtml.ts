import { randomBytes } from 'node:crypto';

/** A fresh nonce for a webview's Content-Security-Policy script-src. */
export function nonce(): string {
  return randomBytes(16).toString('base64');
}
