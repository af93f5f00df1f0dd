/**
 * grpc-js always sets the TLS server name, even to an IP address, and Node
 * then prints a two-line deprecation (DEP0123) that no one can act on: our
 * certificates carry IP addresses as such, and verification is unaffected.
 * Every other warning still prints.
 */
export function silenceIpServerNameWarning(): void {
  const emit = process.emitWarning.bind(process) as (...args: unknown[]) => void;
  process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
    const code = typeof rest[0] === 'object' && rest[0] !== null ? (rest[0] as { code?: string }).code : rest[1];
    if (code === 'DEP0123') return;
    emit(warning, ...rest);
  }) as typeof process.emitWarning;
}
