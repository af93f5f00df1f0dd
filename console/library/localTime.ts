/**
 * Times as the person at the console reads them: the local clock, with the
 * date only when it is not today. Machines get ISO 8601 (`--json`).
 */
const two = (n: number) => String(n).padStart(2, '0');

export function localDate(date: Date): string {
  return `${date.getFullYear()}-${two(date.getMonth() + 1)}-${two(date.getDate())}`;
}

export function localClock(date: Date, now = new Date()): string {
  const clock = `${two(date.getHours())}:${two(date.getMinutes())}:${two(date.getSeconds())}`;
  return localDate(date) === localDate(now) ? clock : `${localDate(date)} ${clock}`;
}
