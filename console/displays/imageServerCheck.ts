import type { Etcd3 } from 'etcd3';
import { get as httpsGet } from 'node:https';
import { decodeImageServer, type ImageServerInfo } from '../../common/protocol/codecs/imageServerCodec.ts';
import { IMAGE_SERVER_KEY } from '../../common/protocol/systemKeys.ts';
import { fetchFailureReason } from '../../common/net/fetchFailure.ts';
import { UserError } from '../../common/userError.ts';

/**
 * Assigning photos that no display can fetch would leave screens black, so the
 * console checks the published image server answers before it writes.
 */
export async function requireReachableImageServer(client: Etcd3, timeoutMs = 3000): Promise<ImageServerInfo> {
  const raw = await client.get(IMAGE_SERVER_KEY).string();
  if (raw === null) {
    throw new UserError('no image server is published in etcd; start one with `photoframe serve`, then try again');
  }
  const decoded = decodeImageServer(raw);
  if (!decoded.ok) {
    throw new UserError(`the image server entry ${IMAGE_SERVER_KEY} is malformed (${decoded.error}); restart \`photoframe serve\``);
  }
  const info = decoded.value;
  try {
    if (info.url.startsWith('https://')) await probeHttps(`${info.url}/health`, timeoutMs);
    else {
      const response = await fetch(`${info.url}/health`, { signal: AbortSignal.timeout(timeoutMs) });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
    }
  } catch (error) {
    throw new UserError(
      `cannot reach the image server at ${info.url} (${fetchFailureReason(error, timeoutMs)}); start it with \`photoframe serve\``,
    );
  }
  return info;
}

/**
 * Whether an HTTPS image server answers at all. The probe sends nothing secret
 * and only decides whether to warn, so it does not verify the server: the
 * viewers do, against the installation's CA, on every fetch.
 */
function probeHttps(url: string, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const request = httpsGet(url, { rejectUnauthorized: false, timeout: timeoutMs }, (response) => {
      response.resume();
      // Any HTTP answer means it is up; a 401 only says this probe has no display certificate.
      resolve();
    });
    request.once('timeout', () => request.destroy(Object.assign(new Error('no answer in time'), { code: 'ETIMEDOUT' })));
    request.once('error', reject);
  });
}
