import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import type { TlsFiles } from './tls/tlsMaterial.ts';
import { UserError } from './userError.ts';

/** How to reach etcd: its endpoints, and the TLS identity to present (null for an explicit http:// etcd). */
export interface EtcdTarget {
  endpoints: string[];
  tls: TlsFiles | null;
}

/** Options every command takes, resolved from flags, then the environment, then `<home>/config.json`, then defaults. */
export interface GlobalConfig {
  etcd: EtcdTarget;
  home: string;
}

/** etcd is TLS by default; an `http://` endpoint is the explicit request for a plain one. */
export const DEFAULT_ETCD = 'https://127.0.0.1:2379';

export function parseEtcdEndpoints(text: string, source: string): string[] {
  const endpoints = text.split(',').map((part) => part.trim()).filter((part) => part.length > 0);
  if (endpoints.length === 0) throw new UserError(`${source} is empty: give one or more URLs like ${DEFAULT_ETCD}`);
  for (const endpoint of endpoints) {
    let url: URL;
    try {
      url = new URL(endpoint);
    } catch {
      throw new UserError(`${source} has "${endpoint}", which is not a URL: use e.g. ${DEFAULT_ETCD}`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new UserError(`${source} has "${endpoint}": etcd URLs start with https:// (or http:// for a plain etcd)`);
    }
    if (!url.port) throw new UserError(`${source} has "${endpoint}" without a port: use e.g. ${DEFAULT_ETCD}`);
  }
  const schemes = new Set(endpoints.map((endpoint) => new URL(endpoint).protocol));
  if (schemes.size > 1) throw new UserError(`${source} mixes http:// and https:// endpoints; all members of one etcd speak the same`);
  return endpoints;
}

export function defaultHome(env: NodeJS.ProcessEnv = process.env): string {
  const dataHome = env.XDG_DATA_HOME || join(env.HOME || homedir(), '.local', 'share');
  return join(dataHome, 'photoframe');
}

export interface ConfigFlags {
  etcd?: string;
  home?: string;
  etcdCa?: string;
  etcdCert?: string;
  etcdKey?: string;
}

/** `<home>/config.json`: the same settings as the flags, for a host that always talks to one etcd. */
export interface HomeConfigFile {
  etcd?: string;
  etcd_ca?: string;
  etcd_cert?: string;
  etcd_key?: string;
}

export function homeConfigPath(home: string): string {
  return join(home, 'config.json');
}

function readHomeConfig(home: string): HomeConfigFile {
  const path = homeConfigPath(home);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw new UserError(`cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new UserError(`${path} is not valid JSON (${(error as Error).message.split('\n')[0]}); fix or remove it`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new UserError(`${path} must hold a JSON object`);
  const config = parsed as Record<string, unknown>;
  for (const field of ['etcd', 'etcd_ca', 'etcd_cert', 'etcd_key']) {
    if (config[field] !== undefined && typeof config[field] !== 'string') throw new UserError(`${path}: "${field}" must be a string`);
  }
  return config as HomeConfigFile;
}

export function resolveGlobalConfig(flags: ConfigFlags, env: NodeJS.ProcessEnv = process.env): GlobalConfig {
  const homeText = flags.home ?? env.PHOTOFRAME_HOME;
  if (homeText !== undefined && homeText.trim() === '') throw new UserError('--home is empty: give a folder path');
  const home = resolve(homeText ?? defaultHome(env));
  const file = readHomeConfig(home);

  const [etcdText, etcdSource] =
    flags.etcd !== undefined ? [flags.etcd, '--etcd'] : env.PHOTOFRAME_ETCD !== undefined ? [env.PHOTOFRAME_ETCD, 'PHOTOFRAME_ETCD'] : [file.etcd, homeConfigPath(home)];
  const etcdEndpoints = etcdText === undefined ? [DEFAULT_ETCD] : parseEtcdEndpoints(etcdText, etcdSource);
  const secure = etcdEndpoints[0]!.startsWith('https:');

  const pick = (flag: string | undefined, variable: string, fileValue: string | undefined, fallback: string): string =>
    resolve(flag ?? env[variable] ?? fileValue ?? fallback);
  // Without explicit files, the console's own identity from `photoframe pki init`.
  const pki = join(home, 'pki');
  const tls: TlsFiles | null = secure
    ? {
        ca: pick(flags.etcdCa, 'PHOTOFRAME_ETCD_CA', file.etcd_ca, join(pki, 'ca.crt')),
        cert: pick(flags.etcdCert, 'PHOTOFRAME_ETCD_CERT', file.etcd_cert, join(pki, 'console.crt')),
        key: pick(flags.etcdKey, 'PHOTOFRAME_ETCD_KEY', file.etcd_key, join(pki, 'console.key')),
      }
    : null;
  return { etcd: { endpoints: etcdEndpoints, tls }, home };
}

/** The same target with other TLS files (a display's enrollment bundle). */
export function withEtcd(config: GlobalConfig, etcd: EtcdTarget): GlobalConfig {
  return { ...config, etcd };
}
