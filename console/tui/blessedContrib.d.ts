// blessed-contrib ships no types; the console loads only the widgets it uses, by file, so
// starting a session does not load the map and chart code (and their data) it never shows.
declare module 'blessed-contrib/lib/widget/log.js' {
  const Log: new (options: Record<string, unknown>) => unknown;
  export default Log;
}
