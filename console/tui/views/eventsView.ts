import blessed from 'blessed';
import Log from 'blessed-contrib/lib/widget/log.js';
import type { ConsoleEvent } from '../app/eventLog.ts';
import { localClock } from '../../library/localTime.ts';
import type { SessionContext } from '../app/consoleApp.ts';
import { viewElement, type View } from '../app/view.ts';

export function eventLine(event: ConsoleEvent): string {
  const time = localClock(event.at).slice(-8);
  const text = blessed.escape(`${time}  ${event.who.padEnd(16)} ${event.what}`);
  return event.error ? `{red-fg}${text}{/red-fg}` : text;
}

/** What changed, who changed it, and the errors, newest last: blessed-contrib's log. */
export function eventsView(context: SessionContext): View {
  const element = viewElement(context);
  const log = new Log({
    screen: context.screen,
    parent: element,
    top: 0,
    left: 0,
    width: '100%',
    height: '100%',
    label: ' Events ',
    border: { type: 'line' },
    tags: true,
    bufferLength: 200,
    style: { border: { fg: 'cyan' } },
  }) as blessed.Widgets.ListElement & { log(line: string): void };
  let shown = 0;
  const refresh = () => {
    const events = context.services.events;
    // An empty pane looks broken; say that nothing has happened yet, until something does.
    if (events.total === 0) log.setItems(['{grey-fg}no events yet: changes, who made them, and errors appear here{/grey-fg}'] as never);
    const fresh = events.list().slice(Math.max(0, events.list().length - (events.total - shown)));
    for (const event of fresh) log.log(eventLine(event));
    shown = events.total;
  };
  return { title: 'Events', element, keys: { title: 'events', bindings: [] }, refresh };
}
