/**
 * `/tmp` for handler code: the `fs` and `fs/promises` modules a handler may import, with one
 * writable folder, as on Lambda. Files live in the execution environment (the container's memory):
 * a warm invocation finds what an earlier one of the same environment wrote, another environment
 * does not, and a recycled environment starts empty — Lambda's "/tmp survives warm invocations".
 * Everything else is read-only (`EROFS`) or absent (`ENOENT`): the lab has no code folder to read.
 * Capacity is Lambda's default ephemeral storage, 512 MB (`ENOSPC` beyond it).
 *
 * Like `virtualTime.ts`, `virtualFs` runs inside every container, so it must be self-contained (no
 * imports, nothing from outside its own body but the built-ins of every V8 context).
 */

export interface VirtualFsModules {
  fs: Record<string, unknown>;
  promises: Record<string, unknown>;
}

export function virtualFs(now: () => number): VirtualFsModules {
  'use strict';
  const ErrorCtor = Error;
  const Uint8ArrayCtor = Uint8Array;
  const StringCtor = String;
  const PromiseCtor = Promise;
  const freeze = Object.freeze;
  const defineProperty = Object.defineProperty;
  const create = Object.create;
  const fromCharCode = String.fromCharCode;
  const isView = ArrayBuffer.isView;
  const CAPACITY = 512 * 1024 * 1024;

  interface FileNode {
    kind: 'file';
    data: Uint8Array;
    mtimeMs: number;
  }
  interface DirNode {
    kind: 'dir';
    mtimeMs: number;
  }
  /** Every node by absolute path (`/tmp` itself is a folder that always exists). */
  const nodes: Record<string, FileNode | DirNode> = create(null);
  nodes['/tmp'] = { kind: 'dir', mtimeMs: now() };
  let used = 0;

  const fsError = (code: string, what: string, syscall: string, path: string): Error => {
    const error = new ErrorCtor(`${code}: ${what}, ${syscall} '${path}'`);
    defineProperty(error, 'code', { value: code, enumerable: true, writable: true, configurable: true });
    defineProperty(error, 'syscall', { value: syscall, enumerable: true, writable: true, configurable: true });
    defineProperty(error, 'path', { value: path, enumerable: true, writable: true, configurable: true });
    return error;
  };

  /** An absolute, normalised path; relative ones are relative to Lambda's working folder, /var/task. */
  const normalize = (input: unknown, syscall: string): string => {
    if (typeof input !== 'string' || input === '') {
      const e = new ErrorCtor(`The "path" argument must be a non-empty string (${syscall}); got ${typeof input === 'string' ? 'an empty string' : typeof input}`);
      defineProperty(e, 'code', { value: 'ERR_INVALID_ARG_TYPE', enumerable: true });
      throw e;
    }
    const parts: string[] = [];
    const full = input.charAt(0) === '/' ? input : '/var/task/' + input;
    const segments = full.split('/');
    for (let i = 0; i < segments.length; i++) {
      const s = segments[i];
      if (s === '' || s === '.') continue;
      if (s === '..') parts.pop();
      else parts[parts.length] = s;
    }
    return '/' + parts.join('/');
  };
  const inTmp = (p: string): boolean => p === '/tmp' || p.startsWith('/tmp/');
  const parentOf = (p: string): string => p.slice(0, p.lastIndexOf('/')) || '/';

  const utf8 = (text: string): Uint8Array => {
    const out: number[] = [];
    for (let i = 0; i < text.length; i++) {
      let c = text.charCodeAt(i);
      if (c >= 0xd800 && c < 0xdc00 && i + 1 < text.length) {
        const d = text.charCodeAt(i + 1);
        if (d >= 0xdc00 && d < 0xe000) {
          c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
          i++;
        }
      }
      if (c < 0x80) out[out.length] = c;
      else if (c < 0x800) out.push(0xc0 | (c >> 6), 0x80 | (c & 63));
      else if (c < 0x10000) out.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
      else out.push(0xf0 | (c >> 18), 0x80 | ((c >> 12) & 63), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
    }
    return new Uint8ArrayCtor(out);
  };
  const fromUtf8 = (bytes: Uint8Array): string => {
    let s = '';
    for (let i = 0; i < bytes.length; ) {
      const b = bytes[i++];
      let c: number;
      if (b < 0x80) c = b;
      else if (b < 0xe0) c = ((b & 31) << 6) | (bytes[i++] & 63);
      else if (b < 0xf0) c = ((b & 15) << 12) | ((bytes[i++] & 63) << 6) | (bytes[i++] & 63);
      else c = ((b & 7) << 18) | ((bytes[i++] & 63) << 12) | ((bytes[i++] & 63) << 6) | (bytes[i++] & 63);
      if (c >= 0x10000) {
        c -= 0x10000;
        s += fromCharCode(0xd800 + (c >> 10), 0xdc00 + (c & 1023));
      } else s += fromCharCode(c);
    }
    return s;
  };
  const bytesOf = (data: unknown): Uint8Array => {
    if (typeof data === 'string') return utf8(data);
    if (data instanceof Uint8ArrayCtor) return new Uint8ArrayCtor(data);
    if (data !== null && typeof data === 'object' && isView(data)) return new Uint8ArrayCtor((data as ArrayBufferView).buffer.slice((data as ArrayBufferView).byteOffset, (data as ArrayBufferView).byteOffset + (data as ArrayBufferView).byteLength));
    const e = new ErrorCtor(`The "data" argument must be a string or a typed array; got ${data === null ? 'null' : typeof data}`);
    defineProperty(e, 'code', { value: 'ERR_INVALID_ARG_TYPE', enumerable: true });
    throw e;
  };
  const encodingOf = (options: unknown): string | undefined => {
    const enc = typeof options === 'string' ? options : options !== null && typeof options === 'object' ? (options as { encoding?: unknown }).encoding : undefined;
    if (enc === undefined || enc === null) return undefined;
    if (enc === 'utf8' || enc === 'utf-8') return 'utf8';
    const e = new ErrorCtor(`encoding '${StringCtor(enc)}' is not supported in the lab's /tmp (use 'utf8', or no encoding for bytes)`);
    defineProperty(e, 'code', { value: 'ERR_INVALID_ARG_VALUE', enumerable: true });
    throw e;
  };

  const writable = (p: string, syscall: string): void => {
    if (!inTmp(p)) throw fsError('EROFS', 'read-only file system', syscall, p);
    const dir = nodes[parentOf(p)];
    if (!dir) throw fsError('ENOENT', 'no such file or directory', syscall, p);
    if (dir.kind !== 'dir') throw fsError('ENOTDIR', 'not a directory', syscall, p);
  };
  const store = (p: string, data: Uint8Array, syscall: string): void => {
    const old = nodes[p];
    if (old && old.kind === 'dir') throw fsError('EISDIR', 'illegal operation on a directory', syscall, p);
    const next = used - (old ? old.data.length : 0) + data.length;
    if (next > CAPACITY) throw fsError('ENOSPC', 'no space left on device', syscall, p);
    used = next;
    nodes[p] = { kind: 'file', data, mtimeMs: now() };
  };

  const readFileSync = (path: unknown, options?: unknown): string | Uint8Array => {
    const p = normalize(path, 'open');
    const enc = encodingOf(options);
    const node = nodes[p];
    if (!node) throw fsError('ENOENT', `no such file or directory${inTmp(p) ? '' : " (the lab's file system has only /tmp)"}`, 'open', p);
    if (node.kind === 'dir') throw fsError('EISDIR', 'illegal operation on a directory', 'read', p);
    return enc ? fromUtf8(node.data) : new Uint8ArrayCtor(node.data);
  };
  const writeFileSync = (path: unknown, data: unknown): void => {
    const p = normalize(path, 'open');
    writable(p, 'open');
    store(p, bytesOf(data), 'open');
  };
  const appendFileSync = (path: unknown, data: unknown): void => {
    const p = normalize(path, 'open');
    writable(p, 'open');
    const old = nodes[p];
    const add = bytesOf(data);
    if (!old) return store(p, add, 'open');
    if (old.kind === 'dir') throw fsError('EISDIR', 'illegal operation on a directory', 'open', p);
    const joined = new Uint8ArrayCtor(old.data.length + add.length);
    joined.set(old.data, 0);
    joined.set(add, old.data.length);
    store(p, joined, 'open');
  };
  const existsSync = (path: unknown): boolean => {
    try {
      return nodes[normalize(path, 'access')] !== undefined;
    } catch {
      return false;
    }
  };
  const mkdirSync = (path: unknown, options?: unknown): string | undefined => {
    const p = normalize(path, 'mkdir');
    const recursive = options !== null && typeof options === 'object' && (options as { recursive?: unknown }).recursive === true;
    if (nodes[p]) {
      if (recursive && nodes[p].kind === 'dir') return undefined;
      throw fsError('EEXIST', 'file already exists', 'mkdir', p);
    }
    if (!inTmp(p)) throw fsError('EROFS', 'read-only file system', 'mkdir', p);
    if (!recursive) {
      writable(p, 'mkdir');
      nodes[p] = { kind: 'dir', mtimeMs: now() };
      return undefined;
    }
    const missing: string[] = [];
    for (let q = p; !nodes[q]; q = parentOf(q)) missing.unshift(q);
    for (let i = 0; i < missing.length; i++) {
      if (nodes[parentOf(missing[i])]?.kind !== 'dir') throw fsError('ENOTDIR', 'not a directory', 'mkdir', missing[i]);
      nodes[missing[i]] = { kind: 'dir', mtimeMs: now() };
    }
    return missing[0];
  };
  const readdirSync = (path: unknown): string[] => {
    const p = normalize(path, 'scandir');
    const node = nodes[p];
    if (!node) throw fsError('ENOENT', 'no such file or directory', 'scandir', p);
    if (node.kind !== 'dir') throw fsError('ENOTDIR', 'not a directory', 'scandir', p);
    const prefix = p + '/';
    const names: string[] = [];
    for (const key in nodes) if (key.startsWith(prefix) && key.indexOf('/', prefix.length) < 0) names[names.length] = key.slice(prefix.length);
    return names.sort();
  };
  const statSync = (path: unknown): Record<string, unknown> => {
    const p = normalize(path, 'stat');
    const node = nodes[p];
    if (!node) throw fsError('ENOENT', 'no such file or directory', 'stat', p);
    const isFile = node.kind === 'file';
    return freeze({ size: isFile ? (node as FileNode).data.length : 4096, mtimeMs: node.mtimeMs, isFile: () => isFile, isDirectory: () => !isFile });
  };
  const unlinkSync = (path: unknown): void => {
    const p = normalize(path, 'unlink');
    const node = nodes[p];
    if (!node) throw fsError('ENOENT', 'no such file or directory', 'unlink', p);
    if (node.kind === 'dir') throw fsError('EISDIR', 'illegal operation on a directory', 'unlink', p);
    used -= (node as FileNode).data.length;
    delete nodes[p];
  };
  const rmSync = (path: unknown, options?: unknown): void => {
    const p = normalize(path, 'rm');
    const o = (options !== null && typeof options === 'object' ? options : {}) as { recursive?: unknown; force?: unknown };
    const node = nodes[p];
    if (!node) {
      if (o.force === true) return;
      throw fsError('ENOENT', 'no such file or directory', 'rm', p);
    }
    if (p === '/tmp' || !inTmp(p)) throw fsError('EROFS', 'read-only file system', 'rm', p);
    if (node.kind === 'file') return unlinkSync(p);
    if (o.recursive !== true) throw fsError('ERR_FS_EISDIR', 'Path is a directory', 'rm', p);
    const prefix = p + '/';
    for (const key in nodes) {
      if (!key.startsWith(prefix)) continue;
      const n = nodes[key];
      if (n.kind === 'file') used -= n.data.length;
      delete nodes[key];
    }
    delete nodes[p];
  };

  const fs: Record<string, unknown> = { readFileSync, writeFileSync, appendFileSync, existsSync, mkdirSync, readdirSync, statSync, unlinkSync, rmSync };
  /** The promise form of each call (what `fs/promises` and `fs.promises` offer). */
  const later =
    (fn: (...args: any[]) => unknown) =>
    (...args: unknown[]): Promise<unknown> =>
      new PromiseCtor((resolve, reject) => {
        try {
          resolve(fn(...args));
        } catch (err) {
          reject(err);
        }
      });
  const promises = freeze({
    readFile: later(readFileSync),
    writeFile: later(writeFileSync),
    appendFile: later(appendFileSync),
    mkdir: later(mkdirSync),
    readdir: later(readdirSync),
    stat: later(statSync),
    unlink: later(unlinkSync),
    rm: later(rmSync),
    access: later((path: unknown) => {
      const p = normalize(path, 'access');
      if (!nodes[p]) throw fsError('ENOENT', 'no such file or directory', 'access', p);
    }),
  });
  fs.promises = promises;
  return { fs: freeze(fs), promises };
}
