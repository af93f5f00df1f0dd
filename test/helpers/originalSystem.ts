import { execFile, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

/**
 * The original Python system's two sides, played by scripts on Debian's
 * python3-etcd3 (test/original/). /usr/bin/python3 by path: another python3
 * earlier on PATH (pyenv) would not have Debian's etcd3 module.
 */
const PYTHON = '/usr/bin/python3';
const script = (name: string) => fileURLToPath(new URL(`../original/${name}`, import.meta.url));

export interface ScriptResult {
  code: number;
  stdout: string;
  stderr: string;
}

function runPython(file: string, args: string[]): Promise<ScriptResult> {
  return new Promise((resolve) => {
    execFile(PYTHON, [script(file), ...args], { timeout: 30_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
    });
  });
}

/** `original_server.py ENDPOINT TOPIC DISPLAY ARGS...`: one write as the original server makes it. */
export async function originalServer(endpoint: string, topic: string, display: string, ...args: string[]): Promise<ScriptResult> {
  return runPython('original_server.py', [endpoint, topic, display, ...args]);
}

/** `original_viewer.py COMMAND ARGS...`: reads, watches or registers as the original viewer does; prints JSON. */
export async function originalViewer(command: string, ...args: string[]): Promise<unknown> {
  const result = await runPython('original_viewer.py', [command, ...args]);
  if (result.code !== 0) throw new Error(`original_viewer.py ${command} failed (${result.code}): ${result.stderr.trim().split('\n').slice(-3).join(' / ')}`);
  return JSON.parse(result.stdout) as unknown;
}

/**
 * Starts the original viewer's one-event watch loop on a display and resolves
 * once it is listening; `heard` resolves with the keys it heard, in order.
 */
export async function originalViewerListening(endpoint: string, display: string, count: number, timeoutS: number): Promise<{ heard: Promise<string[]> }> {
  const child = spawn(PYTHON, [script('original_viewer.py'), 'hear', endpoint, display, String(count), String(timeoutS)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  const first = await lines.next();
  if (first.value !== 'ready') throw new Error(`original_viewer.py hear did not start: ${stderr.trim()}`);
  const heard = lines.next().then((result) => {
    if (result.done) throw new Error(`original_viewer.py hear failed: ${stderr.trim()}`);
    return JSON.parse(result.value as string) as string[];
  });
  return { heard };
}
