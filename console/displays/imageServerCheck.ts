import type { Etcd3 } from 'etcd3';
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
    const response = await fetch(`${info.url}/health`, { signal: AbortSignal.timeout(timeoutMs) });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
  } catch (error) {
    throw new UserError(
      `cannot reach the image server at ${info.url} (${fetchFailureReason(error, timeoutMs)}); start it with \`photoframe serve\``,
    );
  }
  return info;
}
