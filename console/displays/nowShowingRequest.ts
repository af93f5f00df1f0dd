import type { Etcd3 } from 'etcd3';
import { randomUUID } from 'node:crypto';
import { decodeNowShowing, nowShowingKey, type NowShowing } from '../../common/protocol/codecs/commandCodecs.ts';
import { UserError } from '../../common/userError.ts';
import { displayAnswerKey } from '../../common/protocol/systemKeys.ts';
import { putTopic } from './displayWrites.ts';

export class NoAnswerError extends UserError {
  constructor(displayName: string, timeoutMs: number) {
    super(`display ${displayName} did not say what it shows within ${timeoutMs / 1000} s; is it online? (see \`photoframe displays\`)`);
    this.name = 'NoAnswerError';
  }
}

/**
 * "What is on screen now": writes a fresh request id to the display's
 * `current_display` and waits for its answer at `/R:` (or, from an enrolled
 * display, at `/photoframe/answers/<id>/R`). The watches are open
 * before the request is written, so the answer cannot slip past; nothing polls.
 */
export async function askNowShowing(client: Etcd3, displayId: string, displayName: string, timeoutMs = 5000): Promise<NowShowing> {
  const requestId = randomUUID();
  // An original or plain-mode viewer answers at `/R:`; an enrolled one, whose role forbids that key, under its own answers prefix.
  const watchers = await Promise.all([
    client.watch().key(nowShowingKey(requestId)).create(),
    client.watch().key(displayAnswerKey(displayId, requestId)).create(),
  ]);
  try {
    const answer = new Promise<NowShowing>((resolve) => {
      for (const watcher of watchers) {
        watcher.on('put', (kv) => {
          const decoded = decodeNowShowing(kv.value.toString());
          if (decoded.ok) resolve(decoded.value);
        });
      }
    });
    await putTopic(client, displayId, 'current_display', requestId);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new NoAnswerError(displayName, timeoutMs)), timeoutMs);
    });
    try {
      return await Promise.race([answer, timeout]);
    } finally {
      clearTimeout(timer);
    }
  } finally {
    await Promise.all(watchers.map((watcher) => watcher.cancel().catch(() => {})));
  }
}
