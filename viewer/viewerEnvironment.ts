import { DEFAULT_CACHE_BUDGET } from './imageCache.ts';
import type { CacheBudget } from './cacheEviction.ts';
import { DEFAULT_DOWNLOAD_LIMITS, type DownloadLimits } from './imageDownload.ts';

/**
 * The viewer's resource limits from its environment: on a Pi they are set in
 * /etc/photoframe/viewer.env, which the systemd unit reads.
 *
 * - PHOTOFRAME_MAX_DOWNLOAD_MB: the largest photo download accepted (default 64)
 * - PHOTOFRAME_CACHE_MB: the most the photo cache may hold (default 2048)
 * - PHOTOFRAME_CACHE_MIN_FREE_MB: free disk the cache always leaves (default 256)
 * - PHOTOFRAME_IMAGE_STALL_SECONDS: the longest a photo's decode check may take, and a download may go
 *   without a byte before it counts as stalled (default 30)
 */
export interface ViewerLimits {
  download: DownloadLimits;
  cache: CacheBudget;
}

export function viewerLimitsFromEnv(env: NodeJS.ProcessEnv): ViewerLimits {
  return {
    download: {
      ...DEFAULT_DOWNLOAD_LIMITS,
      maxBytes: bytesFromEnv(env, 'PHOTOFRAME_MAX_DOWNLOAD_MB', DEFAULT_DOWNLOAD_LIMITS.maxBytes),
      stallMs: secondsFromEnv(env, 'PHOTOFRAME_IMAGE_STALL_SECONDS', DEFAULT_DOWNLOAD_LIMITS.stallMs),
    },
    cache: {
      maxBytes: bytesFromEnv(env, 'PHOTOFRAME_CACHE_MB', DEFAULT_CACHE_BUDGET.maxBytes),
      minFreeBytes: bytesFromEnv(env, 'PHOTOFRAME_CACHE_MIN_FREE_MB', DEFAULT_CACHE_BUDGET.minFreeBytes),
    },
  };
}

function bytesFromEnv(env: NodeJS.ProcessEnv, variable: string, fallback: number): number {
  const text = env[variable];
  if (text === undefined || text.trim() === '') return fallback;
  const megabytes = Number(text);
  if (!Number.isFinite(megabytes) || megabytes < 0) {
    throw new Error(`${variable} must be a number of MiB, got "${text.slice(0, 40)}"`);
  }
  return Math.round(megabytes * 1024 * 1024);
}

function secondsFromEnv(env: NodeJS.ProcessEnv, variable: string, fallbackMs: number): number {
  const text = env[variable];
  if (text === undefined || text.trim() === '') return fallbackMs;
  const seconds = Number(text);
  if (!Number.isFinite(seconds) || seconds < 0.1 || seconds > 3600) {
    throw new Error(`${variable} must be a number of seconds from 0.1 to 3600, got "${text.slice(0, 40)}"`);
  }
  return Math.round(seconds * 1000);
}
