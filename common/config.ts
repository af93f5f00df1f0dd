import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { UserError } from './userError.ts';

/** Options every command takes, resolved from flags, then the environment, then defaults. */
export interface GlobalConfig {
  etcdEndpoints: string[];
  home: string;
}

export const DEFAULT_ETCD = 'http://127.0.0.1:2379';

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
      throw new UserError(`${source} has "${endpoint}": etcd URLs start with http:// or https://`);
    }
    if (!url.port) throw new UserError(`${source} has "${endpoint}" without a port: use e.g. ${DEFAULT_ETCD}`);
  }
  return endpoints;
}

export function defaultHome(env: NodeJS.ProcessEnv = process.env): string {
  const dataHome = env.XDG_DATA_HOME || join(env.HOME || homedir(), '.local', 'share');
  return join(dataHome, 'photoframe');
}

export function resolveGlobalConfig(flags: { etcd?: string; home?: string }, env: NodeJS.ProcessEnv = process.env): GlobalConfig {
  const etcdText = flags.etcd ?? env.PHOTOFRAME_ETCD;
  const etcdSource = flags.etcd !== undefined ? '--etcd' : 'PHOTOFRAME_ETCD';
  const etcdEndpoints = etcdText === undefined ? [DEFAULT_ETCD] : parseEtcdEndpoints(etcdText, etcdSource);
  const homeText = flags.home ?? env.PHOTOFRAME_HOME;
  if (homeText !== undefined && homeText.trim() === '') throw new UserError('--home is empty: give a folder path');
  return { etcdEndpoints, home: resolve(homeText ?? defaultHome(env)) };
}
