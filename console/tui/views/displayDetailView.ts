import blessed from 'blessed';
import type { DisplaySettings } from '../../../common/protocol/codecs/settingsCodec.ts';
import { UserError } from '../../../common/userError.ts';
import { putSettings } from '../../displays/displayWrites.ts';
import type { SessionContext } from '../app/consoleApp.ts';
import { viewElement, type View } from '../app/view.ts';
import { ListWidget } from '../widgets/listWidget.ts';
import { actionBindings } from './displayActionKeys.ts';
import { bytesText, displayRow, driftCell, intervalText, type DisplayRow } from './displayRows.ts';
import { cellText } from '../widgets/columns.ts';
import { localClock } from '../../library/localTime.ts';
import { readSetting, settingRows, type SettingRow } from './settingsRows.ts';
import { healthLines } from '../../displays/healthText.ts';

/**
 * One display: what etcd says about it, and every setting the protocol
 * knows with its value, default and what it accepts. Editing checks the value
 * with the protocol's own rules and shows a refusal in place, on the row.
 */
export function displayDetailView(context: SessionContext, displayId: string): View {
  const { etcd, client } = context.services;
  const element = viewElement(context);
  const summary = blessed.box({ screen: context.screen, parent: element, top: 0, left: 0, width: '100%', height: 10, border: { type: 'line' }, tags: true, label: ' Display ' });
  const problems = new Map<string, string>();
  const list = new ListWidget<SettingRow>({
    screen: context.screen,
    parent: element,
    label: 'Settings',
    columns: [
      { title: 'SETTING', width: 15 },
      // What is accepted is read in full: the value column is the one cut.
      { title: 'VALUE', width: 16 },
      { title: 'DEFAULT', width: 10, optional: true },
      { title: 'ACCEPTS / PROBLEM', width: 'flex', min: 35 },
    ],
    cells: (row) => {
      const problem = problems.get(row.name);
      return [
        row.name,
        row.isDefault ? { text: `${row.value} (default)`, tone: 'muted' } : row.value,
        row.defaultValue,
        problem ? { text: problem, tone: 'bad' } : { text: row.accepts, tone: 'muted' },
      ];
    },
    empty: '',
    position: { top: 10, left: 0, width: '100%', height: '100%-10' },
  });
  list.setFocused(true);
  const current = () => {
    const row = displayRow(context.services.hub.library, etcd, displayId);
    if (!row) throw new UserError(`display ${displayId} is no longer known`);
    return row;
  };
  const refresh = () => {
    const row = displayRow(context.services.hub.library, etcd, displayId);
    if (!row) {
      summary.setContent('{red-fg}this display is no longer known (forgotten?); q goes back{/red-fg}');
      return;
    }
    const keys = row.keys;
    summary.setContent(
      [
        // Each line fits 80 columns for usual names: a wrapped line would push the last one out of the box.
        `{bold}${blessed.escape(row.name)}{/bold}  ${row.online ? '{green-fg}online{/green-fg}' : '{grey-fg}offline{/grey-fg}'}  id ${blessed.escape(row.id)}  host ${blessed.escape(row.hostname ?? '—')}`,
        `album ${blessed.escape(keys?.album?.name ?? row.album ?? '—')} · ${keys?.images ?? '—'} images · interval ${intervalText(keys?.settings) ?? '—'} · ${keys?.paused ? 'paused' : 'running'} · power ${blessed.escape(keys?.powerState ?? 'on')} · version ${blessed.escape(row.version ?? '—')}`,
        `{grey-fg}${blessed.escape(reportLine(row))}{/grey-fg}`,
        ...healthLines({ online: row.online, status: keys?.status ?? null, statusSeenAt: keys?.statusSeenAt ?? null, writtenRevision: keys?.writtenRevision ?? null, now: new Date() }).map((line) =>
          blessed.escape(line),
        ),
      ].join('\n'),
    );
    list.setRows(settingRows(keys?.settings), (r) => r.name);
  };
  const edit = async () => {
    const row = list.selected();
    if (!row) return;
    const text = await context.prompt(`${row.name} (${row.accepts}): `, row.value);
    if (text === null) return;
    const parsed = readSetting(row.name, text);
    if (!parsed.ok) {
      // Shown on the row itself, where the person is looking; nothing is written.
      problems.set(row.name, parsed.error);
      list.draw();
      context.status(parsed.error, true);
      return;
    }
    problems.delete(row.name);
    const name = current().name;
    await context.run(async () => {
      await putSettings(client, displayId, name, { [parsed.value[0]]: parsed.value[1] } as Partial<DisplaySettings>);
      context.services.events.add(context.who, `set ${row.name}=${text} on ${name}`);
      return `${row.name} set to ${text} on ${name}`;
    });
  };
  return {
    get title() {
      return `Display ${displayRow(context.services.hub.library, etcd, displayId)?.name ?? displayId}`;
    },
    element,
    list,
    keys: {
      title: 'display',
      bindings: [
        { keys: ['enter', 'e'], hint: 'edit', description: 'edit the selected setting (checked by the protocol\'s rules)', run: edit },
        ...actionBindings(context, () => displayId),
      ],
    },
    refresh,
    target: () => displayId,
  };
}

/** What the viewer last reported, as the table's PHOTO, DRIFT and DISK columns show it; w asks it afresh. */
function reportLine(row: DisplayRow): string {
  const status = row.keys?.status;
  if (!status) return 'its viewer has not reported yet (photo, drift, free disk); w asks what it shows';
  const shownAt = status.shown_at ? new Date(status.shown_at) : null;
  const since = shownAt && !Number.isNaN(shownAt.getTime()) ? ` since ${localClock(shownAt)}` : '';
  const drift = cellText(driftCell(row.keys));
  const free = status.free_bytes === null || status.free_bytes === undefined ? '—' : bytesText(status.free_bytes);
  return `on screen ${row.photo ?? 'nothing'}${since} · drift ${drift} · free disk ${free} · w asks afresh`;
}
